#include "dnsserver/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <unordered_map>
#include <utility>

#include "core/error_log.h"
#include "core/file_writer.h"
#include "core/io.h"
#include "dnsserver/query_log.h"

namespace wc::dnsserver {

namespace {

using core::EventLoop;
using core::Fd;
using core::LogLevel;
using core::SocketAddress;

constexpr int kBatch = 64;                  // datagrams per recvmmsg/sendmmsg
constexpr size_t kMaxUdpQuery = 4096;       // larger datagrams arrive cut (MSG_TRUNC): FORMERR
constexpr size_t kMaxTcpBacklog = 1 << 20;  // output bytes queued before a connection stops reading
constexpr size_t kMaxPendingForwards = 4096;
constexpr uint64_t kSweepMs = 100;

uint16_t get16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) << 8 | static_cast<uint8_t>(p[1]));
}

Result<Fd> open_udp(const SocketAddress& address) {
  Fd fd(::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket()");
  const int on = 1;
  if (address.is_ipv6()) (void)::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  const int size = 4 << 20;  // ride out bursts (capped by net.core.rmem_max)
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (::bind(fd.get(), address.sockaddr_ptr(), address.length) != 0) {
    return sys_fail("bind() to udp " + address.to_string());
  }
  return fd;
}

std::string client_text(const SocketAddress& a) {
  return a.ip_string() + "#" + std::to_string(a.port());
}

// A question's end offset in a query (past type and class), 0 when it cannot be read.
size_t question_end(std::string_view q) {
  if (q.size() < dns::kHeaderSize || get16(q.data() + 4) == 0) return 0;
  size_t pos = dns::kHeaderSize;
  auto name = dns::read_name(q, pos, q.size());
  if (!name || pos + 4 > q.size()) return 0;
  return pos + 4;
}

}  // namespace

struct UdpSocket;
struct UpstreamTcp;
struct TcpListener;
struct TcpConnection;
struct Forwarder;

struct DnsServer::Impl {
  EventLoop& loop;
  DnsOptions options;
  std::unique_ptr<Responder> responder;
  std::vector<SocketAddress> addresses;
  std::vector<std::unique_ptr<UdpSocket>> udp;
  std::vector<std::unique_ptr<TcpListener>> tcp;
  std::unordered_map<uint64_t, std::unique_ptr<TcpConnection>> connections;
  uint64_t next_connection = 1;
  std::unique_ptr<Forwarder> forwarder;
  std::unique_ptr<core::BufferedFileWriter> query_log;
  std::string line;
  time_t stamp_second = -1;
  std::string stamp;

  // recvmmsg/sendmmsg batch state, reused by every socket.
  mmsghdr in[kBatch]{};
  iovec in_iov[kBatch]{};
  sockaddr_storage peers[kBatch]{};
  char buffers[kBatch][kMaxUdpQuery];
  mmsghdr out[kBatch]{};
  iovec out_iov[kBatch]{};
  std::string replies[kBatch];
  std::string scratch;

  explicit Impl(EventLoop& l);  // defined where the socket types are complete (clang needs it)
  ~Impl();

  void on_udp(UdpSocket& s);
  void on_accept(TcpListener& l);
  void on_tcp(TcpConnection& c, uint32_t events);
  void tcp_frames(TcpConnection& c);
  void tcp_flush(TcpConnection& c);
  void tcp_close(TcpConnection& c);
  void log_query(const SocketAddress& client, const std::string& local, std::string_view query,
                 Transport transport, Verdict verdict, std::string_view response);
  void deliver_udp(size_t index, const SocketAddress& client, std::string_view reply);
  void deliver_tcp(uint64_t id, std::string_view reply);
};

struct UdpSocket final : core::IoHandler {
  DnsServer::Impl& server;
  size_t index;
  Fd fd;
  std::string local;
  UdpSocket(DnsServer::Impl& s, size_t i, Fd f, std::string l)
      : server(s), index(i), fd(std::move(f)), local(std::move(l)) {}
  void on_io(uint32_t) override { server.on_udp(*this); }
};

