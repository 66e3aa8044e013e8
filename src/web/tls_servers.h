// TlsServers: the TLS contexts of one configuration, one per server block that has an
// ssl_certificate (tls::ServerContext: certificate chain, key, ssl_protocols, ssl_ciphers, session
// cache and tickets). Built by the master from the configuration it loads (`webcycle web` start,
// -t, and every reload) before any worker forks, so the workers share it copy-on-write and the
// ticket keys the master made once (tls::TicketKeys) resume sessions across workers and reloads.
// Read-only afterwards.
//
// A connection on a `listen ... ssl` address starts with the context of the address's default
// server; SNI then picks the server block by server_name rules (config::select_server) and its
// context, when it has one (context_for_name).
//
// Errors (build): the certificate or key files (nginx's wording, e.g. `cannot load certificate
// "/x.pem": BIO_new_file() failed (SSL: error:...)`), an unknown cipher list.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "tls/context.h"
#include "web/config/web_config.h"

namespace wc::web {

class TlsServers {
 public:
  [[nodiscard]] static Result<std::unique_ptr<TlsServers>> build(const config::WebConfig& config,
                                                                 const tls::TicketKeys* keys);

  // The server block's context; null when it has no certificate.
  [[nodiscard]] const tls::ServerContext* for_server(const config::ServerConf* server) const;
  // SNI on `group`: the context of the server block `name` selects, null if it has none.
  [[nodiscard]] const tls::ServerContext* for_name(const config::ListenGroup& group,
                                                   std::string_view name) const;

 private:
  std::unordered_map<const config::ServerConf*, tls::ServerContext> contexts_;
};

}  // namespace wc::web
