#include "web/config/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

namespace wc::web::config {

namespace {

// Per-thread scratch for matches: one allocation per thread for the process's life.
struct MatchScratch {
  pcre2_match_data* data = pcre2_match_data_create(Captures::kMaxGroups, nullptr);
  ~MatchScratch() { pcre2_match_data_free(data); }
};

pcre2_match_data* scratch() {
  thread_local MatchScratch s;
  return s.data;
}

}  // namespace

std::string_view Captures::group(int n) const {
  if (n < 0 || n >= count) return {};
  size_t b = ovector[2 * n], e = ovector[2 * n + 1];
  if (b == PCRE2_UNSET || e < b || e > subject.size()) return {};
  return subject.substr(b, e - b);
}

std::string_view Captures::named(std::string_view name) const {
  if (regex == nullptr) return {};
  return group(regex->group_number(name));
}

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern, bool caseless) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = caseless ? PCRE2_CASELESS : 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &err, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    std::string msg = "pcre2_compile() failed: ";
    msg += reinterpret_cast<const char*>(buf);
    msg += " in \"";
    msg += pattern;
    msg += '"';
    // nginx's ngx_regex_compile: the rest of the pattern only when the error is before its end.
    if (offset < pattern.size()) {
      msg += " at \"";
      msg += pattern.substr(offset);
      msg += '"';
    }
    return fail(std::move(msg));
  }
  std::shared_ptr<Regex> re(new Regex());
  re->code_ = code;
  re->caseless_ = caseless;
  re->pattern_ = std::string(pattern);
  re->jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  uint32_t n = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
  re->capture_count_ = static_cast<int>(n);
  uint32_t name_count = 0, entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &name_count);
  pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t i = 0; i < name_count; ++i) {
    const unsigned char* entry = table + i * entry_size;
    int number = (entry[0] << 8) | entry[1];
    re->names_.emplace_back(reinterpret_cast<const char*>(entry + 2), number);
  }
  return std::shared_ptr<const Regex>(std::move(re));
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

int Regex::group_number(std::string_view name) const {
  for (const auto& [n, number] : names_) {
    if (n == name) return number;
  }
  return -1;
}

bool Regex::match(std::string_view subject, Captures* captures) const {
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* md = scratch();
  auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = jit_ ? pcre2_jit_match(code, s, subject.size(), 0, 0, md, nullptr)
                : pcre2_match(code, s, subject.size(), 0, 0, md, nullptr);
  if (rc < 0) return false;
  if (captures != nullptr) {
    // rc == 0 means the ovector was too small: all kMaxGroups slots are set.
    int count = rc == 0 ? Captures::kMaxGroups : rc;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    captures->regex = this;
    captures->subject = subject;
    captures->count = count;
    std::copy(ov, ov + 2 * count, captures->ovector.begin());
  }
  return true;
}

}  // namespace wc::web::config
