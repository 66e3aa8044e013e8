// Port 80 where it can be bound, else 8080; --port over both.
#include "up/port_choice.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "up/probe.h"

namespace wc::up {
namespace {

TEST(ChooseWebPort, EightyWhenItBinds) {
  std::vector<std::string> tried;
  auto yes = [&](const std::string& a) {
    tried.push_back(a);
    return true;
  };
  PortChoice c = choose_web_port({"80", "127.0.0.1:80"}, std::nullopt, yes);
  EXPECT_EQ(c.port, 80);
  EXPECT_FALSE(c.fell_back);
  EXPECT_EQ(tried, (std::vector<std::string>{"80", "127.0.0.1:80"}));
}

TEST(ChooseWebPort, EightyEightyWhenItDoesNot) {
  auto no = [](const std::string&) { return false; };
  PortChoice c = choose_web_port({"80"}, std::nullopt, no);
  EXPECT_EQ(c.port, 8080);
  EXPECT_TRUE(c.fell_back);
  // No listen at all is nginx's implicit `listen 80`.
  std::string asked;
  c = choose_web_port({}, std::nullopt, [&](const std::string& a) {
    asked = a;
    return false;
  });
  EXPECT_EQ(asked, "80");
  EXPECT_EQ(c.port, 8080);
}

TEST(ChooseWebPort, RequestedPortWinsWithoutTrying) {
  bool asked = false;
  PortChoice c = choose_web_port({"80"}, 18080, [&](const std::string&) {
    asked = true;
    return true;
  });
  EXPECT_EQ(c.port, 18080);
  EXPECT_FALSE(c.fell_back);
  EXPECT_FALSE(asked);
}

TEST(ChooseTlsPort, RequestedThen443Then8443ThenAFreeOne) {
  const std::vector<std::string> listens = {"443", "127.0.0.1:443"};
  auto never = [](const std::string&) { return false; };
  auto always = [](const std::string&) { return true; };
  auto only_8443 = [](const std::string& a) { return a.ends_with("8443"); };
  auto free = [] { return uint16_t{40001}; };
  EXPECT_EQ(choose_tls_port(listens, uint16_t{9443}, false, never, free), 9443);
  EXPECT_EQ(choose_tls_port(listens, std::nullopt, false, always, free), 443);
  EXPECT_EQ(choose_tls_port(listens, std::nullopt, false, only_8443, free), 8443);
  EXPECT_EQ(choose_tls_port(listens, std::nullopt, false, never, free), 40001);
  // --port given: neither 443 nor 8443 (several stacks side by side).
  EXPECT_EQ(choose_tls_port(listens, std::nullopt, true, always, free), 40001);
  EXPECT_NE(free_tcp_port(), 0);
}

TEST(CanBind, FalseForAPortInUseAndForNonsense) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string port = std::to_string(ntohs(a.sin_port));
  EXPECT_FALSE(can_bind("127.0.0.1:" + port));
  EXPECT_TRUE(probe_tcp("127.0.0.1:" + port, 200));
  ::close(fd);
  EXPECT_TRUE(can_bind("127.0.0.1:" + port));
  EXPECT_FALSE(probe_tcp("127.0.0.1:" + port, 200));
  EXPECT_FALSE(can_bind("not an address"));
}

TEST(Probe, DnsQueryWireForm) {
  const std::string q = dns_query(0x1234, "mysite.test.", 6);
  const std::string want(
      "\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
      "\x06mysite\x04test\x00\x00\x06\x00\x01",
      12 + 13 + 4);
  EXPECT_EQ(q, want);
  EXPECT_EQ(dns_query(1, "a..b", 1), "");
  EXPECT_EQ(dns_query(1, std::string(64, 'x') + ".test", 1), "");
  EXPECT_EQ(dns_query(1, ".", 1).size(), 12u + 1 + 4);  // the root
  EXPECT_EQ(connect_address("8080"), "127.0.0.1:8080");
  EXPECT_EQ(connect_address("*:80"), "127.0.0.1:80");
  EXPECT_EQ(connect_address("[::]:80"), "[::1]:80");
  EXPECT_EQ(connect_address("10.0.0.1:80"), "10.0.0.1:80");
}

TEST(Probe, DnsAnswersAndSilence) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  // Nobody reads: no answer within the timeout.
  EXPECT_FALSE(probe_dns(address, "mysite.test", 100));
  char drain[512];
  (void)::recv(fd, drain, sizeof drain, MSG_DONTWAIT);
  // A server thread would be overkill: answer from a forked child that echoes with QR set.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char buf[512];
    sockaddr_in from{};
    socklen_t flen = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
    if (n >= 12) {
      buf[2] = static_cast<char>(buf[2] | 0x80);
      (void)::sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), flen);
    }
    ::_exit(0);
  }
  EXPECT_TRUE(probe_dns(address, "mysite.test", 2000));
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fd);
  // A closed port: ECONNREFUSED, false at once.
  EXPECT_FALSE(probe_dns(address, "mysite.test", 2000));
}

}  // namespace
}  // namespace wc::up
