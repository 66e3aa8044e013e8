#include "web/static/conditional.h"

#include "web/static/http_time.h"

namespace wc::web::static_files {

bool etag_list_matches(std::string_view header, std::string_view etag, bool weak) noexcept {
  if (header == "*") return true;
  if (etag.empty()) return false;
  if (weak && etag.size() > 2 && etag[0] == 'W' && etag[1] == '/') etag.remove_prefix(2);

  const char* p = header.data();
  const char* const end = p + header.size();
  while (p < end) {
    if (weak && end - p > 2 && p[0] == 'W' && p[1] == '/') p += 2;
    if (etag.size() > static_cast<size_t>(end - p)) return false;
    if (std::string_view(p, etag.size()) == etag) {
      p += etag.size();
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      if (p == end || *p == ',') return true;
    }
    while (p < end && *p != ',') ++p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) ++p;
  }
  return false;
}

namespace {

// ngx_http_test_if_unmodified: an unparsable date fails the precondition.
bool unmodified_since(std::string_view value, int64_t mtime) noexcept {
  if (mtime == -1) return false;
  auto t = parse_nginx_http_time(value);
  return t && *t >= mtime;
}

// ngx_http_test_if_modified: an unparsable date counts as modified.
bool modified_since(std::string_view value, int64_t mtime, IfModifiedSince mode) noexcept {
  if (mtime == -1 || mode == IfModifiedSince::off) return true;
  auto t = parse_nginx_http_time(value);
  if (t && *t == mtime) return false;
  if (mode == IfModifiedSince::exact || !t || *t < mtime) return true;
  return false;
}

}  // namespace

Conditional evaluate_conditionals(const ConditionalHeaders& h, std::string_view etag, int64_t mtime,
                                  IfModifiedSince mode) noexcept {
  if (h.if_unmodified_since && !unmodified_since(*h.if_unmodified_since, mtime)) {
    return Conditional::precondition_failed;
  }
  if (h.if_match && !etag_list_matches(*h.if_match, etag, false)) {
    return Conditional::precondition_failed;
  }
  if (h.if_modified_since || h.if_none_match) {
    if (h.if_modified_since && modified_since(*h.if_modified_since, mtime, mode)) {
      return Conditional::proceed;
    }
    if (h.if_none_match && !etag_list_matches(*h.if_none_match, etag, true)) {
      return Conditional::proceed;
    }
    return Conditional::not_modified;
  }
  return Conditional::proceed;
}

}  // namespace wc::web::static_files
