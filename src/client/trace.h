// The `browse -v` trace: one line per step of the cycle on stderr, with the time since the browse
// started: "[    12.345 ms] * step", "> " for the request head, "< " for response heads.
// One per browse, one thread.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace wc::client {

// CLOCK_MONOTONIC in microseconds.
inline uint64_t now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

class Trace {
 public:
  Trace(bool on, uint64_t start_us) : on_(on), start_(start_us) {}
  [[nodiscard]] bool on() const noexcept { return on_; }
  [[nodiscard]] uint64_t elapsed_us() const { return now_us() - start_; }
  void line(char mark, std::string_view text) const {
    if (!on_) return;
    std::fprintf(stderr, "[%10.3f ms] %c %.*s\n", static_cast<double>(elapsed_us()) / 1000.0, mark,
                 static_cast<int>(text.size()), text.data());
  }
  // Each line of an HTTP head, with its mark ('>' sent, '<' received), without the CRLFs.
  void head(char mark, std::string_view raw) const {
    if (!on_) return;
    while (!raw.empty()) {
      size_t nl = raw.find('\n');
      std::string_view line = raw.substr(0, nl);
      if (line.ends_with('\r')) line.remove_suffix(1);
      this->line(mark, line);
      if (nl == std::string_view::npos) break;
      raw.remove_prefix(nl + 1);
    }
  }

 private:
  bool on_;
  uint64_t start_;
};

}  // namespace wc::client
