// The web server's part of a stack written back out: nginx text that parses to the same tree,
// read paths made absolute, `listen 80` moved.
#include "up/web_conf.h"

#include <gtest/gtest.h>

namespace wc::up {
namespace {

std::vector<core::ConfNode> parse(const std::string& text) {
  core::ConfTree tree;
  core::ParseOptions options;
  options.allow_include = false;
  auto s = core::parse_conf_text(text, "t.conf", options, &tree);
  EXPECT_TRUE(s) << s.error().message;
  return tree.nodes;
}

void expect_same(const std::vector<core::ConfNode>& a, const std::vector<core::ConfNode>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].args, b[i].args) << a[i].name;
    EXPECT_EQ(a[i].block, b[i].block) << a[i].name;
    expect_same(a[i].children, b[i].children);
  }
}

TEST(QuoteArg, BareWhenItCanBeQuotedWhenItMust) {
  EXPECT_EQ(quote_arg("www"), "www");
  EXPECT_EQ(quote_arg("$request_id"), "$request_id");
  EXPECT_EQ(quote_arg(""), "\"\"");
  EXPECT_EQ(quote_arg("a b"), "\"a b\"");
  EXPECT_EQ(quote_arg("a;b"), "\"a;b\"");
  EXPECT_EQ(quote_arg("{"), "\"{\"");
  EXPECT_EQ(quote_arg("#x"), "\"#x\"");
  EXPECT_EQ(quote_arg("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(quote_arg("it's"), "\"it\\'s\"");
  EXPECT_EQ(quote_arg("\\.php$"), "\\\\.php$");
  EXPECT_EQ(quote_arg("line\nnext\ttab"), "\"line\\nnext\\ttab\"");
  EXPECT_EQ(quote_arg("x", true), "\"x\"");
}

TEST(SerializeConf, RoundTripsThroughTheParser) {
  const std::string text =
      "worker_processes 2;\n"
      "events { worker_connections 64; }\n"
      "http {\n"
      "  log_format cycle '$remote_addr \"$request\" rid=$request_id' ;\n"
      "  server {\n"
      "    listen 127.0.0.1:80 default_server;\n"
      "    server_name www.mysite.test \"\";\n"
      "    location ~ \"^/files/.+\\.txt$\" { add_header Content-Disposition attachment; }\n"
      "    location ~* \\.(css|js)$ { expires 1h; }\n"
      "    location = /brace { return 200 \"a { b } c; # d\\n\"; }\n"
      "    location /q { return 200 'single \\' quote'; }\n"
      "    location /v { return 200 ${host}x; }\n"
      "  }\n"
      "}\n";
  auto original = parse(text);
  std::string written = serialize_conf(original);
  auto again = parse(written);
  expect_same(original, again);
  // And once more: writing is stable.
  EXPECT_EQ(serialize_conf(again), written);
  EXPECT_NE(written.find("    server {\n        listen 127.0.0.1:80 default_server;\n"),
            std::string::npos)
      << written;
}

TEST(AbsolutizePaths, RootAndAliasOnly) {
  auto nodes = parse(
      "http { access_log logs/a.log; server { root www; location /x/ { alias files/x/; }\n"
      "location /y { root /abs; } location /z { root $document_root; } } }\n");
  absolutize_paths(nodes, "/srv/demo");
  const auto& server = nodes[0].children[1];
  EXPECT_EQ(nodes[0].children[0].args[0], "logs/a.log");  // written paths stay relative
  EXPECT_EQ(server.children[0].args[0], "/srv/demo/www");
  EXPECT_EQ(server.children[1].children[0].args[0], "/srv/demo/files/x/");
  EXPECT_EQ(server.children[2].children[0].args[0], "/abs");
  EXPECT_EQ(server.children[3].children[0].args[0], "$document_root");
}

TEST(ListenPort, ReadsAndReplacesEachForm) {
  EXPECT_EQ(listen_port("80"), 80);
  EXPECT_EQ(listen_port("*:80"), 80);
  EXPECT_EQ(listen_port("127.0.0.1:8080"), 8080);
  EXPECT_EQ(listen_port("[::]:80"), 80);
  EXPECT_EQ(listen_port("[::1]"), 0);
  EXPECT_EQ(listen_port("unix:/run/x.sock"), 0);
  EXPECT_EQ(listen_port("localhost"), 0);
  EXPECT_EQ(listen_port("99999"), 0);
  EXPECT_EQ(with_port("80", 8080), "8080");
  EXPECT_EQ(with_port("*:80", 8080), "*:8080");
  EXPECT_EQ(with_port("127.0.0.1:80", 18080), "127.0.0.1:18080");
  EXPECT_EQ(with_port("[::]:80", 8080), "[::]:8080");
}

TEST(MoveListenPort, MovesPort80AndGivesImplicitListensAPort) {
  auto nodes = parse(
      "upstream u { server 127.0.0.1:80; }\n"
      "http { server { listen 80 default_server; listen [::]:80; }\n"
      "server { listen 127.0.0.1:8081; }\n"
      "server { server_name implicit.test; } }\n");
  EXPECT_EQ(move_listen_port(nodes, 80, 8080), 3);
  EXPECT_EQ(listen_args(nodes),
            (std::vector<std::string>{"8080", "[::]:8080", "127.0.0.1:8081", "8080"}));
  EXPECT_EQ(nodes[0].children[0].args[0], "127.0.0.1:80");  // upstream servers untouched
  EXPECT_EQ(nodes[1].children[0].children[0].args[1], "default_server");
  EXPECT_EQ(move_listen_port(nodes, 8081, 9000), 1);
  EXPECT_EQ(listen_args(nodes)[2], "127.0.0.1:9000");
}

}  // namespace
}  // namespace wc::up

namespace wc::up {
namespace {

TEST(SerializeConf, LineMapNamesTheSource) {
  core::ConfTree tree;
  core::ParseOptions options;
  options.allow_include = false;
  ASSERT_TRUE(core::parse_conf_text("worker_processes 1;\n\nhttp {\n  sendfile maybe;\n}\n",
                                    "/srv/stack.conf", options, &tree));
  std::vector<SourceLine> lines;
  const std::string text = serialize_conf(tree.nodes, &lines);
  EXPECT_EQ(text, "worker_processes 1;\nhttp {\n    sendfile maybe;\n}\n");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].line, 1);
  EXPECT_EQ(lines[1].line, 3);
  EXPECT_EQ(lines[2].line, 4);
  EXPECT_EQ(lines[3].line, 5);
  EXPECT_EQ(lines[2].file, "/srv/stack.conf");
  // A message about written line 5 (= lines[2] when the text starts at line 3).
  EXPECT_EQ(
      annotate_lines("webcycle: [emerg] invalid value \"maybe\" in /run/w.conf:5\n", "/run/w.conf",
                     lines, 3),
      "webcycle: [emerg] invalid value \"maybe\" in /run/w.conf:5 (from /srv/stack.conf:4)\n");
  // Lines outside the map, other files: unchanged.
  EXPECT_EQ(annotate_lines("x in /run/w.conf:99 and in /other.conf:5", "/run/w.conf", lines, 3),
            "x in /run/w.conf:99 and in /other.conf:5");
}

}  // namespace
}  // namespace wc::up
