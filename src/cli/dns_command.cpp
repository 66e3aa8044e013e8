// `webcycle dns`: the authoritative DNS server (SPEC.md "webcycle dns"). Flags here; the server is
// src/dnsserver (dns_main).
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "dnsserver/dns_main.h"
#include "dnsserver/options.h"

namespace {

using wc::cli::bad_usage;

constexpr const char* kDnsUsage =
    "usage: webcycle dns [-c FILE] [--listen ADDR:PORT]... [--zone ORIGIN=ZONEFILE]...\n"
    "                    [--hosts FILE] [--forward ADDR[:PORT]] [--query-log FILE]\n"
    "                    [--error-log FILE] [--pid FILE] [--round-robin on|off] [-t]\n"
    "\n"
    "Runs an authoritative DNS server in the foreground, one process, one thread: the zones of\n"
    "RFC 1035 master files (as BIND and NSD read them) over UDP and TCP, AA set, NXDOMAIN and\n"
    "NODATA with the SOA, CNAME chains, referrals below zone cuts, wildcards, EDNS0 and TC.\n"
    "Names outside every zone get REFUSED, or are relayed to the --forward resolver.\n"
    "\n"
    "options:\n"
    "  -c FILE                 settings in nginx syntax, bare or in a `dns { }` block:\n"
    "                          listen ADDR:PORT; zone ORIGIN FILE; hosts FILE; forward "
    "ADDR[:PORT];\n"
    "                          query_log FILE; error_log FILE; pid FILE; round_robin on|off;\n"
    "                          (paths relative to FILE)\n"
    "  --listen ADDR:PORT      where to answer, UDP and TCP, IPv4 or [IPv6] (repeatable;\n"
    "                          default 127.0.0.1:53); replaces the listens of -c\n"
    "  --zone ORIGIN=FILE      serve the zone ORIGIN from the master file FILE (repeatable)\n"
    "  --hosts FILE            also answer A, AAAA and reverse PTR for the names of a hosts file\n"
    "  --forward ADDR[:PORT]   relay names outside the zones to this resolver (port 53 by "
    "default)\n"
    "  --query-log FILE        one line per query, as BIND's querylog (default off; '-' stderr)\n"
    "  --error-log FILE        the error log (default stderr)\n"
    "  --pid FILE              write the process id to FILE\n"
    "  --round-robin on|off    several A/AAAA records of a name are rotated one further per\n"
    "                          query (default on; off: zone-file order, as NSD's default)\n"
    "  -t                      check the settings and the zones, then exit (0 ok, 1 FILE:LINE "
    "error)\n"
    "  -h, --help              this help\n"
    "\n"
    "signals: HUP reloads every zone and the hosts file (a bad file is refused with FILE:LINE and\n"
    "the old data keeps serving), USR1 reopens the logs, TERM/INT/QUIT stop.\n";

int dns_command(int argc, char** argv) {
  wc::dnsserver::DnsOptions flags;
  std::string config;
  bool listen_given = false;
  std::optional<bool> round_robin;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kDnsUsage, stdout);
      return 0;
    }
    if (arg == "-t") {
      flags.test_only = true;
      continue;
    }
    std::string name(arg), value;
    bool has_value = false;
    if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      const size_t eq = arg.find('=');
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    static constexpr std::string_view kValued[] = {"-c",          "--listen",  "--zone",
                                                   "--hosts",     "--forward", "--query-log",
                                                   "--error-log", "--pid",     "--round-robin"};
    bool known = false;
    for (std::string_view k : kValued) known = known || name == k;
    if (!known) return bad_usage("dns", "dns: unknown option \"" + std::string(arg) + "\"");
    if (!has_value) {
      if (i + 1 >= argc) return bad_usage("dns", "dns: option \"" + name + "\" needs a value");
      value = argv[++i];
    }
    if (value.empty()) return bad_usage("dns", "dns: option \"" + name + "\" needs a value");
    if (name == "-c") {
      config = value;
    } else if (name == "--listen") {
      auto a = wc::dnsserver::parse_listen(value);
      if (!a) return bad_usage("dns", "dns: --listen: " + a.error().message);
      flags.listen.push_back(value);
      listen_given = true;
    } else if (name == "--zone") {
      auto z = wc::dnsserver::parse_zone_flag(value);
      if (!z) return bad_usage("dns", "dns: --zone: " + z.error().message);
      flags.zones.push_back(*z);
    } else if (name == "--hosts") {
      flags.hosts = value;
    } else if (name == "--forward") {
      auto a = wc::dnsserver::parse_forward(value);
      if (!a) return bad_usage("dns", "dns: --forward: " + a.error().message);
      flags.forward = value;
    } else if (name == "--query-log") {
      flags.query_log = value;
    } else if (name == "--error-log") {
      flags.error_log = value;
    } else if (name == "--pid") {
      flags.pid_file = value;
    } else if (name == "--round-robin") {
      auto v = wc::dnsserver::parse_on_off(value);
      if (!v) return bad_usage("dns", "dns: --round-robin: \"" + value + "\" is not on or off");
      round_robin = *v;
    }
  }
  wc::dnsserver::DnsOptions options;
  if (!config.empty()) {
    if (auto s = wc::dnsserver::read_config_file(config, options); !s) {
      std::fprintf(stderr, "webcycle dns: [emerg] %s\n", s.error().message.c_str());
      if (flags.test_only) std::fprintf(stderr, "webcycle dns: configuration test failed\n");
      return 1;
    }
  }
  if (listen_given) options.listen = flags.listen;
  options.zones.insert(options.zones.end(), flags.zones.begin(), flags.zones.end());
  if (!flags.hosts.empty()) options.hosts = flags.hosts;
  if (!flags.forward.empty()) options.forward = flags.forward;
  if (!flags.query_log.empty()) options.query_log = flags.query_log;
  if (!flags.error_log.empty()) options.error_log = flags.error_log;
  if (!flags.pid_file.empty()) options.pid_file = flags.pid_file;
  if (round_robin) options.round_robin = *round_robin;
  options.test_only = flags.test_only;
  return wc::dnsserver::dns_main(options);
}

const wc::cli::CommandRegistration kRegistration({
    .name = "dns",
    .summary = "the DNS server (NSD's role): answers for its zones and a hosts file",
    .order = 30,
    .run = dns_command,
    .usage = [] { return std::string(kDnsUsage); },
});

}  // namespace
