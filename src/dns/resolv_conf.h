// resolv.conf(5) as glibc's res_init reads it, plus webcycle's port forms, and the search-list
// rule of res_search. Pure: the text and the file's name (for diagnostics) in, a ResolvConf and a
// diagnostic for every line skipped out; no I/O, no environment (glibc's RES_OPTIONS and
// LOCALDOMAIN, and the domain taken from gethostname() when there is no search/domain line, are
// the caller's business).
//
// Lines: '#' or ';' in the first column is a comment (as glibc: not after a keyword). A keyword
// is followed by a space or a tab.
//   nameserver ADDR            IPv4 or IPv6 (inet_pton's rules, the hosts file's: glibc reads
//                              IPv4 here with inet_aton, which also takes "127.1"), port 53
//   nameserver ADDR:PORT       webcycle: IPv4 with a port, so that an unprivileged server can be
//   nameserver [V6ADDR]:PORT   named (glibc would refuse these lines); "[V6ADDR]" alone is port 53
//     At most 3 (glibc's MAXNS): a further one is reported and ignored, parsing goes on.
//   search DOMAIN...           up to 6 domains in 256 bytes (each counted with its NUL, the
//                              classic MAXDNSRCH / defdname limits; glibc >= 2.26 has none):
//                              the rest is reported and dropped. "." stands for the root.
//   domain DOMAIN              the search list becomes that one domain
//     The last search or domain line wins, as in glibc.
//   options ndots:N timeout:N attempts:N rotate
//     Capped as glibc caps them (ndots 15, timeout 30, attempts 5); other options are ignored as
//     glibc ignores them; a value that is not a number is reported and that option ignored.
//   sortlist ...               accepted and ignored (glibc's, not used by webcycle)
// Anything else is reported and skipped. Defaults as glibc: no nameserver means 127.0.0.1:53 (the
// `nameservers_defaulted` flag says so; webcycle's test runner always names one, so that no test
// asks a resolver outside the machine), ndots 1, timeout 5 s, attempts 2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/hosts_file.h"  // IpAddress

namespace wc::dns {

struct NameServer {
  IpAddress address;
  uint16_t port = 53;

  // "127.0.0.1:53", "[::1]:5353".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const NameServer&, const NameServer&) = default;
};

inline constexpr size_t kMaxNameServers = 3;    // glibc's MAXNS
inline constexpr size_t kMaxSearchDomains = 6;  // MAXDNSRCH
inline constexpr size_t kMaxSearchChars = 256;  // sizeof res_state's defdname
inline constexpr int kMaxNdots = 15;            // RES_MAXNDOTS
inline constexpr int kMaxTimeout = 30;          // RES_MAXRETRANS (seconds)
inline constexpr int kMaxAttempts = 5;          // RES_MAXRETRY

struct ResolvConf {
  std::vector<NameServer> nameservers;  // 1 to 3, in file order
  bool nameservers_defaulted = false;   // true when the file named none (127.0.0.1:53 used)
  std::vector<std::string> search;      // as written, trailing dots removed
  int ndots = 1;
  int timeout = 5;   // seconds per try
  int attempts = 2;  // rounds over the servers
  bool rotate = false;
  // "FILE:LINE: reason", one for every skipped line or part of a line, in line order.
  std::vector<std::string> diagnostics;

  // Never fails: whatever cannot be read is reported and the defaults stand.
  [[nodiscard]] static ResolvConf parse(std::string_view text, std::string_view file);
};

// "ADDR", "ADDR:PORT" (IPv4) or "[V6ADDR]" / "[V6ADDR]:PORT"; PORT 1-65535 in decimal.
[[nodiscard]] bool parse_nameserver(std::string_view text, NameServer& out) noexcept;

// The names to ask for, in order, as glibc's res_search tries them (without trailing dots; a
// name the list would give twice is given once):
//   - "name." is absolute: only "name".
//   - a name with at least `ndots` dots: "name" first, then "name.DOMAIN" for each search domain;
//   - otherwise "name.DOMAIN" for each search domain, then "name" last.
// Empty for an empty name or ".".
[[nodiscard]] std::vector<std::string> search_names(std::string_view name, const ResolvConf& conf);

}  // namespace wc::dns
