// The supervisor of `webcycle up`: runs each child (the one binary re-executed as `dns`, `app` or
// `web`), waits until each listens, then keeps them alive until it is told to stop.
//
// Signals (of the `up` process; the children run in their own process group, so a terminal's
// Ctrl-C reaches `up` alone and `up` stops them in its own way):
//   INT, TERM, QUIT  TERM to each child by PID; after `grace_ms` KILL to those still running; exit
//                    0 once all have been reaped. A second INT (Ctrl-C again) sends KILL at once;
//                    a repeated TERM or QUIT changes nothing.
//   HUP              on_hup (up re-reads the stack file and re-writes the web server's config),
//   then
//                    passed on to each child (each reloads: web re-reads that config and replaces
//                    its workers, the apps replace their workers, dns re-reads its zones).
//   CHLD             a child that exits before it listened the first time: `up` stops everything
//                    and exits 1, printing the end of that child's output (its error). A child
//                    that exits later is restarted after a back-off (0.5 s, doubling up to 30 s,
//                    back to 0.5 s once a run lasted 30 s).
// Each child gets PR_SET_PDEATHSIG(SIGTERM), so a `up` killed outright takes its children along.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace wc::up {

struct ChildSpec {
  enum class Probe { kTcp, kHttp, kDns };
  std::string name;               // "dns", "app search", "web": in messages
  std::vector<std::string> argv;  // after the program: {"web", "-c", "/run/.../webcycle.conf"}
  Probe probe = Probe::kTcp;
  std::string address;   // what the probe connects to ("127.0.0.1:8001")
  std::string dns_name;  // kDns: the name to ask for
  std::string output;    // file the child's stdout and stderr are appended to
  // Rewrites the child's output before `up` shows it (the web server's messages about the
  // generated config name the stack file's line too). Optional.
  std::function<std::string(const std::string&)> explain;
};

struct SupervisorOptions {
  std::string program = "/proc/self/exe";  // what each child execs
  int ready_timeout_ms = 30000;            // a child not listening by then stops `up` (exit 1)
  int grace_ms = 10000;                    // TERM -> KILL
  int backoff_first_ms = 500;
  int backoff_max_ms = 30000;
  int stable_ms = 30000;  // a run this long resets the back-off
  // Called once, when every child listens (prints the table).
  std::function<void()> on_ready;
  // Called on HUP before the children get it (re-writes the web server's config). Optional.
  std::function<void()> on_hup;
  // Status lines ("webcycle up: ...") go here; default stderr.
  std::function<void(const std::string&)> say;
};

// Runs the children until a stop signal; returns up's exit code (0 stopped by a signal, 1 a child
// could not start or the supervisor's own set-up failed). Call from a single-threaded process.
[[nodiscard]] int supervise(const std::vector<ChildSpec>& children,
                            const SupervisorOptions& options);

// The last `max_lines` lines of `path` (a child's output), for "could not start" messages.
[[nodiscard]] std::string tail_of_file(const std::string& path, size_t max_lines);

}  // namespace wc::up
