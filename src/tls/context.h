// TLS contexts: what a server block (certificate, key, protocols, ciphers, session resumption) or
// a client (trust store, verification) brings to every connection it makes. Built once, in the
// master before it forks (so every worker shares the same ticket keys and can resume a session
// another worker started), then only read. Owns its SSL_CTX (RAII); not copyable.
//
// Errors come back as Error with nginx's wording and OpenSSL's reason text, e.g.
//   cannot load certificate "/x.pem": BIO_new_file() failed (SSL: error:80000002:system library::
//   No such file or directory ...)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tls/ossl.h"

namespace wc::tls {

// Protocol bits for ServerOptions::protocols (nginx's ssl_protocols names).
enum Protocol : unsigned {
  kSslV2 = 1u << 0,
  kSslV3 = 1u << 1,
  kTlsV1 = 1u << 2,
  kTlsV1_1 = 1u << 3,
  kTlsV1_2 = 1u << 4,
  kTlsV1_3 = 1u << 5,
};
// "TLSv1.2" -> kTlsV1_2; 0 when unknown.
[[nodiscard]] unsigned protocol_bit(std::string_view name) noexcept;

// Keys for session tickets (RFC 5077): 16 bytes name, 32 HMAC, 32 AES. Made once per master
// process (random), applied to every server context of every configuration it loads, so tickets
// survive a reload and are accepted by every worker.
struct TicketKeys {
  std::array<unsigned char, 80> bytes{};
  [[nodiscard]] static Result<TicketKeys> generate();
};

struct ServerOptions {
  std::vector<std::string> certificates;  // PEM chain files (leaf first); one per key type
  std::vector<std::string> keys;          // private keys, one per certificate
  unsigned protocols = kTlsV1_2 | kTlsV1_3;
  std::string ciphers = "HIGH:!aNULL:!MD5";  // TLS 1.2 and below (OpenSSL's cipher list)
  bool prefer_server_ciphers = false;
  enum class Cache : uint8_t { kOff, kNone, kBuiltin } cache = Cache::kNone;
  long cache_size = 20480;       // sessions, for kBuiltin
  long session_timeout_s = 300;  // ssl_session_timeout
  bool session_tickets = true;
  const TicketKeys* ticket_keys = nullptr;  // null: OpenSSL's per-context random keys
};

class ServerContext {
 public:
  // Loads the certificates and keys and applies the options. Errors: unreadable or mismatched
  // certificate/key, an unknown cipher list.
  [[nodiscard]] static Result<ServerContext> create(const ServerOptions& options);

  [[nodiscard]] SSL_CTX* get() const noexcept { return ctx_.get(); }

 private:
  SslCtxPtr ctx_;
};

struct ClientOptions {
  bool verify = true;             // false: -k / --insecure
  std::string ca_file;            // --cacert; empty: the system store (/etc/ssl/certs)
  std::vector<std::string> alpn;  // offered in order, e.g. {"h2", "http/1.1"}
};

class ClientContext {
 public:
  [[nodiscard]] static Result<ClientContext> create(const ClientOptions& options);
  [[nodiscard]] SSL_CTX* get() const noexcept { return ctx_.get(); }
  [[nodiscard]] bool verify() const noexcept { return verify_; }

 private:
  SslCtxPtr ctx_;
  bool verify_ = true;
};

}  // namespace wc::tls