struct TcpListener final : core::IoHandler {
  DnsServer::Impl& server;
  Fd fd;
  std::string local;
  TcpListener(DnsServer::Impl& s, Fd f, std::string l)
      : server(s), fd(std::move(f)), local(std::move(l)) {}
  void on_io(uint32_t) override { server.on_accept(*this); }
};

struct TcpConnection final : core::IoHandler {
  DnsServer::Impl& server;
  uint64_t id;
  Fd fd;
  SocketAddress peer;
  const std::string& local;
  std::string in;
  std::string out;
  size_t out_done = 0;
  bool want_write = false;
  bool read_closed = false;
  bool closed = false;
  int forwards = 0;  // queries relayed upstream whose answer is still to come
  core::Timer idle;
  TcpConnection(DnsServer::Impl& s, uint64_t i, Fd f, SocketAddress p, const std::string& l)
      : server(s), id(i), fd(std::move(f)), peer(p), local(l) {}
  void on_io(uint32_t events) override { server.on_tcp(*this, events); }
};

// One query relayed to the upstream over TCP, when its UDP answer came back truncated and the
// client asked over TCP (a UDP client gets the TC answer and retries over TCP itself): connect,
// send the framed query, read one framed answer, check its ID and question, hand it back.
struct UpstreamTcp final : core::IoHandler {
  Forwarder& forwarder;
  Fd fd;
  std::string query;  // our ID
  size_t question_end = 0;
  uint16_t client_id = 0;
  uint64_t connection = 0;
  std::string out;
  size_t out_done = 0;
  std::string in;
  bool connected = false;
  bool sent = false;
  bool done = false;
  core::Timer timer;
  UpstreamTcp(Forwarder& f, Fd d) : forwarder(f), fd(std::move(d)) {}
  void on_io(uint32_t events) override;
  void finish(std::string_view reply);  // empty: SERVFAIL
};

// Relays queries outside every zone to one upstream over UDP, under a fresh random ID, and hands
// the answer back with the client's ID; SERVFAIL when none comes in kForwardTimeoutMs. An answer
// is taken only with a pending ID and the question the query asked (anything else is dropped, as
// a spoofed packet would be).
struct Forwarder final : core::IoHandler {
  struct Origin {
    bool tcp = false;
    uint64_t connection = 0;
    size_t udp_index = 0;
    SocketAddress client;
  };
  struct Pending {
    Origin origin;
    std::string query;  // as sent upstream (our ID)
    size_t question_end = 0;
    uint16_t client_id = 0;
    uint64_t deadline = 0;
  };

  DnsServer::Impl& server;
  Fd fd;
  SocketAddress upstream;
  std::unordered_map<uint16_t, Pending> pending;
  std::mt19937 rng{std::random_device{}()};
  core::Timer sweep;
  std::unordered_map<UpstreamTcp*, std::unique_ptr<UpstreamTcp>> exchanges;
  char buffer[65536];

  Forwarder(DnsServer::Impl& s, Fd f, SocketAddress u) : server(s), fd(std::move(f)), upstream(u) {
    sweep.set_callback([this] { expire(); });
  }

  void answer(const Origin& origin, std::string_view reply) {
    if (origin.tcp) {
      server.deliver_tcp(origin.connection, reply);
    } else {
      server.deliver_udp(origin.udp_index, origin.client, reply);
    }
  }

  void fail_now(std::string_view query, const Origin& origin) {
    std::string reply;
    Responder::servfail(query, reply);
    answer(origin, reply);
  }

