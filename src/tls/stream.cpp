#include "tls/stream.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wc::tls {

namespace {

constexpr size_t kRecord = 16 * 1024;  // one TLS record's plaintext

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string name_line(X509_NAME* name) {
  if (name == nullptr) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_SEP_SPLUS_SPC);  // curl's "O=x; CN=y"
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace

Result<Stream> Stream::accept(const ServerContext& ctx, int fd, ServerHooks* hooks) {
  Stream s;
  s.ssl_.reset(SSL_new(ctx.get()));
  if (!s.ssl_ || SSL_set_fd(s.ssl_.get(), fd) != 1) {
    return std::unexpected(Error{0, take_errors("SSL_new()")});
  }
  SSL_set_app_data(s.ssl_.get(), hooks);
  SSL_set_accept_state(s.ssl_.get());
  return s;
}

Result<Stream> Stream::connect(const ClientContext& ctx, int fd, const std::string& host) {
  Stream s;
  s.ssl_.reset(SSL_new(ctx.get()));
  if (!s.ssl_ || SSL_set_fd(s.ssl_.get(), fd) != 1) {
    return std::unexpected(Error{0, take_errors("SSL_new()")});
  }
  SSL* ssl = s.ssl_.get();
  const bool ip = is_ip_literal(host);
  // RFC 6066: no SNI for an address.
  if (!ip && !host.empty() && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return std::unexpected(Error{0, take_errors("SSL_set_tlsext_host_name()")});
  }
  if (ctx.verify() && !host.empty()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const int ok =
        ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : SSL_set1_host(ssl, host.c_str());
    if (ok != 1) return std::unexpected(Error{0, take_errors("SSL_set1_host()")});
  }
  SSL_set_connect_state(ssl);
  return s;
}

IoResult Stream::outcome(int ret, const char* call) {
  const int e = SSL_get_error(ssl_.get(), ret);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      return {IoStatus::kWantRead, 0};
    case SSL_ERROR_WANT_WRITE:
      return {IoStatus::kWantWrite, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {IoStatus::kEof, 0};
    case SSL_ERROR_SYSCALL: {
      const int err = errno;
      const std::string reasons = take_reasons();
      if (reasons.empty() && (ret == 0 || err == 0)) {
        // The peer ended the TCP stream without close_notify.
        error_ = std::string(call) + " failed (peer closed connection in SSL handshake)";
        return {established_ ? IoStatus::kEof : IoStatus::kError, 0};
      }
      error_ =
          std::string(call) + " failed (" + std::to_string(err) + ": " + std::strerror(err) + ")";
      if (!reasons.empty()) error_ += " (SSL: " + reasons + ")";
      shut_ = true;  // no close_notify after a fatal error
      return {IoStatus::kError, 0};
    }
    default:
      error_ = take_errors(call);
      shut_ = true;
      return {IoStatus::kError, 0};
  }
}

IoResult Stream::handshake() {
  if (established_) return {IoStatus::kOk, 0};
  started_ = true;
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    established_ = true;
    return {IoStatus::kOk, 0};
  }
  return outcome(r, "SSL_do_handshake()");
}

IoResult Stream::read(std::span<char> into) {
  ERR_clear_error();
  size_t n = 0;
  const int r = SSL_read_ex(ssl_.get(), into.data(), into.size(), &n);
  if (r == 1) return {IoStatus::kOk, n};
  return outcome(r, "SSL_read()");
}

IoResult Stream::write(std::string_view data) {
  if (data.empty()) return {IoStatus::kOk, 0};
  ERR_clear_error();
  size_t n = 0;
  const int r = SSL_write_ex(ssl_.get(), data.data(), data.size(), &n);
  if (r == 1) return {IoStatus::kOk, n};
  return outcome(r, "SSL_write()");
}

IoResult Stream::write_gather(std::span<const std::string_view> pieces) {
  // One piece, or a first piece of a record's size already: no copy.
  if (pieces.size() == 1 || (!pieces.empty() && pieces[0].size() >= kRecord)) {
    return write(pieces[0]);
  }
  char buf[kRecord];
  size_t used = 0;
  for (std::string_view p : pieces) {
    const size_t take = std::min(p.size(), sizeof buf - used);
    std::memcpy(buf + used, p.data(), take);
    used += take;
    if (used == sizeof buf) break;
  }
  return write(std::string_view(buf, used));
}

IoResult Stream::shutdown() {
  if (!ssl_ || shut_ || !established_) return {IoStatus::kOk, 0};
  shut_ = true;
  ERR_clear_error();
  const int r = SSL_shutdown(ssl_.get());
  if (r >= 0) return {IoStatus::kOk, 0};
  return outcome(r, "SSL_shutdown()");
}

size_t Stream::pending() const noexcept {
  return ssl_ ? static_cast<size_t>(SSL_pending(ssl_.get())) : 0;
}

std::string_view Stream::protocol() const noexcept {
  return ssl_ ? std::string_view(SSL_get_version(ssl_.get())) : std::string_view();
}

std::string_view Stream::cipher() const noexcept {
  const char* name = ssl_ ? SSL_get_cipher_name(ssl_.get()) : nullptr;
  return name != nullptr ? std::string_view(name) : std::string_view();
}

std::string_view Stream::server_name() const noexcept {
  const char* name = ssl_ ? SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name) : nullptr;
  return name != nullptr ? std::string_view(name) : std::string_view();
}

bool Stream::session_reused() const noexcept { return ssl_ && SSL_session_reused(ssl_.get()) == 1; }

std::string_view Stream::alpn() const noexcept {
  const unsigned char* data = nullptr;
  unsigned len = 0;
  if (ssl_) SSL_get0_alpn_selected(ssl_.get(), &data, &len);
  return data != nullptr ? std::string_view(reinterpret_cast<const char*>(data), len)
                         : std::string_view();
}

std::string Stream::peer_subject() const {
  X509* cert = ssl_ ? SSL_get0_peer_certificate(ssl_.get()) : nullptr;
  return cert != nullptr ? name_line(X509_get_subject_name(cert)) : std::string();
}

std::string Stream::peer_issuer() const {
  X509* cert = ssl_ ? SSL_get0_peer_certificate(ssl_.get()) : nullptr;
  return cert != nullptr ? name_line(X509_get_issuer_name(cert)) : std::string();
}

long Stream::verify_result() const noexcept {
  return ssl_ ? SSL_get_verify_result(ssl_.get()) : X509_V_OK;
}

std::string Stream::verify_error_text() const {
  return X509_verify_cert_error_string(verify_result());
}

SessionPtr Stream::session() const {
  return SessionPtr(ssl_ ? SSL_get1_session(ssl_.get()) : nullptr);
}

void Stream::set_session(SSL_SESSION* session) {
  if (ssl_ && session != nullptr) SSL_set_session(ssl_.get(), session);
}

}  // namespace wc::tls
