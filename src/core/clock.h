// WallClock: the current wall-clock time, pre-formatted in the shapes logs and HTTP need.
// update() reads CLOCK_REALTIME and re-formats only when the second (or, for msec(), the
// millisecond) has changed, so per-request formatting costs a string_view copy.
// Owned by one thread (an EventLoop refreshes its own each iteration); views returned stay valid
// until the next update()/set_time() on the same object.
#pragma once

#include <cstdint>
#include <ctime>
#include <string_view>

namespace wc::core {

class WallClock {
 public:
  WallClock();  // formats the current time

  // Reads CLOCK_REALTIME; cheap when the millisecond has not changed.
  void update();
  // Formats a given time (for tests and tools); `msec` in 0..999.
  void set_time(time_t seconds, unsigned msec = 0);

  // "Mon, 23 Nov 2026 19:20:01 GMT" (IMF-fixdate, always UTC).
  [[nodiscard]] std::string_view http_date() const noexcept { return {http_date_, http_date_len_}; }
  // "23/Nov/2026:19:20:01 +0000" (nginx $time_local, local zone).
  [[nodiscard]] std::string_view time_local() const noexcept {
    return {time_local_, time_local_len_};
  }
  // "2026-11-23T19:20:01+00:00" (nginx $time_iso8601, local zone).
  [[nodiscard]] std::string_view iso8601() const noexcept { return {iso8601_, iso8601_len_}; }
  // "2026/11/23 19:20:01" (error log, local zone).
  [[nodiscard]] std::string_view error_log_time() const noexcept {
    return {error_log_, error_log_len_};
  }
  // "1732389601.123" (nginx $msec).
  [[nodiscard]] std::string_view msec() const noexcept { return {msec_, msec_len_}; }
  [[nodiscard]] time_t unix_seconds() const noexcept { return seconds_; }
  [[nodiscard]] unsigned milliseconds() const noexcept { return msec_part_; }

 private:
  void format_seconds();
  void format_msec();

  time_t seconds_ = -1;
  unsigned msec_part_ = 1000;
  char http_date_[40];
  char time_local_[40];
  char iso8601_[40];
  char error_log_[32];
  char msec_[32];
  unsigned char http_date_len_ = 0, time_local_len_ = 0, iso8601_len_ = 0, error_log_len_ = 0,
                msec_len_ = 0;
};

}  // namespace wc::core