  void forward(std::string_view query, const Origin& origin) {
    const size_t qend = question_end(query);
    if (qend == 0) return;
    if (pending.size() >= kMaxPendingForwards) return fail_now(query, origin);
    uint16_t id = 0;
    do {
      id = static_cast<uint16_t>(rng());
    } while (pending.contains(id));
    Pending p;
    p.origin = origin;
    p.query.assign(query);
    p.query[0] = static_cast<char>(id >> 8);
    p.query[1] = static_cast<char>(id & 0xFF);
    p.question_end = qend;
    p.client_id = get16(query.data());
    p.deadline = server.loop.now_ms() + kForwardTimeoutMs;
    if (::send(fd.get(), p.query.data(), p.query.size(), MSG_DONTWAIT) < 0) {
      core::error_log().logf(LogLevel::error, 0, "send() to upstream %s failed (%d: %s)",
                             upstream.to_string().c_str(), errno, std::strerror(errno));
      return fail_now(query, origin);
    }
    pending.emplace(id, std::move(p));
    if (!sweep.armed()) server.loop.arm(sweep, kSweepMs);
  }

  void on_io(uint32_t) override {
    for (;;) {
      const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN, or ECONNREFUSED from an upstream not listening: the timeout answers
      }
      if (static_cast<size_t>(n) < dns::kHeaderSize) continue;
      auto it = pending.find(get16(buffer));
      if (it == pending.end()) continue;
      const Pending& p = it->second;
      const size_t qlen = p.question_end - dns::kHeaderSize;
      if (!(static_cast<uint8_t>(buffer[2]) & 0x80) || static_cast<size_t>(n) < p.question_end ||
          std::memcmp(buffer + dns::kHeaderSize, p.query.data() + dns::kHeaderSize, qlen) != 0) {
        continue;
      }
      buffer[0] = static_cast<char>(p.client_id >> 8);
      buffer[1] = static_cast<char>(p.client_id & 0xFF);
      const Origin origin = p.origin;
      if ((static_cast<uint8_t>(buffer[2]) & 0x02) && origin.tcp) {
        start_tcp(p);
        pending.erase(it);
        continue;
      }
      pending.erase(it);
      answer(origin, std::string_view(buffer, static_cast<size_t>(n)));
    }
  }

  void start_tcp(const Pending& p) {
    auto fd = core::connect_tcp(upstream);
    if (!fd) {
      core::error_log().logf(LogLevel::error, 0, "%s", fd.error().message.c_str());
      std::string q = p.query;
      q[0] = static_cast<char>(p.client_id >> 8);
      q[1] = static_cast<char>(p.client_id & 0xFF);
      return fail_now(q, p.origin);
    }
    auto x = std::make_unique<UpstreamTcp>(*this, std::move(*fd));
    x->query = p.query;
    x->question_end = p.question_end;
    x->client_id = p.client_id;
    x->connection = p.origin.connection;
    const auto len = static_cast<uint16_t>(p.query.size());
    x->out.push_back(static_cast<char>(len >> 8));
    x->out.push_back(static_cast<char>(len & 0xFF));
    x->out += p.query;
    UpstreamTcp* raw = x.get();
    if (!server.loop.add(raw->fd.get(), EPOLLOUT | EPOLLIN, raw)) {
      return fail_now(p.query, p.origin);
    }
    raw->timer.set_callback([raw] { raw->finish({}); });
    server.loop.arm(raw->timer, kForwardTimeoutMs);
    exchanges.emplace(raw, std::move(x));
  }

  void end_tcp(UpstreamTcp& x) {
    server.loop.remove(x.fd.get());
    server.loop.cancel(x.timer);
    auto it = exchanges.find(&x);
    if (it == exchanges.end()) return;
    std::unique_ptr<UpstreamTcp> owned = std::move(it->second);
    exchanges.erase(it);
    server.loop.defer_delete(std::move(owned));
  }

  void expire() {
    const uint64_t now = server.loop.now_ms();
    std::vector<uint16_t> late;
    for (const auto& [id, p] : pending) {
      if (p.deadline <= now) late.push_back(id);
    }
    for (uint16_t id : late) {
      auto it = pending.find(id);
      Pending p = std::move(it->second);
      pending.erase(it);
      p.query[0] = static_cast<char>(p.client_id >> 8);
      p.query[1] = static_cast<char>(p.client_id & 0xFF);
      core::error_log().logf(LogLevel::warn, 0, "upstream %s did not answer in %llu ms: SERVFAIL",
                             upstream.to_string().c_str(),
                             static_cast<unsigned long long>(kForwardTimeoutMs));
      fail_now(p.query, p.origin);
    }
    if (!pending.empty()) server.loop.arm(sweep, kSweepMs);
  }
};

