#include "dns/zone_file.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace wc::dns {
namespace {

using namespace std::string_literals;

// "www.mysite.test." -> wire form, for expectations.
std::string W(std::string_view dotted) {
  std::string out;
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    out += static_cast<char>(dot - start);
    out += dotted.substr(start, dot - start);
    start = dot + 1;
  }
  out += '\0';
  return out;
}

std::string u16(uint32_t v) {
  return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}
std::string u32(uint32_t v) { return u16(v >> 16) + u16(v & 0xFFFF); }

const char kSoa[] = "@ 3600 IN SOA ns1 hostmaster 1 2 3 4 5\n";

Result<std::vector<Record>> parse(std::string_view text, const ZoneIncludeLoader& loader = {}) {
  return parse_zone_file(text, "mysite.test", "mysite.test.zone", loader);
}

std::string error_of(std::string_view text, const ZoneIncludeLoader& loader = {}) {
  auto r = parse(text, loader);
  return r ? "(parsed)" : r.error().message;
}

// The zone NSD's documentation shows (nsd.conf(5) / the NSD getting-started page), with every
// record type webcycle serves.
TEST(ZoneFileTest, FullRealisticZone) {
  const std::string zone = R"($ORIGIN example.com.
$TTL 86400 ; default time-to-live is 1 day
@       IN      SOA     ns1.example.com. admin.example.com. (
                        2011100501      ; serial
                        28800           ; refresh (8 hours)
                        7200            ; retry (2 hours)
                        864000          ; expire (10 days)
                        86400 )         ; minimum (1 day)
        IN      NS      ns1
        IN      NS      ns2.example.net.
        IN      MX      10 mail
        IN      A       192.0.2.1
        IN      AAAA    2001:db8::1
        IN      TXT     "v=spf1 mx -all"
ns1     IN      A       192.0.2.2
mail    1h      IN      A       192.0.2.3
www             CNAME   @
_sip._tcp       SRV     10 60 5060 sip.example.com.
sip     IN A 192.0.2.4
1.2.0.192.in-addr.arpa. PTR www   ; not in zone: refused below, kept out here
)";
  const std::string good = zone.substr(0, zone.find("1.2.0.192"));
  auto r = parse_zone_file(good, "example.com", "example.com.zone", {});
  ASSERT_TRUE(r) << r.error().message;
  const auto& v = *r;
  ASSERT_EQ(v.size(), 12u);
  EXPECT_EQ(v[0].type, Type::kSOA);
  EXPECT_EQ(v[0].name, W("example.com"));
  EXPECT_EQ(v[0].ttl, 86400u);
  EXPECT_EQ(v[0].rdata, W("ns1.example.com") + W("admin.example.com") + u32(2011100501) +
                            u32(28800) + u32(7200) + u32(864000) + u32(86400));
  EXPECT_EQ(v[1].type, Type::kNS);
  EXPECT_EQ(v[1].name, W("example.com"));
  EXPECT_EQ(v[1].rdata, W("ns1.example.com"));
  EXPECT_EQ(v[2].rdata, W("ns2.example.net"));
  EXPECT_EQ(v[3].type, Type::kMX);
  EXPECT_EQ(v[3].rdata, u16(10) + W("mail.example.com"));
  EXPECT_EQ(v[4].rdata, "\xC0\x00\x02\x01"s);
  EXPECT_EQ(v[5].type, Type::kAAAA);
  EXPECT_EQ(v[5].rdata, "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01"s);
  EXPECT_EQ(v[6].type, Type::kTXT);
  EXPECT_EQ(v[6].rdata,
            "\x0e"
            "v=spf1 mx -all"s);
  EXPECT_EQ(v[7].name, W("ns1.example.com"));
  EXPECT_EQ(v[8].name, W("mail.example.com"));
  EXPECT_EQ(v[8].ttl, 3600u);
  EXPECT_EQ(v[9].type, Type::kCNAME);
  EXPECT_EQ(v[9].name, W("www.example.com"));
  EXPECT_EQ(v[9].rdata, W("example.com"));
  EXPECT_EQ(v[10].type, Type::kSRV);
  EXPECT_EQ(v[10].name, W("_sip._tcp.example.com"));
  EXPECT_EQ(v[10].rdata, u16(10) + u16(60) + u16(5060) + W("sip.example.com"));
  for (const auto& rec : v) EXPECT_EQ(rec.klass, kClassIN);

  auto bad = parse_zone_file(zone, "example.com", "example.com.zone", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "example.com.zone:20: 1.2.0.192.in-addr.arpa. is out of zone example.com.");
}

