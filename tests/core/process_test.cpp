#include "core/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace wc::core {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/wc-core-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  return dir ? dir : "/tmp";
}

TEST(Process, SpawnReturnsTheChildsExitCode) {
  auto pid = spawn([] { return 7; });
  ASSERT_TRUE(pid);
  auto status = wait_for(*pid);
  ASSERT_TRUE(status);
  EXPECT_EQ(describe_exit(*status), "exited with code 7");
  EXPECT_FALSE(exited_cleanly(*status));
}

TEST(Process, ReapCollectsEveryExitedChild) {
  auto a = spawn([] { return 0; });
  auto b = spawn([] {
    pause();  // until killed
    return 0;
  });
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(send_signal(*b, SIGKILL));
  std::vector<ExitedChild> all;
  for (int i = 0; i < 200 && all.size() < 2; ++i) {
    auto got = reap();
    all.insert(all.end(), got.begin(), got.end());
    if (all.size() < 2) usleep(10000);
  }
  ASSERT_EQ(all.size(), 2u);
  auto find = [&](pid_t pid) {
    return std::find_if(all.begin(), all.end(), [&](const ExitedChild& c) { return c.pid == pid; });
  };
  ASSERT_NE(find(*a), all.end());
  ASSERT_NE(find(*b), all.end());
  EXPECT_TRUE(exited_cleanly(find(*a)->status));
  EXPECT_EQ(describe_exit(find(*b)->status), "killed by signal 9");
  EXPECT_TRUE(reap().empty());  // nothing left, and no blocking
}

TEST(Process, DescribeExitForms) {
  EXPECT_EQ(describe_exit(1 << 8), "exited with code 1");
  EXPECT_EQ(describe_exit(0), "exited with code 0");
  EXPECT_EQ(describe_exit(SIGSEGV), "killed by signal 11");
  EXPECT_EQ(describe_exit(SIGSEGV | 0x80), "killed by signal 11 (core dumped)");
}

TEST(Process, PidFileRoundTrip) {
  const std::string path = temp_dir() + "/webcycle.pid";
  ASSERT_TRUE(write_pid_file(path));
  auto pid = read_pid_file(path);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(*pid, getpid());
  unlink(path.c_str());
}

TEST(Process, PidFileErrors) {
  const std::string dir = temp_dir();
  auto missing = read_pid_file(dir + "/none.pid");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ENOENT);
  const std::string bad = dir + "/bad.pid";
  FILE* f = fopen(bad.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("12ab\n", f);
  fclose(f);
  auto garbage = read_pid_file(bad);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message, "invalid PID number \"12ab\" in \"" + bad + "\"");
  EXPECT_FALSE(write_pid_file(dir + "/no/such/dir/x.pid"));
  unlink(bad.c_str());
}

TEST(Process, SendSignalToMissingProcessFails) {
  auto pid = spawn([] { return 0; });
  ASSERT_TRUE(pid);
  ASSERT_TRUE(wait_for(*pid));
  auto s = send_signal(*pid, 0);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ESRCH);
}

TEST(Process, CpuCountMatchesAffinity) {
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(cpu_count(), static_cast<unsigned>(CPU_COUNT(&set)));
  EXPECT_GE(cpu_count(), 1u);
}

}  // namespace
}  // namespace wc::core
