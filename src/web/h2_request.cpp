#include "web/h2_request.h"

#include "core/append_number.h"

namespace wc::web {

void h2_request_head(const http2::RequestFields& f, std::optional<uint64_t> content_length,
                     std::string& out) {
  out.clear();
  out += f.method;
  out += ' ';
  // CONNECT has no :path; its target is the authority (authority-form).
  out += f.path.empty() && f.method == "CONNECT" ? f.authority : f.path;
  out += " HTTP/2.0\r\n";
  bool have_host = false;
  for (const auto& [name, value] : f.headers) {
    if (name == "host") have_host = true;
  }
  if (!have_host && !f.authority.empty()) {
    out += "Host: ";
    out += f.authority;
    out += "\r\n";
  }
  bool cookie_done = false;
  for (const auto& [name, value] : f.headers) {
    if (name == "content-length") continue;  // said once below, when known
    if (name == "cookie") {
      if (cookie_done) continue;
      cookie_done = true;
      out += "cookie: ";
      bool first = true;
      for (const auto& [n2, v2] : f.headers) {
        if (n2 != "cookie") continue;
        if (!first) out += "; ";
        first = false;
        out += v2;
      }
      out += "\r\n";
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (content_length) {
    out += "Content-Length: ";
    core::append_number(out, *content_length);
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace wc::web
