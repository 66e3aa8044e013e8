// Fuzzes auth_basic's parsers (web/auth_basic.h): the Authorization header and password-file
// lines. Invariants: parsing never crashes; a header built from credentials parses back to them;
// a {PLAIN} hash matches exactly its own password; every hash format nginx implements itself
// ({PLAIN}, {SHA}, {SSHA}, $apr1$) is checked without crypt(3) (whose bcrypt cost field would let
// an input ask for minutes of work).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "web/auth_basic.h"

namespace {

bool self_hashed(std::string_view hash) {
  return hash.starts_with("{PLAIN}") || hash.starts_with("{SHA}") || hash.starts_with("{SSHA}") ||
         hash.starts_with("$apr1$");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  wc::web::BasicCredentials c;
  if (wc::web::parse_basic_authorization(in, c)) {
    if (c.user.find(':') != std::string::npos) std::abort();  // the first ':' splits
  }
  // The input split at its first newline: a hash line, then a password.
  const size_t nl = in.find('\n');
  const std::string_view hash = in.substr(0, nl);
  const std::string_view password = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  if (self_hashed(hash)) {
    const bool ok = wc::web::verify_password(hash, password);
    if (hash.starts_with("{PLAIN}") && ok != (hash.substr(7) == password)) std::abort();
  }
  return 0;
}
