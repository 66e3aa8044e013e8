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
// State is per worker process (as nginx without `zone`). Loop thread only.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/event_loop.h"
#include "core/fd.h"
#include "web/config/web_config.h"

namespace wc::web {

// The epoll mask of an upstream connection, in use or idle in the cache.
inline constexpr uint32_t kPooledEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

class Upstream {
 public:
  Upstream(const config::UpstreamConf& conf, core::EventLoop& loop);
  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  [[nodiscard]] const config::UpstreamConf& conf() const noexcept { return *conf_; }

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
    int current_weight = 0;
    int effective_weight = 1;
    int fails = 0;
    uint64_t checked_ms = 0;  // start of the current fail window
    uint64_t failed_until_ms = 0;
    int active = 0;
  };
  struct Idle;  // an idle connection (IoHandler + timer)

  [[nodiscard]] bool usable(size_t i, uint64_t now_ms, uint64_t tried, bool backup) const;
  [[nodiscard]] int pick_among(uint64_t now_ms, uint64_t tried, bool backup, bool ignore_fails);
  void drop_idle(Idle* idle);

  const config::UpstreamConf* conf_;
  core::EventLoop& loop_;
  std::vector<Server> servers_;
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
};

}  // namespace wc::web
