// RAII owners for OpenSSL objects and OpenSSL's error queue as text. Internal to src/tls and its
// tests; other layers see only tls::Stream and the contexts.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace wc::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const noexcept { SSL_free(p); }
};
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free_all(p); }
};
struct SessionFree {
  void operator()(SSL_SESSION* p) const noexcept { SSL_SESSION_free(p); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

// Drains OpenSSL's error queue of this thread into nginx's wording: `WHAT failed (SSL: error:
// 0A00010B:SSL routines::wrong version number)`; without queued errors, `WHAT failed`.
std::string take_errors(const std::string& what);
// Only the queued reasons ("error:0A00010B:SSL routines::wrong version number"), "" if none.
std::string take_reasons();

}  // namespace wc::tls
