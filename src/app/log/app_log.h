// AppLog: gunicorn's error log, as `webcycle app` writes it (gunicorn/glogging.py's format):
//   [2026-11-24 00:17:02 +0000] [1234] [INFO] Listening at: http://127.0.0.1:8000 (1234)
// Levels and names are Python logging's: debug, info, warning, error, critical (gunicorn's
// --log-level values). Multi-line messages (tracebacks) are written as they are, after the
// prefix of their first line, in ONE write() so processes sharing the file never interleave.
//
// app_log() is the process-wide log. Until open() it writes to stderr at level info (gunicorn's
// --error-logfile default is "-", stderr). Not thread-safe: each process logs from its loop thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/fd.h"
#include "core/result.h"

namespace wc::app {

// Python logging's numeric levels: a message is written when its level >= the log's level.
enum class AppLogLevel : uint8_t {
  debug = 10,
  info = 20,
  warning = 30,
  error = 40,
  critical = 50,
};

// "debug", "info", "warning", "error", "critical" (case-insensitive, as gunicorn lowercases);
// nullopt otherwise.
[[nodiscard]] std::optional<AppLogLevel> parse_app_log_level(std::string_view name) noexcept;
// "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" (as they appear in a line).
[[nodiscard]] std::string_view app_log_level_name(AppLogLevel level) noexcept;

class AppLog {
 public:
  AppLog() = default;  // stderr, level info
  AppLog(const AppLog&) = delete;
  AppLog& operator=(const AppLog&) = delete;

  // `path` "-" means stderr; otherwise opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644. On
  // failure the log keeps its previous destination. Errors: `open() "/x/error.log" failed (...)`.
  [[nodiscard]] Status open(std::string_view path, AppLogLevel level);
  // Reopens the same file (USR1, after logrotate). stderr: nothing to do.
  [[nodiscard]] Status reopen();

  void set_level(AppLogLevel level) noexcept { level_ = level; }
  [[nodiscard]] AppLogLevel level() const noexcept { return level_; }
  [[nodiscard]] bool enabled(AppLogLevel level) const noexcept { return level >= level_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] int fd() const noexcept;

  // One message (a trailing newline, if any, is not doubled). Skipped below the level.
  void log(AppLogLevel level, std::string_view message);
  void logf(AppLogLevel level, const char* format, ...) __attribute__((format(printf, 3, 4)));

  // The complete line(s) for `message`, newline-terminated, as log() would write them now.
  [[nodiscard]] std::string format(AppLogLevel level, std::string_view message) const;

 private:
  core::Fd file_;  // invalid = stderr
  std::string path_ = "-";
  AppLogLevel level_ = AppLogLevel::info;
};

// The process-wide error log of `webcycle app`.
[[nodiscard]] AppLog& app_log() noexcept;

}  // namespace wc::app
