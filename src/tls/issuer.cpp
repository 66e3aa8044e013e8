#include "tls/issuer.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls/ossl.h"

namespace wc::tls {

namespace {

std::unexpected<Error> ssl_fail(const std::string& what) {
  return std::unexpected<Error>(Error{0, take_errors(what)});
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Result<std::string> key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ssl_fail("PEM_write_bio_PrivateKey()");
  return bio_text(bio.get());
}

Result<std::string> cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return ssl_fail("PEM_write_bio_X509()");
  return bio_text(bio.get());
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A new certificate with a random serial, `days` of validity and `cn` as its subject.
Result<X509Ptr> new_cert(EVP_PKEY* key, std::string_view cn, int days) {
  X509Ptr cert(X509_new());
  if (!cert) return ssl_fail("X509_new()");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return ssl_fail("RAND_bytes()");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr) return ssl_fail("BN_bin2bn()");
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn_text(cn);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("webcycle"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn_text.c_str()), -1, -1, 0);
  return cert;
}

Result<Pem> finish(X509* cert, EVP_PKEY* key, EVP_PKEY* signer) {
  if (X509_sign(cert, signer, EVP_sha256()) == 0) return ssl_fail("X509_sign()");
  Pem out;
  auto c = cert_pem(cert);
  if (!c) return std::unexpected(c.error());
  auto k = key_pem(key);
  if (!k) return std::unexpected(k.error());
  out.certificate = std::move(*c);
  out.key = std::move(*k);
  return out;
}

}  // namespace

Result<Pem> make_ca(std::string_view common_name, int days) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return ssl_fail("EVP_EC_gen()");
  auto cert = new_cert(key.get(), common_name, days);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  if (!add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
      !add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ext(c, c, NID_subject_key_identifier, "hash")) {
    return ssl_fail("X509_add_ext()");
  }
  return finish(c, key.get(), key.get());
}

Result<Pem> make_certificate(const Pem& ca, std::span<const std::string> names, int days) {
  BioPtr cb(BIO_new_mem_buf(ca.certificate.data(), static_cast<int>(ca.certificate.size())));
  X509Ptr ca_cert(cb ? PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!ca_cert) return ssl_fail("PEM_read_bio_X509()");
  BioPtr kb(BIO_new_mem_buf(ca.key.data(), static_cast<int>(ca.key.size())));
  PkeyPtr ca_key(kb ? PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!ca_key) return ssl_fail("PEM_read_bio_PrivateKey()");
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return ssl_fail("EVP_EC_gen()");
  auto cert = new_cert(key.get(), names.empty() ? "localhost" : names[0], days);
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const std::string& n : names) {
    unsigned char buf[16];
    const bool ip =
        inet_pton(AF_INET, n.c_str(), buf) == 1 || inet_pton(AF_INET6, n.c_str(), buf) == 1;
    if (!san.empty()) san += ',';
    san += (ip ? "IP:" : "DNS:") + n;
  }
  if ((!san.empty() && !add_ext(c, ca_cert.get(), NID_subject_alt_name, san)) ||
      !add_ext(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(c, ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(c, ca_cert.get(), NID_authority_key_identifier, "keyid:always")) {
    return ssl_fail("X509_add_ext()");
  }
  return finish(c, key.get(), ca_key.get());
}

}  // namespace wc::tls
