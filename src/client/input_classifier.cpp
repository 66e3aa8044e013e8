#include "client/input_classifier.h"

#include <arpa/inet.h>

#include "core/ascii.h"

namespace wc::client {
namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

using core::iequals;

using core::istarts_with;

// "SCHEME://" at the start.
bool has_scheme(std::string_view s) {
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0 || !is_alpha(s[0])) return false;
  for (char c : s.substr(0, sep)) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_ipv4(std::string_view host) {
  if (host.size() > 15) return false;
  std::string h(host);
  in_addr a;
  return inet_pton(AF_INET, h.c_str(), &a) == 1;
}

bool is_ipv6(std::string_view host) {
  if (host.size() > 45) return false;
  std::string h(host);
  in6_addr a;
  return inet_pton(AF_INET6, h.c_str(), &a) == 1;
}

bool is_localhost(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (iequals(host, "localhost")) return true;
  return host.size() > 10 && iequals(host.substr(host.size() - 10), ".localhost");
}

// Letters, digits, '-' and '_'; not starting or ending with '-'.
bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

enum class HostShape : uint8_t { kNotAHost, kSingleLabel, kDotted };

HostShape host_shape(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return HostShape::kNotAHost;
  size_t labels = 0;
  std::string_view last;
  std::string_view rest = host;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (!valid_label(label)) return HostShape::kNotAHost;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels == 1) return HostShape::kSingleLabel;
  return is_alpha(last[0]) ? HostShape::kDotted : HostShape::kNotAHost;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!is_digit(c)) return false;
  }
  return true;
}

Classified address(std::string_view input, std::string_view why) {
  return {InputKind::kAddress, "http://" + std::string(input), why};
}

Classified search(std::string_view query, std::string_view why) {
  return {InputKind::kSearch, std::string(query), why};
}

}  // namespace

Classified classify_input(std::string_view raw) {
  std::string_view input = trim(raw);
  if (input.starts_with('?')) return search(trim(input.substr(1)), "a leading '?' asks to search");
  if (has_scheme(input)) return {InputKind::kAddress, std::string(input), "a URL with its scheme"};
  if (istarts_with(input, "http:") || istarts_with(input, "https:")) {
    return {InputKind::kAddress, std::string(input), "a URL with its scheme"};
  }
  if (input.empty()) return search(input, "empty");
  for (char c : input) {
    if (is_space(c)) return search(input, "words with spaces");
  }
  size_t end = input.find_first_of("/?#");
  std::string_view hostport = input.substr(0, end == std::string_view::npos ? input.size() : end);
  if (hostport.find('@') != std::string_view::npos) return search(input, "an e-mail address");
  if (hostport.starts_with('[')) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos || !is_ipv6(hostport.substr(1, close - 1))) {
      return search(input, "not an IPv6 literal");
    }
    std::string_view after = hostport.substr(close + 1);
    if (after.empty() || (after[0] == ':' && valid_port(after.substr(1)))) {
      return address(input, "an IPv6 literal");
    }
    return search(input, "junk after an IPv6 literal");
  }
  if (end == std::string_view::npos && is_ipv6(hostport)) {
    return {InputKind::kAddress, "http://[" + std::string(hostport) + "]", "an IPv6 literal"};
  }
  std::string_view host = hostport;
  bool has_port = false;
  if (size_t colon = hostport.find(':'); colon != std::string_view::npos) {
    if (!valid_port(hostport.substr(colon + 1))) return search(input, "not HOST:PORT");
    host = hostport.substr(0, colon);
    has_port = true;
  }
  if (is_ipv4(host)) return address(input, "an IPv4 literal");
  if (is_localhost(host)) return address(input, "localhost");
  switch (host_shape(host)) {
    case HostShape::kDotted:
      return address(input, "a dotted host name");
    case HostShape::kSingleLabel:
      if (has_port) return address(input, "a host name with a port");
      return search(input, "a single word");
    case HostShape::kNotAHost:
      break;
  }
  return search(input, "not a host name");
}

}  // namespace wc::client
