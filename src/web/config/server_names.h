// Picking the server block for a connection and a Host header, as nginx does.
#pragma once

#include <sys/socket.h>

#include <span>
#include <string_view>

#include "web/config/regex.h"
#include "web/config/web_config.h"

namespace wc::web::config {

// The sockets to open: config.listen_groups, where `bind` is true (the others are reached
// through their port's wildcard socket, see find_listen_group).
[[nodiscard]] inline const std::vector<ListenGroup>& listen_sockets(const WebConfig& config) {
  return config.listen_groups;
}

// The group a connection belongs to, given the socket it was accepted on (`accepted_on`) and the
// connection's local address (getsockname): the group of exactly that address:port if one exists,
// else `accepted_on`. Allocates nothing.
[[nodiscard]] const ListenGroup& find_listen_group(const WebConfig& config,
                                                   const ListenGroup& accepted_on,
                                                   const sockaddr* local);

// nginx's order: exact name, longest leading wildcard (`*.example.com`; `.example.com` also
// matches `example.com`), longest trailing wildcard (`www.example.*`), first matching regex in
// config order, else the group's default server. `host` is the Host header (or request-line
// authority) as received: compared case-insensitively, port and one trailing dot stripped; empty
// matches `server_name ""`. `captures` (may be null) gets a regex name's groups, as views into
// `host` as given (case kept: nginx lowercases Host first, so lowercase it for nginx's $1).
// Thread-safe; allocates nothing for hosts up to 255 bytes.
[[nodiscard]] const ServerConf& select_server(const ListenGroup& group, std::string_view host,
                                              Captures* captures = nullptr);

}  // namespace wc::web::config
