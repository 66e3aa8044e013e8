#include "app/log/app_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace wc::app {
namespace {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/wc-app-log-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// gunicorn's "%(asctime)s [%(process)d] [%(levelname)s] %(message)s", datefmt
// "[%Y-%m-%d %H:%M:%S %z]".
// The prefix is matched with a regex; the message (group 10) is what follows it (a regex over a
// long message would recurse deeply in libstdc++).
const std::regex kPrefix(R"(^\[(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] \[(\d+)\] \[([A-Z]+)\] )");

struct LineMatch {
  std::smatch prefix;
  std::string message;
  std::string operator[](size_t i) const { return i == 10 ? message : prefix[i]; }
};

bool match_line(const std::string& line, LineMatch& m) {
  if (line.find('\n') != std::string::npos) return false;
  size_t end = 0;
  for (int i = 0; i < 3; ++i) {
    end = line.find("] ", end);
    if (end == std::string::npos) return false;
    end += 2;
  }
  static thread_local std::string prefix;
  prefix = line.substr(0, end);
  if (!std::regex_match(prefix, m.prefix, kPrefix)) return false;
  m.message = line.substr(end);
  return true;
}

TEST(AppLogLevel, ParsesPythonLevelsCaseInsensitively) {
  EXPECT_EQ(parse_app_log_level("debug"), AppLogLevel::debug);
  EXPECT_EQ(parse_app_log_level("info"), AppLogLevel::info);
  EXPECT_EQ(parse_app_log_level("warning"), AppLogLevel::warning);
  EXPECT_EQ(parse_app_log_level("error"), AppLogLevel::error);
  EXPECT_EQ(parse_app_log_level("critical"), AppLogLevel::critical);
  EXPECT_EQ(parse_app_log_level("DEBUG"), AppLogLevel::debug);
  EXPECT_EQ(parse_app_log_level("Warning"), AppLogLevel::warning);
  EXPECT_FALSE(parse_app_log_level("warn"));
  EXPECT_FALSE(parse_app_log_level("notice"));
  EXPECT_FALSE(parse_app_log_level(""));
  EXPECT_FALSE(parse_app_log_level("infox"));
}

TEST(AppLogLevel, NamesAreUpperCase) {
  EXPECT_EQ(app_log_level_name(AppLogLevel::debug), "DEBUG");
  EXPECT_EQ(app_log_level_name(AppLogLevel::info), "INFO");
  EXPECT_EQ(app_log_level_name(AppLogLevel::warning), "WARNING");
  EXPECT_EQ(app_log_level_name(AppLogLevel::error), "ERROR");
  EXPECT_EQ(app_log_level_name(AppLogLevel::critical), "CRITICAL");
}

TEST(AppLog, DefaultsToStderrAtInfo) {
  AppLog log;
  EXPECT_EQ(log.fd(), STDERR_FILENO);
  EXPECT_EQ(log.path(), "-");
  EXPECT_EQ(log.level(), AppLogLevel::info);
  EXPECT_FALSE(log.enabled(AppLogLevel::debug));
  EXPECT_TRUE(log.enabled(AppLogLevel::info));
  EXPECT_TRUE(log.enabled(AppLogLevel::critical));
}

TEST(AppLog, FormatIsGunicornsLine) {
  AppLog log;
  // The same clock the log reads: time() is the kernel's coarse clock, which may still show the
  // previous second for a tick after CLOCK_REALTIME has moved on.
  auto realtime_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
  };
  const time_t before = realtime_seconds();
  const std::string line = log.format(AppLogLevel::info, "Listening at: http://127.0.0.1:8000 (1)");
  const time_t after = realtime_seconds();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  LineMatch m;
  const std::string body = line.substr(0, line.size() - 1);
  ASSERT_TRUE(match_line(body, m)) << line;
  EXPECT_EQ(m[8], std::to_string(getpid()));
  EXPECT_EQ(m[9], "INFO");
  EXPECT_EQ(m[10], "Listening at: http://127.0.0.1:8000 (1)");
  // The time is local time with its offset: it matches strftime of now (before or after).
  auto stamp = [](time_t t) {
    tm local;
    localtime_r(&t, &local);
    char buf[64];
    strftime(buf, sizeof buf, "[%Y-%m-%d %H:%M:%S %z]", &local);
    return std::string(buf);
  };
  const std::string got = line.substr(0, line.find(']') + 1);
  EXPECT_TRUE(got == stamp(before) || got == stamp(after)) << got << " vs " << stamp(before);
}

TEST(AppLog, LocalTimeOffsetFollowsTZ) {
  const char* old = getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "Asia/Kolkata", 1);  // +0530, no DST
  tzset();
  // A new second is needed for the cache to re-format; wait for it.
  // (CLOCK_REALTIME, the log's clock; time() may lag it by a tick.)
  auto realtime_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
  };
  const time_t start = realtime_seconds();
  while (realtime_seconds() == start) usleep(10000);
  AppLog log;
  const std::string line = log.format(AppLogLevel::warning, "x");
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  LineMatch m;
  const std::string body = line.substr(0, line.size() - 1);
  ASSERT_TRUE(match_line(body, m)) << line;
  if (access("/usr/share/zoneinfo/Asia/Kolkata", R_OK) == 0) {
    EXPECT_EQ(m[7], "+0530");
  }
  EXPECT_EQ(m[9], "WARNING");
}

