// The stub resolver's lookups: one Lookup per lookup() call, walking hosts file -> search list ->
// (for each name) A then AAAA -> (for each question) the tries over the servers, with one socket
// and one timer at a time. See resolver.h for the rules; answer.h judges the replies.
#include "client/resolver/resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "client/resolver/answer.h"
#include "core/io.h"
#include "core/socket.h"
#include "dns/message.h"

namespace wc::client {

namespace {

constexpr uint16_t kEdnsPayload = 1232;  // DNS flag day 2020: no fragments
constexpr size_t kUdpReceiveSize = 65535;

uint64_t monotonic_us() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// Two random bytes from the kernel; falls back on the clock only if getrandom fails (it does not
// block here: the pool is initialised long before anyone browses).
uint16_t random_u16() noexcept {
  uint16_t v = 0;
  if (::getrandom(&v, sizeof v, 0) == static_cast<ssize_t>(sizeof v)) return v;
  return static_cast<uint16_t>(monotonic_us() * 2654435761u >> 7);
}

core::SocketAddress socket_address(const dns::NameServer& ns) {
  core::SocketAddress a;
  if (ns.address.v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(ns.port);
    std::memcpy(&sin6->sin6_addr, ns.address.bytes.data(), 16);
    a.length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(ns.port);
    std::memcpy(&sin->sin_addr, ns.address.bytes.data(), 4);
    a.length = sizeof(sockaddr_in);
  }
  return a;
}

std::string plain_name(std::string_view wire) {
  std::string text = dns::name_to_text(wire);
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

std::string ms_text(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

std::string seconds_text(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(us) / 1e6);
  return buf;
}

// "192.0.2.1, ::1"; a long list is cut after 8, for a trace line that fits a terminal.
std::string join_addresses(const std::vector<dns::IpAddress>& addresses) {
  constexpr size_t kShown = 8;
  std::string out;
  for (size_t i = 0; i < addresses.size() && i < kShown; ++i) {
    if (!out.empty()) out += ", ";
    out += addresses[i].to_string();
  }
  if (addresses.size() > kShown) {
    out += ", ... (" + std::to_string(addresses.size()) + " in all)";
  }
  return out;
}

bool is_localhost(std::string_view name) {
  std::string key = dns::hosts_key(name);
  return key == "localhost" || (key.size() > 10 && key.ends_with(".localhost"));
}

// How one question ended.
enum class Outcome : uint8_t { kAddresses, kNoData, kNXDomain, kServFail, kTimeout };

}  // namespace

struct Lookup;

struct Resolver::Impl {
  core::EventLoop& loop;
  ResolverConfig config;
  uint64_t next_id = 1;
  uint32_t rotate_next;  // the next question's first server, with `rotate`
  std::unordered_map<uint64_t, std::unique_ptr<Lookup>> lookups;
  // Posted starts check this, so a lookup posted before the Resolver died does nothing.
  std::shared_ptr<Impl*> alive;

  Impl(core::EventLoop& l, ResolverConfig c)
      : loop(l),
        config(std::move(c)),
        rotate_next(random_u16()),
        alive(std::make_shared<Impl*>(this)) {}
  ~Impl();
  std::unique_ptr<Lookup> detach(uint64_t id);
};

struct Lookup final : core::IoHandler {
  enum class Phase : uint8_t { kIdle, kUdp, kTcpConnect, kTcpWrite, kTcpRead };

  Resolver::Impl* owner;
  uint64_t id;
  std::string name;  // as given
  Family family;
  LookupDone done;
  TraceFn trace;
  uint64_t start_us = monotonic_us();
  bool cancelled = false;

  // The plan.
  std::vector<std::string> names;  // search list, as dns::search_names gives it
  size_t name_index = 0;
  std::vector<dns::Type> types;
  size_t type_index = 0;