TEST(ZoneFileTest, ReverseZonePtr) {
  auto r = parse_zone_file(
      "$TTL 1h\n@ SOA ns.mysite.test. h.mysite.test. 1 2 3 4 5\n1 PTR www.mysite.test.\n",
      "2.0.192.in-addr.arpa.", "rev.zone", {});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].type, Type::kPTR);
  EXPECT_EQ((*r)[1].name, W("1.2.0.192.in-addr.arpa"));
  EXPECT_EQ((*r)[1].rdata, W("www.mysite.test"));
}

TEST(ZoneFileTest, OriginDirectiveRelativeAndAbsolute) {
  auto r = parse(std::string(kSoa) +
                 "$ORIGIN sub\n"  // relative: sub.mysite.test.
                 "a A 192.0.2.1\n"
                 "@ A 192.0.2.2\n"
                 "$ORIGIN mysite.test.\n"
                 "b A 192.0.2.3\n"
                 "c.mysite.test. A 192.0.2.4\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[1].name, W("a.sub.mysite.test"));
  EXPECT_EQ((*r)[2].name, W("sub.mysite.test"));
  EXPECT_EQ((*r)[3].name, W("b.mysite.test"));
  EXPECT_EQ((*r)[4].name, W("c.mysite.test"));
  // the origin is read with or without the trailing dot
  auto dotted = parse_zone_file(kSoa, "mysite.test.", "z", {});
  ASSERT_TRUE(dotted);
  EXPECT_EQ((*dotted)[0].name, W("mysite.test"));
}

TEST(ZoneFileTest, TtlAndClassInEitherOrderAndOptional) {
  auto r = parse(std::string(kSoa) +
                 "a 300 IN A 192.0.2.1\n"
                 "b IN 301 A 192.0.2.1\n"
                 "c IN A 192.0.2.1\n"  // no $TTL: the last TTL written (RFC 1035, BIND)
                 "d 1h30m A 192.0.2.1\n"
                 "e 1W a 192.0.2.1\n"
                 "f 1d2h3m4s in a 192.0.2.1\n"
                 "g 2147483648 A 192.0.2.1\n");  // above 2^31-1: 0 (RFC 2181)
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[1].ttl, 300u);
  EXPECT_EQ((*r)[2].ttl, 301u);
  EXPECT_EQ((*r)[3].ttl, 301u);
  EXPECT_EQ((*r)[4].ttl, 5400u);
  EXPECT_EQ((*r)[5].ttl, 604800u);
  EXPECT_EQ((*r)[6].ttl, 86400u + 7200u + 180u + 4u);
  EXPECT_EQ((*r)[7].ttl, 0u);
}

