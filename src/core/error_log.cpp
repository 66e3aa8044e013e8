#include "core/error_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/clock.h"

namespace wc::core {

namespace {

constexpr size_t kMaxMessage = 4000;
constexpr std::string_view kLevelNames[] = {"",     "emerg",  "alert", "crit", "error",
                                            "warn", "notice", "info",  "debug"};

// Error lines are rare; a private clock re-formats only when the second changes.
WallClock& log_clock() {
  static WallClock clock;
  return clock;
}

}  // namespace

std::optional<LogLevel> parse_level(std::string_view name) noexcept {
  for (size_t i = 1; i < std::size(kLevelNames); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view level_name(LogLevel level) noexcept {
  const auto i = static_cast<size_t>(level);
  return i < std::size(kLevelNames) ? kLevelNames[i] : std::string_view("unknown");
}

int ErrorLog::fd() const noexcept { return file_.valid() ? file_.get() : STDERR_FILENO; }

Status ErrorLog::open(std::string_view path, LogLevel level) {
  if (path == "stderr") {
    file_.reset();
    path_ = "stderr";
    level_ = level;
    return {};
  }
  std::string p(path);
  int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return sys_fail("open() \"" + p + "\"");
  file_.reset(fd);
  path_ = std::move(p);
  level_ = level;
  return {};
}

Status ErrorLog::reopen() {
  if (!file_.valid()) return {};
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    auto err = sys_fail("open() \"" + path_ + "\"");
    log(LogLevel::alert, 0, err.error().message);
    return err;
  }
  file_.reset(fd);
  return {};
}

size_t ErrorLog::format_line(char* out, size_t out_size, LogLevel level, uint64_t conn_id,
                             std::string_view message) const {
  WallClock& clock = log_clock();
  clock.update();
  const std::string_view time = clock.error_log_time();
  const std::string_view name = level_name(level);
  int n;
  if (conn_id != 0) {
    n = std::snprintf(out, out_size, "%.*s [%.*s] %d#%d: *%llu ", static_cast<int>(time.size()),
                      time.data(), static_cast<int>(name.size()), name.data(),
                      static_cast<int>(::getpid()), static_cast<int>(::gettid()),
                      static_cast<unsigned long long>(conn_id));
  } else {
    n = std::snprintf(out, out_size, "%.*s [%.*s] %d#%d: ", static_cast<int>(time.size()),
                      time.data(), static_cast<int>(name.size()), name.data(),
                      static_cast<int>(::getpid()), static_cast<int>(::gettid()));
  }
  if (n < 0 || out_size == 0) return 0;
  size_t len = static_cast<size_t>(n) < out_size ? static_cast<size_t>(n) : out_size - 1;
  if (message.size() > kMaxMessage) message = message.substr(0, kMaxMessage);
  while (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  const size_t room = out_size - len - 1;  // keep one byte for the newline
  const size_t take = message.size() < room ? message.size() : room;
  std::memcpy(out + len, message.data(), take);
  len += take;
  out[len++] = '\n';
  return len;
}

void ErrorLog::log(LogLevel level, uint64_t conn_id, std::string_view message) {
  if (!enabled(level)) return;
  char line[kMaxMessage + 128];
  const size_t len = format_line(line, sizeof line, level, conn_id, message);
  // One write() per line; a short or failed write to the error log has nowhere better to go.
  ssize_t ignored = ::write(fd(), line, len);
  (void)ignored;
}

void ErrorLog::logf(LogLevel level, uint64_t conn_id, const char* format, ...) {
  if (!enabled(level)) return;
  char message[kMaxMessage + 1];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (n < 0) return;
  const size_t len =
      static_cast<size_t>(n) < sizeof message ? static_cast<size_t>(n) : sizeof message - 1;
  log(level, conn_id, std::string_view(message, len));
}

ErrorLog& error_log() noexcept {
  static ErrorLog log;
  return log;
}

}  // namespace wc::core