  // The question under way.
  dns::Question question;
  int hops = 0;                   // CNAMEs followed for this search name and type
  std::vector<std::string> seen;  // chain names visited, for loops across re-asked aliases
  size_t tries = 0;               // tries made for this question
  size_t first_server = 0;
  std::vector<std::string> failures;  // "127.0.0.1:5353: SERVFAIL" for this question
  std::vector<std::string> silent;    // servers that did not answer, for the timeout message
  size_t refused = 0;                 // tries ended by ICMP port unreachable
  uint64_t question_start_us = 0;

  // The exchange under way.
  Phase phase = Phase::kIdle;
  core::Fd fd;
  dns::NameServer server;
  core::SocketAddress server_address;
  uint16_t query_id = 0;
  std::string query;  // over TCP: with its 2-byte length in front
  size_t written = 0;
  std::string tcp_in;
  uint64_t sent_us = 0;
  core::Timer timer;

  // What the lookup has found so far.
  std::vector<dns::IpAddress> addresses;
  uint32_t ttl = UINT32_MAX;  // the least TTL of the answers that gave `addresses`
  std::string canonical;
  bool name_found = false;  // some type of the current name gave addresses
  bool name_nxdomain = false;
  std::vector<std::string> servfails;  // the current search name's server failures
  // What the name as given (not a search-list name) came to, when nothing was found: it decides
  // between "not found" and "server failure", as the as-is query's h_errno does in glibc's
  // res_search. Empty: not asked yet, or NXDOMAIN/NODATA.
  std::string as_is_failure;

  Lookup(Resolver::Impl* o, uint64_t i, std::string_view n, Family f, LookupDone d, TraceFn t)
      : owner(o), id(i), name(n), family(f), done(std::move(d)), trace(std::move(t)) {
    timer.set_callback([this] { on_timeout(); });
  }
  ~Lookup() { close_socket(); }

  [[nodiscard]] const dns::ResolvConf& conf() const { return owner->config.resolv_conf; }

  void step(const std::string& line) {
    if (trace) trace(monotonic_us() - start_us, line);
  }

  void close_socket() {
    if (fd) {
      owner->loop.remove(fd.get());
      fd.reset();
    }
    phase = Phase::kIdle;
  }

  // ---- The lookup's outer steps ----

  void start() {
    // An address is its own answer (getaddrinfo's AI_NUMERICHOST path), in its family only.
    dns::IpAddress literal;
    if (dns::IpAddress::parse(name, literal)) {
      LookupResult r;
      r.canonical_name = name;
      if ((literal.v6 && family == Family::kV4) || (!literal.v6 && family == Family::kV6)) {
        step("IP address " + name + ": not of the family asked for");
        r.status = LookupStatus::kNotFound;
      } else {
        step("IP address " + name + ": its own answer");
        r.status = LookupStatus::kFound;
        r.addresses.push_back(literal);
      }
      return finish(std::move(r));
    }
    if (hosts_answer()) return;
    if (is_localhost(name)) return localhost_answer();

    names = dns::search_names(name, conf());
    if (names.empty()) {
      step("\"" + name + "\" is not a name to look up");
      LookupResult r;
      r.status = LookupStatus::kNotFound;
      return finish(std::move(r));
    }
    switch (family) {
      case Family::kAny:
        types = {dns::Type::kA, dns::Type::kAAAA};
        break;
      case Family::kV4:
        types = {dns::Type::kA};
        break;
      case Family::kV6:
        types = {dns::Type::kAAAA};
        break;
    }
    std::string list;
    for (const std::string& n : names) {
      if (!list.empty()) list += ", ";
      list += n;
    }
    step("search list: " + list + " (ndots " + std::to_string(conf().ndots) + ")");
    begin_name();
  }

  std::vector<dns::IpAddress> hosts_addresses(std::string_view n) const {
    const dns::HostsFile& hosts = owner->config.hosts;
    switch (family) {
      case Family::kV4:
        return hosts.lookup(n, false);
      case Family::kV6:
        return hosts.lookup(n, true);
      case Family::kAny: {
        std::vector<dns::IpAddress> out = hosts.lookup(n, false);
        std::vector<dns::IpAddress> v6 = hosts.lookup(n, true);
        out.insert(out.end(), v6.begin(), v6.end());
        return out;
      }
    }
    return {};
  }