void UpstreamTcp::on_io(uint32_t events) {
  if (done) return;
  if (!connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    if (core::socket_error(fd.get()) != 0) return finish({});
    connected = true;
  }
  while (connected && out_done < out.size()) {
    core::IoResult r = core::write_some(fd.get(), std::string_view(out).substr(out_done));
    if (r.would_block()) break;
    if (!r.ok()) return finish({});
    out_done += r.bytes;
  }
  if (connected && out_done == out.size() && !sent) {
    sent = true;
    (void)forwarder.server.loop.modify(fd.get(), EPOLLIN, this);
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  char buf[16384];
  for (;;) {
    core::IoResult r = core::read_some(fd.get(), std::span<char>(buf, sizeof buf));
    if (r.would_block()) break;
    if (!r.ok()) return finish({});  // EOF before the answer, or an error
    in.append(buf, r.bytes);
    if (in.size() >= 2 && in.size() >= 2u + get16(in.data())) {
      const std::string_view reply(in.data() + 2, get16(in.data()));
      const size_t qlen = question_end - dns::kHeaderSize;
      if (reply.size() < question_end ||
          reply.substr(0, 2) != std::string_view(query).substr(0, 2) ||
          std::memcmp(reply.data() + dns::kHeaderSize, query.data() + dns::kHeaderSize, qlen) !=
              0) {
        return finish({});
      }
      return finish(reply);
    }
  }
}

void UpstreamTcp::finish(std::string_view reply) {
  if (done) return;
  done = true;
  Forwarder::Origin origin;
  origin.tcp = true;
  origin.connection = connection;
  query[0] = static_cast<char>(client_id >> 8);
  query[1] = static_cast<char>(client_id & 0xFF);
  if (reply.empty()) {
    forwarder.fail_now(query, origin);
  } else {
    std::string copy(reply);
    copy[0] = query[0];
    copy[1] = query[1];
    forwarder.answer(origin, copy);
  }
  forwarder.end_tcp(*this);
}

DnsServer::Impl::Impl(EventLoop& l) : loop(l) {}

DnsServer::Impl::~Impl() {
  for (auto& [id, c] : connections) loop.remove(c->fd.get());
  for (auto& l : tcp) loop.remove(l->fd.get());
  for (auto& u : udp) loop.remove(u->fd.get());
  if (forwarder) {
    for (auto& [raw, x] : forwarder->exchanges) loop.remove(x->fd.get());
    loop.remove(forwarder->fd.get());
  }
  if (query_log) query_log->flush();
}

void DnsServer::Impl::log_query(const SocketAddress& client, const std::string& local,
                                std::string_view query, Transport transport, Verdict verdict,
                                std::string_view response) {
  const core::WallClock& clock = loop.wall_clock();
  if (clock.unix_seconds() != stamp_second) {
    stamp_second = clock.unix_seconds();
    stamp = bind_timestamp(stamp_second, 0);
  }
  const unsigned ms = clock.milliseconds() % 1000;
  stamp[stamp.size() - 3] = static_cast<char>('0' + ms / 100);
  stamp[stamp.size() - 2] = static_cast<char>('0' + ms / 10 % 10);
  stamp[stamp.size() - 1] = static_cast<char>('0' + ms % 10);
  line.clear();
  format_query_line(line, stamp, client_text(client), local, query, transport, verdict, response);
  query_log->append(line);
}

void DnsServer::Impl::on_udp(UdpSocket& s) {
  for (int round = 0; round < 16; ++round) {
    for (int i = 0; i < kBatch; ++i) {
      in_iov[i] = {buffers[i], kMaxUdpQuery};
      in[i].msg_hdr = {};
      in[i].msg_hdr.msg_name = &peers[i];
      in[i].msg_hdr.msg_namelen = sizeof peers[i];
      in[i].msg_hdr.msg_iov = &in_iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
      in[i].msg_len = 0;
    }
    const int n = ::recvmmsg(s.fd.get(), in, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        core::error_log().logf(LogLevel::error, 0, "recvmmsg() on %s failed (%d: %s)",
                               s.local.c_str(), errno, std::strerror(errno));
      }
      return;
    }
    int m = 0;
    for (int i = 0; i < n; ++i) {
      const std::string_view query(buffers[i], in[i].msg_len);
      const Verdict verdict = responder->respond(query, Transport::kUdp, replies[m]);
      const SocketAddress client = SocketAddress::from(reinterpret_cast<const sockaddr*>(&peers[i]),
                                                       in[i].msg_hdr.msg_namelen);
      if (query_log) {
        log_query(client, s.local, query, Transport::kUdp, verdict,
                  verdict == Verdict::kReply ? std::string_view(replies[m]) : std::string_view());
      }
      if (verdict == Verdict::kReply) {
        out_iov[m] = {replies[m].data(), replies[m].size()};
        out[m].msg_hdr = {};
        out[m].msg_hdr.msg_name = &peers[i];
        out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
        out[m].msg_hdr.msg_iov = &out_iov[m];
        out[m].msg_hdr.msg_iovlen = 1;
        ++m;
      } else if (verdict == Verdict::kForward && forwarder) {
        Forwarder::Origin origin;
        origin.udp_index = s.index;
        origin.client = client;
        forwarder->forward(query, origin);
      }
    }
    int sent = 0;
    while (sent < m) {
      const int r =
          ::sendmmsg(s.fd.get(), out + sent, static_cast<unsigned>(m - sent), MSG_DONTWAIT);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
        ++sent;  // this one datagram cannot go (an address the kernel refuses): skip it
        continue;
      }
      if (r <= 0) break;  // a full socket buffer drops the rest, as a router would
      sent += r;
    }
    if (n < kBatch) return;
  }
}

