// PCRE2 regular expressions as nginx uses them (location ~ / ~*, server_name ~), JIT-compiled
// at config load. A Regex is immutable after compile() and may be matched from any thread: the
// match scratch space is per thread, so matching allocates nothing after a thread's first match.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wc::web::config {

class Regex;

// Capture groups of the last successful match: $0 (whole match), $1..$N and named groups.
// Views point into the subject the caller matched: keep that string alive while using them.
struct Captures {
  static constexpr int kMaxGroups = 32;  // groups beyond this are not reported

  const Regex* regex = nullptr;  // for named-group lookup; null when nothing matched
  std::string_view subject;
  int count = 0;  // number of groups set, including $0 (0 = no match recorded)
  std::array<size_t, 2 * kMaxGroups> ovector{};

  // Group n (0 = whole match); empty when n is out of range or the group did not take part.
  [[nodiscard]] std::string_view group(int n) const;
  // Named group `(?<name>...)`; empty when there is no such group.
  [[nodiscard]] std::string_view named(std::string_view name) const;
  void clear() { regex = nullptr, subject = {}, count = 0; }
};

class Regex {
 public:
  // Compiles `pattern` (PCRE2 syntax, as nginx); caseless for `~*` and server names.
  // Error text is nginx's: `pcre2_compile() failed: MESSAGE in "PATTERN" at "REST"`.
  [[nodiscard]] static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern,
                                                                    bool caseless);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // True on a match; fills *captures (may be null) on a match, leaves it alone otherwise.
  [[nodiscard]] bool match(std::string_view subject, Captures* captures) const;

  const std::string& pattern() const { return pattern_; }
  bool caseless() const { return caseless_; }
  int capture_count() const { return capture_count_; }  // groups, not counting $0
  // Number of the named group, or -1.
  int group_number(std::string_view name) const;
  const std::vector<std::pair<std::string, int>>& named_groups() const { return names_; }

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
  bool caseless_ = false;
  int capture_count_ = 0;
  std::string pattern_;
  std::vector<std::pair<std::string, int>> names_;
};

}  // namespace wc::web::config
