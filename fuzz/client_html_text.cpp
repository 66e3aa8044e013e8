// Fuzzes `browse --text`: any bytes render (the renderer is total), every listed link comes from
// an <a> of the input, the body is empty or ends with one '\n', and the title holds no line
// break. Also decode_entities: never longer than 4 bytes out per byte in (a reference is at
// least 3 bytes and decodes to at most 4).
#include <cstdint>
#include <string>
#include <string_view>

#include "client/html_text.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Owned owned(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view in = owned.view();
  wc::client::TextPage page = wc::client::render_html(in, "http://fuzz.test/dir/page.html");
  FUZZ_CHECK(page.body.empty() || page.body.back() == '\n');
  FUZZ_CHECK(page.title.find('\n') == std::string::npos);
  // Every listed link came from an <a> of the input.
  size_t anchors = 0;
  for (size_t i = 0; i + 1 < in.size(); ++i) {
    if (in[i] == '<' && (in[i + 1] == 'a' || in[i + 1] == 'A')) ++anchors;
  }
  FUZZ_CHECK(page.links.size() <= anchors);
  std::string text = wc::client::format_text_page(page);
  FUZZ_CHECK(text.size() >= page.body.size());
  std::string decoded;
  wc::client::decode_entities(in, decoded);
  FUZZ_CHECK(decoded.size() <= in.size() * 4 + 4);
  return 0;
}
