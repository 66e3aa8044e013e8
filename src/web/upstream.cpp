#include "web/upstream.h"

#include <sys/epoll.h>

#include <algorithm>

namespace wc::web {

struct Upstream::Idle final : core::IoHandler {
  Upstream* owner = nullptr;
  int server = 0;
  core::Fd fd;
  uint32_t requests = 0;
  core::Timer timer;
  // Readable while idle: the upstream closed it (or sent something unasked). Either way it can
  // no longer carry a request.
  void on_io(uint32_t events) override {
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) owner->drop_idle(this);
  }
};

Upstream::Upstream(const config::UpstreamConf& conf, core::EventLoop& loop)
    : conf_(&conf), loop_(loop), servers_(conf.servers.size()) {
  for (size_t i = 0; i < servers_.size(); ++i) {
    servers_[i].effective_weight = std::max(1, conf.servers[i].weight);
  }
}

Upstream::~Upstream() {
  for (auto& idle : idle_) loop_.remove(idle->fd.get());
}

bool Upstream::usable(size_t i, uint64_t now_ms, uint64_t tried, bool backup) const {
  const config::UpstreamServer& s = conf_->servers[i];
  if (s.down || s.backup != backup) return false;
  if (i < 64 && (tried & (1ULL << i)) != 0) return false;
  const Server& st = servers_[i];
  return s.max_fails == 0 || st.fails < s.max_fails || now_ms >= st.failed_until_ms;
}

int Upstream::pick_among(uint64_t now_ms, uint64_t tried, bool backup, bool ignore_fails) {
  int best = -1;
  int total = 0;
  const bool least = conf_->balance == config::UpstreamConf::Balance::kLeastConn;
  // least_conn: the fewest active connections per unit of weight first; round robin among ties.
  int64_t best_num = 0;
  int64_t best_den = 1;
  if (least) {
    bool any = false;
    for (size_t i = 0; i < servers_.size(); ++i) {
      const config::UpstreamServer& s = conf_->servers[i];
      const bool ok =
          ignore_fails ? (!s.down && s.backup == backup && !(i < 64 && (tried & (1ULL << i)) != 0))
                       : usable(i, now_ms, tried, backup);
      if (!ok) continue;
      const int64_t num = servers_[i].active;
      const int64_t den = std::max(1, s.weight);
      if (!any || num * best_den < best_num * den) {
        best_num = num;
        best_den = den;
        any = true;
      }
    }
    if (!any) return -1;
  }
  for (size_t i = 0; i < servers_.size(); ++i) {
    const config::UpstreamServer& s = conf_->servers[i];
    const bool ok = ignore_fails
                        ? (!s.down && s.backup == backup && !(i < 64 && (tried & (1ULL << i)) != 0))
                        : usable(i, now_ms, tried, backup);
    if (!ok) continue;
    if (least &&
        static_cast<int64_t>(servers_[i].active) * best_den != best_num * std::max(1, s.weight)) {
      continue;
    }
    Server& st = servers_[i];
    st.current_weight += st.effective_weight;
    total += st.effective_weight;
    if (best < 0 || st.current_weight > servers_[static_cast<size_t>(best)].current_weight) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) servers_[static_cast<size_t>(best)].current_weight -= total;
  return best;
}

int Upstream::pick(uint64_t now_ms, uint64_t tried) {
  int i = pick_among(now_ms, tried, false, false);
  if (i < 0) i = pick_among(now_ms, tried, true, false);
  if (i < 0) {
    // A lone server is never "failing" (nginx's single-peer rule): a proxy_pass to one address
    // keeps trying it rather than answering 502 without a try.
    size_t primaries = 0;
    for (const config::UpstreamServer& s : conf_->servers) primaries += s.backup ? 0 : 1;
    if (primaries == 1) i = pick_among(now_ms, tried, false, true);
  }
  return i;
}

void Upstream::succeeded(int i) {
  Server& st = servers_[static_cast<size_t>(i)];
  st.fails = 0;
}

void Upstream::failed(int i, uint64_t now_ms) {
  const config::UpstreamServer& s = conf_->servers[static_cast<size_t>(i)];
  Server& st = servers_[static_cast<size_t>(i)];
  if (now_ms - st.checked_ms > static_cast<uint64_t>(s.fail_timeout_ms)) {
    st.fails = 0;
    st.checked_ms = now_ms;
  }
  ++st.fails;
  if (s.max_fails != 0 && st.fails >= s.max_fails) {
    st.failed_until_ms = now_ms + static_cast<uint64_t>(s.fail_timeout_ms);
  }
}

core::Fd Upstream::take_idle(int i, uint32_t& requests) {
  // Most recently used first: it is the least likely to have been closed by the upstream.
  for (size_t k = idle_.size(); k-- > 0;) {
    if (idle_[k]->server != i) continue;
    std::unique_ptr<Idle> idle = std::move(idle_[k]);
    idle_.erase(idle_.begin() + static_cast<ptrdiff_t>(k));
    loop_.cancel(idle->timer);
    requests = idle->requests;
    return std::move(idle->fd);
  }
  return {};
}

void Upstream::put_idle(int i, core::Fd fd, uint32_t requests, bool registered) {
  if (!fd.valid()) return;
  if (conf_->keepalive <= 0 ||
      (conf_->keepalive_requests > 0 && requests >= conf_->keepalive_requests)) {
    if (registered) loop_.remove(fd.get());
    return;
  }
  if (idle_.size() >= static_cast<size_t>(conf_->keepalive)) {
    // Full: the least recently used one goes (nginx's cache does the same).
    loop_.remove(idle_.front()->fd.get());
    idle_.erase(idle_.begin());
  }
  auto idle = std::make_unique<Idle>();
  idle->owner = this;
  idle->server = i;
  idle->fd = std::move(fd);
  idle->requests = requests;
  Idle* raw = idle.get();
  // The mask a ProxyRequest uses too, so handing the connection back and forth between the cache
  // and its users costs no epoll_ctl (EventLoop::rebind). Edge-triggered: the upstream closing it
  // (or sending something unasked) is a new edge.
  const Status st =
      registered ? loop_.rebind(raw->fd.get(), raw) : loop_.add(raw->fd.get(), kPooledEvents, raw);
  if (!st) {
    if (registered) loop_.remove(raw->fd.get());
    return;  // the fd closes here
  }
  raw->timer.set_callback([this, raw] { drop_idle(raw); });
  loop_.arm(raw->timer, static_cast<uint64_t>(std::max<int64_t>(1, conf_->keepalive_timeout_ms)));
  idle_.push_back(std::move(idle));
}

void Upstream::drop_idle(Idle* idle) {
  for (size_t k = 0; k < idle_.size(); ++k) {
    if (idle_[k].get() != idle) continue;
    loop_.remove(idle->fd.get());
    loop_.cancel(idle->timer);
    // Destroyed after this batch: we may be inside its own on_io or timer callback.
    loop_.defer_delete(std::move(idle_[k]));
    idle_.erase(idle_.begin() + static_cast<ptrdiff_t>(k));
    return;
  }
}

void UpstreamSet::init(const config::WebConfig& config, core::EventLoop& loop) {
  loop_ = &loop;
  for (const auto& u : config.http.upstreams) {
    map_.emplace(u.get(), std::make_unique<Upstream>(*u, loop));
  }
}

Upstream& UpstreamSet::get(const config::UpstreamConf& conf) {
  auto it = map_.find(&conf);
  if (it == map_.end()) it = map_.emplace(&conf, std::make_unique<Upstream>(conf, *loop_)).first;
  return *it->second;
}

}  // namespace wc::web
