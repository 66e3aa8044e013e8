// TCP sockets: addresses as nginx's `listen` writes them, listening sockets, accept, options.
// All sockets made here are non-blocking and close-on-exec. Functions are thread-compatible
// (no shared state); errors come back as Error with errno and an nginx-style message.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/fd.h"
#include "core/result.h"

namespace wc::core {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;  // 0 = no address

  // Parses nginx listen forms: "8080" (0.0.0.0:8080), "127.0.0.1:8080", "*:8080",
  // "[::1]:8080", "[::]:80", "localhost:8080" (getaddrinfo, first IPv4 result preferred).
  // The port must be 1..65535, except that ":0" is accepted (an ephemeral port, for tests).
  // Errors: message naming the bad part, e.g. `invalid port in "x:99999"`,
  // `host not found in "nosuch:80"`.
  [[nodiscard]] static Result<SocketAddress> parse(std::string_view text);
  // From a sockaddr (e.g. accept4's); `len` must fit sockaddr_storage.
  [[nodiscard]] static SocketAddress from(const sockaddr* addr, socklen_t len) noexcept;
  [[nodiscard]] static SocketAddress ipv4(uint32_t host_order_ip, uint16_t port) noexcept;

  [[nodiscard]] int family() const noexcept { return storage.ss_family; }
  [[nodiscard]] bool is_ipv6() const noexcept { return storage.ss_family == AF_INET6; }
  [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
  [[nodiscard]] uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;
  // "127.0.0.1", "::1" (no brackets): nginx's $remote_addr / $server_addr.
  [[nodiscard]] std::string ip_string() const;
  // Writes ip_string() into `out` (at least INET6_ADDRSTRLEN bytes); returns its length. No
  // allocation, for the per-connection path.
  size_t format_ip(char* out, size_t out_size) const noexcept;
  // "127.0.0.1:8080", "[::1]:8080".
  [[nodiscard]] std::string to_string() const;
  // Same family, address bytes and port.
  [[nodiscard]] bool operator==(const SocketAddress& other) const noexcept;
  // Wildcard address (0.0.0.0 or ::).
  [[nodiscard]] bool is_wildcard() const noexcept;
};

struct ListenOptions {
  int backlog = 511;       // nginx's default on Linux
  bool reuseport = false;  // SO_REUSEPORT: each worker may bind its own socket
  bool ipv6only = true;    // IPV6_V6ONLY on IPv6 sockets (nginx's default since 1.9)
  bool reuseaddr = true;   // SO_REUSEADDR, so a restart does not wait out TIME_WAIT
  int defer_accept_s = 0;  // TCP_DEFER_ACCEPT seconds, 0 = off
};

// socket + options + bind + listen. Errors name the step: `bind() to 127.0.0.1:80 failed (98:
// Address already in use)`.
[[nodiscard]] Result<Fd> listen_tcp(const SocketAddress& address,
                                    const ListenOptions& options = {});

// A listening unix-domain stream socket at `path`. A stale socket file left there by a previous
// run is replaced (any other kind of file is an error, never removed). Errors name the step:
// `bind() to unix:/run/app.sock failed (13: Permission denied)`.
[[nodiscard]] Result<Fd> listen_unix(const std::string& path, int backlog = 511);

// Non-blocking connect (to the upstream, or in tests). Success = the connect is under way or done;
// wait for EPOLLOUT and check socket_error(). Errors: socket/connect's other than EINPROGRESS.
[[nodiscard]] Result<Fd> connect_tcp(const SocketAddress& address);

enum class AcceptOutcome : unsigned char {
  accepted,         // fd and peer are set
  would_block,      // the queue is empty: wait for the next EPOLLIN
  transient_error,  // log at `error` and go on; for EMFILE/ENFILE stop accepting for a while
  fatal_error,      // EBADF, EINVAL, ENOTSOCK...: a bug or a closed listener; log at `alert`
};

struct Accepted {
  AcceptOutcome outcome = AcceptOutcome::would_block;
  Fd fd;  // non-blocking, close-on-exec
  SocketAddress peer;
  int error = 0;  // errno for the *_error outcomes
};

// One accept4(). EINTR is retried. ECONNABORTED, EPROTO, EPERM, ENOBUFS, ENOMEM, EMFILE, ENFILE
// and the network errors accept(2) says to treat like EAGAIN are transient.
[[nodiscard]] Accepted accept_connection(int listen_fd);

[[nodiscard]] Status set_tcp_nodelay(int fd, bool on = true);
// TCP_CORK: hold partial frames until uncorked (nginx's tcp_nopush); uncork flushes.
[[nodiscard]] Status set_tcp_cork(int fd, bool on);
[[nodiscard]] Status set_nonblocking(int fd, bool on = true);
[[nodiscard]] Result<SocketAddress> local_address(int fd);
[[nodiscard]] Result<SocketAddress> peer_address(int fd);
// SO_ERROR: 0 or the pending errno (e.g. the outcome of a non-blocking connect).
[[nodiscard]] int socket_error(int fd) noexcept;

}  // namespace wc::core