TEST(ZoneFileTest, DefaultTtlIsBind9s) {
  // $TTL wins over the last TTL written.
  auto r = parse("$TTL 2h\n@ 60 SOA ns1 h 1 2 3 4 5\na A 192.0.2.1\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].ttl, 60u);
  EXPECT_EQ((*r)[1].ttl, 7200u);
  // No $TTL and no TTL on the SOA: its MINIMUM, which then is the default.
  r = parse("@ SOA ns1 h 1 2 3 4 1d\na A 192.0.2.1\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].ttl, 86400u);
  EXPECT_EQ((*r)[1].ttl, 86400u);
  // No TTL anywhere before a non-SOA record: refused, as BIND does.
  EXPECT_EQ(error_of("a A 192.0.2.1\n@ 60 SOA ns1 h 1 2 3 4 5\n"),
            "mysite.test.zone:1: no TTL specified; zone rejected");
}

TEST(ZoneFileTest, BlankOwnerParenthesesCommentsAt) {
  auto r = parse(
      "$TTL 60\n"
      "@ SOA ( ns1 ; the primary\n"
      "  hostmaster ; who\n"
      "  1 2 3 4 5 )\n"
      "\n"
      "   ; only a comment, indented\n"
      "  NS ns1\n"
      "www A 192.0.2.1\n"
      "\tAAAA ::1\n"
      "mx MX 5 @\n");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[1].name, W("mysite.test"));
  EXPECT_EQ((*r)[1].type, Type::kNS);
  EXPECT_EQ((*r)[3].name, W("www.mysite.test"));
  EXPECT_EQ((*r)[3].type, Type::kAAAA);
  EXPECT_EQ((*r)[4].rdata, u16(5) + W("mysite.test"));
}

TEST(ZoneFileTest, TxtStringsAndEscapes) {
  auto r = parse(std::string(kSoa) +
                 "t TXT \"a \\\"quoted\\\" word\" \"back\\\\slash\" \"\\065\\066\" plain \"\"\n"
                 "u TXT ( \"one\"\n \"two\" )\n"
                 "v TXT \"semi;colon (paren)\"\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[1].rdata,
            "\x0f"
            "a \"quoted\" word"
            "\x0a"
            "back\\slash"
            "\x02"
            "AB"
            "\x05"
            "plain"
            "\x00"s);
  EXPECT_EQ((*r)[2].rdata, "\x03one\x03two"s);
  EXPECT_EQ((*r)[3].rdata, "\x12semi;colon (paren)"s);
  // 255 bytes is the most one character-string holds
  auto max = parse(std::string(kSoa) + "t TXT \"" + std::string(255, 'x') + "\"\n");
  ASSERT_TRUE(max);
  EXPECT_EQ((*max)[1].rdata.size(), 256u);
  EXPECT_EQ(error_of(std::string(kSoa) + "t TXT \"" + std::string(256, 'x') + "\"\n"),
            "mysite.test.zone:2: character-string longer than 255 bytes");
}

TEST(ZoneFileTest, NameEscapesAndLimits) {
  auto r = parse(std::string(kSoa) + "a\\.b A 192.0.2.1\n\\065\\ c A 192.0.2.1\n" +
                 std::string(63, 'x') + " A 192.0.2.1\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[1].name,
            "\x03"
            "a.b"
            "\x06mysite\x04test\x00"s);
  EXPECT_EQ((*r)[2].name,
            "\x03"
            "A c"
            "\x06mysite\x04test\x00"s);
  EXPECT_EQ(error_of(std::string(kSoa) + std::string(64, 'x') + " A 192.0.2.1\n"),
            "mysite.test.zone:2: label longer than 63 bytes in '" + std::string(64, 'x') + "'");
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(50, 'y') + ".";
  EXPECT_EQ(error_of(std::string(kSoa) + long_name + "mysite.test. A 192.0.2.1\n")
                .rfind("mysite.test.zone:2: name longer than 255 bytes", 0),
            0u);
  EXPECT_EQ(error_of(std::string(kSoa) + "a..b A 192.0.2.1\n"),
            "mysite.test.zone:2: empty label in name 'a..b'");
  EXPECT_EQ(error_of(std::string(kSoa) + "\\256 A 192.0.2.1\n"),
            "mysite.test.zone:2: bad escape: \\256 is above 255");
  EXPECT_EQ(error_of(std::string(kSoa) + "\\12 A 192.0.2.1\n"),
            "mysite.test.zone:2: bad escape: \\DDD needs three digits");
}

TEST(ZoneFileTest, Include) {
  std::map<std::string, std::string> files = {
      {"hosts.inc", "www A 192.0.2.1\n@ A 192.0.2.9\n"},
      {"loop.inc", "$INCLUDE loop.inc\n"},
      {"bad.inc", "ok A 192.0.2.1\n\nbad A 999.0.0.1\n"},
  };
  ZoneIncludeLoader loader = [&](std::string_view path) -> Result<std::string> {
    auto it = files.find(std::string(path));
    if (it == files.end())
      return fail(2, "open() \"" + std::string(path) + "\" failed (2: No such file or directory)");
    return it->second;
  };
  auto r = parse(
      std::string(kSoa) + "$INCLUDE hosts.inc\n$INCLUDE \"hosts.inc\" lab\nafter A 192.0.2.2\n",
      loader);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  EXPECT_EQ((*r)[1].name, W("www.mysite.test"));
  EXPECT_EQ((*r)[2].name, W("mysite.test"));
  EXPECT_EQ((*r)[3].name, W("www.lab.mysite.test"));
  EXPECT_EQ((*r)[4].name, W("lab.mysite.test"));
  EXPECT_EQ((*r)[5].name, W("after.mysite.test"));  // the origin is back after the include

  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE bad.inc\n", loader),
            "bad.inc:3: bad IPv4 address '999.0.0.1'");
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE missing.inc\n", loader),
            "mysite.test.zone:2: $INCLUDE \"missing.inc\": open() \"missing.inc\" failed (2: No "
            "such file or directory)");
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE loop.inc\n", loader),
            "loop.inc:1: $INCLUDE nested more than 8 deep");
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE hosts.inc\n"),
            "mysite.test.zone:2: $INCLUDE is not allowed here");
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE\n", loader),
            "mysite.test.zone:2: $INCLUDE takes a file name and an optional origin");
  // nested includes keep each file's name right in messages
  files["n1.inc"] = "$INCLUDE n2.inc\n";
  files["n2.inc"] = "$INCLUDE n3.inc\n";
  files["n3.inc"] = "\n$INCLUDE n4.inc\n";
  files["n4.inc"] = "\n\nx A 1.1.1.1\nz AAAA x\n";
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE n1.inc\n", loader),
            "n4.inc:4: bad IPv6 address 'x'");
  files["n4.inc"] = "\n\nwww A 1.1.1.1\n";
  EXPECT_EQ(error_of(std::string(kSoa) + "www CNAME @\n$INCLUDE n1.inc\n", loader),
            "n4.inc:3: CNAME and other data at www.mysite.test.");
  // files that include the next one k times each would read k^8 files: the total is capped
  files["leaf.inc"] = "";
  files["wide.inc"] = "";
  for (int i = 0; i < 300; ++i) files["wide.inc"] += "$INCLUDE leaf.inc\n";
  EXPECT_EQ(error_of(std::string(kSoa) + "$INCLUDE wide.inc\n", loader),
            "wide.inc:256: more than 256 $INCLUDEs");
  // a check after reading names the included file's line
  files["cname.inc"] = "\n\nwww CNAME @\n";
  EXPECT_EQ(error_of(std::string(kSoa) + "www A 192.0.2.1\n$INCLUDE cname.inc\n", loader),
            "cname.inc:3: CNAME and other data at www.mysite.test.");
}

