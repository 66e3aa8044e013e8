#include "web/upstream.h"

#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

#include "core/error_log.h"

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

struct Upstream::Name {
  int origin = 0;  // index in conf().resolved
  uint64_t lookup = 0;
  bool in_flight = false;
  core::Timer timer;
};

Upstream::Upstream(const config::UpstreamConf& conf, core::EventLoop& loop,
                   const config::ResolverConf* http_resolver)
    : conf_(&conf), loop_(loop), peers_(conf.servers), servers_(conf.servers.size()) {
  for (size_t i = 0; i < servers_.size(); ++i) {
    servers_[i].effective_weight = std::max(1, peers_[i].weight);
  }
  static const config::ResolverConf kNone;
  if (!conf.resolved.empty()) start_resolving(http_resolver != nullptr ? *http_resolver : kNone);
}

Upstream::~Upstream() {
  for (auto& idle : idle_) loop_.remove(idle->fd.get());
  for (auto& name : names_) loop_.cancel(name->timer);
  resolver_.reset();  // before names_: its pending lookups' callbacks point at them
}

bool Upstream::eligible(size_t i, uint64_t tried, bool backup) const {
  const config::UpstreamServer& s = peers_[i];
  if (s.down || s.backup != backup || servers_[i].gone) return false;
  return !(i < 64 && (tried & (1ULL << i)) != 0);
}

bool Upstream::usable(size_t i, uint64_t now_ms, uint64_t tried, bool backup) const {
  if (!eligible(i, tried, backup)) return false;
  const config::UpstreamServer& s = peers_[i];
  const Server& st = servers_[i];
  return s.max_fails == 0 || st.fails < s.max_fails || now_ms >= st.failed_until_ms;
}

size_t Upstream::untried(uint64_t tried) const {
  size_t left = 0;
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (!peers_[i].down && !servers_[i].gone && (i >= 64 || (tried & (1ULL << i)) == 0)) ++left;
  }
  return left;
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
      const config::UpstreamServer& s = peers_[i];
      const bool ok = ignore_fails ? eligible(i, tried, backup) : usable(i, now_ms, tried, backup);
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
    const config::UpstreamServer& s = peers_[i];
    const bool ok = ignore_fails ? eligible(i, tried, backup) : usable(i, now_ms, tried, backup);
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
    for (size_t k = 0; k < peers_.size(); ++k) {
      primaries += peers_[k].backup || servers_[k].gone ? 0 : 1;
    }
    if (primaries == 1) i = pick_among(now_ms, tried, false, true);
  }
  return i;
}

void Upstream::succeeded(int i) {
  Server& st = servers_[static_cast<size_t>(i)];
  st.fails = 0;
}