  bool hosts_answer() {
    const std::string& path = owner->config.hosts_path;
    if (path.empty()) {
      step("no hosts file");
      return false;
    }
    std::vector<dns::IpAddress> found = hosts_addresses(name);
    if (found.empty()) {
      step("hosts file " + path + ": " + name + " not there");
      return false;
    }
    LookupResult r;
    r.status = LookupStatus::kFound;
    r.from_hosts = true;
    r.canonical_name = name;
    const std::string key = dns::hosts_key(name);
    for (const dns::HostsEntry& e : owner->config.hosts.entries()) {
      if (std::ranges::any_of(e.names,
                              [&](const std::string& n) { return dns::hosts_key(n) == key; })) {
        r.canonical_name = e.names.front();
        break;
      }
    }
    step("hosts file " + path + ": " + name + " is " + join_addresses(found));
    r.addresses = std::move(found);
    finish(std::move(r));
    return true;
  }

  // RFC 6761 6.3: localhost and names below it are loopback, never asked of a DNS server.
  void localhost_answer() {
    LookupResult r;
    r.status = LookupStatus::kFound;
    r.canonical_name = name;
    dns::IpAddress a;
    if (family != Family::kV6 && dns::IpAddress::parse("127.0.0.1", a)) r.addresses.push_back(a);
    if (family != Family::kV4 && dns::IpAddress::parse("::1", a)) r.addresses.push_back(a);
    step(name + " is " + join_addresses(r.addresses) + " (RFC 6761: loopback, not asked of DNS)");
    finish(std::move(r));
  }

  void begin_name() {
    type_index = 0;
    name_found = false;
    name_nxdomain = false;
    servfails.clear();
    begin_type();
  }

  void begin_type() {
    hops = 0;
    seen.clear();
    auto wire = dns::name_from_text(names[name_index]);
    if (!wire) {
      step(names[name_index] + ": not a DNS name (" + wire.error().message + ")");
      return question_done(Outcome::kNXDomain);
    }
    begin_question(std::move(*wire));
  }

  void begin_question(std::string wire) {
    question.name = std::move(wire);
    question.type = types[type_index];
    question.klass = dns::kClassIN;
    tries = 0;
    failures.clear();
    silent.clear();
    refused = 0;
    question_start_us = monotonic_us();
    const size_t n = conf().nameservers.size();
    first_server = conf().rotate && n > 1 ? owner->rotate_next++ % n : 0;
    start_try();
  }

  // ---- One question: attempts rounds over the servers ----

