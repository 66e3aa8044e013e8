#include "app/log/app_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "core/ascii.h"

namespace wc::app {

namespace {

// "[2026-11-24 00:17:02 +0000]" (gunicorn's datefmt, local time), re-formatted only when the
// second changes: error lines are rare, but a traceback storm should not cost a localtime_r each.
class LogTime {
 public:
  std::string_view now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != seconds_) {
      seconds_ = ts.tv_sec;
      tm local;
      localtime_r(&seconds_, &local);
      long offset_min = local.tm_gmtoff / 60;
      const char sign = offset_min < 0 ? '-' : '+';
      if (offset_min < 0) offset_min = -offset_min;
      const int n =
          std::snprintf(text_, sizeof text_, "[%04d-%02d-%02d %02d:%02d:%02d %c%02ld%02ld]",
                        local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                        local.tm_min, local.tm_sec, sign, offset_min / 60, offset_min % 60);
      len_ = n < 0 ? 0
                   : (static_cast<size_t>(n) < sizeof text_ ? static_cast<size_t>(n)
                                                            : sizeof text_ - 1);
    }
    return {text_, len_};
  }

 private:
  time_t seconds_ = -1;
  char text_[48] = {};
  size_t len_ = 0;
};

LogTime& log_time() {
  static LogTime t;
  return t;
}

struct LevelName {
  AppLogLevel level;
  std::string_view lower;
  std::string_view upper;
};

constexpr LevelName kLevels[] = {
    {AppLogLevel::debug, "debug", "DEBUG"},          {AppLogLevel::info, "info", "INFO"},
    {AppLogLevel::warning, "warning", "WARNING"},    {AppLogLevel::error, "error", "ERROR"},
    {AppLogLevel::critical, "critical", "CRITICAL"},
};

using core::iequals;

core::Fd open_log_file(const std::string& path) {
  return core::Fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
}

}  // namespace

std::optional<AppLogLevel> parse_app_log_level(std::string_view name) noexcept {
  for (const LevelName& l : kLevels) {
    if (iequals(l.lower, name)) return l.level;
  }
  return std::nullopt;
}

std::string_view app_log_level_name(AppLogLevel level) noexcept {
  for (const LevelName& l : kLevels) {
    if (l.level == level) return l.upper;
  }
  return "UNKNOWN";
}

int AppLog::fd() const noexcept { return file_.valid() ? file_.get() : STDERR_FILENO; }

Status AppLog::open(std::string_view path, AppLogLevel level) {
  if (path == "-") {
    file_.reset();
    path_.assign(1, '-');  // (not `= "-"`: GCC 12 warns falsely about memcpy overlap there)
    level_ = level;
    return {};
  }
  std::string p(path);
  core::Fd fd = open_log_file(p);
  if (!fd.valid()) return sys_fail("open() \"" + p + "\"");
  file_ = std::move(fd);
  path_ = std::move(p);
  level_ = level;
  return {};
}

Status AppLog::reopen() {
  if (!file_.valid()) return {};
  core::Fd fd = open_log_file(path_);
  if (!fd.valid()) {
    auto err = sys_fail("open() \"" + path_ + "\"");
    log(AppLogLevel::error, err.error().message);
    return err;
  }
  file_ = std::move(fd);
  return {};
}

std::string AppLog::format(AppLogLevel level, std::string_view message) const {
  while (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  const std::string_view time = log_time().now();
  const std::string_view name = app_log_level_name(level);
  char pid[24];
  const int pid_len = std::snprintf(pid, sizeof pid, " [%d] [", static_cast<int>(::getpid()));
  std::string line;
  line.reserve(time.size() + static_cast<size_t>(pid_len) + name.size() + 2 + message.size() + 1);
  line.append(time);
  line.append(pid, static_cast<size_t>(pid_len));
  line.append(name);
  line.append("] ");
  line.append(message);
  line.push_back('\n');
  return line;
}

void AppLog::log(AppLogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  const std::string line = format(level, message);
  // One write() per message; a pipe (stderr under a supervisor) may take it in parts, so the rest
  // follows. A failed write to the error log has nowhere better to go.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void AppLog::logf(AppLogLevel level, const char* format, ...) {
  if (!enabled(level)) return;
  char small[1024];
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    va_end(copy);
    return;
  }
  if (static_cast<size_t>(n) < sizeof small) {
    va_end(copy);
    log(level, std::string_view(small, static_cast<size_t>(n)));
    return;
  }
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(big.data(), big.size(), format, copy);
  va_end(copy);
  big.resize(static_cast<size_t>(n));
  log(level, big);
}

AppLog& app_log() noexcept {
  static AppLog log;
  return log;
}

}  // namespace wc::app
