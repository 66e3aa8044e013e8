// Fuzzes map_request (app/request_mapping.h) on request heads parsed as `webcycle app` parses
// them (http::RequestParser with underscores_in_headers on and require_host off). The input:
//   line 1: the peer address ("unix" for a unix-socket peer, whose address is then "");
//   line 2: --forwarded-allow-ips values, separated by ' ' (each may itself be "a,b" or "*");
//   line 3: the SCRIPT_NAME environment variable (--env SCRIPT_NAME=...);
//   the rest: the request head (CRLF lines).
// The head is mapped for that peer, then again into the same MappedRequest for a TCP peer
// 127.0.0.1 and for a unix peer, each compared with a fresh mapping (nothing leaks from one
// request into the next).
// Invariants: error_status is 0 or 400 (400 with a reason, only with a SCRIPT_NAME the path is
// outside of); SCRIPT_NAME is the environment's or the last SCRIPT_NAME header's value; PATH_INFO
// is the path after SCRIPT_NAME (without a trailing '/'), percent-decoded (checked against a
// reference decoder), so never longer than the path; url_scheme is "http" or "https", "https"
// only from a trusted peer; remote_addr is the peer, or (trusted peer only) one trimmed,
// non-empty, comma-free element of an X-Forwarded-For value; the headers passed on are the
// head's, in order, less those with '_' in their names; SERVER_NAME/PORT only for unix peers;
// TrustedProxies::from keeps trimmed, non-empty, comma-free addresses it trusts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/request_mapping.h"
#include "fuzz_util.h"
#include "http/request_parser.h"

