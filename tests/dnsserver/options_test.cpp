// The -c file (nginx syntax, bare or in a dns block), the --zone and --forward values, and the
// query log's line.
#include "dnsserver/options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dns/message.h"
#include "dnsserver/query_log.h"

namespace wc::dnsserver {
namespace {

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dnsserver-options-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string path = (dir_ / "dns.conf").string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFile, BlockAndBareDirectives) {
  DnsOptions o;
  const std::string path = write(
      "dns {\n listen 127.0.0.1:5353;\n zone mysite.test zones/mysite.test.zone;\n"
      " hosts /etc/hosts;\n forward 127.0.0.1:53;\n query_log query.log;\n}\n");
  ASSERT_TRUE(read_config_file(path, o));
  ASSERT_EQ(o.listen.size(), 1u);
  EXPECT_EQ(o.listen[0], "127.0.0.1:5353");
  ASSERT_EQ(o.zones.size(), 1u);
  EXPECT_EQ(o.zones[0].origin, "mysite.test");
  EXPECT_EQ(o.zones[0].file, (dir_ / "zones/mysite.test.zone").string());
  EXPECT_EQ(o.hosts, "/etc/hosts");
  EXPECT_EQ(o.forward, "127.0.0.1:53");
  EXPECT_EQ(o.query_log, (dir_ / "query.log").string());

  DnsOptions bare;
  ASSERT_TRUE(read_config_file(write("listen [::1]:53;\nzone a.test /z/a.zone;\n"), bare));
  EXPECT_EQ(bare.listen[0], "[::1]:53");
  EXPECT_EQ(bare.zones[0].file, "/z/a.zone");
}

TEST_F(ConfigFile, ErrorsNameFileAndLine) {
  DnsOptions o;
  const std::string path = write("dns {\n  zone mysite.test;\n}\n");
  auto s = read_config_file(path, o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "invalid number of arguments in \"zone\" directive in " + path + ":2");
  s = read_config_file(write("dns {\n  resolver 1.1.1.1;\n}\n"), o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("unknown directive \"resolver\""), std::string::npos);
  s = read_config_file(write("dns {\n"), o);
  ASSERT_FALSE(s);
}

TEST(Flags, ZoneAndForward) {
  auto z = parse_zone_flag("mysite.test=/z/mysite.zone");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->origin, "mysite.test");
  EXPECT_EQ(z->file, "/z/mysite.zone");
  EXPECT_FALSE(parse_zone_flag("mysite.test"));
  EXPECT_FALSE(parse_zone_flag("=file"));
  EXPECT_FALSE(parse_zone_flag("origin="));

  auto f = parse_forward("127.0.0.1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "127.0.0.1:53");
  f = parse_forward("::1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->to_string(), "[::1]:53");
  f = parse_forward("[::1]:5353");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->port(), 5353);
  EXPECT_FALSE(parse_forward("127.0.0.1:0"));
  EXPECT_FALSE(parse_forward("127.0.0.1:70000"));
}

TEST(QueryLog, BindsShapeWithTheOutcome) {
  const std::string q = dns::build_query(
      1, dns::Question{*dns::name_from_text("www.mysite.test"), dns::Type::kA, dns::kClassIN}, true,
      dns::Edns{});
  std::string response = q;
  response[2] = static_cast<char>(0x85);
  response[7] = 1;  // "one answer" is what the line reads from the header
  std::string line;
  format_query_line(line, "24-Nov-2026 03:20:01.123", "127.0.0.1#53211", "127.0.0.1", q,
                    Transport::kTcp, Verdict::kReply, std::string_view(response.data(), 12));
  EXPECT_EQ(line,
            "24-Nov-2026 03:20:01.123 client 127.0.0.1#53211: query: www.mysite.test IN A +ET "
            "(127.0.0.1) NOERROR 1\n");
  line.clear();
  format_query_line(line, "T", "c#1", "s", "junk", Transport::kUdp, Verdict::kDrop, {});
  EXPECT_EQ(line, "T client c#1: query: (malformed) (s) dropped\n");
  EXPECT_EQ(bind_timestamp(0, 7).size(), std::string("01-Jan-1970 00:00:00.007").size());
}

}  // namespace
}  // namespace wc::dnsserver
