// Small helpers shared by the harnesses (header-only, so fuzz/CMakeLists.txt stays one line per
// harness). Inputs with several fields are split on '\n'; each field handed to a parser is copied
// into a heap block of exactly its size, so ASan sees a read past the field's end (a view into the
// fuzzer's buffer would silently read the next field instead).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

// Fails the run (libFuzzer keeps the input) with the broken invariant named; silent otherwise.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

// Consumes the input line by line; rest() is everything not yet taken (may hold '\n').
// `sep` splits on another byte instead (e.g. NUL, so that fields may hold '\n').
class Lines {
 public:
  explicit Lines(std::string_view in, char sep = '\n') : in_(in), sep_(sep) {}
  // The next line without its '\n'; nullopt once the input is used up.
  std::optional<std::string_view> next() {
    if (done_) return std::nullopt;
    size_t nl = in_.find(sep_);
    if (nl == std::string_view::npos) {
      done_ = true;
      return in_;
    }
    std::string_view line = in_.substr(0, nl);
    in_.remove_prefix(nl + 1);
    return line;
  }
  std::string_view line() { return next().value_or(std::string_view()); }
  std::string_view rest() {
    std::string_view r = done_ ? std::string_view() : in_;
    done_ = true;
    return r;
  }

 private:
  std::string_view in_;
  char sep_;
  bool done_ = false;
};

// A copy of `s` in its own exactly-sized heap block.
class Owned {
 public:
  explicit Owned(std::string_view s) : size_(s.size()), bytes_(new char[s.size()]) {
    if (!s.empty()) std::memcpy(bytes_.get(), s.data(), s.size());
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<char[]> bytes_;
};

// Leading decimal digits, saturating at UINT64_MAX; `fallback` when there are none.
inline uint64_t to_u64(std::string_view s, uint64_t fallback) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return fallback;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
    v = v * 10 + d;
  }
  return v;
}

// Optional '-' then digits, saturating at the int64 limits; `fallback` when there are no digits.
inline int64_t to_i64(std::string_view s, int64_t fallback) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  uint64_t u = to_u64(s, UINT64_MAX);
  if (u == UINT64_MAX && (s.empty() || s[0] < '0' || s[0] > '9')) return fallback;
  if (neg) return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MIN : -static_cast<int64_t>(u);
  return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
}

}  // namespace fuzz