TEST(ZoneFileTest, ZoneChecks) {
  EXPECT_EQ(error_of("$TTL 1\nwww A 192.0.2.1\n"),
            "mysite.test.zone:2: no SOA record at the zone apex mysite.test.");
  EXPECT_EQ(error_of(""), "mysite.test.zone:1: no SOA record at the zone apex mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "\n@ SOA a b 2 2 3 4 5\n"),
            "mysite.test.zone:3: multiple SOA records");
  EXPECT_EQ(error_of("$TTL 1\nsub SOA a b 2 2 3 4 5\n"),
            "mysite.test.zone:2: SOA record not at top of zone (sub.mysite.test.)");
  EXPECT_EQ(error_of(std::string(kSoa) + "www.other.test. A 192.0.2.1\n"),
            "mysite.test.zone:2: www.other.test. is out of zone mysite.test.");
  // a suffix that is not a whole label is out of zone too
  EXPECT_EQ(error_of(std::string(kSoa) + "notmysite.test. A 192.0.2.1\n"),
            "mysite.test.zone:2: notmysite.test. is out of zone mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "$ORIGIN other.\nx A 192.0.2.1\n"),
            "mysite.test.zone:3: x.other. is out of zone mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "www CNAME @\nWWW A 192.0.2.1\n"),
            "mysite.test.zone:3: CNAME and other data at WWW.mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "www A 192.0.2.1\nwww CNAME @\n"),
            "mysite.test.zone:3: CNAME and other data at www.mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "www CNAME a\nwww CNAME b\n"),
            "mysite.test.zone:3: multiple CNAME records at www.mysite.test.");
  EXPECT_EQ(error_of(std::string(kSoa) + "@ CNAME a\n"),
            "mysite.test.zone:2: CNAME and other data at mysite.test.");
}