  void start_try() {
    if (cancelled) return;
    const std::vector<dns::NameServer>& servers = conf().nameservers;
    const size_t total = servers.size() * static_cast<size_t>(std::max(conf().attempts, 1));
    if (servers.empty() || tries >= total) return tries_exhausted();
    server = servers[(first_server + tries) % servers.size()];
    ++tries;
    server_address = socket_address(server);
    query_id = random_u16();
    dns::Edns edns;
    edns.udp_size = kEdnsPayload;
    query = dns::build_query(query_id, question, true, edns);

    const std::string what = "asking " + server.to_string() + " over UDP: " + question_text() +
                             " (id " + std::to_string(query_id) + ")";
    // A fresh socket per query: the kernel picks a random source port, and connect() makes it
    // drop datagrams from any other source.
    core::Fd s(::socket(server_address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) return try_failed(what, "socket() failed: " + std::string(std::strerror(errno)));
    if (::connect(s.get(), server_address.sockaddr_ptr(), server_address.length) != 0) {
      return try_failed(what, "connect() failed: " + std::string(std::strerror(errno)));
    }
    step(what);
    ssize_t n;
    do {
      n = ::send(s.get(), query.data(), query.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == ECONNREFUSED) return port_unreachable();
      return try_failed("", "send() failed: " + std::string(std::strerror(errno)));
    }
    if (auto st = owner->loop.add(s.get(), EPOLLIN, this); !st) {
      return try_failed("", st.error().message);
    }
    fd = std::move(s);
    phase = Phase::kUdp;
    sent_us = monotonic_us();
    owner->loop.arm(timer, static_cast<uint64_t>(conf().timeout) * 1000u);
  }

  [[nodiscard]] std::string question_text() const {
    return dns::name_to_text(question.name) + " " + dns::class_to_text(question.klass) + " " +
           dns::type_to_text(question.type);
  }

  // The server answered with a failure (or could not be talked to): the next try, at once.
  void try_failed(const std::string& what, const std::string& why) {
    if (!what.empty()) step(what);
    step(server.to_string() + ": " + why + "; trying the next server");
    failures.push_back(server.to_string() + ": " + why);
    owner->loop.cancel(timer);
    close_socket();
    start_try();
  }

  void port_unreachable() {
    step(server.to_string() +
         ": connection refused (nothing listens there); trying the next server");
    ++refused;
    if (std::ranges::find(silent, server.to_string()) == silent.end()) {
      silent.push_back(server.to_string());
    }
    owner->loop.cancel(timer);
    close_socket();
    start_try();
  }

  void on_timeout() {
    step("no answer from " + server.to_string() + " within " + std::to_string(conf().timeout) +
         " s" + (phase == Phase::kUdp ? "" : " over TCP"));
    if (std::ranges::find(silent, server.to_string()) == silent.end()) {
      silent.push_back(server.to_string());
    }
    close_socket();
    start_try();
  }

  void tries_exhausted() {
    if (!failures.empty()) {
      // Some server answered, but only with failures: that is what to report.
      std::string detail;
      for (const std::string& f : failures) {
        if (detail.find(f) != std::string::npos) continue;
        if (!detail.empty()) detail += "; ";
        detail += f;
      }
      servfails.push_back(std::move(detail));
      return question_done(Outcome::kServFail);
    }
    return question_done(Outcome::kTimeout);
  }

  // ---- I/O ----

  void on_io(uint32_t events) override {
    switch (phase) {
      case Phase::kUdp:
        return on_udp(events);
      case Phase::kTcpConnect:
      case Phase::kTcpWrite:
        return on_tcp_write(events);
      case Phase::kTcpRead:
        return on_tcp_read();
      case Phase::kIdle:
        return;
    }
  }

  void on_udp(uint32_t events) {
    (void)events;
    static thread_local std::string buf;
    buf.resize(kUdpReceiveSize);
    for (;;) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(fd.get(), buf.data(), buf.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == ECONNREFUSED) return port_unreachable();
        return try_failed("", "recv() failed: " + std::string(std::strerror(errno)));
      }
      // connect() already filters; checked again so that a kernel or a future change that
      // stops filtering cannot let a spoofed source through.
      const core::SocketAddress source =
          core::SocketAddress::from(reinterpret_cast<sockaddr*>(&from), from_len);
      if (!(source == server_address)) {
        step("dropped a reply from " + source.to_string() + ": not the server asked (" +
             server.to_string() + ")");
        continue;
      }
      if (handle_reply(std::string_view(buf.data(), static_cast<size_t>(n)), false)) return;
    }
  }

