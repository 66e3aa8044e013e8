// Stack files: the dns, app and client blocks, what goes to the web server, relative paths, and
// the errors with FILE:LINE.
#include "up/stack_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wc::up {
namespace {

Result<Stack> read_text(const std::string& text, const std::string& base = "/srv/stack") {
  core::ConfTree tree;
  core::ParseOptions options;
  options.allow_include = false;
  auto parsed = core::parse_conf_text(text, "/srv/stack/stack.conf", options, &tree);
  if (!parsed) return std::unexpected(parsed.error());
  return read_stack(tree.nodes, base);
}

std::string error_of(const std::string& text) {
  auto s = read_text(text);
  return s ? std::string("(no error)") : s.error().message;
}

TEST(StackFile, SplitsDnsAppsClientAndTheWebServersPart) {
  auto s = read_text(
      "dns { listen 127.0.0.1:5353; zone mysite.test zones/mysite.test.zone; hosts dns.hosts; }\n"
      "app shop { module shop:app; chdir apps/shop; bind 127.0.0.1:8001; workers 2;\n"
      "           env A=b; }\n"
      "app blog { module blog.wsgi:application; bind 127.0.0.1:8002; access_log /var/a.log; }\n"
      "client { hosts hosts; search http://search.mysite.test/?q=%s; try -v www.mysite.test; }\n"
      "worker_processes 1;\n"
      "http { server { listen 80; root www; } }\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->dns.present);
  EXPECT_EQ(s->dns.listen, std::vector<std::string>{"127.0.0.1:5353"});
  ASSERT_EQ(s->dns.zones.size(), 1u);
  EXPECT_EQ(s->dns.zones[0].first, "mysite.test");
  EXPECT_EQ(s->dns.zones[0].second, "/srv/stack/zones/mysite.test.zone");
  EXPECT_EQ(s->dns.hosts, "/srv/stack/dns.hosts");
  EXPECT_EQ(s->dns.query_log, "");
  EXPECT_EQ(s->dns.line, 1);
  ASSERT_EQ(s->apps.size(), 2u);
  EXPECT_EQ(s->apps[0].name, "shop");
  EXPECT_EQ(s->apps[0].module, "shop:app");
  EXPECT_EQ(s->apps[0].chdir, "/srv/stack/apps/shop");
  EXPECT_EQ(s->apps[0].bind, "127.0.0.1:8001");
  EXPECT_EQ(s->apps[0].workers, 2);
  EXPECT_EQ(s->apps[0].env, std::vector<std::string>{"A=b"});
  EXPECT_EQ(s->apps[1].chdir, "/srv/stack");  // no chdir: the stack file's folder
  EXPECT_EQ(s->apps[1].workers, 1);
  EXPECT_EQ(s->apps[1].access_log, "/var/a.log");
  EXPECT_EQ(s->client.hosts, "/srv/stack/hosts");
  EXPECT_EQ(s->client.search, "http://search.mysite.test/?q=%s");
  ASSERT_EQ(s->client.tries.size(), 1u);
  EXPECT_EQ(s->client.tries[0], (std::vector<std::string>{"-v", "www.mysite.test"}));
  ASSERT_EQ(s->web.size(), 2u);
  EXPECT_EQ(s->web[0].name, "worker_processes");
  EXPECT_EQ(s->web[1].name, "http");
  EXPECT_EQ(s->web[1].line, 7);
}

TEST(StackFile, NoDnsNoAppsIsJustAWebConfig) {
  auto s = read_text("events {}\nhttp { server { listen 8080; } }\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->dns.present);
  EXPECT_TRUE(s->apps.empty());
  EXPECT_EQ(s->web.size(), 2u);
}

TEST(StackFile, ErrorsNameFileAndLine) {
  const std::string at = " in /srv/stack/stack.conf:";
  EXPECT_EQ(error_of("dns {\n listen 127.0.0.1:53;\n forward 1.1.1.1;\n}\n"),
            "unknown directive \"forward\" in \"dns\" block" + at + "3");
  EXPECT_EQ(error_of("dns { zone a.test a.zone; }\n"),
            "\"listen\" directive is missing in \"dns\" block" + at + "1");
  EXPECT_EQ(error_of("dns { listen 127.0.0.1:53; zone a.test; }\n"),
            "invalid number of arguments in \"zone\" directive" + at + "1");
  EXPECT_EQ(error_of("dns { listen 5353; }\n"),
            "invalid value \"5353\" in \"listen\" directive" + at + "1");
  EXPECT_EQ(error_of("dns { listen 127.0.0.1:53; }\n\ndns { listen 127.0.0.1:54; }\n"),
            "\"dns\" directive is duplicate" + at + "3");
  EXPECT_EQ(error_of("dns;\n"), "\"dns\" directive has no opening \"{\"" + at + "1");
  EXPECT_EQ(error_of("app a { bind 127.0.0.1:1; }\n"),
            "\"module\" directive is missing in app \"a\"" + at + "1");
  EXPECT_EQ(error_of("app a {\n module m:app;\n}\n"),
            "\"bind\" directive is missing in app \"a\"" + at + "1");
  EXPECT_EQ(error_of("app a {\n module m:app;\n bind 127.0.0.1:99999;\n}\n"),
            "invalid value \"127.0.0.1:99999\" in \"bind\" directive" + at + "3");
  EXPECT_EQ(error_of("app a { module m; bind 127.0.0.1:1;\n workers 0; }\n"),
            "invalid value \"0\" in \"workers\" directive" + at + "2");
  EXPECT_EQ(error_of("app a { module m; bind 127.0.0.1:1; threads 2; }\n"),
            "unknown directive \"threads\" in \"app\" block" + at + "1");
  EXPECT_EQ(
      error_of("app a { module m; bind 127.0.0.1:1; }\napp a { module n; bind 127.0.0.1:2; }\n"),
      "duplicate app \"a\"" + at + "2");
  EXPECT_EQ(error_of("app { module m; }\n"),
            "invalid number of arguments in \"app\" directive" + at + "1");
  EXPECT_EQ(error_of("app a { module m; bind 127.0.0.1:1; env NOEQUALS; }\n"),
            "invalid value \"NOEQUALS\" in \"env\" directive" + at + "1");
  EXPECT_EQ(error_of("client { search http://s.test/; }\n"),
            "invalid value \"http://s.test/\" in \"search\" directive" + at + "1");
  EXPECT_EQ(error_of("client {}\nclient {}\n"), "\"client\" directive is duplicate" + at + "2");
  EXPECT_EQ(error_of("app a { module m; bind 127.0.0.1:1; chdir { } }\n"),
            "\"chdir\" directive is not a block in \"app\" block" + at + "1");
}

TEST(StackFile, ResolvePath) {
  EXPECT_EQ(resolve_path("www", "/srv/demo"), "/srv/demo/www");
  EXPECT_EQ(resolve_path("www", "/srv/demo/"), "/srv/demo/www");
  EXPECT_EQ(resolve_path("/abs/www", "/srv/demo"), "/abs/www");
  EXPECT_EQ(resolve_path(".", "/srv/demo"), "/srv/demo");
  EXPECT_EQ(resolve_path("a/../b", "/"), "/a/../b");
}

TEST(StackFile, LoadsAFileWithIncludesAgainstItsFolder) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/up_stack_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/stack.conf") << "include apps.conf;\nhttp { include mime.types; }\n";
  std::ofstream(dir + "/apps.conf") << "app a { module m:app; chdir code; bind 127.0.0.1:8001; }\n";
  auto s = load_stack_file(dir + "/stack.conf", std::string(WEBCYCLE_SOURCE_DIR) + "/share/");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->apps.size(), 1u);
  EXPECT_EQ(s->apps[0].chdir, dir + "/code");
  EXPECT_EQ(s->apps[0].file, dir + "/apps.conf");
  ASSERT_EQ(s->web.size(), 1u);
  ASSERT_FALSE(s->web[0].children.empty());
  EXPECT_EQ(s->web[0].children[0].name, "types");  // mime.types from the share folder
  auto missing = load_stack_file(dir + "/nope.conf", "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("open() \"" + dir + "/nope.conf\" failed"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(StackFile, TheDemoStackReads) {
  const std::string demo = std::string(WEBCYCLE_SOURCE_DIR) + "/share/demo/stack.conf";
  auto s = load_stack_file(demo, std::string(WEBCYCLE_SOURCE_DIR) + "/share/");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->dns.present);
  ASSERT_EQ(s->apps.size(), 2u);
  EXPECT_EQ(s->apps[0].name, "app");
  EXPECT_EQ(s->apps[1].name, "search");
  EXPECT_EQ(s->client.hosts, std::string(WEBCYCLE_SOURCE_DIR) + "/share/demo/hosts");
  EXPECT_FALSE(s->client.search.empty());
}

}  // namespace
}  // namespace wc::up
