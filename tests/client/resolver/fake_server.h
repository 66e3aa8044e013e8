// A scriptable DNS server for the resolver's unit tests, on the test's own event loop: a UDP
// socket and a TCP listener on the same loopback port. A `respond` function sees each query and
// returns the datagrams to send back (none: stay silent); every query is recorded.
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "core/fd.h"
#include "dns/message.h"
#include "dns/resolv_conf.h"

namespace wc::client::testing {

struct Received {
  dns::Message query;
  bool tcp = false;
};

struct Reply {
  std::string wire;
  bool from_other_port = false;  // sent from another socket (a spoofer's source port)
};

class FakeServer {
 public:
  using Respond = std::function<std::vector<Reply>(const dns::Message& query, bool tcp)>;

  FakeServer(core::EventLoop& loop, Respond respond);
  ~FakeServer();

  [[nodiscard]] dns::NameServer address() const;
  [[nodiscard]] const std::vector<Received>& received() const { return received_; }
  void set_respond(Respond r) { respond_ = std::move(r); }

 private:
  struct Udp;
  struct Listener;
  struct Conn;
  void on_udp();
  void on_accept();

  core::EventLoop& loop_;
  Respond respond_;
  core::Fd udp_;
  core::Fd tcp_;
  uint16_t port_ = 0;
  std::vector<Received> received_;
  std::unique_ptr<Udp> udp_handler_;
  std::unique_ptr<Listener> tcp_handler_;
  std::vector<std::unique_ptr<Conn>> conns_;
};

// A reply to `query`: same ID and question, QR, RD copied, RA and AA set, `rcode`, the records.
[[nodiscard]] std::string make_reply(const dns::Message& query, uint8_t rcode,
                                     const std::vector<dns::Record>& answers,
                                     const std::vector<dns::Record>& authority = {},
                                     size_t limit = 65535);
[[nodiscard]] dns::Record a_record(const std::string& name, const std::string& address,
                                   uint32_t ttl = 300);
[[nodiscard]] dns::Record cname_record(const std::string& name, const std::string& target);
[[nodiscard]] dns::Record soa_record(const std::string& zone);

}  // namespace wc::client::testing
