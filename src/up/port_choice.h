// The web server's port (SPEC.md "webcycle up"): the stack's `listen 80` where this process may
// bind port 80 (root, or CAP_NET_BIND_SERVICE, or a lowered ip_unprivileged_port_start), else
// 8080; a port given on the command line (`up --port`) wins over both.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wc::up {

// Tries bind() on `address` (a `listen` argument: "80", "127.0.0.1:80", "[::]:80"; no port part
// means that port on 0.0.0.0) with SO_REUSEADDR, and closes the socket at once. False when the
// bind fails (EACCES, EADDRINUSE) or the address is not understood.
[[nodiscard]] bool can_bind(const std::string& address);

struct PortChoice {
  uint16_t port = 80;
  bool fell_back = false;  // 80 could not be bound, so 8080
};

// `listens`: the web config's `listen` arguments on port 80 (empty: the implicit `listen 80`).
// `requested`: --port. `try_bind`: can_bind in `up`, a fake in tests.
[[nodiscard]] PortChoice choose_web_port(const std::vector<std::string>& listens,
                                         std::optional<uint16_t> requested,
                                         const std::function<bool(const std::string&)>& try_bind);

// The HTTPS port for the stack's `listen 443 ssl` (`listens`: those arguments): `requested`
// (--tls-port); with `any_free` (the web port was given with --port: several stacks may run side
// by side, as the tests do) a free port the kernel picks (`free_port`); else 443 where it can be
// bound, else 8443, else a free port.
[[nodiscard]] uint16_t choose_tls_port(const std::vector<std::string>& listens,
                                       std::optional<uint16_t> requested, bool any_free,
                                       const std::function<bool(const std::string&)>& try_bind,
                                       const std::function<uint16_t()>& free_port);
// A TCP port nothing listens on now (bind 127.0.0.1:0); 0 on failure.
[[nodiscard]] uint16_t free_tcp_port();

}  // namespace wc::up