  // Returns true when the reply ended the wait (the lookup moved on: return at once).
  bool handle_reply(std::string_view wire, bool over_tcp) {
    const std::string from = server.to_string();
    if (wire.size() < dns::kHeaderSize) {
      step("dropped a reply from " + from + ": " + std::to_string(wire.size()) +
           " bytes, no header");
      return false;
    }
    const uint16_t id =
        static_cast<uint16_t>(static_cast<uint8_t>(wire[0]) << 8 | static_cast<uint8_t>(wire[1]));
    const bool qr = (static_cast<uint8_t>(wire[2]) & 0x80) != 0;
    const bool tc = (static_cast<uint8_t>(wire[2]) & 0x02) != 0;
    if (id != query_id || !qr) {
      step("dropped a reply from " + from + ": " +
           (id != query_id ? "id " + std::to_string(id) + ", expected " + std::to_string(query_id)
                           : std::string("not a response (QR clear)")));
      return false;
    }
    auto parsed = dns::parse_message(wire);
    if (!parsed) {
      if (tc && !over_tcp) {
        step("truncated reply from " + from + " (TC, unreadable: " + parsed.error().reason + ")");
        start_tcp();
        return true;
      }
      try_failed("", "unreadable reply (" + parsed.error().reason + ")");
      return true;
    }
    const dns::Message& reply = *parsed;
    if (auto why = reply_mismatch(reply, query_id, question)) {
      step("dropped a reply from " + from + ": " + *why);
      return false;
    }
    std::string summary = "answer from " + from + (over_tcp ? " over TCP" : "") + " in " +
                          ms_text(monotonic_us() - sent_us) + ": " +
                          dns::rcode_to_text(reply.rcode());
    if (reply.header.aa) summary += " aa";
    if (reply.header.tc) summary += " tc";
    if (reply.header.ra) summary += " ra";
    summary += ", " + std::to_string(reply.answers.size()) +
               (reply.answers.size() == 1 ? " answer" : " answers");
    if (!reply.authority.empty()) {
      summary += ", " + std::to_string(reply.authority.size()) + " authority";
    }
    step(summary);
    for (const dns::Record& r : reply.answers) step("  " + dns::record_to_text(r));

    if (reply.header.tc && !over_tcp) {
      step("truncated (TC): asking " + from + " again over TCP");
      start_tcp();
      return true;
    }
    owner->loop.cancel(timer);
    close_socket();
    const uint16_t rcode = reply.rcode();
    if (rcode == dns::kRcodeNXDomain) {
      question_done(Outcome::kNXDomain);
      return true;
    }
    if (rcode != dns::kRcodeNoError) {
      try_failed("", dns::rcode_to_text(rcode));
      return true;
    }
    AnswerChain chain =
        follow_answer(reply, question.name, question.type, kMaxCnameHops - hops, seen);
    hops += chain.hops;
    if (chain.loop) {
      step("CNAME loop at " + dns::name_to_text(chain.end_name));
      failures.push_back(from + ": CNAME loop at " + dns::name_to_text(chain.end_name));
      servfails.push_back(failures.back());
      question_done(Outcome::kServFail);
      return true;
    }
    if (chain.too_long) {
      step("more than " + std::to_string(kMaxCnameHops) + " CNAMEs: giving up");
      servfails.push_back(from + ": CNAME chain longer than " + std::to_string(kMaxCnameHops));
      question_done(Outcome::kServFail);
      return true;
    }
    if (!chain.addresses.empty()) {
      addresses.insert(addresses.end(), chain.addresses.begin(), chain.addresses.end());
      ttl = std::min(ttl, chain.ttl);
      if (canonical.empty()) canonical = plain_name(chain.end_name);
      question_done(Outcome::kAddresses);
      return true;
    }
    if (chain.dangling) {
      step("alias " + dns::name_to_text(chain.end_name) + " not in the answer: asking for it");
      begin_question(chain.end_name);
      return true;
    }
    question_done(Outcome::kNoData);
    return true;
  }

  void start_tcp() {
    owner->loop.cancel(timer);
    close_socket();
    auto s = core::connect_tcp(server_address);
    if (!s) return try_failed("", "TCP: " + s.error().message);
    query_id = random_u16();
    dns::Edns edns;
    edns.udp_size = kEdnsPayload;
    std::string body = dns::build_query(query_id, question, true, edns);
    query.clear();
    query += static_cast<char>(body.size() >> 8);
    query += static_cast<char>(body.size() & 0xff);
    query += body;
    written = 0;
    tcp_in.clear();
    if (auto st = owner->loop.add(s->get(), EPOLLOUT, this); !st) {
      return try_failed("", st.error().message);
    }
    fd = std::move(*s);
    phase = Phase::kTcpConnect;
    step("asking " + server.to_string() + " over TCP: " + question_text() + " (id " +
         std::to_string(query_id) + ")");
    sent_us = monotonic_us();
    owner->loop.arm(timer, static_cast<uint64_t>(conf().timeout) * 1000u);
  }

