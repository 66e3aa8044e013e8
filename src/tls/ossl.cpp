#include "tls/ossl.h"

#include <openssl/err.h>

namespace wc::tls {

std::string take_reasons() {
  std::string out;
  char buf[256];
  while (const unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out.push_back(' ');
    out += buf;
  }
  return out;
}

std::string take_errors(const std::string& what) {
  std::string out = what + " failed";
  const std::string reasons = take_reasons();
  if (!reasons.empty()) out += " (SSL: " + reasons + ")";
  return out;
}

}  // namespace wc::tls
