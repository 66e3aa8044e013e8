// Upstream: nginx's balancing (smooth weighted round robin, least_conn, backup, down), passive
// health (max_fails / fail_timeout) and the keep-alive cache, without any network.
#include "web/upstream.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

namespace wc::web {
namespace {

config::UpstreamConf make(std::initializer_list<config::UpstreamServer> servers) {
  config::UpstreamConf u;
  u.name = "backend";
  u.servers = servers;
  return u;
}

config::UpstreamServer server(std::string addr, int weight = 1) {
  config::UpstreamServer s;
  s.addr_text = std::move(addr);
  s.weight = weight;
  return s;
}

std::unique_ptr<core::EventLoop> loop() { return std::move(*core::EventLoop::create()); }

TEST(Upstream, SmoothWeightedRoundRobinAsNginx) {
  auto l = loop();
  auto conf = make({server("a", 5), server("b", 1), server("c", 1)});
  Upstream up(conf, *l);
  std::string order;
  for (int k = 0; k < 7; ++k) order += conf.servers[static_cast<size_t>(up.pick(0, 0))].addr_text;
  // nginx's documented sequence for weights 5, 1, 1.
  EXPECT_EQ(order, "aabacaa");
}

TEST(Upstream, TriedServersAreSkippedAndNoneLeftIsMinusOne) {
  auto l = loop();
  auto conf = make({server("a"), server("b")});
  Upstream up(conf, *l);
  const int first = up.pick(0, 0);
  const int second = up.pick(0, 1ULL << first);
  EXPECT_NE(first, second);
  EXPECT_EQ(up.pick(0, (1ULL << first) | (1ULL << second)), -1);
}

TEST(Upstream, DownNeverAndBackupOnlyWhenPrimariesCannot) {
  auto l = loop();
  auto down = server("down");
  down.down = true;
  auto backup = server("backup");
  backup.backup = true;
  auto conf = make({server("a"), down, backup});
  Upstream up(conf, *l);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(up.pick(0, 0), 0);
  EXPECT_EQ(up.pick(0, 1), 2);  // "a" tried: the backup
}

TEST(Upstream, MaxFailsMarksAServerFailedForFailTimeout) {
  auto l = loop();
  auto a = server("a");
  a.max_fails = 2;
  a.fail_timeout_ms = 10000;
  auto conf = make({a, server("b")});
  Upstream up(conf, *l);
  up.failed(0, 1000);
  // One failure of two allowed: still in the rotation.
  std::map<int, int> seen;
  for (int k = 0; k < 4; ++k) ++seen[up.pick(1000, 0)];
  EXPECT_EQ(seen[0], 2);
  up.failed(0, 1001);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(up.pick(2000, 0), 1);
  // fail_timeout later it is tried again.
  seen.clear();
  for (int k = 0; k < 4; ++k) ++seen[up.pick(11002, 0)];
  EXPECT_EQ(seen[0], 2);
}

TEST(Upstream, ALoneServerIsTriedEvenWhenFailing) {
  auto l = loop();
  auto conf = make({server("only")});
  Upstream up(conf, *l);
  up.failed(0, 1000);
  EXPECT_EQ(up.pick(1001, 0), 0);
}

TEST(Upstream, LeastConnPrefersFewestActivePerWeight) {
  auto l = loop();
  auto conf = make({server("a"), server("b", 2)});
  conf.balance = config::UpstreamConf::Balance::kLeastConn;
  Upstream up(conf, *l);
  up.begin(1);
  up.begin(1);
  up.begin(0);
  // a: 1 active / weight 1; b: 2 active / weight 2 -> a tie, round robin between them.
  std::map<int, int> seen;
  for (int k = 0; k < 6; ++k) ++seen[up.pick(0, 0)];
  EXPECT_GT(seen[0], 0);
  EXPECT_GT(seen[1], 0);
  up.begin(0);  // a: 2/1 > b: 2/2
  for (int k = 0; k < 3; ++k) EXPECT_EQ(up.pick(0, 0), 1);
}

TEST(Upstream, KeepaliveCacheReturnsTheSameServersConnections) {
  auto l = loop();
  auto conf = make({server("a"), server("b")});
  conf.keepalive = 2;
  conf.keepalive_requests = 100;
  Upstream up(conf, *l);
  int pair_a[2];
  int pair_b[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair_a), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair_b), 0);
  up.put_idle(0, core::Fd(pair_a[0]), 3, false);
  up.put_idle(1, core::Fd(pair_b[0]), 1, false);
  EXPECT_EQ(up.idle_count(), 2u);
  uint32_t requests = 0;
  core::Fd got = up.take_idle(1, requests);
  EXPECT_EQ(got.get(), pair_b[0]);
  EXPECT_EQ(requests, 1u);
  EXPECT_FALSE(up.take_idle(1, requests).valid());
  // Past keepalive_requests a connection is not kept.
  up.put_idle(1, std::move(got), 100, /*registered=*/true);  // still registered
  EXPECT_EQ(up.idle_count(), 1u);
  ::close(pair_a[1]);
  ::close(pair_b[1]);
}

TEST(Upstream, AnIdleConnectionTheUpstreamClosesIsDropped) {
  auto l = loop();
  auto conf = make({server("a")});
  conf.keepalive = 4;
  Upstream up(conf, *l);
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  up.put_idle(0, core::Fd(pair[0]), 1, false);
  ASSERT_EQ(up.idle_count(), 1u);
  ::close(pair[1]);  // the upstream closes it
  l->run_once(100);
  EXPECT_EQ(up.idle_count(), 0u);
}

}  // namespace
}  // namespace wc::web
