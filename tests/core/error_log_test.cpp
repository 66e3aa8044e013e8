#include "core/error_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "test_files.h"

namespace wc::core {
namespace {

using testing::make_temp_dir;
using testing::read_file;

TEST(ErrorLog, ParseLevelKnowsNginxLevels) {
  EXPECT_EQ(parse_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_level("info"), LogLevel::info);
  EXPECT_EQ(parse_level("notice"), LogLevel::notice);
  EXPECT_EQ(parse_level("warn"), LogLevel::warn);
  EXPECT_EQ(parse_level("error"), LogLevel::error);
  EXPECT_EQ(parse_level("crit"), LogLevel::crit);
  EXPECT_EQ(parse_level("alert"), LogLevel::alert);
  EXPECT_EQ(parse_level("emerg"), LogLevel::emerg);
  EXPECT_FALSE(parse_level("warning"));
  EXPECT_FALSE(parse_level("ERROR"));
  EXPECT_FALSE(parse_level(""));
  EXPECT_EQ(level_name(LogLevel::warn), "warn");
}

// "2026/11/23 19:20:01" followed by `rest`.
void expect_line(std::string_view line, std::string_view rest) {
  ASSERT_GE(line.size(), 20u) << line;
  const std::string_view shape = "dddd/dd/dd dd:dd:dd ";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') {
      EXPECT_TRUE(line[i] >= '0' && line[i] <= '9') << line;
    } else {
      EXPECT_EQ(line[i], shape[i]) << line;
    }
  }
  EXPECT_EQ(line.substr(20), rest);
}

TEST(ErrorLog, WritesNginxFormatLines) {
  const std::string path = make_temp_dir() + "/error.log";
  ErrorLog log;
  ASSERT_TRUE(log.open(path, LogLevel::info));
  log.log(LogLevel::error, 5, "open() \"/srv/x\" failed (2: No such file or directory)");
  log.log(LogLevel::notice, 0, "start worker processes");
  log.logf(LogLevel::warn, 12, "%d worker_connections are not enough", 512);
  const std::string text = read_file(path);
  const std::string pid = std::to_string(getpid());
  std::vector<std::string_view> lines;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    ASSERT_NE(nl, std::string_view::npos) << "unterminated line: " << rest;
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  ASSERT_EQ(lines.size(), 3u) << text;
  expect_line(lines[0], "[error] " + pid + "#" + pid +
                            ": *5 open() \"/srv/x\" failed (2: No such file or directory)");
  expect_line(lines[1], "[notice] " + pid + "#" + pid + ": start worker processes");
  expect_line(lines[2],
              "[warn] " + pid + "#" + pid + ": *12 512 worker_connections are not enough");
}

TEST(ErrorLog, SkipsLinesBelowTheLevel) {
  const std::string path = make_temp_dir() + "/error.log";
  ErrorLog log;
  ASSERT_TRUE(log.open(path, LogLevel::error));
  EXPECT_FALSE(log.enabled(LogLevel::warn));
  EXPECT_TRUE(log.enabled(LogLevel::crit));
  log.log(LogLevel::warn, 0, "hidden warn");
  log.log(LogLevel::info, 0, "hidden info");
  log.logf(LogLevel::debug, 0, "hidden %s", "debug");
  log.log(LogLevel::error, 0, "shown error");
  log.log(LogLevel::emerg, 0, "shown emerg");
  const std::string text = read_file(path);
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  EXPECT_NE(text.find("[error]"), std::string::npos);
  EXPECT_NE(text.find("[emerg]"), std::string::npos);
}

TEST(ErrorLog, OneLinePerMessageEvenWithTrailingNewlineOrHugeText) {
  const std::string path = make_temp_dir() + "/error.log";
  ErrorLog log;
  ASSERT_TRUE(log.open(path, LogLevel::debug));
  log.log(LogLevel::error, 0, "ends with newline\n");
  log.log(LogLevel::error, 0, std::string(100000, 'x'));
  const std::string text = read_file(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text.size();
  EXPECT_LT(text.size(), 9000u);
}

TEST(ErrorLog, ReopenCreatesANewFileAfterRotation) {
  const std::string dir = make_temp_dir();
  const std::string path = dir + "/error.log";
  ErrorLog log;
  ASSERT_TRUE(log.open(path, LogLevel::info));
  log.log(LogLevel::error, 0, "before");
  ASSERT_EQ(rename(path.c_str(), (dir + "/error.log.1").c_str()), 0);
  log.log(LogLevel::error, 0, "still to the moved file");
  ASSERT_TRUE(log.reopen());
  log.log(LogLevel::error, 0, "after");
  const std::string old_text = read_file(dir + "/error.log.1");
  const std::string new_text = read_file(path);
  EXPECT_NE(old_text.find("before"), std::string::npos);
  EXPECT_NE(old_text.find("still to the moved file"), std::string::npos);
  EXPECT_EQ(new_text.find("before"), std::string::npos);
  EXPECT_NE(new_text.find("after"), std::string::npos);
}

TEST(ErrorLog, ReopenFailureKeepsTheOldFileAndSaysSo) {
  const std::string dir = make_temp_dir();
  const std::string sub = dir + "/logs";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  const std::string path = sub + "/error.log";
  ErrorLog log;
  ASSERT_TRUE(log.open(path, LogLevel::info));
  ASSERT_EQ(rename(sub.c_str(), (dir + "/moved").c_str()), 0);  // the directory is gone
  auto s = log.reopen();
  EXPECT_FALSE(s);
  log.log(LogLevel::error, 0, "kept writing");
  const std::string text = read_file(dir + "/moved/error.log");
  EXPECT_NE(text.find("[alert]"), std::string::npos) << text;
  EXPECT_NE(text.find("kept writing"), std::string::npos) << text;
}

TEST(ErrorLog, OpenFailureReportsPathAndKeepsStderr) {
  ErrorLog log;
  auto s = log.open("/nonexistent-dir/x/error.log", LogLevel::info);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "open() \"/nonexistent-dir/x/error.log\" failed (2: No such file or directory)");
  EXPECT_EQ(log.fd(), STDERR_FILENO);
  EXPECT_EQ(log.level(), LogLevel::notice);
}

TEST(ErrorLog, ProcessWideLogIsOneObject) { EXPECT_EQ(&error_log(), &error_log()); }

}  // namespace
}  // namespace wc::core
