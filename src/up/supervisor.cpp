#include "up/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/event_loop.h"
#include "core/process.h"
#include "core/signals.h"
#include "up/probe.h"

namespace wc::up {
namespace {

struct Child {
  const ChildSpec* spec = nullptr;
  pid_t pid = 0;
  bool ready = false;       // listened since its last start
  bool ever_ready = false;  // listened at least once (start-up is over for it)
  uint64_t started_ms = 0;
  int backoff_ms = 0;
  off_t output_start = 0;  // size of the output file when this run began
  core::Timer restart;
};

off_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

std::string command_line(const std::string& program, const std::vector<std::string>& argv) {
  std::string out = program;
  for (const std::string& a : argv) {
    out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t'\"$\\;&|<>(){}*?") == std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

class Supervisor {
 public:
  Supervisor(const std::vector<ChildSpec>& specs, const SupervisorOptions& options)
      : options_(options) {
    for (const ChildSpec& spec : specs) {
      auto child = std::make_unique<Child>();
      child->spec = &spec;
      child->backoff_ms = options.backoff_first_ms;
      children_.push_back(std::move(child));
    }
    if (!options_.say) {
      options_.say = [](const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
      };
    }
  }

  int run() {
    auto loop = core::EventLoop::create();
    if (!loop) return fatal("epoll: " + loop.error().message);
    loop_ = loop->get();
    auto signals = core::SignalSet::open({SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD},
                                         [this](int signo) { on_signal(signo); });
    if (!signals) return fatal("signals: " + signals.error().message);
    if (auto s = (*signals)->attach(*loop_); !s) return fatal("signals: " + s.error().message);
    loop_->update_time();
    start_deadline_ = loop_->now_ms() + static_cast<uint64_t>(options_.ready_timeout_ms);
    for (auto& child : children_) {
      child->restart.set_callback([this, c = child.get()] { start(*c); });
      start(*child);
      if (stopping_) break;
    }
    core::Timer poll([this] { poll_ready(); });
    poll_ = &poll;
    if (!stopping_) loop_->arm(poll, 50);
    grace_.set_callback([this] { kill_all(SIGKILL, "did not stop within the grace period"); });
    if (!stopping_ || running() > 0) loop_->run();
    loop_->cancel(poll);
    loop_->cancel(grace_);
    for (auto& child : children_) loop_->cancel(child->restart);
    poll_ = nullptr;
    signals->reset();
    loop->reset();
    return exit_code_;
  }

 private:
  int fatal(const std::string& message) {
    options_.say("webcycle up: " + message);
    return 1;
  }

  size_t running() const {
    return static_cast<size_t>(std::count_if(children_.begin(), children_.end(),
                                             [](const auto& c) { return c->pid > 0; }));
  }

  void start(Child& c) {
    if (stopping_) return;
    const ChildSpec& spec = *c.spec;
    c.output_start = file_size(spec.output);
    const pid_t parent = ::getpid();
    const std::string& program = options_.program;
    auto pid = core::spawn([&]() -> int {
      // In the child: own process group (a terminal's Ctrl-C is up's to handle), dies with up.
      core::unblock_all_signals();
      (void)::setpgid(0, 0);
      (void)::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) return 1;
      int out = ::open(spec.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (out >= 0) {
        (void)::dup2(out, 1);
        (void)::dup2(out, 2);
      }
      int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (in >= 0) (void)::dup2(in, 0);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>("webcycle"));
      for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      std::string err =
          "webcycle up: execv(\"" + program + "\") failed: " + std::strerror(errno) + "\n";
      (void)!::write(2, err.data(), err.size());
      return 127;
    });
    if (!pid) {
      options_.say("webcycle up: cannot start " + spec.name + ": " + pid.error().message);
      begin_stop(1);
      return;
    }
    c.pid = *pid;
    c.ready = false;
    c.started_ms = loop_->now_ms();
    options_.say("webcycle up: " + spec.name + " (pid " + std::to_string(c.pid) +
                 "): " + command_line("webcycle", spec.argv));
    if (poll_ != nullptr && !poll_->armed()) loop_->arm(*poll_, 50);
  }

  bool probe(const Child& c) const {
    const ChildSpec& spec = *c.spec;
    if (spec.probe == ChildSpec::Probe::kDns) return probe_dns(spec.address, spec.dns_name, 200);
    if (spec.probe == ChildSpec::Probe::kHttp) return probe_http(spec.address, 500);
    return probe_tcp(spec.address, 200);
  }

  void poll_ready() {
    if (stopping_) return;
    bool waiting = false;
    for (auto& child : children_) {
      Child& c = *child;
      if (c.pid <= 0 || c.ready) continue;
      if (probe(c)) {
        c.ready = true;
        if (c.ever_ready) {
          options_.say("webcycle up: " + c.spec->name + " (pid " + std::to_string(c.pid) +
                       ") listens again on " + c.spec->address);
        }
        c.ever_ready = true;
      } else {
        waiting = true;
      }
    }
    if (!announced_ && std::all_of(children_.begin(), children_.end(),
                                   [](const auto& c) { return c->ever_ready; })) {
      announced_ = true;
      if (options_.on_ready) options_.on_ready();
    }
    if (!announced_ && loop_->now_ms() > start_deadline_) {
      for (auto& child : children_) {
        if (!child->ever_ready) {
          options_.say("webcycle up: " + child->spec->name + " did not listen on " +
                       child->spec->address + " within " +
                       std::to_string(options_.ready_timeout_ms / 1000) + " s" +
                       output_tail(*child));
        }
      }
      begin_stop(1);
      return;
    }
    if (waiting || !announced_) loop_->arm(*poll_, 100);
  }

  std::string output_tail(const Child& c) const {
    std::ifstream in(c.spec->output, std::ios::binary);
    if (!in) return "";
    in.seekg(c.output_start);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    std::vector<std::string> lines;
    std::istringstream split(s);
    for (std::string line; std::getline(split, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    if (lines.size() > 12) lines.erase(lines.begin(), lines.end() - 12);
    std::string out;
    if (!lines.empty()) out = "; its output (" + c.spec->output + "):";
    for (const std::string& line : lines) out += "\n  " + line;
    return c.spec->explain ? c.spec->explain(out) : out;
  }

  void on_signal(int signo) {
    switch (signo) {
      case SIGCHLD:
        on_exits();
        break;
      case SIGHUP:
        if (stopping_) break;
        options_.say("webcycle up: HUP: reloading every child");
        if (options_.on_hup) options_.on_hup();
        for (auto& child : children_) {
          if (child->pid > 0) (void)core::send_signal(child->pid, SIGHUP);
        }
        break;
      default:
        if (stopping_) {
          // Ctrl-C again: the user is done waiting. A repeated TERM is not that: `timeout` and
          // service managers send one to the process and one to its group, and both reach `up`.
          if (signo == SIGINT) kill_all(SIGKILL, "Ctrl-C again");
        } else {
          options_.say(std::string("webcycle up: ") + ::sigabbrev_np(signo) +
                       ": stopping every child");
          begin_stop(0);
        }
    }
  }

  void on_exits() {
    for (const core::ExitedChild& e : core::reap()) {
      for (auto& child : children_) {
        Child& c = *child;
        if (c.pid != e.pid) continue;
        c.pid = 0;
        c.ready = false;
        const std::string how = core::describe_exit(e.status);
        if (stopping_) break;
        if (!c.ever_ready) {
          options_.say("webcycle up: " + c.spec->name + " " + how + " before it listened on " +
                       c.spec->address + output_tail(c));
          begin_stop(1);
          break;
        }
        const uint64_t ran = loop_->now_ms() - c.started_ms;
        if (ran >= static_cast<uint64_t>(options_.stable_ms))
          c.backoff_ms = options_.backoff_first_ms;
        options_.say("webcycle up: " + c.spec->name + " (pid " + std::to_string(e.pid) + ") " +
                     how + "; restarting it in " + std::to_string(c.backoff_ms) + " ms");
        loop_->arm(c.restart, static_cast<uint64_t>(c.backoff_ms));
        c.backoff_ms = std::min(c.backoff_ms * 2, options_.backoff_max_ms);
        break;
      }
    }
    if (stopping_ && running() == 0) loop_->stop();
  }

  void begin_stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    for (auto& child : children_) loop_->cancel(child->restart);
    // The web server first (it stops taking requests), then the apps, then dns: reverse order.
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if ((*it)->pid > 0) (void)core::send_signal((*it)->pid, SIGTERM);
    }
    if (running() == 0) {
      loop_->stop();
      return;
    }
    loop_->arm(grace_, static_cast<uint64_t>(options_.grace_ms));
  }

  void kill_all(int signo, const char* why) {
    for (auto& child : children_) {
      if (child->pid <= 0) continue;
      options_.say("webcycle up: " + child->spec->name + " (pid " + std::to_string(child->pid) +
                   "): " + why + ", sending KILL");
      (void)core::send_signal(child->pid, signo);
    }
  }

  SupervisorOptions options_;
  std::vector<std::unique_ptr<Child>> children_;
  core::EventLoop* loop_ = nullptr;
  core::Timer* poll_ = nullptr;
  core::Timer grace_;
  uint64_t start_deadline_ = 0;
  bool announced_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace

std::string tail_of_file(const std::string& path, size_t max_lines) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() > max_lines)
    lines.erase(lines.begin(), lines.end() - static_cast<long>(max_lines));
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

int supervise(const std::vector<ChildSpec>& children, const SupervisorOptions& options) {
  Supervisor supervisor(children, options);
  return supervisor.run();
}

}  // namespace wc::up
