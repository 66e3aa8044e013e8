#include "core/conf_parser.h"

#include <gtest/gtest.h>

#include "config_test_util.h"

namespace wc::web::config {
namespace {

using testing::TempDir;

Result<ConfTree> parse(std::string_view text, const std::string& base = "") {
  ConfTree tree;
  ParseOptions o;
  o.include_base = base;
  auto st = parse_conf_text(text, "/x/site.conf", o, &tree);
  if (!st) return std::unexpected(st.error());
  return tree;
}

std::string parse_error(std::string_view text) {
  auto r = parse(text);
  return r ? std::string() : r.error().message;
}

TEST(ConfParser, DirectivesArgsAndBlocks) {
  auto t =
      parse("worker_processes 2;\nhttp {\n  server {\n    listen 80 default_server;\n  }\n}\n");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->nodes.size(), 2u);
  EXPECT_EQ(t->nodes[0].name, "worker_processes");
  EXPECT_EQ(t->nodes[0].args, std::vector<std::string>{"2"});
  EXPECT_FALSE(t->nodes[0].block);
  const ConfNode& http = t->nodes[1];
  EXPECT_TRUE(http.block);
  ASSERT_EQ(http.children.size(), 1u);
  const ConfNode& listen = http.children[0].children[0];
  EXPECT_EQ(listen.name, "listen");
  EXPECT_EQ(listen.args, (std::vector<std::string>{"80", "default_server"}));
  EXPECT_EQ(listen.line, 4);
  EXPECT_EQ(listen.file, "/x/site.conf");
}

TEST(ConfParser, QuotingAndEscapes) {
  auto t = parse(R"(a "x y" 'p q' "say \"hi\"" 'it\'s' "tab\there" back\\slash "";)");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->nodes[0].args, (std::vector<std::string>{"x y", "p q", "say \"hi\"", "it's",
                                                        "tab\there", "back\\slash", ""}));
  EXPECT_EQ(t->nodes[0].quoted, (std::vector<bool>{true, true, true, true, true, false, true}));
  // Quoted braces and semicolons are text, as in nginx.
  auto q = parse("log_format main '{\"a\":\"$x\"};';");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->nodes[0].args[1], "{\"a\":\"$x\"};");
}

TEST(ConfParser, VariablesWithBracesStayText) {
  auto t = parse("root /srv/${host}/html;\nreturn 301 https://$host$request_uri;");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->nodes[0].args[0], "/srv/${host}/html");
  EXPECT_EQ(t->nodes[1].args[1], "https://$host$request_uri");
}

TEST(ConfParser, CommentsOnlyAtWordStart) {
  auto t = parse("# top\na b#c; # trailing\n  # indented {\nd;");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->nodes.size(), 2u);
  EXPECT_EQ(t->nodes[0].args, std::vector<std::string>{"b#c"});
  EXPECT_EQ(t->nodes[1].name, "d");
}

TEST(ConfParser, ArgsOverSeveralLinesReportTheEndLine) {
  auto t = parse("log_format main\n  '$a'\n  '$b';\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->nodes[0].args.size(), 3u);
  EXPECT_EQ(t->nodes[0].line, 3);
}

TEST(ConfParser, SyntaxErrorsInNginxWords) {
  EXPECT_EQ(parse_error("a;\n}\n"), "unexpected \"}\" in /x/site.conf:2");
  EXPECT_EQ(parse_error("http {\n a;\n"),
            "unexpected end of file, expecting \"}\" in /x/site.conf:3");
  EXPECT_EQ(parse_error("a b"),
            "unexpected end of file, expecting \";\" or \"}\" in /x/site.conf:1");
  EXPECT_EQ(parse_error("\n;"), "unexpected \";\" in /x/site.conf:2");
  EXPECT_EQ(parse_error("{"), "unexpected \"{\" in /x/site.conf:1");
  EXPECT_EQ(parse_error("a b }"), "unexpected \"}\" in /x/site.conf:1");
  EXPECT_EQ(parse_error("a \"b\"c;"), "unexpected \"c\" in /x/site.conf:1");
  EXPECT_EQ(parse_error("a \"open"),
            "unexpected end of file, expecting \";\" or \"}\" in /x/site.conf:1");
}

TEST(ConfParser, IncludeGlobsInOrderAndRelativeToBase) {
  TempDir dir;
  dir.write("conf.d/b.conf", "b;\n");
  dir.write("conf.d/a.conf", "a;\n");
  dir.write("conf.d/skip.txt", "nope;\n");
  auto t = parse("http {\n include conf.d/*.conf;\n include none.d/*.conf;\n z;\n}\n", dir.path());
  ASSERT_TRUE(t) << t.error().message;
  const auto& kids = t->nodes[0].children;
  ASSERT_EQ(kids.size(), 3u);
  EXPECT_EQ(kids[0].name, "a");
  EXPECT_EQ(kids[0].file, dir.path() + "conf.d/a.conf");
  EXPECT_EQ(kids[0].line, 1);
  EXPECT_EQ(kids[1].name, "b");
  EXPECT_EQ(kids[2].name, "z");
  ASSERT_EQ(t->files.size(), 2u);  // the text itself was not a file; the two includes were
  EXPECT_EQ(t->files[0].text, "a;\n");
}

TEST(ConfParser, MissingIncludeIsAnErrorWithItsLocation) {
  TempDir dir;
  auto r = parse("a;\ninclude missing.conf;\n", dir.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "open() \"" + dir.path() +
                                   "missing.conf\" failed (2: No such file or directory) in "
                                   "/x/site.conf:2");
}

TEST(ConfParser, ErrorsInsideIncludedFilesNameThatFile) {
  TempDir dir;
  std::string inc = dir.write("inc.conf", "x;\n\n}\n");
  auto r = parse("http {\ninclude inc.conf;\n}\n", dir.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unexpected \"}\" in " + inc + ":3");
}

TEST(ConfParser, IncludeArity) {
  EXPECT_EQ(parse_error("include a b;"),
            "invalid number of arguments in \"include\" directive in /x/site.conf:1");
}

TEST(ConfParser, IncludeLoopStops) {
  TempDir dir;
  dir.write("self.conf", "include self.conf;\n");
  auto r = parse("include self.conf;", dir.path());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("include nesting too deep"), std::string::npos);
}

TEST(ConfParser, MainFileMissing) {
  ConfTree tree;
  auto st = parse_conf_file("/nonexistent/webcycle.conf", {}, &tree);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "open() \"/nonexistent/webcycle.conf\" failed (2: No such file or directory)");
}

TEST(ConfParser, CommandLineTextHasNoLineNumbers) {
  ConfTree tree;
  auto st = parse_conf_text("a b", "command line", {}, &tree, false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "unexpected end of parameter, expecting \";\" in command line");
}

}  // namespace
}  // namespace wc::web::config