TEST(AppLog, MultiLineMessageKeepsOnePrefixAndNoDoubleNewline) {
  AppLog log;
  const std::string tb =
      "Error handling request /\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
      "ZeroDivisionError: division by zero\n";
  const std::string line = log.format(AppLogLevel::error, tb);
  const auto lines = split_lines(line);
  ASSERT_EQ(lines.size(), 4u) << line;
  LineMatch m;
  ASSERT_TRUE(match_line(lines[0], m));
  EXPECT_EQ(m[9], "ERROR");
  EXPECT_EQ(m[10], "Error handling request /");
  EXPECT_EQ(lines[1], "Traceback (most recent call last):");
  EXPECT_EQ(lines[3], "ZeroDivisionError: division by zero");
  EXPECT_EQ(line.substr(line.size() - 2), "o\n");
}

TEST(AppLog, WritesToFileAboveLevelOnly) {
  const std::string path = make_temp_dir() + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::warning));
  EXPECT_EQ(log.path(), path);
  EXPECT_NE(log.fd(), STDERR_FILENO);
  log.log(AppLogLevel::info, "skipped");
  log.log(AppLogLevel::debug, "skipped too");
  log.log(AppLogLevel::warning, "Worker with pid 7 was terminated due to signal 9");
  log.logf(AppLogLevel::critical, "WORKER TIMEOUT (pid:%d)", 42);
  log.log(AppLogLevel::error, "ends with newline\n");
  const auto lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 3u);
  LineMatch m;
  ASSERT_TRUE(match_line(lines[0], m)) << lines[0];
  EXPECT_EQ(m[9], "WARNING");
  EXPECT_EQ(m[10], "Worker with pid 7 was terminated due to signal 9");
  ASSERT_TRUE(match_line(lines[1], m)) << lines[1];
  EXPECT_EQ(m[9], "CRITICAL");
  EXPECT_EQ(m[10], "WORKER TIMEOUT (pid:42)");
  ASSERT_TRUE(match_line(lines[2], m)) << lines[2];
  EXPECT_EQ(m[10], "ends with newline");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u & ~[] { mode_t m = umask(0); umask(m); return m; }());
}

TEST(AppLog, LongLogfMessageIsWhole) {
  const std::string path = make_temp_dir() + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::debug));
  const std::string big(10000, 'z');
  log.logf(AppLogLevel::debug, "start %s end", big.c_str());
  const auto lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 1u);
  LineMatch m;
  ASSERT_TRUE(match_line(lines[0], m));
  EXPECT_EQ(m[10], "start " + big + " end");
}

TEST(AppLog, AppendsToExistingFile) {
  const std::string path = make_temp_dir() + "/error.log";
  { std::ofstream(path) << "old line\n"; }
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::info));
  log.log(AppLogLevel::info, "new");
  const auto lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "old line");
}

TEST(AppLog, OpenFailureKeepsPreviousDestination) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::info));
  const int fd = log.fd();
  auto st = log.open(dir + "/missing/error.log", AppLogLevel::debug);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "open() \"" + dir + "/missing/error.log\" failed (2: No such file or directory)");
  EXPECT_EQ(log.fd(), fd);
  EXPECT_EQ(log.path(), path);
  EXPECT_EQ(log.level(), AppLogLevel::info);
}

TEST(AppLog, DashMeansStderr) {
  const std::string path = make_temp_dir() + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::info));
  ASSERT_TRUE(log.open("-", AppLogLevel::error));
  EXPECT_EQ(log.fd(), STDERR_FILENO);
  EXPECT_EQ(log.path(), "-");
  EXPECT_EQ(log.level(), AppLogLevel::error);
  EXPECT_TRUE(log.reopen());
}

TEST(AppLog, ReopenFollowsRotation) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::info));
  log.log(AppLogLevel::info, "before");
  ASSERT_EQ(rename(path.c_str(), (dir + "/error.log.1").c_str()), 0);
  log.log(AppLogLevel::info, "still old");
  ASSERT_TRUE(log.reopen());
  log.log(AppLogLevel::info, "after");
  EXPECT_EQ(split_lines(read_file(dir + "/error.log.1")).size(), 2u);
  const auto lines = split_lines(read_file(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("[INFO] after"), std::string::npos);
}

TEST(AppLog, ReopenFailureKeepsOldFile) {
  const std::string dir = make_temp_dir();
  const std::string sub = dir + "/logs";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  const std::string path = sub + "/error.log";
  AppLog log;
  ASSERT_TRUE(log.open(path, AppLogLevel::info));
  ASSERT_EQ(rename(sub.c_str(), (dir + "/moved").c_str()), 0);
  auto st = log.reopen();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "open() \"" + path + "\" failed (2: No such file or directory)");
  log.log(AppLogLevel::info, "kept");
  const auto lines = split_lines(read_file(dir + "/moved/error.log"));
  ASSERT_EQ(lines.size(), 2u);  // the reopen failure, then "kept"
  EXPECT_NE(lines[0].find("[ERROR] open() "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("[INFO] kept"), std::string::npos);
}

TEST(AppLog, ProcessWideLogIsOneObject) {
  EXPECT_EQ(&app_log(), &app_log());
  EXPECT_EQ(app_log().level(), AppLogLevel::info);
}

}  // namespace
}  // namespace wc::app
