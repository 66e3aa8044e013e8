#include "core/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace wc::core {

namespace {

std::string quoted(std::string_view text) {
  std::string s = "\"";
  s += text;
  s += '"';
  return s;
}

// Digits only, 0..65535; -1 otherwise.
int parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return -1;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value <= 65535 ? value : -1;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status set_int_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) {
    return sys_fail(std::string("setsockopt(") + what + ")");
  }
  return {};
}

}  // namespace

SocketAddress SocketAddress::from(const sockaddr* addr, socklen_t len) noexcept {
  SocketAddress a;
  if (len > sizeof a.storage) len = sizeof a.storage;
  std::memcpy(&a.storage, addr, len);
  a.length = len;
  return a;
}

SocketAddress SocketAddress::ipv4(uint32_t host_order_ip, uint16_t port) noexcept {
  SocketAddress a;
  auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(host_order_ip);
  sin->sin_port = htons(port);
  a.length = sizeof(sockaddr_in);
  return a;
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  if (text.empty()) return fail("empty address");
  if (all_digits(text)) {
    int port = parse_port(text);
    if (port < 0) return fail("invalid port in " + quoted(text));
    return ipv4(INADDR_ANY, static_cast<uint16_t>(port));
  }

  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("invalid IPv6 address in " + quoted(text));
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("invalid address " + quoted(text));
      port_text = rest.substr(1);
      if (port_text.empty()) return fail("invalid port in " + quoted(text));
    }
    bracketed = true;
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
      if (text.find(':') != colon) {
        return fail("IPv6 address must be in brackets in " + quoted(text));
      }
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return fail("invalid port in " + quoted(text));
    } else {
      host = text;  // a host without a port listens on 80, like nginx
    }
  }
  int port = 80;
  if (!port_text.empty()) {
    port = parse_port(port_text);
    if (port < 0) return fail("invalid port in " + quoted(text));
  }
  if (host.empty()) return fail("no host in " + quoted(text));

  SocketAddress a;
  const std::string host_str(host);
  if (bracketed) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET6, host_str.c_str(), &sin6->sin6_addr) != 1) {
      return fail("invalid IPv6 address in " + quoted(text));
    }
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(port));
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  if (host == "*") return ipv4(INADDR_ANY, static_cast<uint16_t>(port));
  in_addr v4;
  if (::inet_pton(AF_INET, host_str.c_str(), &v4) == 1) {
    return ipv4(ntohl(v4.s_addr), static_cast<uint16_t>(port));
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string port_str = std::to_string(port);
  if (::getaddrinfo(host_str.c_str(), port_str.c_str(), &hints, &list) != 0 || list == nullptr) {
    return fail("host not found in " + quoted(text));
  }
  const addrinfo* chosen = list;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      chosen = ai;
      break;
    }
  }
  a = from(chosen->ai_addr, chosen->ai_addrlen);
  ::freeaddrinfo(list);
  return a;
}

