// Processes: fork-based workers, reaping, exit descriptions, pid files, CPU count.
// Called from the master's loop thread; nothing here is thread-safe beyond what the calls are.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wc::core {

// fork(); the child runs `child_main` and _exit()s with its return value (no atexit handlers, no
// static destructors, no stdio flush of the parent's buffers). The child inherits the signal
// mask and every fd; it must not use the parent's EventLoop (see EventLoop::abandon_after_fork).
// Returns the child's pid in the parent. Errors: fork's (EAGAIN, ENOMEM).
[[nodiscard]] Result<pid_t> spawn(std::function<int()> child_main);

struct ExitedChild {
  pid_t pid = 0;
  int status = 0;  // raw waitpid status: use describe_exit / WIFEXITED & co.
};

// Every child that has exited so far (waitpid(-1, WNOHANG) until none). Never blocks. Call on
// SIGCHLD (signals coalesce, so one SIGCHLD may stand for several children).
[[nodiscard]] std::vector<ExitedChild> reap();
// Waits (blocking) for `pid` to exit; for tests and shutdown. Errors: waitpid's.
[[nodiscard]] Result<int> wait_for(pid_t pid);

// "exited with code 1", "killed by signal 9", "killed by signal 11 (core dumped)".
[[nodiscard]] std::string describe_exit(int status);
// True when the child ended with code 0.
[[nodiscard]] bool exited_cleanly(int status) noexcept;

// Writes "PID\n" (this process's pid) to `path`, replacing it (0644). Errors: open/write's.
[[nodiscard]] Status write_pid_file(const std::string& path);
// Reads a pid written by write_pid_file. Errors: open/read's, or `invalid PID number "x" in
// "path"` like nginx -s.
[[nodiscard]] Result<pid_t> read_pid_file(const std::string& path);
// kill(pid, signo) with an nginx-style error: `kill(1234, 1) failed (3: No such process)`.
[[nodiscard]] Status send_signal(pid_t pid, int signo);

// CPUs this process may run on (sched_getaffinity), at least 1: `worker_processes auto`.
[[nodiscard]] unsigned cpu_count() noexcept;
// Pins the calling process to one CPU (worker_cpu_affinity / benchmarks). Errors:
// sched_setaffinity's.
[[nodiscard]] Status pin_to_cpu(unsigned cpu);

}  // namespace wc::core
