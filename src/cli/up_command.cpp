// `webcycle up`: the whole cycle on one machine (SPEC.md "webcycle up").
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "up/up.h"

namespace {

using wc::cli::bad_usage;

constexpr const char* kUpUsage =
    "usage: webcycle up [STACK.conf] [--port PORT] [--tls-port PORT] [--dns-port PORT]\n"
    "                   [--runtime-dir DIR] [--grace SECONDS] [-t]\n"
    "\n"
    "Starts everything the stack file names (its dns block: `webcycle dns`; each app block:\n"
    "`webcycle app`; the rest, the web server's config: `webcycle web`), checks each listens,\n"
    "prints what listens where, the logs, and the browse commands to try, and keeps them\n"
    "running (a child that dies is restarted) until Ctrl-C or TERM stops them all.\n"
    "Without STACK.conf: the demo stack installed with webcycle (share/webcycle/demo).\n"
    "\n"
    "options:\n"
    "  --port PORT         the web server's port instead of the stack's `listen 80`\n"
    "                      (default: 80 where it can be bound, else 8080)\n"
    "  --tls-port PORT     the HTTPS port instead of the stack's `listen 443 ssl` (default:\n"
    "                      443 where it can be bound, else 8443; with --port, a free one);\n"
    "                      the certificate comes from a CA made for the stack (RUNTIME/ca.pem)\n"
    "  --dns-port PORT     the DNS server's port instead of the dns block's listen ports\n"
    "  --runtime-dir DIR   generated config, resolv.conf and logs (default:\n"
    "                      $XDG_RUNTIME_DIR/webcycle-up/NAME or /tmp/webcycle-up-UID/NAME,\n"
    "                      NAME = the stack file's folder name)\n"
    "  --grace SECONDS     how long children have to stop on Ctrl-C before KILL (default 10)\n"
    "  -t, --check         read the stack file, say whether it is ok, start nothing\n"
    "  -h, --help          this help\n"
    "\n"
    "stack file: nginx syntax; the web server's config plus\n"
    "  dns { listen ADDR:PORT; zone ORIGIN FILE; hosts FILE; query_log FILE; }\n"
    "  app NAME { module M:APP; chdir DIR; bind ADDR:PORT; workers N;\n"
    "             access_log FILE; error_log FILE; env KEY=VALUE; }\n"
    "  client { hosts FILE; search URL_TEMPLATE; try BROWSE_ARGS...; }\n"
    "relative paths are the stack file's folder's; logs go to the runtime folder.\n"
    "\n"
    "signals: INT/TERM/QUIT stop every child (TERM, then KILL after the grace period),\n"
    "HUP re-reads the stack file's web server part and reloads every child.\n";

bool parse_port(std::string_view text, uint16_t* out) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

int up_command(int argc, char** argv) {
  wc::up::UpOptions options;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUpUsage, stdout);
      return 0;
    }
    std::string name(arg);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (arg == "-t" || arg == "--check") {
      options.check_only = true;
    } else if (name == "--port" || name == "--dns-port" || name == "--tls-port") {
      if (!take()) return bad_usage("up", "up: option \"" + name + "\" requires a value");
      uint16_t port = 0;
      if (!parse_port(value, &port)) {
        return bad_usage("up", "up: invalid value \"" + value + "\" for option \"" + name +
                                   "\" (a port, 1-65535)");
      }
      (name == "--port"       ? options.web_port
       : name == "--tls-port" ? options.tls_port
                              : options.dns_port) = port;
    } else if (name == "--runtime-dir") {
      if (!take() || value.empty()) {
        return bad_usage("up", "up: option \"--runtime-dir\" requires a value");
      }
      options.runtime_dir = value;
    } else if (name == "--grace") {
      if (!take()) return bad_usage("up", "up: option \"--grace\" requires a value");
      unsigned seconds = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || end != value.data() + value.size() || seconds > 3600) {
        return bad_usage("up", "up: invalid value \"" + value + "\" for option \"--grace\"");
      }
      options.grace_ms = static_cast<int>(seconds) * 1000;
    } else if (arg.starts_with("-") && arg.size() > 1) {
      return bad_usage("up", "up: invalid option \"" + std::string(arg) + "\"");
    } else if (options.stack_path.empty()) {
      options.stack_path = std::string(arg);
    } else {
      return bad_usage("up", "up: one stack file only (\"" + std::string(arg) + "\" is a second)");
    }
  }
  options.share_dir = wc::cli::share_dir();
  return wc::up::run_up(options);
}

const wc::cli::CommandRegistration kRegistration({
    .name = "up",
    .summary = "the whole cycle on one machine: dns, apps and web from one stack file",
    .order = 60,
    .run = up_command,
    .usage = [] { return std::string(kUpUsage); },
});

}  // namespace