  void on_tcp_write(uint32_t events) {
    if (phase == Phase::kTcpConnect) {
      if (int err = core::socket_error(fd.get()); err != 0) {
        return try_failed("", "TCP connect failed: " + std::string(std::strerror(err)));
      }
      if ((events & (EPOLLERR | EPOLLHUP)) != 0) return try_failed("", "TCP connect failed");
      phase = Phase::kTcpWrite;
    }
    while (written < query.size()) {
      core::IoResult r = core::write_some(fd.get(), std::string_view(query).substr(written));
      if (r.would_block()) return;
      if (!r.ok())
        return try_failed("", "TCP write failed: " + std::string(std::strerror(r.error)));
      written += r.bytes;
    }
    phase = Phase::kTcpRead;
    if (auto st = owner->loop.modify(fd.get(), EPOLLIN, this); !st) {
      return try_failed("", st.error().message);
    }
  }

  void on_tcp_read() {
    char buf[16384];
    for (;;) {
      core::IoResult r = core::read_some(fd.get(), std::span<char>(buf, sizeof buf));
      if (r.would_block()) return;
      if (r.status == core::IoStatus::eof) {
        return try_failed("", "TCP connection closed before a whole reply");
      }
      if (!r.ok()) return try_failed("", "TCP read failed: " + std::string(std::strerror(r.error)));
      tcp_in.append(buf, r.bytes);
      if (tcp_in.size() >= 2) {
        const size_t len = static_cast<size_t>(static_cast<uint8_t>(tcp_in[0])) << 8 |
                           static_cast<uint8_t>(tcp_in[1]);
        if (tcp_in.size() >= 2 + len) {
          std::string reply = tcp_in.substr(2, len);
          if (handle_reply(reply, true)) return;
          // Not ours after all (a wrong ID on our own connection): the server is broken.
          return try_failed("", "TCP reply does not match the query");
        }
      }
    }
  }

  // ---- Outcomes ----

  void question_done(Outcome outcome) {
    if (outcome == Outcome::kAddresses) name_found = true;
    if (outcome == Outcome::kTimeout) {
      if (!addresses.empty()) {
        step(dns::type_to_text(question.type) + ": no answer; keeping the addresses found");
        return finish_found();
      }
      LookupResult r;
      r.status = LookupStatus::kTimeout;
      const uint64_t spent = monotonic_us() - question_start_us;
      std::string servers;
      for (const std::string& s : silent) {
        if (!servers.empty()) servers += ", ";
        servers += s;
      }
      r.detail = "no answer from " + servers + " after " + seconds_text(spent) + " (" +
                 std::to_string(tries) + (tries == 1 ? " query" : " queries");
      if (refused == tries) {
        r.detail += ", refused: nothing listens there";
      } else if (refused > 0) {
        r.detail += ", " + std::to_string(refused) + " refused";
      }
      r.detail += ")";
      return finish(std::move(r));
    }
    if (outcome == Outcome::kNXDomain) {
      name_nxdomain = true;
      // The name does not exist: no other type of it will.
      type_index = types.size();
    }
    if (++type_index < types.size()) return begin_type();
    if (name_found) return finish_found();
    const bool failed = !name_nxdomain && !servfails.empty();
    std::string detail;
    for (const std::string& f : servfails) {
      if (detail.find(f) != std::string::npos) continue;
      if (!detail.empty()) detail += "; ";
      detail += f;
    }
    step(names[name_index] + ": " +
         (name_nxdomain ? "no such name (NXDOMAIN)"
          : failed      ? "server failure (" + detail + ")"
                        : "no address (NODATA)"));
    std::string_view as_is = name;
    if (as_is.size() > 1 && as_is.back() == '.') as_is.remove_suffix(1);
    if (names[name_index] == as_is) as_is_failure = failed ? detail : std::string();
    if (++name_index < names.size()) return begin_name();
    LookupResult r;
    if (!as_is_failure.empty()) {
      r.status = LookupStatus::kServFail;
      r.detail = std::move(as_is_failure);
    } else {
      r.status = LookupStatus::kNotFound;
    }
    finish(std::move(r));
  }