void DnsServer::Impl::deliver_udp(size_t index, const SocketAddress& client,
                                  std::string_view reply) {
  if (index >= udp.size()) return;
  (void)::sendto(udp[index]->fd.get(), reply.data(), reply.size(), MSG_DONTWAIT,
                 client.sockaddr_ptr(), client.length);
}

void DnsServer::Impl::deliver_tcp(uint64_t id, std::string_view reply) {
  auto it = connections.find(id);
  if (it == connections.end()) return;  // the client went away meanwhile
  TcpConnection& c = *it->second;
  --c.forwards;
  const uint16_t len = static_cast<uint16_t>(reply.size());
  c.out.push_back(static_cast<char>(len >> 8));
  c.out.push_back(static_cast<char>(len & 0xFF));
  c.out.append(reply);
  tcp_flush(c);
}

void DnsServer::Impl::on_accept(TcpListener& l) {
  for (;;) {
    core::Accepted a = core::accept_connection(l.fd.get());
    if (a.outcome == core::AcceptOutcome::would_block) return;
    if (a.outcome != core::AcceptOutcome::accepted) {
      core::error_log().logf(LogLevel::error, 0, "accept4() on %s failed (%d: %s)", l.local.c_str(),
                             a.error, std::strerror(a.error));
      return;
    }
    if (connections.size() >= kMaxTcpConnections) continue;  // closed at once (Fd's destructor)
    const uint64_t id = next_connection++;
    auto c = std::make_unique<TcpConnection>(*this, id, std::move(a.fd), a.peer, l.local);
    TcpConnection* raw = c.get();
    if (!loop.add(raw->fd.get(), EPOLLIN | EPOLLRDHUP, raw)) continue;
    raw->idle.set_callback([this, raw] { tcp_close(*raw); });
    loop.arm(raw->idle, kTcpIdleTimeoutMs);
    connections.emplace(id, std::move(c));
  }
}

