// The stub resolver: a name in, its addresses out, as glibc's getaddrinfo finds them (hosts file
// first, then the nameservers of resolv.conf with its search list, ndots, timeout, attempts and
// rotate), but non-blocking on the core event loop, so that `browse`, `resolve` and the web
// server (upstreams by name) share it.
//
// Over the wire: UDP from a fresh socket per query (a random source port, chosen by the kernel)
// with a random ID (getrandom); a reply is taken only when it comes from the server asked, with
// the query's ID and question (name, type, class): anything else is dropped, as a spoofed packet
// would be, and the wait goes on. TC -> the same question over TCP to the same server. CNAME
// chains in the answer are followed (at most kMaxCnameHops); an alias whose target is not in the
// answer is asked for again. A and AAAA are asked in turn (A first), as glibc does without
// single-request options.
//
// Outcomes are told apart (LookupStatus): found; not found (no address for any name of the search
// list, and NXDOMAIN, or NOERROR with no address (NODATA), for the name itself); server failure
// (the name itself got only SERVFAIL, REFUSED, FORMERR, NOTIMP, or replies that cannot be read,
// from every server: as glibc's res_search, the name as given decides, so a search-list name a
// server refuses does not hide an NXDOMAIN, nor the reverse); timeout (no server answered one
// question: the lookup stops there). A name found in the hosts file never goes to DNS.
//
// Ownership: a Resolver borrows its EventLoop (which must outlive it) and owns its
// configuration and its in-flight queries (their sockets and timers). Destroying the Resolver, or
// cancel(), ends a lookup without calling its callback. Callbacks run on the loop's thread, never
// from inside lookup() itself (a hosts-file hit is posted), so a caller can start a lookup from
// anywhere without re-entrancy.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_loop.h"
#include "core/result.h"
#include "dns/hosts_file.h"
#include "dns/resolv_conf.h"

namespace wc::client {

inline constexpr int kMaxCnameHops = 16;

// Which addresses a lookup wants: -4, -6, or both (A then AAAA).
enum class Family : uint8_t { kAny, kV4, kV6 };

enum class LookupStatus : uint8_t {
  kFound,     // addresses came back (hosts file or DNS)
  kNotFound,  // NXDOMAIN or NODATA: "site not found" (exit 6)
  kServFail,  // every server failed or refused the name: SERVFAIL / REFUSED / unreadable replies
  kTimeout,   // no server answered within timeout x attempts
};

[[nodiscard]] std::string_view lookup_status_text(LookupStatus status) noexcept;

struct LookupResult {
  LookupStatus status = LookupStatus::kNotFound;
  std::vector<dns::IpAddress> addresses;  // in answer order, IPv4 before IPv6 for kAny
  std::string canonical_name;             // the end of the CNAME chain, or the name as found
  bool from_hosts = false;                // answered by the hosts file
  // kFound from DNS: the least TTL of the records that gave the addresses (RFC 2181 5.2), for
  // callers that keep the answer (the web server's `resolve` upstreams). nullopt from the hosts
  // file, an IP literal or localhost.
  std::optional<uint32_t> ttl;
  std::string detail;  // for kServFail / kTimeout: which server said what
};

// Where the resolver reads its settings. Loaded once; `webcycle up` and tests give their own.
struct ResolverConfig {
  std::string hosts_path;  // "" = no hosts file
  dns::HostsFile hosts;
  std::string resolv_conf_path;  // for messages only
  dns::ResolvConf resolv_conf;
};

// Reads the hosts file and resolv.conf. A path that is nullopt falls back to the environment
// (WEBCYCLE_HOSTS, WEBCYCLE_RESOLV_CONF), then to /etc/hosts and /etc/resolv.conf (SPEC.md
// "Environment": flags override the environment, which overrides the defaults). A hosts file that
// cannot be read is an error only when it was named (flag or environment); a missing /etc/hosts
// is an empty one. resolv.conf likewise; a missing default gives glibc's defaults. Bad lines are
// in the parsers' diagnostics ("FILE:LINE: reason"), for the caller to print.
[[nodiscard]] Result<ResolverConfig> load_resolver_config(std::optional<std::string> hosts_path,
                                                          std::optional<std::string> resolv_path);

// One step of a lookup, for `-v`: microseconds since the lookup started, and a line of text
// ("hosts file /etc/hosts: www.mysite.test not there", "asking 127.0.0.1:5353 (UDP): A
// www.mysite.test.", "answer from 127.0.0.1:5353 in 0.4 ms: NOERROR, 1 record", ...).
using TraceFn = std::function<void(uint64_t elapsed_us, std::string_view line)>;
// "[0.512 ms] line": how `resolve -v` and `browse -v` print a trace step, so both look alike.
[[nodiscard]] std::string format_trace_line(uint64_t elapsed_us, std::string_view line);
using LookupDone = std::move_only_function<void(LookupResult)>;

class Resolver {
 public:
  Resolver(core::EventLoop& loop, ResolverConfig config);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Starts looking `name` up ("www.mysite.test", "localhost", or an IP literal, which is its
  // own answer). Returns an id for cancel(). `done` runs exactly once unless cancelled.
  uint64_t lookup(std::string_view name, Family family, LookupDone done, TraceFn trace = {});
  void cancel(uint64_t id);

  [[nodiscard]] const ResolverConfig& config() const noexcept;

 private:
  struct Impl;
  friend struct Lookup;  // one lookup under way (resolver.cpp)
  std::unique_ptr<Impl> impl_;
};

// For command-line tools: runs a private event loop until the lookup ends.
[[nodiscard]] LookupResult resolve_blocking(const ResolverConfig& config, std::string_view name,
                                            Family family, TraceFn trace = {});

}  // namespace wc::client
