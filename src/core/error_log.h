// ErrorLog: nginx's error log. One line per message, written with ONE write() so lines from
// several worker processes appending to the same file never interleave:
//   2026/11/23 19:20:01 [error] 1234#1234: *5 open() "/srv/x" failed (2: No such file or directory)
// (`*CID ` only when conn_id != 0; the time is local time, like nginx).
//
// error_log() is the process-wide log (nginx's cycle log). Until open() succeeds it writes to
// stderr at level notice. Not thread-safe: each process logs from its loop thread.
// Messages below the level are skipped before any formatting: check enabled() around expensive
// argument building, logf() checks it itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/fd.h"
#include "core/result.h"

namespace wc::core {

// nginx's numbering: a message is written when its level <= the log's level.
enum class LogLevel : unsigned char {
  emerg = 1,
  alert,
  crit,
  error,
  warn,
  notice,
  info,
  debug,
};

// "debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"; nullopt otherwise.
[[nodiscard]] std::optional<LogLevel> parse_level(std::string_view name) noexcept;
[[nodiscard]] std::string_view level_name(LogLevel level) noexcept;

class ErrorLog {
 public:
  ErrorLog() = default;  // stderr, level notice
  ErrorLog(const ErrorLog&) = delete;
  ErrorLog& operator=(const ErrorLog&) = delete;

  // Opens `path` (O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644) or uses stderr for "stderr", and
  // sets the level. On failure the log keeps its previous destination and level.
  // Errors: `open() "/x/error.log" failed (13: Permission denied)`.
  [[nodiscard]] Status open(std::string_view path, LogLevel level);
  // Reopens the same path (SIGUSR1 after logrotate moved the file). If that fails the old fd is
  // kept, the failure is logged to it at alert, and returned.
  [[nodiscard]] Status reopen();

  void set_level(LogLevel level) noexcept { level_ = level; }
  [[nodiscard]] LogLevel level() const noexcept { return level_; }
  [[nodiscard]] bool enabled(LogLevel level) const noexcept { return level <= level_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] int fd() const noexcept;

  // Writes one line; `message` must not end with a newline (one is added). Long messages are cut
  // at 4000 bytes (like nginx's NGX_MAX_ERROR_STR in spirit) so the line stays one write().
  void log(LogLevel level, uint64_t conn_id, std::string_view message);
  // printf-style convenience; formats only when enabled(level).
  void logf(LogLevel level, uint64_t conn_id, const char* format, ...)
      __attribute__((format(printf, 4, 5)));

  // Formats a complete line (with newline) into `out` without writing it; for tests and for
  // callers that write elsewhere. Returns the line length (<= out_size).
  size_t format_line(char* out, size_t out_size, LogLevel level, uint64_t conn_id,
                     std::string_view message) const;

 private:
  Fd file_;  // invalid = stderr
  std::string path_ = "stderr";
  LogLevel level_ = LogLevel::notice;
};

// The process-wide error log.
[[nodiscard]] ErrorLog& error_log() noexcept;

}  // namespace wc::core