void DnsServer::Impl::tcp_frames(TcpConnection& c) {
  size_t pos = 0;
  while (c.in.size() - pos >= 2) {
    const size_t len = get16(c.in.data() + pos);
    if (c.in.size() - pos - 2 < len) break;
    const std::string_view query(c.in.data() + pos + 2, len);
    pos += 2 + len;
    const Verdict verdict = responder->respond(query, Transport::kTcp, scratch);
    if (query_log) {
      log_query(c.peer, c.local, query, Transport::kTcp, verdict,
                verdict == Verdict::kReply ? std::string_view(scratch) : std::string_view());
    }
    if (verdict == Verdict::kReply) {
      const auto rlen = static_cast<uint16_t>(scratch.size());
      c.out.push_back(static_cast<char>(rlen >> 8));
      c.out.push_back(static_cast<char>(rlen & 0xFF));
      c.out.append(scratch);
    } else if (verdict == Verdict::kForward && forwarder) {
      Forwarder::Origin origin;
      origin.tcp = true;
      origin.connection = c.id;
      ++c.forwards;
      forwarder->forward(query, origin);
      if (c.closed) return;
    }
  }
  c.in.erase(0, pos);
}

void DnsServer::Impl::on_tcp(TcpConnection& c, uint32_t events) {
  if (events & EPOLLERR) return tcp_close(c);
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) && !c.read_closed) {
    char buf[16384];
    while (c.out.size() - c.out_done < kMaxTcpBacklog) {
      core::IoResult r = core::read_some(c.fd.get(), std::span<char>(buf, sizeof buf));
      if (r.would_block()) break;
      if (r.status == core::IoStatus::eof) {
        c.read_closed = true;
        break;
      }
      if (!r.ok()) return tcp_close(c);
      c.in.append(buf, r.bytes);
      loop.arm(c.idle, kTcpIdleTimeoutMs);
      // Answer what has come before reading more, so that the input held stays one read plus
      // one partial frame and the output backlog check above sees the answers.
      tcp_frames(c);
      if (c.closed) return;
      if (r.bytes < sizeof buf) break;
    }
  }
  tcp_flush(c);
}

void DnsServer::Impl::tcp_flush(TcpConnection& c) {
  while (c.out_done < c.out.size()) {
    core::IoResult r = core::write_some(c.fd.get(), std::string_view(c.out).substr(c.out_done));
    if (r.would_block()) break;
    if (!r.ok()) return tcp_close(c);
    c.out_done += r.bytes;
  }
  if (c.out_done == c.out.size()) {
    c.out.clear();
    c.out_done = 0;
  }
  const bool pending_out = !c.out.empty();
  if (c.read_closed && !pending_out && c.forwards <= 0) return tcp_close(c);
  const bool reading = !c.read_closed && c.out.size() - c.out_done < kMaxTcpBacklog;
  const uint32_t events = (reading ? EPOLLIN | EPOLLRDHUP : 0u) | (pending_out ? EPOLLOUT : 0u);
  (void)loop.modify(c.fd.get(), events, &c);
}

void DnsServer::Impl::tcp_close(TcpConnection& c) {
  if (c.closed) return;
  c.closed = true;
  loop.remove(c.fd.get());
  loop.cancel(c.idle);
  auto it = connections.find(c.id);
  if (it == connections.end()) return;
  std::unique_ptr<TcpConnection> owned = std::move(it->second);
  connections.erase(it);
  loop.defer_delete(std::move(owned));
}

DnsServer::DnsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsServer::~DnsServer() = default;

