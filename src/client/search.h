// The search box's URL: the query put into a template at "%s" (SPEC.md "webcycle browse"). Pure.
//
// Encoding: application/x-www-form-urlencoded, as a browser submits a GET search form and as
// Chromium fills a search engine's {searchTerms}: a space is '+', every byte other than ALPHA /
// DIGIT / "-" / "." / "_" / "~" is %XX (upper-case hex), UTF-8 bytes one by one. So "what is dns?"
// becomes "what+is+dns%3F". Every "%s" in the template is replaced; "%%" stays as it is.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace wc::client {

// The default when neither --search nor WEBCYCLE_SEARCH says: the demo stack's search engine.
inline constexpr std::string_view kDefaultSearchTemplate = "http://search.mysite.test/search?q=%s";

// The query form-encoded (see above).
[[nodiscard]] std::string form_encode(std::string_view query);

// The template with its "%s" filled. Error when the template has no "%s" (the query would be
// lost): "search template \"...\" has no %s".
[[nodiscard]] Result<std::string> search_url(std::string_view url_template, std::string_view query);

}  // namespace wc::client
