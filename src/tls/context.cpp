#include "tls/context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstring>

#include "tls/stream.h"

namespace wc::tls {

namespace {

constexpr unsigned char kSessionIdContext[] = "webcycle";

std::unexpected<Error> ssl_fail(const std::string& what) {
  return std::unexpected<Error>(Error{0, take_errors(what)});
}

// Servers: SNI. The connection (ServerHooks, the SSL's app data) names the server block's context;
// the options that context carries are applied to this connection as nginx does.
int on_server_name(SSL* ssl, int*, void*) {
  auto* hooks = static_cast<ServerHooks*>(SSL_get_app_data(ssl));
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (hooks == nullptr || name == nullptr) return SSL_TLSEXT_ERR_NOACK;
  const ServerContext* ctx = hooks->context_for_name(name);
  if (ctx != nullptr && ctx->get() != SSL_get_SSL_CTX(ssl)) {
    SSL_set_SSL_CTX(ssl, ctx->get());
    SSL_clear_options(ssl, SSL_get_options(ssl) & ~SSL_CTX_get_options(ctx->get()));
    SSL_set_options(ssl, SSL_CTX_get_options(ctx->get()));
  }
  return SSL_TLSEXT_ERR_OK;
}

// Servers: ALPN, in the listen's order of preference (ServerHooks::alpn_offer).
int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
            unsigned in_len, void*) {
  auto* hooks = static_cast<ServerHooks*>(SSL_get_app_data(ssl));
  if (hooks == nullptr) return SSL_TLSEXT_ERR_NOACK;
  const std::string_view offer = hooks->alpn_offer();
  if (offer.empty()) return SSL_TLSEXT_ERR_NOACK;
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(
          &selected, out_len, reinterpret_cast<const unsigned char*>(offer.data()),
          static_cast<unsigned>(offer.size()), in, in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no common protocol: go on without ALPN, as nginx
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Status use_certificate(SSL_CTX* ctx, const std::string& cert_path, const std::string& key_path) {
  BioPtr bio(BIO_new_file(cert_path.c_str(), "r"));
  if (!bio) return ssl_fail("cannot load certificate \"" + cert_path + "\": BIO_new_file()");
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    return ssl_fail("cannot load certificate \"" + cert_path + "\": PEM_read_bio_X509_AUX()");
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return ssl_fail("SSL_CTX_use_certificate(\"" + cert_path + "\")");
  }
  // The rest of the file is the chain sent after the leaf.
  SSL_CTX_clear_chain_certs(ctx);
  for (;;) {
    X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (extra == nullptr) {
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;
      }
      return ssl_fail("cannot load certificate \"" + cert_path + "\": PEM_read_bio_X509()");
    }
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      return ssl_fail("SSL_CTX_add0_chain_cert(\"" + cert_path + "\")");
    }
  }
  BioPtr key_bio(BIO_new_file(key_path.c_str(), "r"));
  if (!key_bio) {
    return ssl_fail("cannot load certificate key \"" + key_path + "\": BIO_new_file()");
  }
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return ssl_fail("cannot load certificate key \"" + key_path + "\": PEM_read_bio_PrivateKey()");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    return ssl_fail("SSL_CTX_use_PrivateKey(\"" + key_path + "\")");
  }
  return {};
}

}  // namespace

unsigned protocol_bit(std::string_view name) noexcept {
  if (name == "SSLv2") return kSslV2;
  if (name == "SSLv3") return kSslV3;
  if (name == "TLSv1") return kTlsV1;
  if (name == "TLSv1.1") return kTlsV1_1;
  if (name == "TLSv1.2") return kTlsV1_2;
  if (name == "TLSv1.3") return kTlsV1_3;
  return 0;
}

Result<TicketKeys> TicketKeys::generate() {
  TicketKeys keys;
  if (RAND_bytes(keys.bytes.data(), static_cast<int>(keys.bytes.size())) != 1) {
    return ssl_fail("RAND_bytes()");
  }
  return keys;
}

Result<ServerContext> ServerContext::create(const ServerOptions& options) {
  ServerContext out;
  out.ctx_.reset(SSL_CTX_new(TLS_server_method()));
  if (!out.ctx_) return ssl_fail("SSL_CTX_new()");
  SSL_CTX* ctx = out.ctx_.get();
  // Protocols as nginx sets them: every version allowed by the library, minus those not named.
  SSL_CTX_set_min_proto_version(ctx, 0);
  SSL_CTX_set_max_proto_version(ctx, 0);
  uint64_t ops = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                 SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3;
  if (options.protocols & kSslV3) ops &= ~uint64_t(SSL_OP_NO_SSLv3);
  if (options.protocols & kTlsV1) ops &= ~uint64_t(SSL_OP_NO_TLSv1);
  if (options.protocols & kTlsV1_1) ops &= ~uint64_t(SSL_OP_NO_TLSv1_1);
  if (options.protocols & kTlsV1_2) ops &= ~uint64_t(SSL_OP_NO_TLSv1_2);
  if (options.protocols & kTlsV1_3) ops &= ~uint64_t(SSL_OP_NO_TLSv1_3);
  // A peer that drops the TCP connection without close_notify reads as an end of stream.
  ops |= SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (options.prefer_server_ciphers) ops |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!options.session_tickets) ops |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, ops);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1) {
    return ssl_fail("SSL_CTX_set_cipher_list(\"" + options.ciphers + "\")");
  }
  for (size_t i = 0; i < options.certificates.size(); ++i) {
    const std::string& key = i < options.keys.size() ? options.keys[i] : options.certificates[i];
    if (auto st = use_certificate(ctx, options.certificates[i], key); !st) {
      return std::unexpected(st.error());
    }
  }
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  switch (options.cache) {
    case ServerOptions::Cache::kOff:
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
      break;
    case ServerOptions::Cache::kNone:
      // nginx's "none": resumption is not refused outright, but nothing is stored.
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      break;
    case ServerOptions::Cache::kBuiltin:
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
      SSL_CTX_sess_set_cache_size(ctx, options.cache_size);
      break;
  }
  SSL_CTX_set_timeout(ctx, options.session_timeout_s);
  if (options.ticket_keys != nullptr &&
      SSL_CTX_set_tlsext_ticket_keys(ctx,
                                     const_cast<unsigned char*>(options.ticket_keys->bytes.data()),
                                     options.ticket_keys->bytes.size()) != 1) {
    return ssl_fail("SSL_CTX_set_tlsext_ticket_keys()");
  }
  SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
  SSL_CTX_set_alpn_select_cb(ctx, on_alpn, nullptr);
  return out;
}

Result<ClientContext> ClientContext::create(const ClientOptions& options) {
  ClientContext out;
  out.ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!out.ctx_) return ssl_fail("SSL_CTX_new()");
  SSL_CTX* ctx = out.ctx_.get();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  out.verify_ = options.verify;
  if (options.verify) {
    if (!options.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        return ssl_fail("error setting certificate file: " + options.ca_file);
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1 ||
               SSL_CTX_load_verify_locations(ctx, nullptr, "/etc/ssl/certs") != 1) {
      return ssl_fail("SSL_CTX_set_default_verify_paths()");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const std::string& p : options.alpn) {
      wire.push_back(static_cast<char>(p.size()));
      wire += p;
    }
    if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0) {
      return ssl_fail("SSL_CTX_set_alpn_protos()");
    }
  }
  return out;
}

}  // namespace wc::tls