TEST(ZoneFileTest, SyntaxErrorsWithLines) {
  const std::string s(kSoa);
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {s + "a A (192.0.2.1\n", "mysite.test.zone:2: unbalanced parentheses"},
      {s + "a A 192.0.2.1 )\n", "mysite.test.zone:2: unbalanced parentheses"},
      {s + "\na TXT \"open\n\n", "mysite.test.zone:3: unterminated quoted string"},
      {s + "a A\n", "mysite.test.zone:2: missing IPv4 address"},
      {s + "a A 1.2.3\n", "mysite.test.zone:2: bad IPv4 address '1.2.3'"},
      {s + "a AAAA 1::2::3\n", "mysite.test.zone:2: bad IPv6 address '1::2::3'"},
      {s + "a A 192.0.2.1 extra\n", "mysite.test.zone:2: extra input text 'extra'"},
      {s + "a 300\n", "mysite.test.zone:2: missing record type"},
      {s + "a IN HINFO x y\n", "mysite.test.zone:2: unknown or unsupported record type 'HINFO'"},
      {s + "a CH A 192.0.2.1\n", "mysite.test.zone:2: class CH not supported (IN only)"},
      {s + "a 1h30 A 192.0.2.1\n", "mysite.test.zone:2: bad TTL '1h30'"},
      {s + "a 1y A 192.0.2.1\n", "mysite.test.zone:2: bad TTL '1y'"},
      {s + "a 4294967296 A 192.0.2.1\n", "mysite.test.zone:2: bad TTL '4294967296'"},
      {s + "a MX 65536 b\n", "mysite.test.zone:2: MX preference out of range: '65536'"},
      {s + "a MX x b\n", "mysite.test.zone:2: bad MX preference 'x'"},
      {s + "a MX 10\n", "mysite.test.zone:2: missing MX exchange"},
      {s + "a SRV 1 2 port t\n", "mysite.test.zone:2: bad SRV port 'port'"},
      {s + "a SRV 1 2 3\n", "mysite.test.zone:2: missing SRV target"},
      {s + "a TXT\n", "mysite.test.zone:2: missing TXT character-string"},
      {s + "a NS \"quoted\"\n", "mysite.test.zone:2: quoted target name"},
      {"$TTL 1\n@ SOA a b (\n 1 2\n 3 4 x )\n", "mysite.test.zone:4: bad TTL 'x'"},
      {"$TTL 1\n@ SOA a b 99999999999 2 3 4 5\n",
       "mysite.test.zone:2: SOA serial out of range: '99999999999'"},
      {"$TTL 1\n@ SOA a b 1 2 3 4\n", "mysite.test.zone:2: missing SOA minimum"},
      {" A 192.0.2.1\n", "mysite.test.zone:1: no previous owner name"},
      {s + "$TTL\n", "mysite.test.zone:2: $TTL takes one TTL"},
      {s + "$TTL 1x\n", "mysite.test.zone:2: bad TTL '1x'"},
      {s + "$ORIGIN\n", "mysite.test.zone:2: $ORIGIN takes one name"},
      {s + "$ORIGIN a..b\n", "mysite.test.zone:2: empty label in name 'a..b'"},
      {s + "$GENERATE 1-2 a$ A 192.0.2.$\n", "mysite.test.zone:2: unknown directive $GENERATE"},
      {s + "\"quoted\" A 192.0.2.1\n", "mysite.test.zone:2: quoted owner name"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.text), c.error) << c.text;
}

TEST(ZoneFileTest, CrLfAndNoFinalNewline) {
  auto r = parse("$TTL 60\r\n@ SOA ns1 h 1 2 3 4 5\r\nwww A 192.0.2.1");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].rdata, "\xC0\x00\x02\x01"s);
}

TEST(ZoneFileTest, BadOrigin) {
  auto r = parse_zone_file(kSoa, "a..b", "z", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "z:0: bad zone origin: empty label in name 'a..b'");
}

}  // namespace
}  // namespace wc::dns
