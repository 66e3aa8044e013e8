#include "dns/resolv_conf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wc::dns {
namespace {

using Strings = std::vector<std::string>;

Strings servers(const ResolvConf& c) {
  Strings out;
  for (const NameServer& ns : c.nameservers) out.push_back(ns.to_string());
  return out;
}

TEST(ResolvConfNameserver, Forms) {
  NameServer ns;
  ASSERT_TRUE(parse_nameserver("192.0.2.1", ns));
  EXPECT_EQ(ns.to_string(), "192.0.2.1:53");
  ASSERT_TRUE(parse_nameserver("127.0.0.1:5353", ns));
  EXPECT_EQ(ns.to_string(), "127.0.0.1:5353");
  ASSERT_TRUE(parse_nameserver("::1", ns));
  EXPECT_EQ(ns.to_string(), "[::1]:53");
  EXPECT_TRUE(ns.address.v6);
  ASSERT_TRUE(parse_nameserver("2001:db8::53", ns));
  EXPECT_EQ(ns.to_string(), "[2001:db8::53]:53");
  ASSERT_TRUE(parse_nameserver("[::1]:5353", ns));
  EXPECT_EQ(ns.to_string(), "[::1]:5353");
  ASSERT_TRUE(parse_nameserver("[::1]", ns));
  EXPECT_EQ(ns.to_string(), "[::1]:53");
  ASSERT_TRUE(parse_nameserver("10.0.0.1:65535", ns));
  EXPECT_EQ(ns.port, 65535);
  ASSERT_TRUE(parse_nameserver("10.0.0.1:1", ns));
  EXPECT_EQ(ns.port, 1);
  for (std::string_view bad : {"",
                               "582.33.96.77",
                               "127.1",
                               "10.0.0.1:",
                               "10.0.0.1:0",
                               "10.0.0.1:65536",
                               "10.0.0.1:000053",
                               "10.0.0.1:53x",
                               "10.0.0.1:-1",
                               "[10.0.0.1]:53",
                               "[::1",
                               "[::1]53",
                               "[::1]:",
                               "::1:5353x",
                               "2001:db8::1:99999",
                               "[fe80::1%eth0]:53",
                               "localhost",
                               "localhost:53",
                               ":53",
                               "[]:53"}) {
    EXPECT_FALSE(parse_nameserver(bad, ns)) << bad;
  }
}

TEST(ResolvConf, DefaultsAsGlibc) {
  const ResolvConf c = ResolvConf::parse("", "resolv.conf");
  EXPECT_EQ(servers(c), (Strings{"127.0.0.1:53"}));
  EXPECT_TRUE(c.nameservers_defaulted);
  EXPECT_TRUE(c.search.empty());
  EXPECT_EQ(c.ndots, 1);
  EXPECT_EQ(c.timeout, 5);
  EXPECT_EQ(c.attempts, 2);
  EXPECT_FALSE(c.rotate);
  EXPECT_TRUE(c.diagnostics.empty());
}

TEST(ResolvConf, FullFile) {
  const ResolvConf c = ResolvConf::parse(
      "# written by webcycle's test runner\n"
      "; also a comment\n"
      "\n"
      "nameserver 127.0.0.1:5353\n"
      "nameserver\t[::1]:5354   trailing words ignored\n"
      "search mysite.test example.test.\n"
      "options ndots:2 timeout:1 attempts:3 rotate edns0 single-request\n"
      "sortlist 130.155.160.0/255.255.240.0\n",
      "resolv.conf");
  EXPECT_TRUE(c.diagnostics.empty()) << c.diagnostics.front();
  EXPECT_EQ(servers(c), (Strings{"127.0.0.1:5353", "[::1]:5354"}));
  EXPECT_FALSE(c.nameservers_defaulted);
  EXPECT_EQ(c.search, (Strings{"mysite.test", "example.test"}));
  EXPECT_EQ(c.ndots, 2);
  EXPECT_EQ(c.timeout, 1);
  EXPECT_EQ(c.attempts, 3);
  EXPECT_TRUE(c.rotate);
}

TEST(ResolvConf, AtMostThreeNameservers) {
  const ResolvConf c = ResolvConf::parse(
      "nameserver 10.0.0.1\n"
      "nameserver 10.0.0.2\n"
      "nameserver 10.0.0.3\n"
      "nameserver 10.0.0.4\n"
      "nameserver bogus\n"
      "search after.test\n",
      "r");
  EXPECT_EQ(servers(c), (Strings{"10.0.0.1:53", "10.0.0.2:53", "10.0.0.3:53"}));
  EXPECT_EQ(c.diagnostics, (Strings{"r:4: more than 3 nameservers: \"10.0.0.4\" ignored",
                                    "r:5: not a nameserver address: \"bogus\""}));
  EXPECT_EQ(c.search, (Strings{"after.test"}));
}

TEST(ResolvConf, LastSearchOrDomainWins) {
  EXPECT_EQ(ResolvConf::parse("search a.test b.test\ndomain c.test\n", "r").search,
            (Strings{"c.test"}));
  EXPECT_EQ(ResolvConf::parse("domain c.test\nsearch a.test b.test\n", "r").search,
            (Strings{"a.test", "b.test"}));
  EXPECT_EQ(ResolvConf::parse("search a.test\nsearch b.test\n", "r").search, (Strings{"b.test"}));
  // "." is the root.
  EXPECT_EQ(ResolvConf::parse("search . a.test\n", "r").search, (Strings{"", "a.test"}));
  // One trailing dot is dropped; two are an empty label.
  const ResolvConf dots = ResolvConf::parse("search a.. b.test.\n", "r");
  EXPECT_EQ(dots.search, (Strings{"b.test"}));
  EXPECT_EQ(dots.diagnostics, (Strings{"r:1: not a domain: \"a..\""}));
}

TEST(ResolvConf, SearchLimits) {
  const ResolvConf six = ResolvConf::parse("search a b c d e f g h\n", "r");
  EXPECT_EQ(six.search, (Strings{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(six.diagnostics, (Strings{"r:1: more than 6 search domains: \"g\" and after ignored"}));

  // 100 + 1 + 100 + 1 bytes fit; the third 100-character domain would pass 256.
  const std::string d1(100, 'a'), d2(100, 'b'), d3(100, 'c');
  const ResolvConf longs = ResolvConf::parse("search " + d1 + " " + d2 + " " + d3 + "\n", "r");
  EXPECT_EQ(longs.search, (Strings{d1, d2}));
  EXPECT_EQ(longs.diagnostics, (Strings{"r:1: search list longer than 256 characters: \"" + d3 +
                                        "\" and after ignored"}));
  // Exactly 256 bytes with the NULs: 127 + 1 + 127 + 1.
  const std::string e(127, 'e');
  EXPECT_EQ(ResolvConf::parse("search " + e + " " + e + "\n", "r").search, (Strings{e, e}));
}

TEST(ResolvConf, OptionsBoundsAsGlibc) {
  const ResolvConf c = ResolvConf::parse("options ndots:16 timeout:31 attempts:6\n", "r");
  EXPECT_EQ(c.ndots, 15);
  EXPECT_EQ(c.timeout, 30);
  EXPECT_EQ(c.attempts, 5);
  EXPECT_TRUE(c.diagnostics.empty());

  const ResolvConf z = ResolvConf::parse("options ndots:0 timeout:0 attempts:0\n", "r");
  EXPECT_EQ(z.ndots, 0);
  EXPECT_EQ(z.timeout, 0);
  EXPECT_EQ(z.attempts, 0);

  const ResolvConf big = ResolvConf::parse("options ndots:99999999999999999999\n", "r");
  EXPECT_EQ(big.ndots, 15);

  const ResolvConf bad = ResolvConf::parse(
      "options ndots:x timeout: attempts:-1 ndots:3 inet6 no-such-option:7\n", "r");
  EXPECT_EQ(bad.ndots, 3);
  EXPECT_EQ(bad.timeout, 5);
  EXPECT_EQ(bad.attempts, 2);
  EXPECT_EQ(bad.diagnostics, (Strings{"r:1: not a number in option \"ndots:x\"",
                                      "r:1: not a number in option \"timeout:\"",
                                      "r:1: not a number in option \"attempts:-1\""}));
}

TEST(ResolvConf, MalformedLinesReportedAndSkipped) {
  const ResolvConf c = ResolvConf::parse(
      "nameserver 582.33.96.77\n"
      "nameserver\n"
      "search\n"
      "domain a.test b.test\n"
      "search good.test a..b .x\n"
      "frobnicate yes\n"
      "  nameserver 10.0.0.9\n"
      "nameserver 10.0.0.1 # a comment after it\n"
      "Nameserver 10.0.0.2\n"
      "nameserver10.0.0.3\n"
      "options\n"
      "search ..\n",
      "/etc/resolv.conf");
  EXPECT_EQ(c.diagnostics,
            (Strings{
                "/etc/resolv.conf:1: not a nameserver address: \"582.33.96.77\"",
                "/etc/resolv.conf:2: nameserver without an address",
                "/etc/resolv.conf:3: search without a domain",
                "/etc/resolv.conf:4: domain takes one name: \"b.test\" and after ignored",
                "/etc/resolv.conf:5: not a domain: \"a..b\"",
                "/etc/resolv.conf:5: not a domain: \".x\"",
                "/etc/resolv.conf:6: unknown keyword \"frobnicate\"",
                "/etc/resolv.conf:7: unknown keyword \"nameserver\" (leading blank)",
                "/etc/resolv.conf:9: unknown keyword \"Nameserver\"",
                "/etc/resolv.conf:10: unknown keyword \"nameserver10.0.0.3\"",
                "/etc/resolv.conf:12: not a domain: \"..\"",
            }));
  EXPECT_EQ(servers(c), (Strings{"10.0.0.1:53"}));
  EXPECT_EQ(c.search, (Strings{"good.test"}));
}

TEST(ResolvConf, CrlfAndNul) {
  using namespace std::string_literals;
  const ResolvConf c = ResolvConf::parse(
      "nameserver 10.0.0.1\r\nsearch a.test\r\nnameserver 10.0.0.2\0\nnameserver 10.0.0.3"s, "r");
  EXPECT_EQ(servers(c), (Strings{"10.0.0.1:53", "10.0.0.3:53"}));
  EXPECT_EQ(c.search, (Strings{"a.test"}));
  EXPECT_EQ(c.diagnostics, (Strings{"r:3: NUL byte in the line"}));
}

ResolvConf conf(Strings search, int ndots) {
  ResolvConf c;
  c.search = std::move(search);
  c.ndots = ndots;
  return c;
}

TEST(ResolvConfSearch, NdotsRule) {
  const ResolvConf c = conf({"mysite.test", "example.test"}, 1);
  // No dot (< ndots 1): the search list first, the name as is last.
  EXPECT_EQ(search_names("www", c), (Strings{"www.mysite.test", "www.example.test", "www"}));
  // One dot (>= 1): as is first.
  EXPECT_EQ(search_names("www.mysite", c),
            (Strings{"www.mysite", "www.mysite.mysite.test", "www.mysite.example.test"}));
  // Trailing dot: absolute, no search.
  EXPECT_EQ(search_names("www.", c), (Strings{"www"}));
  EXPECT_EQ(search_names("www.mysite.test.", c), (Strings{"www.mysite.test"}));
  EXPECT_TRUE(search_names("", c).empty());
  EXPECT_TRUE(search_names(".", c).empty());

  const ResolvConf n3 = conf({"a.test"}, 3);
  EXPECT_EQ(search_names("x.y.z", n3), (Strings{"x.y.z.a.test", "x.y.z"}));
  EXPECT_EQ(search_names("w.x.y.z", n3), (Strings{"w.x.y.z", "w.x.y.z.a.test"}));

  const ResolvConf n0 = conf({"a.test"}, 0);
  EXPECT_EQ(search_names("www", n0), (Strings{"www", "www.a.test"}));

  EXPECT_EQ(search_names("www", conf({}, 1)), (Strings{"www"}));
  EXPECT_EQ(search_names("www.x", conf({}, 1)), (Strings{"www.x"}));
}

TEST(ResolvConfSearch, NoNameTwice) {
  EXPECT_EQ(search_names("www", conf({"", "a.test", "a.test"}, 1)), (Strings{"www", "www.a.test"}));
  EXPECT_EQ(search_names("www.x", conf({"a.test", ""}, 1)), (Strings{"www.x", "www.x.a.test"}));
}

TEST(ResolvConfSearch, FromParsedFile) {
  const ResolvConf c = ResolvConf::parse("domain mysite.test\noptions ndots:2\n", "r");
  EXPECT_EQ(search_names("www", c), (Strings{"www.mysite.test", "www"}));
  EXPECT_EQ(search_names("a.b", c), (Strings{"a.b.mysite.test", "a.b"}));
  EXPECT_EQ(search_names("a.b.c", c), (Strings{"a.b.c", "a.b.c.mysite.test"}));
}

}  // namespace
}  // namespace wc::dns
