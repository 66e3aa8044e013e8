#include "fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

#include "core/socket.h"

namespace wc::client::testing {

struct FakeServer::Udp final : core::IoHandler {
  FakeServer* s;
  explicit Udp(FakeServer* server) : s(server) {}
  void on_io(uint32_t) override { s->on_udp(); }
};

struct FakeServer::Listener final : core::IoHandler {
  FakeServer* s;
  explicit Listener(FakeServer* server) : s(server) {}
  void on_io(uint32_t) override { s->on_accept(); }
};

struct FakeServer::Conn final : core::IoHandler {
  FakeServer* s;
  core::Fd fd;
  std::string in;
  bool closed = false;
  void on_io(uint32_t) override {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EAGAIN) break;
      s->loop_.remove(fd.get());
      fd.reset();
      return;
    }
    while (in.size() >= 2) {
      size_t len =
          static_cast<size_t>(static_cast<uint8_t>(in[0])) << 8 | static_cast<uint8_t>(in[1]);
      if (in.size() < 2 + len) break;
      auto q = dns::parse_message(std::string_view(in).substr(2, len));
      in.erase(0, 2 + len);
      if (!q) continue;
      s->received_.push_back({*q, true});
      for (const Reply& r : s->respond_(*q, true)) {
        std::string framed;
        framed += static_cast<char>(r.wire.size() >> 8);
        framed += static_cast<char>(r.wire.size() & 0xff);
        framed += r.wire;
        (void)!::write(fd.get(), framed.data(), framed.size());
      }
    }
  }
};

FakeServer::FakeServer(core::EventLoop& loop, Respond respond)
    : loop_(loop), respond_(std::move(respond)) {
  // Same port for UDP and TCP, as a DNS server has: retry until a UDP port's TCP twin is free.
  for (int i = 0; i < 50 && !tcp_; ++i) {
    udp_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(udp_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) continue;
    socklen_t len = sizeof a;
    ::getsockname(udp_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    auto l = core::listen_tcp(core::SocketAddress::ipv4(INADDR_LOOPBACK, port_));
    if (l) tcp_ = std::move(*l);
  }
  udp_handler_ = std::make_unique<Udp>(this);
  tcp_handler_ = std::make_unique<Listener>(this);
  (void)loop_.add(udp_.get(), EPOLLIN, udp_handler_.get());
  (void)loop_.add(tcp_.get(), EPOLLIN, tcp_handler_.get());
}

FakeServer::~FakeServer() {
  loop_.remove(udp_.get());
  loop_.remove(tcp_.get());
  for (auto& c : conns_) {
    if (c->fd) loop_.remove(c->fd.get());
  }
}

dns::NameServer FakeServer::address() const {
  dns::NameServer ns;
  (void)dns::IpAddress::parse("127.0.0.1", ns.address);
  ns.port = port_;
  return ns;
}

void FakeServer::on_udp() {
  char buf[65536];
  for (;;) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    ssize_t n =
        ::recvfrom(udp_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    auto q = dns::parse_message(std::string_view(buf, static_cast<size_t>(n)));
    if (!q) continue;
    received_.push_back({*q, false});
    for (const Reply& r : respond_(*q, false)) {
      if (r.from_other_port) {
        core::Fd other(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)::bind(other.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
        (void)::sendto(other.get(), r.wire.data(), r.wire.size(), 0,
                       reinterpret_cast<sockaddr*>(&from), from_len);
      } else {
        (void)::sendto(udp_.get(), r.wire.data(), r.wire.size(), 0,
                       reinterpret_cast<sockaddr*>(&from), from_len);
      }
    }
  }
}

void FakeServer::on_accept() {
  for (;;) {
    core::Accepted a = core::accept_connection(tcp_.get());
    if (a.outcome != core::AcceptOutcome::accepted) return;
    auto c = std::make_unique<Conn>();
    c->s = this;
    c->fd = std::move(a.fd);
    (void)loop_.add(c->fd.get(), EPOLLIN, c.get());
    conns_.push_back(std::move(c));
  }
}

std::string make_reply(const dns::Message& query, uint8_t rcode,
                       const std::vector<dns::Record>& answers,
                       const std::vector<dns::Record>& authority, size_t limit) {
  dns::MessageWriter w(limit);
  dns::Header h;
  h.id = query.header.id;
  h.qr = true;
  h.aa = true;
  h.rd = query.header.rd;
  h.ra = true;
  h.rcode = rcode;
  w.set_header(h);
  if (query.edns) (void)w.set_edns(dns::Edns{});
  for (const dns::Question& q : query.questions) (void)w.add_question(q);
  for (const dns::Record& r : answers) {
    if (!w.add_record(dns::MessageWriter::Section::kAnswer, r)) break;
  }
  for (const dns::Record& r : authority) {
    if (!w.add_record(dns::MessageWriter::Section::kAuthority, r)) break;
  }
  return w.finish();
}

dns::Record a_record(const std::string& name, const std::string& address, uint32_t ttl) {
  dns::Record r;
  r.name = *dns::name_from_text(name);
  dns::IpAddress a;
  (void)dns::IpAddress::parse(address, a);
  r.type = a.v6 ? dns::Type::kAAAA : dns::Type::kA;
  r.ttl = ttl;
  r.rdata.assign(reinterpret_cast<const char*>(a.bytes.data()), a.v6 ? 16 : 4);
  return r;
}

dns::Record cname_record(const std::string& name, const std::string& target) {
  dns::Record r;
  r.name = *dns::name_from_text(name);
  r.type = dns::Type::kCNAME;
  r.ttl = 300;
  r.rdata = *dns::name_from_text(target);
  return r;
}

dns::Record soa_record(const std::string& zone) {
  dns::Record r;
  r.name = *dns::name_from_text(zone);
  r.type = dns::Type::kSOA;
  r.ttl = 300;
  r.rdata = *dns::name_from_text("ns." + zone);
  r.rdata += *dns::name_from_text("admin." + zone);
  const char numbers[20] = {0,    0,          0, 1,    0,    0,          0x0e, 0x10, 0,    0,
                            0x03, (char)0x84, 0, 0x09, 0x3a, (char)0x80, 0,    0,    0x01, 0x2c};
  r.rdata.append(numbers, sizeof numbers);
  return r;
}

}  // namespace wc::client::testing
