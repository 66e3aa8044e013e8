#include "core/socket.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <string>

namespace wc::core {
namespace {

TEST(SocketAddress, PortOnlyMeansAllIPv4) {
  auto a = SocketAddress::parse("8080");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_TRUE(a->is_wildcard());
  EXPECT_EQ(a->to_string(), "0.0.0.0:8080");
  EXPECT_EQ(a->port(), 8080);
}

TEST(SocketAddress, IPv4WithPort) {
  auto a = SocketAddress::parse("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "127.0.0.1:8080");
  EXPECT_EQ(a->ip_string(), "127.0.0.1");
  EXPECT_FALSE(a->is_wildcard());
}

TEST(SocketAddress, StarIsWildcard) {
  auto a = SocketAddress::parse("*:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "0.0.0.0:8080");
  EXPECT_TRUE(a->is_wildcard());
}

TEST(SocketAddress, BracketedIPv6) {
  auto a = SocketAddress::parse("[::1]:8080");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_ipv6());
  EXPECT_EQ(a->to_string(), "[::1]:8080");
  EXPECT_EQ(a->ip_string(), "::1");
  auto any = SocketAddress::parse("[::]:80");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->is_wildcard());
  EXPECT_EQ(any->to_string(), "[::]:80");
}

TEST(SocketAddress, HostWithoutPortIsPort80) {
  auto a = SocketAddress::parse("127.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "127.0.0.1:80");
  auto b = SocketAddress::parse("[::1]");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[::1]:80");
}

TEST(SocketAddress, LocalhostResolvesToLoopback) {
  auto a = SocketAddress::parse("localhost:8080");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->port(), 8080);
  EXPECT_TRUE(a->ip_string() == "127.0.0.1" || a->ip_string() == "::1") << a->ip_string();
}

TEST(SocketAddress, RejectsBadForms) {
  for (const char* bad :
       {"", "99999", "127.0.0.1:99999", "127.0.0.1:", "127.0.0.1:http", "[::1", "[::1]8080",
        "[::1]:", "[zz::1]:80", "::1:80", ":80", "1.2.3.4:-1", "[::1]:65536"}) {
    auto a = SocketAddress::parse(bad);
    EXPECT_FALSE(a) << "accepted \"" << bad << "\" as " << a->to_string();
    if (!a) {
      EXPECT_FALSE(a.error().message.empty());
    }
  }
}

TEST(SocketAddress, ErrorNamesTheInput) {
  auto a = SocketAddress::parse("127.0.0.1:99999");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "invalid port in \"127.0.0.1:99999\"");
}

TEST(SocketAddress, EqualityComparesAddressAndPort) {
  EXPECT_EQ(*SocketAddress::parse("127.0.0.1:80"), *SocketAddress::parse("127.0.0.1"));
  EXPECT_NE(*SocketAddress::parse("127.0.0.1:80"), *SocketAddress::parse("127.0.0.1:81"));
  EXPECT_NE(*SocketAddress::parse("0.0.0.0:80"), *SocketAddress::parse("[::]:80"));
}

TEST(Socket, ListenAcceptOnLoopbackPortZero) {
  auto addr = SocketAddress::parse("127.0.0.1:0");
  ASSERT_TRUE(addr);
  auto listener = listen_tcp(*addr);
  ASSERT_TRUE(listener) << listener.error().message;
  auto bound = local_address(listener->get());
  ASSERT_TRUE(bound);
  EXPECT_NE(bound->port(), 0);
  EXPECT_EQ(bound->ip_string(), "127.0.0.1");

  // Nothing queued yet: would block, not an error.
  Accepted none = accept_connection(listener->get());
  EXPECT_EQ(none.outcome, AcceptOutcome::would_block);

  auto client = connect_tcp(*bound);
  ASSERT_TRUE(client) << client.error().message;
  pollfd pfd{listener->get(), POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 2000), 1);
  Accepted conn = accept_connection(listener->get());
  ASSERT_EQ(conn.outcome, AcceptOutcome::accepted);
  ASSERT_TRUE(conn.fd.valid());
  auto client_local = local_address(client->get());
  ASSERT_TRUE(client_local);
  EXPECT_EQ(conn.peer, *client_local);
  EXPECT_EQ(conn.peer.ip_string(), "127.0.0.1");

  // The accepted socket is non-blocking and works both ways.
  char c;
  EXPECT_EQ(read(conn.fd.get(), &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  pollfd cw{client->get(), POLLOUT, 0};
  ASSERT_EQ(poll(&cw, 1, 2000), 1);
  EXPECT_EQ(socket_error(client->get()), 0);
  ASSERT_EQ(write(client->get(), "hi", 2), 2);
  pollfd cr{conn.fd.get(), POLLIN, 0};
  ASSERT_EQ(poll(&cr, 1, 2000), 1);
  char buf[4];
  EXPECT_EQ(read(conn.fd.get(), buf, sizeof buf), 2);
  EXPECT_TRUE(set_tcp_nodelay(conn.fd.get()));
  EXPECT_TRUE(set_tcp_cork(conn.fd.get(), true));
  EXPECT_TRUE(set_tcp_cork(conn.fd.get(), false));
  auto peer = peer_address(conn.fd.get());
  ASSERT_TRUE(peer);
  EXPECT_EQ(*peer, conn.peer);
}

TEST(Socket, ListenTwiceOnOnePortFailsWithoutReuseport) {
  auto first = listen_tcp(*SocketAddress::parse("127.0.0.1:0"));
  ASSERT_TRUE(first);
  auto bound = local_address(first->get());
  auto second = listen_tcp(*bound);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, EADDRINUSE);
  EXPECT_NE(second.error().message.find("bind() to 127.0.0.1:"), std::string::npos)
      << second.error().message;
}

TEST(Socket, ReuseportLetsSeveralListenersShareAPort) {
  ListenOptions opts;
  opts.reuseport = true;
  auto first = listen_tcp(*SocketAddress::parse("127.0.0.1:0"), opts);
  ASSERT_TRUE(first);
  auto bound = local_address(first->get());
  auto second = listen_tcp(*bound, opts);
  ASSERT_TRUE(second) << second.error().message;
}

TEST(Socket, IPv6OnlyListenerLeavesIPv4Free) {
  auto v6 = listen_tcp(*SocketAddress::parse("[::]:0"));
  if (!v6 && v6.error().code == EAFNOSUPPORT) GTEST_SKIP() << "no IPv6";
  ASSERT_TRUE(v6) << v6.error().message;
  auto bound = local_address(v6->get());
  ASSERT_TRUE(bound);
  // With IPV6_V6ONLY on (the default) the same port is still free on 0.0.0.0.
  auto v4 = listen_tcp(SocketAddress::ipv4(INADDR_ANY, bound->port()));
  EXPECT_TRUE(v4) << v4.error().message;
}

}  // namespace
}  // namespace wc::core
