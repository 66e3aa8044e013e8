#include "web/tls_servers.h"

#include "web/config/server_names.h"

namespace wc::web {

Result<std::unique_ptr<TlsServers>> TlsServers::build(const config::WebConfig& config,
                                                      const tls::TicketKeys* keys) {
  auto out = std::make_unique<TlsServers>();
  for (const auto& server : config.http.servers) {
    const config::SslConf& ssl = server->ssl;
    if (ssl.certificates.empty()) continue;
    tls::ServerOptions options;
    options.certificates = ssl.certificates;
    options.keys = ssl.keys;
    options.protocols = ssl.protocols;
    options.ciphers = ssl.ciphers;
    options.prefer_server_ciphers = ssl.prefer_server_ciphers;
    switch (ssl.cache) {
      case config::SslConf::Cache::kOff:
        options.cache = tls::ServerOptions::Cache::kOff;
        break;
      case config::SslConf::Cache::kNone:
        options.cache = tls::ServerOptions::Cache::kNone;
        break;
      case config::SslConf::Cache::kBuiltin:
        options.cache = tls::ServerOptions::Cache::kBuiltin;
        break;
    }
    options.cache_size = static_cast<long>(ssl.cache_sessions);
    options.session_timeout_s = static_cast<long>(ssl.session_timeout_ms / 1000);
    options.session_tickets = ssl.session_tickets;
    options.ticket_keys = keys;
    auto ctx = tls::ServerContext::create(options);
    if (!ctx) return std::unexpected(ctx.error());
    out->contexts_.emplace(server.get(), std::move(*ctx));
  }
  return out;
}

const tls::ServerContext* TlsServers::for_server(const config::ServerConf* server) const {
  auto it = contexts_.find(server);
  return it == contexts_.end() ? nullptr : &it->second;
}

const tls::ServerContext* TlsServers::for_name(const config::ListenGroup& group,
                                               std::string_view name) const {
  return for_server(&config::select_server(group, name));
}

}  // namespace wc::web
