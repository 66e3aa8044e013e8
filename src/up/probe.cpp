#include "up/probe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "core/socket.h"

namespace wc::up {
namespace {

// Closes the fd on every path.
struct SocketFd {
  int fd = -1;
  ~SocketFd() {
    if (fd >= 0) ::close(fd);
  }
};

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && (p.revents & events) != 0;
  }
}

}  // namespace

std::string connect_address(const std::string& listen) {
  if (listen.find_first_not_of("0123456789") == std::string::npos) return "127.0.0.1:" + listen;
  if (listen.starts_with("*:")) return "127.0.0.1:" + listen.substr(2);
  if (listen.starts_with("0.0.0.0:")) return "127.0.0.1:" + listen.substr(8);
  if (listen.starts_with("[::]:")) return "[::1]:" + listen.substr(5);
  return listen;
}

bool probe_tcp(const std::string& address, int timeout_ms) {
  auto parsed = core::SocketAddress::parse(connect_address(address));
  if (!parsed) return false;
  SocketFd s{::socket(parsed->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return false;
  if (::connect(s.fd, parsed->sockaddr_ptr(), parsed->length) == 0) return true;
  if (errno != EINPROGRESS) return false;
  if (!wait_for(s.fd, POLLOUT, timeout_ms)) return false;
  int err = 0;
  socklen_t len = sizeof err;
  return ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

bool probe_http(const std::string& address, int timeout_ms) {
  auto parsed = core::SocketAddress::parse(connect_address(address));
  if (!parsed) return false;
  SocketFd s{::socket(parsed->family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return false;
  if (::connect(s.fd, parsed->sockaddr_ptr(), parsed->length) != 0) {
    if (errno != EINPROGRESS || !wait_for(s.fd, POLLOUT, timeout_ms)) return false;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return false;
  }
  static constexpr std::string_view kProbe = "webcycle-up-probe\r\n\r\n";
  if (::send(s.fd, kProbe.data(), kProbe.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(kProbe.size())) {
    return false;
  }
  if (!wait_for(s.fd, POLLIN, timeout_ms)) return false;
  char head[5];
  ssize_t n = ::recv(s.fd, head, sizeof head, MSG_WAITALL);
  return n == 5 && std::string_view(head, 5) == "HTTP/";
}

std::string dns_query(uint16_t id, std::string_view name, uint16_t qtype) {
  std::string out;
  out.push_back(static_cast<char>(id >> 8));
  out.push_back(static_cast<char>(id & 0xff));
  out.append("\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10);  // flags 0, QDCOUNT 1
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t total = 1;
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return {};
    total += label.size() + 1;
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (dot != std::string_view::npos && name.empty()) return {};  // "a..": empty last label
  }
  if (total > 255) return {};
  out.push_back('\0');
  out.push_back(static_cast<char>(qtype >> 8));
  out.push_back(static_cast<char>(qtype & 0xff));
  out.append("\x00\x01", 2);  // class IN
  return out;
}

bool probe_dns(const std::string& address, std::string_view name, int timeout_ms) {
  auto parsed = core::SocketAddress::parse(connect_address(address));
  if (!parsed) return false;
  SocketFd s{::socket(parsed->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return false;
  if (::connect(s.fd, parsed->sockaddr_ptr(), parsed->length) != 0) return false;
  const uint16_t id = static_cast<uint16_t>((::getpid() * 31 + 0x5a17) & 0xffff);
  std::string query = dns_query(id, name, 6 /* SOA */);
  if (query.empty()) return false;
  if (::send(s.fd, query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    return false;
  }
  // A refused port shows as ECONNREFUSED on the next recv; a stray datagram is skipped.
  for (int tries = 0; tries < 4; ++tries) {
    if (!wait_for(s.fd, POLLIN, timeout_ms)) return false;
    unsigned char reply[512];
    ssize_t n = ::recv(s.fd, reply, sizeof reply, 0);
    if (n < 0) return false;
    if (n >= 12 && reply[0] == (id >> 8) && reply[1] == (id & 0xff) && (reply[2] & 0x80) != 0) {
      return true;
    }
  }
  return false;
}

}  // namespace wc::up
