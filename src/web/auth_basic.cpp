#include "web/auth_basic.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <string>

namespace wc::web {
namespace {

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

// Standard base64 with padding, as nginx's ngx_decode_base64 (which also takes no padding).
bool decode_base64(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

std::string encode_base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool constant_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Apache's "$apr1$" MD5 crypt (the FreeBSD MD5 crypt with another magic), as ngx_crypt_apr1.
std::string apr1(std::string_view password, std::string_view salt) {
  constexpr std::string_view kMagic = "$apr1$";
  if (salt.size() > 8) salt = salt.substr(0, 8);
  unsigned char fin[MD5_DIGEST_LENGTH];
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_MD_CTX* alt = EVP_MD_CTX_new();
  auto md5_init = [](EVP_MD_CTX* c) { EVP_DigestInit_ex(c, EVP_md5(), nullptr); };
  auto update = [](EVP_MD_CTX* c, const void* p, size_t n) { EVP_DigestUpdate(c, p, n); };
  md5_init(ctx);
  update(ctx, password.data(), password.size());
  update(ctx, kMagic.data(), kMagic.size());
  update(ctx, salt.data(), salt.size());
  md5_init(alt);
  update(alt, password.data(), password.size());
  update(alt, salt.data(), salt.size());
  update(alt, password.data(), password.size());
  EVP_DigestFinal_ex(alt, fin, nullptr);
  for (size_t n = password.size(); n > 0; n -= n > 16 ? 16 : n) {
    update(ctx, fin, n > 16 ? 16 : n);
  }
  std::memset(fin, 0, sizeof fin);
  for (size_t i = password.size(); i != 0; i >>= 1) {
    if (i & 1) {
      update(ctx, fin, 1);
    } else {
      update(ctx, password.data(), 1);
    }
  }
  EVP_DigestFinal_ex(ctx, fin, nullptr);
  for (int i = 0; i < 1000; ++i) {
    md5_init(ctx);
    if (i & 1) {
      update(ctx, password.data(), password.size());
    } else {
      update(ctx, fin, 16);
    }
    if (i % 3) update(ctx, salt.data(), salt.size());
    if (i % 7) update(ctx, password.data(), password.size());
    if (i & 1) {
      update(ctx, fin, 16);
    } else {
      update(ctx, password.data(), password.size());
    }
    EVP_DigestFinal_ex(ctx, fin, nullptr);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_CTX_free(alt);
  static constexpr char kItoa64[] =
      "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out(kMagic);
  out.append(salt);
  out.push_back('$');
  auto to64 = [&out](uint32_t v, int n) {
    while (n-- > 0) {
      out.push_back(kItoa64[v & 0x3f]);
      v >>= 6;
    }
  };
  to64((uint32_t{fin[0]} << 16) | (uint32_t{fin[6]} << 8) | fin[12], 4);
  to64((uint32_t{fin[1]} << 16) | (uint32_t{fin[7]} << 8) | fin[13], 4);
  to64((uint32_t{fin[2]} << 16) | (uint32_t{fin[8]} << 8) | fin[14], 4);
  to64((uint32_t{fin[3]} << 16) | (uint32_t{fin[9]} << 8) | fin[15], 4);
  to64((uint32_t{fin[4]} << 16) | (uint32_t{fin[10]} << 8) | fin[5], 4);
  to64(fin[11], 2);
  return out;
}

}  // namespace

bool parse_basic_authorization(std::string_view header, BasicCredentials& out) {
  if (!iequals_prefix(header, "basic ")) return false;
  std::string_view b64 = header.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  while (!b64.empty() && b64.back() == ' ') b64.remove_suffix(1);
  std::string decoded;
  if (b64.empty() || !decode_base64(b64, decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  out.user = decoded.substr(0, colon);
  out.password = decoded.substr(colon + 1);
  return true;
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (hash.starts_with("{PLAIN}")) return constant_equal(hash.substr(7), password);
  if (hash.starts_with("{SHA}")) {
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), md);
    return constant_equal(hash.substr(5), encode_base64(md, sizeof md));
  }
  if (hash.starts_with("{SSHA}")) {
    std::string raw;
    if (!decode_base64(hash.substr(6), raw) || raw.size() < SHA_DIGEST_LENGTH) return false;
    const std::string_view salt = std::string_view(raw).substr(SHA_DIGEST_LENGTH);
    std::string salted(password);
    salted.append(salt);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(salted.data()), salted.size(), md);
    return constant_equal(std::string_view(raw).substr(0, SHA_DIGEST_LENGTH),
                          std::string_view(reinterpret_cast<const char*>(md), sizeof md));
  }
  if (hash.starts_with("$apr1$")) {
    const std::string_view rest = hash.substr(6);
    const size_t dollar = rest.find('$');
    if (dollar == std::string_view::npos) return false;
    return constant_equal(apr1(password, rest.substr(0, dollar)), hash);
  }
  // The system's crypt(3), re-entrant (crypt_r's data is large: on the heap).
  const std::string h(hash);
  const std::string p(password);
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(p.c_str(), h.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;  // libxcrypt's failure tokens start with '*'
  return constant_equal(out, hash);
}

HtpasswdCheck check_htpasswd(std::string_view text, std::string_view user,
                             std::string_view password) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon) != user) continue;
    std::string_view hash = line.substr(colon + 1);
    const size_t next = hash.find(':');  // a comment field after the hash
    if (next != std::string_view::npos) hash = hash.substr(0, next);
    return verify_password(hash, password) ? HtpasswdCheck::kMatch : HtpasswdCheck::kMismatch;
  }
  return HtpasswdCheck::kNoUser;
}

}  // namespace wc::web
