// Upstream: one worker's view of an `upstream` block (or of the implicit one a `proxy_pass
// http://HOST:PORT` makes): which server takes the next request, which servers are failing, and a
// cache of idle keep-alive connections to them.
//
//  - Balancing as nginx: smooth weighted round robin (ngx_http_upstream_round_robin.c), or
//    least_conn (fewest active connections relative to weight, ties by round robin). Backup
//    servers are used only when every primary is down or failing. `down` servers never.
//  - Passive health: a server that fails `max_fails` times within `fail_timeout` is skipped for
//    `fail_timeout`; when every server is failing, nginx's rule applies (they are all tried again
//    rather than none: "no live upstreams" only when all are `down` or were tried).
//  - keepalive N: up to N idle connections per worker, most recently used first; an idle
//    connection the upstream closes (or that stays idle past keepalive_timeout) is dropped.
//
//  - `server NAME:PORT resolve` (nginx 1.27.3): the worker looks NAME up through webcycle's stub
//    resolver (client/resolver) before it serves (at most kFirstLookupMs) and again when the
//    answer's TTL (or the resolver's `valid=`) runs out; every A/AAAA address is a server.
//    Addresses that appear are added, addresses that go are taken out of the rotation: requests
//    already on them finish (their connections drain), their idle keep-alive connections are
//    closed. A name that is not found (NXDOMAIN/NODATA) has no servers; a server failure or timeout
//    keeps the last addresses and asks again in kResolveRetryMs. The servers are indexed for good:
//    a gone one keeps its index (never picked) until an address of that name comes back or it is
//    reused once no request is on it.
//
// State is per worker process (as nginx without `zone`; nginx requires `zone` for `resolve`).
// Loop thread only.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "client/resolver/resolver.h"
#include "core/event_loop.h"
#include "core/fd.h"
#include "web/config/web_config.h"

namespace wc::web {

// The epoll mask of an upstream connection, in use or idle in the cache.
inline constexpr uint32_t kPooledEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

// How often a `resolve` name that failed (SERVFAIL, REFUSED, timeout) is asked again, and how long
// an answer without a TTL (the hosts file) or a not-found is kept, when no `valid=` says.
inline constexpr uint64_t kResolveRetryMs = 5000;
// The shortest time between two lookups of one name (a TTL of 0 must not make a query loop).
inline constexpr uint64_t kResolveMinMs = 1000;
// A worker's first lookup of its names is made before it serves, one try per nameserver of at
// most this long (whole seconds: resolv.conf's unit); a name not found by then is looked up
// again on the loop in kResolveRetryMs.
inline constexpr int kFirstLookupMs = 1000;

class Upstream {
 public:
  // `http_resolver`: the http-level `resolver`, used unless the block has its own (null: none).
  Upstream(const config::UpstreamConf& conf, core::EventLoop& loop,
           const config::ResolverConf* http_resolver = nullptr);
  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  [[nodiscard]] const config::UpstreamConf& conf() const noexcept { return *conf_; }
  // The servers: the block's fixed ones first, then those its `resolve` names gave.
  [[nodiscard]] size_t size() const noexcept { return peers_.size(); }
  [[nodiscard]] const config::UpstreamServer& server(int i) const {
    return peers_[static_cast<size_t>(i)];
  }
  // Servers left to try (not down, not gone, not in `tried`), for proxy_next_upstream.
  [[nodiscard]] size_t untried(uint64_t tried) const;

  // The server for the next attempt, skipping those in `tried` (indexes, one bit per server; at
  // most 64 servers are tracked per request, the rest are never retried). -1: none left.
  [[nodiscard]] int pick(uint64_t now_ms, uint64_t tried);
  // Outcome of an attempt on server `i` (nginx's peer.free with/without NGX_PEER_FAILED).
  void succeeded(int i);
  void failed(int i, uint64_t now_ms);
  // least_conn's count of connections in use.
  void begin(int i) { ++servers_[static_cast<size_t>(i)].active; }
  void end(int i) {
    if (servers_[static_cast<size_t>(i)].active > 0) --servers_[static_cast<size_t>(i)].active;
  }

  // An idle keep-alive connection to server `i`, or an invalid Fd. `requests` = how many
  // requests it has carried already. The fd stays registered with the loop (the caller switches
  // it to its own handler with EventLoop::modify: one epoll_ctl instead of two).
  [[nodiscard]] core::Fd take_idle(int i, uint32_t& requests);
  // Offers a connection for reuse (dropped if keepalive is 0, the cache is full of newer ones, or
  // it has carried keepalive_requests requests). `registered`: the fd is still registered with
  // the loop (under the caller's handler); it is switched over, or removed if dropped.
  void put_idle(int i, core::Fd fd, uint32_t requests, bool registered);
  [[nodiscard]] size_t idle_count() const noexcept { return idle_.size(); }

 private:
  struct Server {
    int origin = -1;    // the index in conf().resolved of the name it came from; -1: fixed
    bool gone = false;  // its name no longer has this address
    int current_weight = 0;
    int effective_weight = 1;
    int fails = 0;
    uint64_t checked_ms = 0;  // start of the current fail window
    uint64_t failed_until_ms = 0;
    int active = 0;
  };
  struct Idle;  // an idle connection (IoHandler + timer)

  struct Name;  // one `resolve` name: its lookup and its refresh timer

  [[nodiscard]] bool eligible(size_t i, uint64_t tried, bool backup) const;
  [[nodiscard]] bool usable(size_t i, uint64_t now_ms, uint64_t tried, bool backup) const;
  [[nodiscard]] int pick_among(uint64_t now_ms, uint64_t tried, bool backup, bool ignore_fails);
  void drop_idle(Idle* idle);
  void drop_idle_of(int server);
  void start_resolving(const config::ResolverConf& http_resolver);
  [[nodiscard]] client::Family family() const;
  void resolve(Name& name);
  void resolved(Name& name, client::LookupResult result);
  // Makes the servers of name `origin` exactly `addresses`; returns what changed, for the log.
  std::string set_addresses(int origin, const std::vector<config::UpstreamServer>& addresses);

  const config::UpstreamConf* conf_;
  core::EventLoop& loop_;
  std::vector<config::UpstreamServer> peers_;
  std::vector<Server> servers_;  // parallel to peers_
  config::ResolverConf resolver_conf_;
  std::unique_ptr<client::Resolver> resolver_;  // when the block has `resolve` names
  std::vector<std::unique_ptr<Name>> names_;
  std::vector<std::unique_ptr<Idle>> idle_;  // most recently used last
};

// Every upstream of the configuration, for one worker.
class UpstreamSet {
 public:
  void init(const config::WebConfig& config, core::EventLoop& loop);
  [[nodiscard]] Upstream& get(const config::UpstreamConf& conf);

 private:
  std::unordered_map<const config::UpstreamConf*, std::unique_ptr<Upstream>> map_;
  core::EventLoop* loop_ = nullptr;
  const config::ResolverConf* http_resolver_ = nullptr;
};

}  // namespace wc::web
