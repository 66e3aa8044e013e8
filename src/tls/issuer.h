// Issuer: a small local certificate authority, for `webcycle up`'s demo stack and the tests. Makes
// an ECDSA P-256 CA and certificates it signs for a list of names (DNS names, or IP addresses),
// in PEM. Nothing is written to disk here: the caller stores the files (keys with mode 0600).
//
// Errors: OpenSSL's (key generation, signing), with its reason text.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wc::tls {

struct Pem {
  std::string certificate;
  std::string key;  // PKCS#8 private key
};

// A self-signed CA certificate valid for `days`.
[[nodiscard]] Result<Pem> make_ca(std::string_view common_name, int days = 825);
// A server certificate for `names` (subjectAltName; IP literals as IP entries), signed by `ca`.
[[nodiscard]] Result<Pem> make_certificate(const Pem& ca, std::span<const std::string> names,
                                           int days = 825);

}  // namespace wc::tls