namespace {

using namespace wc;
using wc::app::MappedRequest;
using wc::app::TrustedProxies;

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding as PEP 3333 wants PATH_INFO: valid %XX escapes become their byte, the rest
// stays as sent.
std::string decoded(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      o += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}

void check(const http::RequestHead& head, std::string_view peer, bool is_unix,
           std::string_view env_script, const TrustedProxies& trusted, const MappedRequest& m) {
  FUZZ_CHECK(m.error_status == 0 || m.error_status == 400);
  FUZZ_CHECK(m.url_scheme == "http" || m.url_scheme == "https");
  const bool trusted_peer = is_unix || trusted.trusts(peer);
  if (m.url_scheme == "https") FUZZ_CHECK(trusted_peer);

  // SCRIPT_NAME: the environment's, or the last SCRIPT_NAME header.
  const http::Header* script_header = nullptr;
  for (const http::Header& h : head.headers) {
    if (http::iequals(h.name, "SCRIPT_NAME")) script_header = &h;
  }
  if (script_header) {
    FUZZ_CHECK(m.script_name.data() == script_header->value.data() &&
               m.script_name.size() == script_header->value.size());
  } else {
    FUZZ_CHECK(m.script_name.data() == env_script.data() &&
               m.script_name.size() == env_script.size());
  }

  // The headers: the head's, in order, without those with '_'.
  size_t k = 0;
  for (const http::Header& h : head.headers) {
    if (h.name.find('_') != std::string_view::npos) continue;
    FUZZ_CHECK(k < m.headers.size());
    FUZZ_CHECK(m.headers[k].first.data() == h.name.data() &&
               m.headers[k].first.size() == h.name.size());
    FUZZ_CHECK(m.headers[k].second.data() == h.value.data() &&
               m.headers[k].second.size() == h.value.size());
    ++k;
  }
  FUZZ_CHECK(k == m.headers.size());
  for (const auto& [name, value] : m.headers) FUZZ_CHECK(name.find('_') == std::string_view::npos);

  // REMOTE_ADDR: the peer, or a hop of an X-Forwarded-For value from a trusted peer.
  const bool is_peer = m.remote_addr.data() == peer.data() && m.remote_addr.size() == peer.size();
  if (!is_peer) {
    FUZZ_CHECK(trusted_peer);
    bool found = false;
    for (const http::Header& h : head.headers) {
      if (http::iequals(h.name, "X-Forwarded-For") && inside(m.remote_addr, h.value)) found = true;
    }
    FUZZ_CHECK(found);
    FUZZ_CHECK(!m.remote_addr.empty());
    FUZZ_CHECK(m.remote_addr.find(',') == std::string_view::npos);
    for (char edge : {m.remote_addr.front(), m.remote_addr.back()}) {
      FUZZ_CHECK(edge != ' ' && edge != '\t');
    }
  }

  if (!is_unix) FUZZ_CHECK(m.server_name.empty() && m.server_port.empty());
  if (is_unix && !head.host.empty()) {
    FUZZ_CHECK(inside(m.server_name, head.host) || m.server_name.empty());
  }

  // SCRIPT_NAME / PATH_INFO.
  std::string_view prefix = m.script_name;
  if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  const bool outside = !m.script_name.empty() &&
                       (!head.path.starts_with(prefix) ||
                        (head.path.size() > prefix.size() && head.path[prefix.size()] != '/'));
  if (m.error_status == 400) {
    FUZZ_CHECK(outside && !m.error.empty());
  } else {
    FUZZ_CHECK(!outside && m.error.empty());
    FUZZ_CHECK(m.path_info.size() <= head.path.size());
    const std::string_view rest = head.path.substr(prefix.size());
    FUZZ_CHECK(m.path_info == decoded(rest));
    if (rest.find('%') == std::string_view::npos) FUZZ_CHECK(m.path_info == rest);
  }
}

bool same(const MappedRequest& a, const MappedRequest& b) {
  return a.script_name == b.script_name && a.path_info == b.path_info &&
         a.url_scheme == b.url_scheme && a.remote_addr == b.remote_addr &&
         a.server_name == b.server_name && a.server_port == b.server_port &&
         a.headers == b.headers && a.error_status == b.error_status && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Lines lines(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view peer_line = lines.line();
  const bool peer_unix = peer_line == "unix";
  const fuzz::Owned peer(peer_unix ? std::string_view() : peer_line);
  std::vector<std::string> allow;
  {
    std::string_view rest = lines.line();
    while (!rest.empty()) {
      const size_t sp = rest.find(' ');
      allow.emplace_back(rest.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
  }
  const fuzz::Owned env_script(lines.line());
  const fuzz::Owned request(lines.rest());

  const TrustedProxies trusted = TrustedProxies::from(allow);
  for (const std::string& a : trusted.addresses) {
    FUZZ_CHECK(!a.empty() && a.find(',') == std::string::npos);
    FUZZ_CHECK(a.front() != ' ' && a.front() != '\t' && a.back() != ' ' && a.back() != '\t');
    FUZZ_CHECK(trusted.trusts(a));
  }

  http::Limits limits;
  limits.require_host = false;
  limits.underscores_in_headers = true;
  http::RequestParser parser(limits);
  http::RequestHead head;
  size_t consumed = 0;
  if (parser.parse(request.view(), head, consumed) != http::ParseStatus::kDone) return 0;

  MappedRequest reused;
  map_request(head, peer.view(), peer_unix, env_script.view(), trusted, reused);
  check(head, peer.view(), peer_unix, env_script.view(), trusted, reused);

  // Into the same MappedRequest again, for other peers: as a fresh one.
  static const std::string_view kLocal = "127.0.0.1";
  const struct {
    std::string_view addr;
    bool is_unix;
  } others[] = {{kLocal, false}, {std::string_view(), true}, {peer.view(), peer_unix}};
  for (const auto& o : others) {
    map_request(head, o.addr, o.is_unix, env_script.view(), trusted, reused);
    check(head, o.addr, o.is_unix, env_script.view(), trusted, reused);
    MappedRequest fresh;
    map_request(head, o.addr, o.is_unix, env_script.view(), trusted, fresh);
    FUZZ_CHECK(same(reused, fresh));
  }
  return 0;
}
