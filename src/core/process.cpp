#include "core/process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wc::core {

Result<pid_t> spawn(std::function<int()> child_main) {
  pid_t pid = ::fork();
  if (pid < 0) return sys_fail("fork()");
  if (pid == 0) {
    int code = child_main();
    ::_exit(code);
  }
  return pid;
}

std::vector<ExitedChild> reap() {
  std::vector<ExitedChild> out;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      out.push_back({pid, status});
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;  // 0: children remain but none has exited; ECHILD: no children
  }
  return out;
}

Result<int> wait_for(pid_t pid) {
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, 0) == pid) return status;
    if (errno != EINTR) return sys_fail("waitpid(" + std::to_string(pid) + ")");
  }
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string s = "killed by signal " + std::to_string(WTERMSIG(status));
    if (WCOREDUMP(status)) s += " (core dumped)";
    return s;
  }
  if (WIFSTOPPED(status)) return "stopped by signal " + std::to_string(WSTOPSIG(status));
  return "changed state (status " + std::to_string(status) + ")";
}

bool exited_cleanly(int status) noexcept { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

Status write_pid_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sys_fail("open() \"" + path + "\"");
  const std::string text = std::to_string(::getpid()) + "\n";
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return sys_fail("write() to \"" + path + "\"", n < 0 ? err : EIO);
  }
  return {};
}

Result<pid_t> read_pid_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_fail("open() \"" + path + "\"");
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return sys_fail("read() \"" + path + "\"", err);
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  long long pid = 0;
  bool ok = !text.empty() && text.size() <= 10;
  for (char c : text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    pid = pid * 10 + (c - '0');
  }
  if (!ok || pid <= 0 || pid > 0x7fffffff) {
    return fail("invalid PID number \"" + std::string(text) + "\" in \"" + path + "\"");
  }
  return static_cast<pid_t>(pid);
}

Status send_signal(pid_t pid, int signo) {
  if (::kill(pid, signo) < 0) {
    return sys_fail("kill(" + std::to_string(pid) + ", " + std::to_string(signo) + ")");
  }
  return {};
}

unsigned cpu_count() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

Status pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) < 0) {
    return sys_fail("sched_setaffinity(" + std::to_string(cpu) + ")");
  }
  return {};
}

}  // namespace wc::core
