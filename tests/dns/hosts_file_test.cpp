#include "dns/hosts_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::dns {
namespace {

IpAddress ip(std::string_view text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a)) << text;
  return a;
}

std::vector<std::string> strings(const std::vector<IpAddress>& v) {
  std::vector<std::string> out;
  for (const IpAddress& a : v) out.push_back(a.to_string());
  return out;
}

using Strings = std::vector<std::string>;
using namespace std::string_literals;

TEST(HostsFileAddress, Ipv4AsInetPton) {
  IpAddress a;
  ASSERT_TRUE(IpAddress::parse("10.0.0.1", a));
  EXPECT_FALSE(a.v6);
  EXPECT_EQ(a.bytes[0], 10);
  EXPECT_EQ(a.bytes[3], 1);
  EXPECT_EQ(a.to_string(), "10.0.0.1");
  for (std::string_view bad :
       {"582.33.96.77", "127.1", "1.2.3.4.5", "1.2.3", "256.0.0.1", "010.0.0.1", "1.2.3.4 ",
        " 1.2.3.4", "0x7f.0.0.1", "", "1.2.3.-1", "fe80::1%eth0", "::1::2", "[::1]", "localhost"}) {
    EXPECT_FALSE(IpAddress::parse(bad, a)) << bad;
  }
  EXPECT_FALSE(IpAddress::parse(std::string_view("1.2.3.4\0", 8), a));
}

