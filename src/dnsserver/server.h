// DnsServer: `webcycle dns` on one EventLoop, one thread. Owns the UDP sockets (recvmmsg /
// sendmmsg batches), the TCP listeners and their connections (2-byte length framing, several
// queries a connection, idle timeout, a bounded number of connections), the forwarder to an
// upstream resolver, the query log, and the current Responder, which reload() replaces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "core/result.h"
#include "core/socket.h"
#include "dnsserver/options.h"
#include "dnsserver/responder.h"

namespace wc::dnsserver {

inline constexpr size_t kMaxTcpConnections = 256;
inline constexpr uint64_t kTcpIdleTimeoutMs = 10000;  // between queries on one connection
inline constexpr uint64_t kForwardTimeoutMs = 2000;   // then SERVFAIL

class DnsServer {
 public:
  // Binds every listen address (UDP and TCP on the same port: a port 0 is chosen for UDP and used
  // for TCP too), opens the query log, connects the forwarder. Errors: the first bind()/open()
  // failure, in nginx's words.
  [[nodiscard]] static Result<std::unique_ptr<DnsServer>> create(core::EventLoop& loop,
                                                                 const DnsOptions& options,
                                                                 std::shared_ptr<const ZoneDb> db);
  ~DnsServer();

  // HUP: reloads every zone and the hosts file; on any failure logs "FILE:LINE: reason" at error
  // and keeps serving the old data. Returns the failure, if any.
  Status reload();
  // USR1: reopens the query log (the error log is the caller's).
  void reopen_logs();

  // The addresses actually bound (ports filled in), in --listen order.
  [[nodiscard]] const std::vector<core::SocketAddress>& addresses() const noexcept;

  struct Impl;

 private:
  explicit DnsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wc::dnsserver
