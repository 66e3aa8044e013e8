// `webcycle resolve`: a name in, its addresses out, as the browser finds them (SPEC.md "webcycle
// resolve"). The lookup itself is the client's resolver (client/resolver/resolver.h); this file
// reads the flags, prints the configuration's bad lines, the addresses, and curl's exit codes.
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "client/resolver/resolver.h"

namespace {

using wc::cli::bad_usage;

constexpr const char* kResolveUsage =
    "usage: webcycle resolve NAME [--hosts FILE] [--resolv-conf FILE] [-4|-6] [-v]\n"
    "\n"
    "Looks NAME up as the browser does: the hosts file first, then the nameservers of\n"
    "resolv.conf (search list, ndots, timeout, attempts, rotate), over UDP (TCP when the answer\n"
    "is truncated), following CNAMEs. Prints the addresses, one a line: IPv4 then IPv6.\n"
    "\n"
    "options:\n"
    "  --hosts FILE        hosts file (default: $WEBCYCLE_HOSTS, else /etc/hosts)\n"
    "  --resolv-conf FILE  resolver settings (default: $WEBCYCLE_RESOLV_CONF, else\n"
    "                      /etc/resolv.conf); 'nameserver ADDR:PORT' names a port\n"
    "  -4                  IPv4 addresses only (A)\n"
    "  -6                  IPv6 addresses only (AAAA)\n"
    "  -v                  tell each step on stderr, with its time\n"
    "  -h, --help          this help\n"
    "\n"
    "exit status: 0 found, 6 not found (\"site not found\", curl's code), 1 other errors\n"
    "(server failure, no answer, a file that cannot be read), 2 bad usage.\n";

int resolve_command(int argc, char** argv) {
  std::optional<std::string> hosts_path;
  std::optional<std::string> resolv_path;
  std::optional<std::string> name;
  wc::client::Family family = wc::client::Family::kAny;
  bool verbose = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kResolveUsage, stdout);
      return 0;
    }
    if (arg == "-4" || arg == "-6") {
      const auto f = arg == "-4" ? wc::client::Family::kV4 : wc::client::Family::kV6;
      if (family != wc::client::Family::kAny && family != f) {
        return bad_usage("resolve", "resolve: -4 and -6 together");
      }
      family = f;
      continue;
    }
    if (arg == "-v") {
      verbose = true;
      continue;
    }
    bool matched = false;
    for (std::string_view flag : {std::string_view("--hosts"), std::string_view("--resolv-conf")}) {
      std::optional<std::string> value;
      if (arg == flag) {
        if (i + 1 >= argc) {
          return bad_usage("resolve",
                           "resolve: option \"" + std::string(flag) + "\" requires a value");
        }
        value = argv[++i];
      } else if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=') {
        value = std::string(arg.substr(flag.size() + 1));
      } else {
        continue;
      }
      if (value->empty()) {
        return bad_usage("resolve",
                         "resolve: empty value for option \"" + std::string(flag) + "\"");
      }
      (flag == "--hosts" ? hosts_path : resolv_path) = std::move(value);
      matched = true;
      break;
    }
    if (matched) continue;
    if (arg.size() > 1 && arg[0] == '-') {
      return bad_usage("resolve", "resolve: invalid option \"" + std::string(arg) + "\"");
    }
    if (name) return bad_usage("resolve", "resolve: one NAME only (\"" + std::string(arg) + "\")");
    name = std::string(arg);
  }
  if (!name || name->empty()) return bad_usage("resolve", "resolve: NAME is missing");

  auto config = wc::client::load_resolver_config(hosts_path, resolv_path);
  if (!config) {
    std::fprintf(stderr, "webcycle: %s\n", config.error().message.c_str());
    return 1;
  }
  for (const std::string& d : config->hosts.diagnostics()) {
    std::fprintf(stderr, "webcycle: %s\n", d.c_str());
  }
  for (const std::string& d : config->resolv_conf.diagnostics) {
    std::fprintf(stderr, "webcycle: %s\n", d.c_str());
  }

  wc::client::TraceFn trace;
  if (verbose) {
    const wc::dns::ResolvConf& rc = config->resolv_conf;
    std::string servers;
    for (const wc::dns::NameServer& ns : rc.nameservers) {
      if (!servers.empty()) servers += ' ';
      servers += ns.to_string();
    }
    std::fprintf(stderr, "resolv.conf %s: nameservers %s%s, timeout %d s, attempts %d%s\n",
                 config->resolv_conf_path.c_str(), servers.c_str(),
                 rc.nameservers_defaulted ? " (none named: glibc's default)" : "", rc.timeout,
                 rc.attempts, rc.rotate ? ", rotate" : "");
    trace = [](uint64_t us, std::string_view line) {
      std::string text = wc::client::format_trace_line(us, line);
      text += '\n';
      std::fputs(text.c_str(), stderr);
    };
  }

  wc::client::LookupResult result =
      wc::client::resolve_blocking(*config, *name, family, std::move(trace));
  switch (result.status) {
    case wc::client::LookupStatus::kFound:
      for (const wc::dns::IpAddress& a : result.addresses) {
        std::printf("%s\n", a.to_string().c_str());
      }
      return 0;
    case wc::client::LookupStatus::kNotFound:
      std::fprintf(stderr, "webcycle: site not found: %s\n", name->c_str());
      return 6;
    case wc::client::LookupStatus::kServFail:
      std::fprintf(stderr, "webcycle: server failure looking up %s (%s)\n", name->c_str(),
                   result.detail.c_str());
      return 1;
    case wc::client::LookupStatus::kTimeout:
      std::fprintf(stderr, "webcycle: %s looking up %s\n", result.detail.c_str(), name->c_str());
      return 1;
  }
  return 1;
}

const wc::cli::CommandRegistration kRegistration({
    .name = "resolve",
    .summary = "look a name up as the browser does: hosts file, then DNS (getaddrinfo's role)",
    .order = 20,
    .run = resolve_command,
    .usage = [] { return std::string(kResolveUsage); },
});

}  // namespace
