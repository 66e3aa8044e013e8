#include "client/request.h"

#include <array>

#include "core/ascii.h"
#include "http/uri.h"

#ifndef WEBCYCLE_VERSION
#define WEBCYCLE_VERSION "0"
#endif

namespace wc::client {
namespace {

using core::iequals;

bool is_tchar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

struct UserHeader {
  std::string_view name;
  std::string_view value;
  bool remove = false;  // "Name:" with nothing after it
};

UserHeader split_user_header(std::string_view h) {
  UserHeader u;
  size_t sep = h.find_first_of(":;");
  u.name = h.substr(0, sep);
  if (sep == std::string_view::npos) return u;
  std::string_view value = h.substr(sep + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (h[sep] == ':' && value.empty()) u.remove = true;
  u.value = h[sep] == ':' ? value : std::string_view();
  return u;
}

}  // namespace

Status check_header_arg(std::string_view header) {
  size_t sep = header.find_first_of(":;");
  if (sep == std::string_view::npos || sep == 0) {
    return fail("header \"" + std::string(header) + "\" is not 'Name: value'");
  }
  for (char c : header.substr(0, sep)) {
    if (!is_tchar(c)) return fail("bad character in header name \"" + std::string(header) + "\"");
  }
  for (char c : header) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return fail("header \"" + std::string(header.substr(0, sep)) + "\" holds a line break");
    }
  }
  return {};
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v =
        (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size_t left = in.size() - i; left > 0) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (left == 2) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string build_request(const Url& url, const RequestSpec& spec) {
  std::vector<UserHeader> user;
  user.reserve(spec.headers.size());
  for (const std::string& h : spec.headers) user.push_back(split_user_header(h));
  auto overridden = [&user](std::string_view name) {
    for (const UserHeader& u : user) {
      if (iequals(u.name, name)) return true;
    }
    return false;
  };

  std::string out;
  out += spec.method;
  out += ' ';
  out += url.target;
  out += " HTTP/1.1\r\n";
  auto builtin = [&](std::string_view name, std::string_view value) {
    if (overridden(name)) return;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  builtin("Host", url.authority());
  if (!url.userinfo.empty()) {
    std::string decoded;
    http::percent_decode(url.userinfo, decoded);
    builtin("Authorization", "Basic " + base64(decoded));
  }
  builtin("User-Agent", "webcycle/" WEBCYCLE_VERSION);
  builtin("Accept", "*/*");
  if (spec.compressed) builtin("Accept-Encoding", "deflate, gzip");
  for (const UserHeader& u : user) {
    if (u.remove) continue;
    out += u.name;
    out += u.value.empty() ? ":" : ": ";
    out += u.value;
    out += "\r\n";
  }
  if (spec.body) {
    builtin("Content-Length", std::to_string(spec.body->size()));
    if (spec.form_body) builtin("Content-Type", "application/x-www-form-urlencoded");
  }
  out += "\r\n";
  if (spec.body) out += *spec.body;
  return out;
}

}  // namespace wc::client