  void finish_found() {
    LookupResult r;
    r.status = LookupStatus::kFound;
    r.addresses = std::move(addresses);
    r.ttl = ttl;
    r.canonical_name = canonical.empty() ? names[name_index] : canonical;
    finish(std::move(r));
  }

  // Ends the lookup. The Lookup is detached and deleted after the batch (its frames may be on the
  // stack); `done` runs last, and may destroy the Resolver.
  void finish(LookupResult r) {
    owner->loop.cancel(timer);
    close_socket();
    if (cancelled) return;
    std::string line = std::string(lookup_status_text(r.status));
    if (r.status == LookupStatus::kFound) {
      line += ": " + join_addresses(r.addresses);
      if (!r.canonical_name.empty() && dns::hosts_key(r.canonical_name) != dns::hosts_key(name)) {
        line += " (canonical name " + r.canonical_name + ")";
      }
    } else if (!r.detail.empty()) {
      line += ": " + r.detail;
    }
    step(line);
    LookupDone callback = std::move(done);
    std::unique_ptr<Lookup> self = owner->detach(id);
    owner->loop.defer_delete(std::move(self));
    if (callback) callback(std::move(r));
  }
};

Resolver::Impl::~Impl() {
  // Destroying the lookups unregisters their sockets; their callbacks are never called.
  lookups.clear();
}

std::unique_ptr<Lookup> Resolver::Impl::detach(uint64_t id) {
  auto it = lookups.find(id);
  if (it == lookups.end()) return nullptr;
  std::unique_ptr<Lookup> l = std::move(it->second);
  lookups.erase(it);
  return l;
}

Resolver::Resolver(core::EventLoop& loop, ResolverConfig config)
    : impl_(std::make_unique<Impl>(loop, std::move(config))) {}

Resolver::~Resolver() = default;

const ResolverConfig& Resolver::config() const noexcept { return impl_->config; }

uint64_t Resolver::lookup(std::string_view name, Family family, LookupDone done, TraceFn trace) {
  const uint64_t id = impl_->next_id++;
  impl_->lookups.emplace(id, std::make_unique<Lookup>(impl_.get(), id, name, family,
                                                      std::move(done), std::move(trace)));
  // Started after the current batch, so that `done` never runs inside lookup().
  impl_->loop.post([alive = std::weak_ptr<Impl*>(impl_->alive), id] {
    auto impl = alive.lock();
    if (!impl) return;
    auto it = (*impl)->lookups.find(id);
    if (it != (*impl)->lookups.end()) it->second->start();
  });
  return id;
}

void Resolver::cancel(uint64_t id) {
  std::unique_ptr<Lookup> l = impl_->detach(id);
  if (!l) return;
  l->cancelled = true;
  impl_->loop.cancel(l->timer);
  l->close_socket();
  // It may be cancelled from inside its own trace callback: deleted after the batch.
  impl_->loop.defer_delete(std::move(l));
}

LookupResult resolve_blocking(const ResolverConfig& config, std::string_view name, Family family,
                              TraceFn trace) {
  LookupResult result;
  auto loop = core::EventLoop::create();
  if (!loop) {
    result.status = LookupStatus::kServFail;
    result.detail = loop.error().message;
    return result;
  }
  {
    Resolver resolver(**loop, config);
    bool finished = false;
    resolver.lookup(
        name, family,
        [&](LookupResult r) {
          result = std::move(r);
          finished = true;
          (*loop)->stop();
        },
        std::move(trace));
    while (!finished) (*loop)->run();
  }
  // Let deferred deletions run before the loop goes.
  (*loop)->run_once(0);
  return result;
}

}  // namespace wc::client
