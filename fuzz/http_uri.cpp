// Fuzzes the URI functions: a normalized path never climbs above '/', never keeps "." / ".."
// segments, '//' or NUL, and is a fixed point; target splitting never reads outside the input;
// escaping round-trips through decoding.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_parser.h"
#include "http/uri.h"

namespace {

using namespace wc::http;

void check_normal(const std::string& p) {
  if (p.empty() || p[0] != '/') std::abort();
  if (p.find('\0') != std::string::npos) std::abort();
  if (p.find("//") != std::string::npos) std::abort();
  if (p.find("/./") != std::string::npos || p.find("/../") != std::string::npos) std::abort();
  if (p.ends_with("/.") || p.ends_with("/..")) std::abort();
}

void check_inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (normalize_path(in, out)) {
    check_normal(out);
    if (out.find('%') == std::string::npos) {
      std::string again;
      if (!normalize_path(out, again) || again != out) std::abort();
      if (!is_normal_path(out)) std::abort();
    }
  }
  if (is_normal_path(in)) {
    if (!normalize_path(in, out) || out != in) std::abort();  // the fast check never lies
  }
  for (Method m : {Method::kGet, Method::kConnect, Method::kOptions}) {
    auto parts = split_target(in, m);
    if (parts) {
      check_inside(parts->scheme, in);
      check_inside(parts->authority, in);
      if (parts->path != "/") check_inside(parts->path, in);
      check_inside(parts->query, in);
    }
  }
  for (Escape kind : {Escape::kUri, Escape::kArgs, Escape::kComponent, Escape::kHtml}) {
    std::string enc, dec;
    escape_uri(in, enc, kind);
    if (needs_escape(in, kind) != (enc != in)) std::abort();
    percent_decode(enc, dec);
    if (dec != in) std::abort();  // every kind escapes '%', so decoding restores the input
  }
  return 0;
}
