// Fuzzes URL parsing and RFC 3986 reference resolution. Input: "BASE\nREFERENCE". A URL that
// parses has a request-target starting with '/' holding no space, control or non-ASCII byte and
// no dot-segment, and its to_string() parses back to the same host, port and target; resolving
// any reference never fails and a resolved http URL that parses obeys the same rules.
#include <cstdint>
#include <string>
#include <string_view>

#include "client/url.h"
#include "fuzz_util.h"

namespace {

void check_url(const wc::client::Url& u) {
  FUZZ_CHECK(!u.target.empty() && u.target[0] == '/');
  for (char ch : u.target) {
    auto b = static_cast<unsigned char>(ch);
    FUZZ_CHECK(b > 0x20 && b < 0x7f);
  }
  std::string_view path = std::string_view(u.target).substr(0, u.target.find('?'));
  FUZZ_CHECK(path.find("/./") == std::string_view::npos);
  FUZZ_CHECK(path.find("/../") == std::string_view::npos);
  FUZZ_CHECK(!path.ends_with("/.") && !path.ends_with("/.."));
  FUZZ_CHECK(u.port != 0);
  auto again = wc::client::parse_url(u.to_string());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->host == u.host && again->port == u.port && again->target == u.target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Lines lines(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::Owned base(lines.line());
  fuzz::Owned ref(lines.rest());
  if (auto u = wc::client::parse_url(base.view())) check_url(*u);
  std::string resolved = wc::client::resolve_reference(base.view(), ref.view());
  if (auto u = wc::client::parse_url(resolved)) check_url(*u);
  std::string path = wc::client::remove_dot_segments(ref.view());
  FUZZ_CHECK(path.size() <= ref.view().size());
  return 0;
}