void Upstream::failed(int i, uint64_t now_ms) {
  const config::UpstreamServer& s = peers_[static_cast<size_t>(i)];
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
  // A server its name no longer has: its connections drain, none is kept.
  if (conf_->keepalive <= 0 || servers_[static_cast<size_t>(i)].gone ||
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

void Upstream::drop_idle_of(int server) {
  for (size_t k = idle_.size(); k-- > 0;) {
    if (idle_[k]->server == server) drop_idle(idle_[k].get());
  }
}

// ---- `server NAME:PORT resolve` ----------------------------------------------------------------

namespace {

// The stub resolver's settings for a `resolver` directive: its addresses as the nameservers, no
// hosts file and no search list (nginx's resolver reads neither), one try per server per
// resolver_timeout / attempts.
client::ResolverConfig directive_resolver(const config::ResolverConf& r) {
  client::ResolverConfig out;
  out.resolv_conf_path = "resolver directive";
  for (const std::string& a : r.addresses) {
    dns::NameServer ns;
    if (out.resolv_conf.nameservers.size() < dns::kMaxNameServers && dns::parse_nameserver(a, ns)) {
      out.resolv_conf.nameservers.push_back(ns);
    }
  }
  out.resolv_conf.attempts = 2;
  out.resolv_conf.timeout = static_cast<int>(
      std::clamp<int64_t>(r.timeout_ms / 1000 / out.resolv_conf.attempts, 1, dns::kMaxTimeout));
  return out;
}

config::UpstreamServer server_for(const config::ResolvedName& name, const dns::IpAddress& ip) {
  config::UpstreamServer s = name.proto;
  s.addr = {};
  if (ip.v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&s.addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(name.port);
    std::memcpy(&a->sin6_addr, ip.bytes.data(), 16);
    s.addr_len = sizeof(sockaddr_in6);
    s.addr_text = "[" + ip.to_string() + "]:" + std::to_string(name.port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&s.addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(name.port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    s.addr_len = sizeof(sockaddr_in);
    s.addr_text = ip.to_string() + ":" + std::to_string(name.port);
  }
  return s;
}

}  // namespace

void Upstream::start_resolving(const config::ResolverConf& http_resolver) {
  resolver_conf_ = conf_->resolver.set ? conf_->resolver : http_resolver;
  resolver_conf_.timeout_ms =
      conf_->resolver.timeout_set ? conf_->resolver.timeout_ms : http_resolver.timeout_ms;
  client::ResolverConfig rc;
  if (resolver_conf_.set) {
    rc = directive_resolver(resolver_conf_);
  } else {
    // No `resolver`: what `webcycle resolve` reads (WEBCYCLE_HOSTS / WEBCYCLE_RESOLV_CONF, else
    // /etc/hosts and /etc/resolv.conf).
    auto loaded = client::load_resolver_config(std::nullopt, std::nullopt);
    if (!loaded) {
      core::error_log().logf(core::LogLevel::error, 0,
                             "upstream \"%s\": no resolver: %s; its resolve names stay unresolved",
                             conf_->name.c_str(), loaded.error().message.c_str());
      return;
    }
    rc = std::move(*loaded);
  }
  // The first lookup is made before the worker serves (one try of at most kFirstLookupMs per
  // nameserver), so that a new worker (at start, or after a reload) does not answer 502 while
  // its names are being looked up; the later ones run on the loop.
  client::ResolverConfig first = rc;
  first.resolv_conf.attempts = 1;
  first.resolv_conf.timeout = kFirstLookupMs / 1000;
  resolver_ = std::make_unique<client::Resolver>(loop_, std::move(rc));
  for (size_t k = 0; k < conf_->resolved.size(); ++k) {
    auto name = std::make_unique<Name>();
    name->origin = static_cast<int>(k);
    Name* raw = name.get();
    name->timer.set_callback([this, raw] { resolve(*raw); });
    names_.push_back(std::move(name));
    resolved(*raw, client::resolve_blocking(first, conf_->resolved[k].host, family()));
  }
}

client::Family Upstream::family() const {
  if (!resolver_conf_.ipv6) return client::Family::kV4;
  if (!resolver_conf_.ipv4) return client::Family::kV6;
  return client::Family::kAny;
}

void Upstream::resolve(Name& name) {
  if (name.in_flight) return;
  name.in_flight = true;
  Name* raw = &name;
  name.lookup =
      resolver_->lookup(conf_->resolved[static_cast<size_t>(name.origin)].host, family(),
                        [this, raw](client::LookupResult r) { resolved(*raw, std::move(r)); });
}

void Upstream::resolved(Name& name, client::LookupResult result) {
  name.in_flight = false;
  const config::ResolvedName& rn = conf_->resolved[static_cast<size_t>(name.origin)];
  const uint64_t valid = static_cast<uint64_t>(resolver_conf_.valid_ms);
  uint64_t next_ms = valid != 0 ? valid : kResolveRetryMs;
  std::vector<config::UpstreamServer> addresses;
  switch (result.status) {
    case client::LookupStatus::kFound:
      for (const dns::IpAddress& ip : result.addresses) addresses.push_back(server_for(rn, ip));
      if (valid == 0 && result.ttl) next_ms = static_cast<uint64_t>(*result.ttl) * 1000;
      break;
    case client::LookupStatus::kNotFound:
      core::error_log().logf(core::LogLevel::error, 0,
                             "%s could not be resolved (3: Host not found)", rn.host.c_str());
      break;
    case client::LookupStatus::kServFail:
    case client::LookupStatus::kTimeout: {
      const bool timeout = result.status == client::LookupStatus::kTimeout;
      core::error_log().logf(core::LogLevel::error, 0, "%s could not be resolved (%s: %s)%s%s",
                             rn.host.c_str(), timeout ? "110" : "2",
                             timeout ? "Operation timed out" : "Server failure",
                             result.detail.empty() ? "" : ", ", result.detail.c_str());
      // The last addresses stand; asked again soon.
      loop_.arm(name.timer, std::min<uint64_t>(next_ms, kResolveRetryMs));
      return;
    }
  }
  const std::string change = set_addresses(name.origin, addresses);
  next_ms = std::clamp<uint64_t>(next_ms, kResolveMinMs, 86400000);
  if (!change.empty()) {
    core::error_log().logf(core::LogLevel::notice, 0,
                           "upstream \"%s\": %s resolved to %zu address%s (%s), next lookup in "
                           "%llu ms",
                           conf_->name.c_str(), rn.proto.addr_text.c_str(), addresses.size(),
                           addresses.size() == 1 ? "" : "es", change.c_str(),
                           static_cast<unsigned long long>(next_ms));
  }
  loop_.arm(name.timer, next_ms);
}

std::string Upstream::set_addresses(int origin,
                                    const std::vector<config::UpstreamServer>& addresses) {
  std::string change;
  auto note = [&change](char sign, const std::string& text) {
    if (!change.empty()) change += ", ";
    change += sign;
    change += text;
  };
  auto has = [&addresses](const std::string& text) {
    return std::ranges::any_of(
        addresses, [&](const config::UpstreamServer& s) { return s.addr_text == text; });
  };
  // Gone: out of the rotation; requests on it finish, its idle connections close.
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (servers_[i].origin != origin || servers_[i].gone || has(peers_[i].addr_text)) continue;
    servers_[i].gone = true;
    drop_idle_of(static_cast<int>(i));
    note('-', peers_[i].addr_text);
  }
  for (const config::UpstreamServer& a : addresses) {
    size_t slot = peers_.size();
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (servers_[i].origin == origin && peers_[i].addr_text == a.addr_text) {
        slot = i;
        break;
      }
    }
    if (slot < peers_.size() && !servers_[slot].gone) continue;  // still there
    if (slot == peers_.size()) {
      // A new address: a gone slot no request is on, else a new one.
      for (size_t i = 0; i < peers_.size(); ++i) {
        if (servers_[i].gone && servers_[i].active == 0) {
          slot = i;
          break;
        }
      }
    }
    if (slot == peers_.size()) {
      peers_.push_back(a);
      servers_.emplace_back();
    } else {
      // Back (its requests may still be draining: their count stays), or a reused slot.
      drop_idle_of(static_cast<int>(slot));
      const int active = servers_[slot].active;
      peers_[slot] = a;
      servers_[slot] = Server{};
      servers_[slot].active = active;
    }
    servers_[slot].origin = origin;
    servers_[slot].effective_weight = std::max(1, a.weight);
    note('+', a.addr_text);
  }
  return change;
}

void UpstreamSet::init(const config::WebConfig& config, core::EventLoop& loop) {
  loop_ = &loop;
  http_resolver_ = &config.http.resolver;
  for (const auto& u : config.http.upstreams) {
    map_.emplace(u.get(), std::make_unique<Upstream>(*u, loop, http_resolver_));
  }
}

Upstream& UpstreamSet::get(const config::UpstreamConf& conf) {
  auto it = map_.find(&conf);
  if (it == map_.end()) {
    it = map_.emplace(&conf, std::make_unique<Upstream>(conf, *loop_, http_resolver_)).first;
  }
  return *it->second;
}

}  // namespace wc::web