uint16_t SocketAddress::port() const noexcept {
  if (storage.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

void SocketAddress::set_port(uint16_t port) noexcept {
  if (storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  } else if (storage.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
  }
}

size_t SocketAddress::format_ip(char* out, size_t out_size) const noexcept {
  const void* src = nullptr;
  if (storage.ss_family == AF_INET) {
    src = &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr;
  } else if (storage.ss_family == AF_INET6) {
    src = &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
  }
  if (src == nullptr || ::inet_ntop(storage.ss_family, src, out, out_size) == nullptr) {
    if (out_size > 0) out[0] = '\0';
    return 0;
  }
  return std::strlen(out);
}

std::string SocketAddress::ip_string() const {
  char buf[INET6_ADDRSTRLEN];
  size_t n = format_ip(buf, sizeof buf);
  return std::string(buf, n);
}

std::string SocketAddress::to_string() const {
  std::string s;
  if (is_ipv6()) s += '[';
  s += ip_string();
  if (is_ipv6()) s += ']';
  s += ':';
  s += std::to_string(port());
  return s;
}

bool SocketAddress::operator==(const SocketAddress& other) const noexcept {
  if (family() != other.family()) return false;
  if (family() == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage);
    return a->sin6_port == b->sin6_port &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return length == other.length && std::memcmp(&storage, &other.storage, length) == 0;
}

bool SocketAddress::is_wildcard() const noexcept {
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (family() == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
  }
  return false;
}

Result<Fd> listen_tcp(const SocketAddress& address, const ListenOptions& options) {
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket() " + address.to_string());
  if (options.reuseaddr) {
    if (auto s = set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR"); !s) {
      return std::unexpected(s.error());
    }
  }
  if (options.reuseport) {
    if (auto s = set_int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT"); !s) {
      return std::unexpected(s.error());
    }
  }
  if (address.is_ipv6()) {
    if (auto s = set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6only ? 1 : 0,
                                "IPV6_V6ONLY");
        !s) {
      return std::unexpected(s.error());
    }
  }
  if (::bind(fd.get(), address.sockaddr_ptr(), address.length) < 0) {
    return sys_fail("bind() to " + address.to_string());
  }
  if (::listen(fd.get(), options.backlog) < 0) {
    return sys_fail("listen() to " + address.to_string() + ", backlog " +
                    std::to_string(options.backlog));
  }
  if (options.defer_accept_s > 0) {
    if (auto s = set_int_option(fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, options.defer_accept_s,
                                "TCP_DEFER_ACCEPT");
        !s) {
      return std::unexpected(s.error());
    }
  }
  return fd;
}

Result<Fd> listen_unix(const std::string& path, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail(ENAMETOOLONG, "unix socket path \"" + path + "\" is empty or too long");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail(EEXIST, "\"" + path + "\" exists and is not a socket");
    ::unlink(path.c_str());
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket() unix:" + path);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
    return sys_fail("bind() to unix:" + path);
  }
  if (::listen(fd.get(), backlog) < 0) return sys_fail("listen() to unix:" + path);
  return fd;
}

Result<Fd> connect_tcp(const SocketAddress& address) {
  Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_fail("socket() " + address.to_string());
  for (;;) {
    if (::connect(fd.get(), address.sockaddr_ptr(), address.length) == 0) return fd;
    if (errno == EINPROGRESS) return fd;
    if (errno != EINTR) return sys_fail("connect() to " + address.to_string());
  }
}

Accepted accept_connection(int listen_fd) {
  Accepted a;
  for (;;) {
    socklen_t len = sizeof a.peer.storage;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&a.peer.storage), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      a.outcome = AcceptOutcome::accepted;
      a.fd.reset(fd);
      a.peer.length = len;
      return a;
    }
    const int err = errno;
    switch (err) {
      case EINTR:
        continue;
      case EAGAIN:
        a.outcome = AcceptOutcome::would_block;
        return a;
      // accept(2): pending network errors on the new connection are reported by accept4 and
      // should be treated like EAGAIN by retrying; resource shortages pass.
      case ECONNABORTED:
      case EPROTO:
      case EPERM:
      case ENOBUFS:
      case ENOMEM:
      case EMFILE:
      case ENFILE:
      case ENETDOWN:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case EOPNOTSUPP:
      case ENETUNREACH:
      case ETIMEDOUT:
        a.outcome = AcceptOutcome::transient_error;
        a.error = err;
        return a;
      default:
        a.outcome = AcceptOutcome::fatal_error;
        a.error = err;
        return a;
    }
  }
}

Status set_tcp_nodelay(int fd, bool on) {
  return set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, "TCP_NODELAY");
}

Status set_tcp_cork(int fd, bool on) {
  return set_int_option(fd, IPPROTO_TCP, TCP_CORK, on ? 1 : 0, "TCP_CORK");
}

Status set_nonblocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return sys_fail("fcntl(F_GETFL)");
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (::fcntl(fd, F_SETFL, flags) < 0) return sys_fail("fcntl(F_SETFL)");
  return {};
}

Result<SocketAddress> local_address(int fd) {
  SocketAddress a;
  socklen_t len = sizeof a.storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a.storage), &len) < 0) {
    return sys_fail("getsockname()");
  }
  a.length = len;
  return a;
}

Result<SocketAddress> peer_address(int fd) {
  SocketAddress a;
  socklen_t len = sizeof a.storage;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a.storage), &len) < 0) {
    return sys_fail("getpeername()");
  }
  a.length = len;
  return a;
}

int socket_error(int fd) noexcept {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
  return err;
}

}  // namespace wc::core
