// Fuzzes conditional GET/HEAD (web/static/conditional.h). Input, one field a line:
//   ETAG            the response's ETag (empty = none)
//   MTIME           Last-Modified seconds; no digits = none (-1)
//   MODE            '0' if_modified_since off, '2' before, anything else exact
//   X:VALUE ...     headers, X one of M (If-Match), U (If-Unmodified-Since), N (If-None-Match),
//                   S (If-Modified-Since); a later line for the same header replaces it
// Invariants: the outcome is the one conditional.h's three documented steps give, built from the
// public etag_list_matches and parse_nginx_http_time; no header -> proceed; "*" matches any list
// test; for a quoted ETag a strong list match is also a weak one and a list that ends with the ETag
// matches it whatever comes before; a revalidation with the response's own validators gets 304.
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "http/http_date.h"
#include "web/static/conditional.h"
#include "web/static/http_time.h"

namespace {

using namespace wc::web::static_files;

// conditional.h's rules, step by step.
Conditional model(const ConditionalHeaders& h, std::string_view etag, int64_t mtime,
                  IfModifiedSince mode) {
  if (h.if_unmodified_since) {
    auto t = parse_nginx_http_time(*h.if_unmodified_since);
    if (mtime == -1 || !t || *t < mtime) return Conditional::precondition_failed;
  }
  if (h.if_match && !etag_list_matches(*h.if_match, etag, false)) {
    return Conditional::precondition_failed;
  }
  if (!h.if_modified_since && !h.if_none_match) return Conditional::proceed;
  bool not_modified = true;
  if (h.if_none_match && !etag_list_matches(*h.if_none_match, etag, true)) not_modified = false;
  if (h.if_modified_since) {
    auto t = parse_nginx_http_time(*h.if_modified_since);
    bool unchanged;
    if (mode == IfModifiedSince::off || mtime == -1) {
      unchanged = false;
    } else if (mode == IfModifiedSince::exact) {
      unchanged = t && *t == mtime;
    } else {
      unchanged = t && *t >= mtime;
    }
    if (!unchanged) not_modified = false;
  }
  return not_modified ? Conditional::not_modified : Conditional::proceed;
}

// An ETag as webcycle makes them: quoted, optionally weak, no ',' inside.
bool plain_etag(std::string_view e) {
  if (e.starts_with("W/")) e.remove_prefix(2);
  return e.size() >= 2 && e.front() == '"' && e.back() == '"' &&
         e.substr(1, e.size() - 2).find_first_of("\",") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Lines lines(std::string_view(reinterpret_cast<const char*>(data), size));
  const fuzz::Owned etag(lines.line());
  const int64_t mtime = fuzz::to_i64(lines.line(), -1);
  const std::string_view mode_line = lines.line();
  const IfModifiedSince mode = mode_line.starts_with('0')   ? IfModifiedSince::off
                               : mode_line.starts_with('2') ? IfModifiedSince::before
                                                            : IfModifiedSince::exact;

  std::unique_ptr<fuzz::Owned> im, ius, inm, ims;
  while (auto line = lines.next()) {
    if (line->size() < 2 || (*line)[1] != ':') continue;
    auto value = std::make_unique<fuzz::Owned>(line->substr(2));
    switch ((*line)[0]) {
      case 'M':
        im = std::move(value);
        break;
      case 'U':
        ius = std::move(value);
        break;
      case 'N':
        inm = std::move(value);
        break;
      case 'S':
        ims = std::move(value);
        break;
      default:
        break;
    }
  }
  ConditionalHeaders h;
  if (im) h.if_match = im->view();
  if (ius) h.if_unmodified_since = ius->view();
  if (inm) h.if_none_match = inm->view();
  if (ims) h.if_modified_since = ims->view();

  const std::string_view e = etag.view();
  FUZZ_CHECK(evaluate_conditionals(h, e, mtime, mode) == model(h, e, mtime, mode));
  FUZZ_CHECK(evaluate_conditionals({}, e, mtime, mode) == Conditional::proceed);

  for (const std::unique_ptr<fuzz::Owned>* list : {&im, &inm}) {
    if (!*list) continue;
    const std::string_view v = (*list)->view();
    FUZZ_CHECK(etag_list_matches("*", v, false) && etag_list_matches("*", v, true));
    if (plain_etag(e)) {
      // Only for a real (quoted) ETag: nginx strips a bare "W/" from the list before comparing,
      // so a malformed ETag "W/" matches "W/, x" strongly but not weakly.
      if (etag_list_matches(v, e, false)) FUZZ_CHECK(etag_list_matches(v, e, true));
      // The ETag after any list: found by both comparisons, whatever the list held.
      const fuzz::Owned appended(std::string(v) + ", " + std::string(e));
      FUZZ_CHECK(etag_list_matches(appended.view(), e, false));
      FUZZ_CHECK(etag_list_matches(appended.view(), e, true));
      const fuzz::Owned only(e);
      FUZZ_CHECK(etag_list_matches(only.view(), e, false));
    }
  }

  // A browser revalidating with exactly what it was sent gets 304 (and never 412).
  if (plain_etag(e)) {
    ConditionalHeaders reval;
    reval.if_none_match = e;
    FUZZ_CHECK(evaluate_conditionals(reval, e, mtime, mode) == Conditional::not_modified);
    reval.if_match = e;
    FUZZ_CHECK(evaluate_conditionals(reval, e, mtime, mode) == Conditional::not_modified);
  }
  if (mtime >= 0 && mtime < 253402300800 && mode != IfModifiedSince::off) {
    char date[wc::http::kHttpDateLen];
    const std::string_view d = wc::http::format_http_date(static_cast<time_t>(mtime), date);
    ConditionalHeaders reval;
    reval.if_modified_since = d;
    reval.if_unmodified_since = d;
    FUZZ_CHECK(evaluate_conditionals(reval, e, mtime, mode) == Conditional::not_modified);
  }
  return 0;
}