Result<std::unique_ptr<DnsServer>> DnsServer::create(EventLoop& loop, const DnsOptions& options,
                                                     std::shared_ptr<const ZoneDb> db) {
  auto impl = std::make_unique<Impl>(loop);
  impl->options = options;
  impl->responder =
      std::make_unique<Responder>(std::move(db), !options.forward.empty(), options.round_robin);
  std::vector<std::string> listens = options.listen;
  if (listens.empty()) listens.push_back(kDefaultListen);
  for (const std::string& text : listens) {
    auto address = parse_listen(text);
    if (!address) return std::unexpected(address.error());
    auto ufd = open_udp(*address);
    if (!ufd) return std::unexpected(ufd.error());
    auto bound = core::local_address(ufd->get());
    if (!bound) return std::unexpected(bound.error());
    core::ListenOptions lo;
    lo.backlog = 128;
    auto tfd = core::listen_tcp(*bound, lo);
    if (!tfd) return std::unexpected(tfd.error());
    const std::string local = bound->ip_string();
    auto u = std::make_unique<UdpSocket>(*impl, impl->udp.size(), std::move(*ufd), local);
    if (auto s = loop.add(u->fd.get(), EPOLLIN, u.get()); !s) return std::unexpected(s.error());
    impl->udp.push_back(std::move(u));
    auto t = std::make_unique<TcpListener>(*impl, std::move(*tfd), local);
    if (auto s = loop.add(t->fd.get(), EPOLLIN, t.get()); !s) return std::unexpected(s.error());
    impl->tcp.push_back(std::move(t));
    impl->addresses.push_back(*bound);
  }
  if (!options.forward.empty()) {
    auto upstream = parse_forward(options.forward);
    if (!upstream) return std::unexpected(upstream.error());
    Fd fd(::socket(upstream->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return sys_fail("socket()");
    if (::connect(fd.get(), upstream->sockaddr_ptr(), upstream->length) != 0) {
      return sys_fail("connect() to " + upstream->to_string());
    }
    impl->forwarder = std::make_unique<Forwarder>(*impl, std::move(fd), *upstream);
    if (auto s = loop.add(impl->forwarder->fd.get(), EPOLLIN, impl->forwarder.get()); !s) {
      return std::unexpected(s.error());
    }
  }
  if (!options.query_log.empty()) {
    impl->query_log = std::make_unique<core::BufferedFileWriter>();
    Status s = options.query_log == "-" ? impl->query_log->open_fd(STDERR_FILENO)
                                        : impl->query_log->open(options.query_log);
    if (!s) return std::unexpected(s.error());
    core::BufferedFileWriter* writer = impl->query_log.get();
    loop.add_tick_hook([writer] { writer->flush(); });
  }
  return std::unique_ptr<DnsServer>(new DnsServer(std::move(impl)));
}

Status DnsServer::reload() {
  auto db = ZoneDb::load(impl_->options.zones, impl_->options.hosts);
  if (!db) {
    core::error_log().logf(LogLevel::error, 0, "%s; reload refused, the old data keeps serving",
                           db.error().message.c_str());
    return std::unexpected(db.error());
  }
  for (const Zone& zone : (*db)->zones()) {
    core::error_log().logf(LogLevel::notice, 0, "zone %s reloaded from %s, serial %u",
                           zone.origin_text.c_str(), zone.file.c_str(), zone.serial);
  }
  if (const dns::HostsFile* hosts = (*db)->hosts()) {
    for (const std::string& d : hosts->diagnostics()) {
      core::error_log().logf(LogLevel::warn, 0, "%s", d.c_str());
    }
  }
  impl_->responder = std::make_unique<Responder>(std::move(*db), !impl_->options.forward.empty(),
                                                 impl_->options.round_robin);
  return {};
}

void DnsServer::reopen_logs() {
  if (impl_->query_log) {
    if (auto s = impl_->query_log->reopen(); !s) {
      core::error_log().logf(LogLevel::alert, 0, "%s", s.error().message.c_str());
    }
  }
}

const std::vector<SocketAddress>& DnsServer::addresses() const noexcept { return impl_->addresses; }

}  // namespace wc::dnsserver
