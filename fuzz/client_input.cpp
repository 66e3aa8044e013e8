// Fuzzes the address bar's classifier and the search template: any input is either an address
// (a URL with "http://" put in front when it had no scheme) or a search whose query, put into
// the template, makes a URL that parses and holds no byte a request line cannot carry.
#include <cstdint>
#include <string>
#include <string_view>

#include "client/input_classifier.h"
#include "client/search.h"
#include "client/url.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Owned owned(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view in = owned.view();
  wc::client::Classified c = wc::client::classify_input(in);
  FUZZ_CHECK(!c.why.empty());
  if (c.kind == wc::client::InputKind::kSearch) {
    auto url = wc::client::search_url(wc::client::kDefaultSearchTemplate, c.text);
    FUZZ_CHECK(url.has_value());
    for (char ch : *url) {
      auto b = static_cast<unsigned char>(ch);
      FUZZ_CHECK(b > 0x20 && b < 0x7f);
    }
    auto parsed = wc::client::parse_url(*url);
    FUZZ_CHECK(parsed.has_value());
    FUZZ_CHECK(parsed->host == "search.mysite.test");
  } else {
    FUZZ_CHECK(!c.text.empty());
    // Whatever the address is, parsing it is total: a URL or one of the two errors.
    auto parsed = wc::client::parse_url(c.text);
    if (!parsed) FUZZ_CHECK(!parsed.error().message.empty());
  }
  return 0;
}
