// The settings of `webcycle dns`: from its flags (src/cli/dns_command.cpp) and from a `-c FILE` in
// nginx syntax (the directives of a stack file's dns block, bare or inside `dns { ... }`), read
// with core's conf_parser. Flags win over the file: a --listen on the command line replaces the
// file's listens, --zone adds zones, the single-valued ones replace.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/socket.h"
#include "dnsserver/zone_db.h"

namespace wc::dnsserver {

inline constexpr const char* kDefaultListen = "127.0.0.1:53";
inline constexpr uint16_t kDefaultForwardPort = 53;

struct DnsOptions {
  std::vector<std::string> listen;  // "ADDR:PORT"; empty = kDefaultListen
  std::vector<ZoneSource> zones;
  std::string hosts;       // "" = none
  std::string forward;     // "ADDR[:PORT]"; "" = REFUSED outside the zones
  std::string query_log;   // "" = off, "-" = stderr
  std::string error_log;   // "" = stderr
  std::string pid_file;    // "" = none
  bool test_only = false;  // -t
  // Several A/AAAA records of one name go out rotated one further per query (responder.h);
  // `round_robin off` / --round-robin off keeps zone-file order, as NSD's default.
  bool round_robin = true;
};

// Reads `path` into `options` (relative paths against the file's folder). Errors: the parser's
// (`unexpected "}" in F:L`), `unknown directive "x" in F:L`, `invalid number of arguments in
// "zone" directive in F:L`.
[[nodiscard]] Status read_config_file(const std::string& path, DnsOptions& options);

// "on" / "off" (round_robin, --round-robin); nullopt otherwise.
[[nodiscard]] std::optional<bool> parse_on_off(std::string_view text);

// "ORIGIN=FILE" (--zone). Errors: `invalid zone "x": expected ORIGIN=FILE`.
[[nodiscard]] Result<ZoneSource> parse_zone_flag(const std::string& text);

// "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353" (port 53 when not given).
[[nodiscard]] Result<core::SocketAddress> parse_forward(const std::string& text);

// A listen address ("ADDR:PORT", "[V6]:PORT", "PORT"). Errors: SocketAddress::parse's.
[[nodiscard]] Result<core::SocketAddress> parse_listen(const std::string& text);

}  // namespace wc::dnsserver