TEST(HostsFileAddress, Ipv6AsInetPton) {
  IpAddress a;
  ASSERT_TRUE(IpAddress::parse("0:0::1", a));
  EXPECT_TRUE(a.v6);
  EXPECT_EQ(a, ip("::1"));
  EXPECT_EQ(a.to_string(), "::1");
  EXPECT_EQ(ip("2001:DB8:0:0:0:0:0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("::ffff:1.2.3.4").to_string(), "::ffff:1.2.3.4");
  EXPECT_NE(ip("::ffff:1.2.3.4"), ip("1.2.3.4"));
}

TEST(HostsFile, ParsesEntriesAliasesCommentsBlanks) {
  const HostsFile h = HostsFile::parse(
      "# the seed's hosts file\n"
      "\n"
      "127.0.0.1\tlocalhost\n"
      "   \t  \n"
      "::1 localhost ip6-localhost ip6-loopback  # the loopback\n"
      "192.168.1.10  www.mysite.test\tmysite.test   shop\n"
      "#10.0.0.1 commented.test\n"
      "10.0.0.2 nocomment.test#trailing\n",
      "hosts");
  EXPECT_TRUE(h.diagnostics().empty());
  ASSERT_EQ(h.entries().size(), 4u);
  EXPECT_EQ(h.entries()[0].line, 3);
  EXPECT_EQ(h.entries()[0].names, (Strings{"localhost"}));
  EXPECT_EQ(h.entries()[1].line, 5);
  EXPECT_EQ(h.entries()[1].names, (Strings{"localhost", "ip6-localhost", "ip6-loopback"}));
  EXPECT_EQ(h.entries()[2].address, ip("192.168.1.10"));
  EXPECT_EQ(h.entries()[2].names, (Strings{"www.mysite.test", "mysite.test", "shop"}));
  EXPECT_EQ(h.entries()[3].names, (Strings{"nocomment.test"}));

  EXPECT_EQ(strings(h.lookup("localhost")), (Strings{"127.0.0.1", "::1"}));
  EXPECT_EQ(strings(h.lookup("localhost", false)), (Strings{"127.0.0.1"}));
  EXPECT_EQ(strings(h.lookup("localhost", true)), (Strings{"::1"}));
  EXPECT_EQ(strings(h.lookup("shop")), (Strings{"192.168.1.10"}));
  EXPECT_EQ(strings(h.lookup("ip6-loopback")), (Strings{"::1"}));
  EXPECT_TRUE(h.lookup("commented.test").empty());
  EXPECT_TRUE(h.lookup("nowhere.test").empty());
  EXPECT_TRUE(h.lookup("ip6-loopback", false).empty());
}

TEST(HostsFile, LookupIsCaseInsensitiveAndIgnoresTrailingDot) {
  const HostsFile h = HostsFile::parse("10.0.0.1 WWW.MySite.Test\n10.0.0.2 dotted.test.\n", "h");
  EXPECT_EQ(strings(h.lookup("www.mysite.test")), (Strings{"10.0.0.1"}));
  EXPECT_EQ(strings(h.lookup("WWW.MYSITE.TEST.")), (Strings{"10.0.0.1"}));
  EXPECT_EQ(strings(h.lookup("dotted.test")), (Strings{"10.0.0.2"}));
  EXPECT_EQ(strings(h.lookup("Dotted.Test.")), (Strings{"10.0.0.2"}));
  EXPECT_TRUE(h.lookup("www.mysite").empty());
  EXPECT_TRUE(h.lookup("").empty());
  EXPECT_TRUE(h.lookup(".").empty());
  // Names keep their case as written.
  EXPECT_EQ(h.entries()[0].names[0], "WWW.MySite.Test");
}

TEST(HostsFile, SeveralLinesAccumulateInFileOrder) {
  const HostsFile h = HostsFile::parse(
      "10.0.0.1 multi.test\n"
      "2001:db8::1 multi.test\n"
      "10.0.0.2 other.test MULTI.test\n"
      "10.0.0.1 multi.test\n"
      "10.0.0.3 multi.test multi.test. Multi.Test\n",
      "h");
  EXPECT_TRUE(h.diagnostics().empty());
  // The same address on two lines twice (as glibc), the same name twice on one line once.
  EXPECT_EQ(strings(h.lookup("multi.test")),
            (Strings{"10.0.0.1", "2001:db8::1", "10.0.0.2", "10.0.0.1", "10.0.0.3"}));
  EXPECT_EQ(strings(h.lookup("multi.test", false)),
            (Strings{"10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3"}));
  EXPECT_EQ(strings(h.lookup("multi.test", true)), (Strings{"2001:db8::1"}));
}

TEST(HostsFile, ReverseGivesTheFirstLinesCanonicalName) {
  const HostsFile h = HostsFile::parse(
      "10.0.0.1 first.test alias.test\n"
      "10.0.0.1 second.test\n"
      "::1 localhost6\n",
      "h");
  EXPECT_EQ(h.reverse(ip("10.0.0.1")), "first.test");
  EXPECT_EQ(h.reverse(ip("0::1")), "localhost6");
  EXPECT_EQ(h.reverse(ip("10.0.0.2")), "");
  // 0.0.0.1 as IPv4 is not ::1 (the unused bytes are not what tells them apart).
  EXPECT_EQ(h.reverse(ip("0.0.0.1")), "");
}

TEST(HostsFile, BadLinesAreReportedAndSkipped) {
  const HostsFile h = HostsFile::parse(
      "127.0.0.1 localhost\n"
      "582.33.96.77 www.mysite.com\n"
      "10.0.0.1\n"
      "10.0.0.2   # only a comment after the address\n"
      "www.mysite.test 10.0.0.3\n"
      "fe80::1%eth0 linklocal\n"
      "10.0.0.4 good.test .bad a..b . also.good\n"
      "10.0.0.5 ..\n"
      "127.1 short\n"
      "10.0.0.6 after.test\n",
      "/etc/hosts");
  EXPECT_EQ(h.diagnostics(), (Strings{
                                 "/etc/hosts:2: not an IP address: \"582.33.96.77\"",
                                 "/etc/hosts:3: no host name after \"10.0.0.1\"",
                                 "/etc/hosts:4: no host name after \"10.0.0.2\"",
                                 "/etc/hosts:5: not an IP address: \"www.mysite.test\"",
                                 "/etc/hosts:6: not an IP address: \"fe80::1%eth0\"",
                                 "/etc/hosts:7: not a host name: \".bad\"",
                                 "/etc/hosts:7: not a host name: \"a..b\"",
                                 "/etc/hosts:7: not a host name: \".\"",
                                 "/etc/hosts:8: not a host name: \"..\"",
                                 "/etc/hosts:9: not an IP address: \"127.1\"",
                             }));
  ASSERT_EQ(h.entries().size(), 3u);
  EXPECT_EQ(h.entries()[1].names, (Strings{"good.test", "also.good"}));
  EXPECT_EQ(h.entries()[1].line, 7);
  EXPECT_EQ(strings(h.lookup("after.test")), (Strings{"10.0.0.6"}));
  EXPECT_TRUE(h.lookup("www.mysite.com").empty());
  EXPECT_TRUE(h.lookup("short").empty());
}

TEST(HostsFile, LineEndingsAndOddBytes) {
  const HostsFile h = HostsFile::parse(
      "10.0.0.1 crlf.test\r\n"
      "10.0.0.2 nul\0byte.test\n"
      "10.0.0.3\xff binary.test\n"
      "10.0.0.4 last.test"s,
      "h");
  EXPECT_EQ(h.diagnostics(),
            (Strings{"h:2: NUL byte in the line", "h:3: not an IP address: \"10.0.0.3\\xff\""}));
  EXPECT_EQ(strings(h.lookup("crlf.test")), (Strings{"10.0.0.1"}));
  EXPECT_EQ(strings(h.lookup("last.test")), (Strings{"10.0.0.4"}));
  EXPECT_TRUE(h.lookup("crlf.test\r").empty());
}

TEST(HostsFile, EmptyInput) {
  const HostsFile h = HostsFile::parse("", "h");
  EXPECT_TRUE(h.entries().empty());
  EXPECT_TRUE(h.diagnostics().empty());
  EXPECT_TRUE(h.lookup("localhost").empty());
  const HostsFile blank = HostsFile::parse("\n\n#\n", "h");
  EXPECT_TRUE(blank.entries().empty());
  EXPECT_TRUE(blank.diagnostics().empty());
}

TEST(HostsFile, ManyNamesStayFast) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
            std::to_string(i % 256) + " host" + std::to_string(i) + ".test\n";
  }
  const HostsFile h = HostsFile::parse(text, "big");
  EXPECT_EQ(h.entries().size(), 20000u);
  EXPECT_EQ(strings(h.lookup("HOST19999.test")), (Strings{"10.0.78.31"}));
  EXPECT_EQ(h.reverse(ip("10.0.78.31")), "host19999.test");
}

}  // namespace
}  // namespace wc::dns
