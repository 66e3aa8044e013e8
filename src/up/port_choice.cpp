#include "up/port_choice.h"

#include <sys/socket.h>
#include <unistd.h>

#include "core/socket.h"
#include "up/web_conf.h"

namespace wc::up {

bool can_bind(const std::string& address) {
  std::string text = address;
  if (text.find_first_not_of("0123456789") == std::string::npos) text = "0.0.0.0:" + text;
  auto parsed = core::SocketAddress::parse(text);
  if (!parsed) return false;
  int fd = ::socket(parsed->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = ::bind(fd, parsed->sockaddr_ptr(), parsed->length) == 0;
  ::close(fd);
  return ok;
}

PortChoice choose_web_port(const std::vector<std::string>& listens,
                           std::optional<uint16_t> requested,
                           const std::function<bool(const std::string&)>& try_bind) {
  if (requested) return {*requested, false};
  std::vector<std::string> tries = listens;
  if (tries.empty()) tries.push_back("80");
  for (const std::string& address : tries) {
    if (!try_bind(with_port(address, 80))) return {8080, true};
  }
  return {80, false};
}

uint16_t choose_tls_port(const std::vector<std::string>& listens, std::optional<uint16_t> requested,
                         bool any_free, const std::function<bool(const std::string&)>& try_bind,
                         const std::function<uint16_t()>& free_port) {
  if (requested) return *requested;
  auto all_bind = [&](uint16_t port) {
    for (const std::string& address : listens) {
      if (!try_bind(with_port(address, port))) return false;
    }
    return true;
  };
  if (!any_free && all_bind(443)) return 443;
  if (!any_free && all_bind(8443)) return 8443;
  return free_port();
}

uint16_t free_tcp_port() {
  auto addr = core::SocketAddress::parse("127.0.0.1:0");
  if (!addr) return 0;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  uint16_t port = 0;
  if (::bind(fd, addr->sockaddr_ptr(), addr->length) == 0) {
    if (auto local = core::local_address(fd)) port = local->port();
  }
  ::close(fd);
  return port;
}

}  // namespace wc::up
