// Stream: one TLS connection over a non-blocking socket the caller owns (the fd is neither closed
// nor polled here). Every call makes progress or says what it waits for; none blocks:
//
//   handshake() / read() / write() / write_gather() / shutdown()
//     -> kOk (bytes moved), kWantRead / kWantWrite (retry when the socket is readable / writable,
//        with the same data for a write), kEof (the peer closed: close_notify or TCP end),
//        kError (error_text() holds OpenSSL's reason, nginx's wording).
//
// Server side: ServerHooks (the connection) answer SNI (which server block's context) and ALPN
// (which protocols this listen offers). The hand-off point for HTTP/2: after handshake() is kOk,
// alpn() returns the protocol the client and the listen agreed on ("h2", "http/1.1" or ""); a
// listen with `http2` offers "\x02h2\x08http/1.1" from ServerHooks::alpn_offer(), a plain `ssl`
// listen "\x08http/1.1" only.
//
// Client side: SNI and hostname verification for the name given (an IP literal is checked against
// the certificate's IP addresses and sends no SNI); verify_error() tells why a chain was refused.
//
// Move-only; owns its SSL (RAII). Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "tls/context.h"
#include "tls/ossl.h"

namespace wc::tls {

enum class IoStatus : uint8_t { kOk, kWantRead, kWantWrite, kEof, kError };

struct IoResult {
  IoStatus status = IoStatus::kOk;
  size_t bytes = 0;
  [[nodiscard]] bool ok() const noexcept { return status == IoStatus::kOk; }
  [[nodiscard]] bool wants() const noexcept {
    return status == IoStatus::kWantRead || status == IoStatus::kWantWrite;
  }
};

// What a server stream asks its connection during the handshake. The pointer given to
// Stream::accept must outlive the stream.
class ServerHooks {
 public:
  // SNI: the context of the server block named `name` (nullptr: keep the listen's default).
  virtual const ServerContext* context_for_name(std::string_view name) = 0;
  // ALPN: the protocols this listen offers, in preference order, in wire format
  // (length-prefixed: "\x08http/1.1"). Empty: ALPN is not acknowledged.
  [[nodiscard]] virtual std::string_view alpn_offer() const = 0;

 protected:
  ~ServerHooks() = default;
};

class Stream {
 public:
  Stream() = default;

  // A server stream on an accepted socket. Errors: SSL_new's (out of memory).
  [[nodiscard]] static Result<Stream> accept(const ServerContext& ctx, int fd, ServerHooks* hooks);
  // A client stream on a connected socket for `host` (SNI + hostname check unless -k).
  [[nodiscard]] static Result<Stream> connect(const ClientContext& ctx, int fd,
                                              const std::string& host);

  [[nodiscard]] explicit operator bool() const noexcept { return ssl_ != nullptr; }

  [[nodiscard]] IoResult handshake();
  // True once handshake() has been called: OpenSSL may have taken bytes from the socket.
  [[nodiscard]] bool started() const noexcept { return started_; }
  [[nodiscard]] bool established() const noexcept { return established_; }
  [[nodiscard]] IoResult read(std::span<char> into);
  [[nodiscard]] IoResult write(std::string_view data);
  // Writes the pieces as one run of records (gathered into at most 16 KiB per call): bytes says
  // how much of their concatenation went. After kWantWrite, call again with the same pieces
  // (more may follow them).
  [[nodiscard]] IoResult write_gather(std::span<const std::string_view> pieces);
  // Sends close_notify once; does not wait for the peer's.
  IoResult shutdown();
  // Bytes decrypted and waiting inside OpenSSL (a read returns them without touching the socket).
  [[nodiscard]] size_t pending() const noexcept;

  // After the handshake.
  [[nodiscard]] std::string_view protocol() const noexcept;     // "TLSv1.3"
  [[nodiscard]] std::string_view cipher() const noexcept;       // "TLS_AES_256_GCM_SHA384"
  [[nodiscard]] std::string_view server_name() const noexcept;  // SNI sent/received, "" if none
  [[nodiscard]] bool session_reused() const noexcept;
  [[nodiscard]] std::string_view alpn() const noexcept;
  // Client: the peer's certificate subject and issuer ("O=webcycle; CN=a.test", as curl -v
  // shows them), "" if none.
  [[nodiscard]] std::string peer_subject() const;
  [[nodiscard]] std::string peer_issuer() const;
  // Client: X509_V_OK or why the certificate was refused (X509_V_ERR_...), with its text.
  [[nodiscard]] long verify_result() const noexcept;
  [[nodiscard]] std::string verify_error_text() const;
  [[nodiscard]] SSL* native() const noexcept { return ssl_.get(); }
  // The client's session, to resume a next connection (client side); null if none.
  [[nodiscard]] SessionPtr session() const;
  void set_session(SSL_SESSION* session);

  // Why the last call returned kError: "SSL_do_handshake() failed (SSL: error:...)".
  [[nodiscard]] const std::string& error_text() const noexcept { return error_; }

 private:
  IoResult outcome(int ret, const char* call);

  SslPtr ssl_;
  bool established_ = false;
  bool started_ = false;
  bool shut_ = false;
  std::string error_;
};

}  // namespace wc::tls
