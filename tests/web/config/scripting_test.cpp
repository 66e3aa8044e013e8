// set, if and map as webcycle reads them: nginx's syntax and messages, the script's shape (an
// if's block inline, with the index past it), maps evaluated as ngx_http_map_find does.
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "web/config/if_condition.h"
#include "web/config/locations.h"
#include "web/config/map.h"
#include "web/vars/template.h"

namespace wc::web::config {
namespace {

using testing::kEvents;
using testing::load_error;
using testing::load_text;
using testing::TempDir;

class Scripting : public ::testing::Test {
 protected:
  TempDir dir;
  std::string at(int line) const {
    return " in " + dir.path() + "conf/webcycle.conf:" + std::to_string(line);
  }
  std::string http(const std::string& body) const {
    return std::string(kEvents) + "http {\n" + body + "}\n";
  }
};

ConfNode node(std::string name, std::vector<std::string> args) {
  ConfNode n;
  n.name = std::move(name);
  n.args = std::move(args);
  n.file = "f";
  n.line = 7;
  return n;
}

TEST(IfCondition, FormsAsNginxTokenizesThem) {
  vars::VarRegistry r;
  auto c = parse_if_condition(node("if", {"($a)"}), r);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->op, IfCondition::Op::kTrue);
  EXPECT_EQ(c->subject, "$a");
  c = parse_if_condition(node("if", {"(", "$a", "=", "x y", ")"}), r);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->op, IfCondition::Op::kEqual);
  EXPECT_EQ(c->operand, "x y");
  c = parse_if_condition(node("if", {"($a", "!=", "b)"}), r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->op, IfCondition::Op::kNotEqual);
  EXPECT_EQ(c->operand, "b");
  for (const char* op : {"~", "~*", "!~", "!~*"}) {
    c = parse_if_condition(node("if", {"($uri", op, "^/(?<part>[a-z]+)$)"}), r);
    ASSERT_TRUE(c) << op << c.error().message;
    EXPECT_EQ(c->op, op[0] == '!' ? IfCondition::Op::kNotMatch : IfCondition::Op::kMatch);
    EXPECT_EQ(c->regex->caseless(), std::string_view(op).ends_with("*"));
    ASSERT_EQ(c->named.size(), 1u);
  }
  ASSERT_TRUE(r.find("part"));
  EXPECT_EQ(r.first_undeclared()->name, "a");  // referenced, declared by nobody yet
  c = parse_if_condition(node("if", {"(!-f", "$request_filename)"}), r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->op, IfCondition::Op::kFile);
  EXPECT_EQ(c->file, IfCondition::File::kPlain);
  EXPECT_TRUE(c->negate_file);
  for (const char* f : {"-d", "-e", "-x", "!-d", "!-e", "!-x", "-f"}) {
    EXPECT_TRUE(parse_if_condition(node("if", {std::string("(") + f, "/x)"}), r)) << f;
  }
}

TEST(IfCondition, ErrorsAsNginx) {
  vars::VarRegistry r;
  auto error = [&](std::vector<std::string> args) {
    auto c = parse_if_condition(node("if", std::move(args)), r);
    return c ? std::string("ok") : c.error().message;
  };
  EXPECT_EQ(error({"$a)"}), "invalid condition \"$a)\" in f:7");
  EXPECT_EQ(error({"($a"}), "invalid condition \"$a\" in f:7");
  EXPECT_EQ(error({"(", ")"}), "invalid condition \")\" in f:7");
  EXPECT_EQ(error({"($a", "==", "b)"}), "unexpected \"==\" in condition in f:7");
  EXPECT_EQ(error({"($a", "=)"}), "invalid condition \"$a\" in f:7");
  EXPECT_EQ(error({"(-q", "/x)"}), "invalid condition \"-q\" in f:7");
  EXPECT_EQ(error({"(-f)"}), "invalid condition \"-f\" in f:7");
  EXPECT_EQ(error({"(abc)"}), "invalid condition \"abc\" in f:7");
  EXPECT_NE(error({"($a", "~", "(x)"}).find("pcre2_compile() failed"), std::string::npos);
  EXPECT_EQ(error({"($a", "=", "${b)"}), "the closing bracket in \"b\" variable is missing in f:7");
}

TEST_F(Scripting, SetAndIfBuildOneScript) {
  auto c = load_text(dir, http("server { listen 8080;\n"
                               "  set $a 1;\n"
                               "  location / {\n"
                               "    if ($a) { set $b \"$a-x\"; return 302 /y; }\n"
                               "    rewrite ^ /z;\n"
                               "    return 200 $b;\n"
                               "  }\n"
                               "}\n"));
  ASSERT_TRUE(c) << c.error().message;
  const ServerConf& s = *(*c)->http.servers[0];
  ASSERT_EQ(s.loc.script.size(), 1u);
  EXPECT_EQ(s.loc.script[0].kind, RewriteStep::Kind::kSet);
  EXPECT_TRUE(s.loc.has_rewrite);
  const LocationConf& l = find_location(s, "/");
  ASSERT_EQ(l.script.size(), 5u);
  EXPECT_EQ(l.script[0].kind, RewriteStep::Kind::kIf);
  EXPECT_EQ(l.script[0].end, 3u);
  EXPECT_TRUE(l.script[0].in_location);
  EXPECT_EQ(l.script[1].kind, RewriteStep::Kind::kSet);
  EXPECT_EQ(l.script[2].kind, RewriteStep::Kind::kReturn);
  EXPECT_EQ(l.script[3].kind, RewriteStep::Kind::kRewrite);
  // The return inside the if is not the location's unconditional one; the last one is.
  EXPECT_EQ(l.ret.code, 200);
  const auto& vars = (*c)->variables;
  EXPECT_EQ(vars.size(), 2u);
  EXPECT_EQ(vars.first_undeclared(), nullptr);
}

TEST_F(Scripting, VariablesMayBeDeclaredAfterTheirUse) {
  // nginx resolves names once the whole file is read.
  EXPECT_EQ(load_error(dir, http("server { listen 8080; location / { return 200 $later; } }\n"
                                 "server { listen 8081; set $later 1; }\n")),
            "");
  EXPECT_EQ(load_error(dir, http("log_format f \"$mapped\";\n"
                                 "map $uri $mapped { default x; }\n"
                                 "server { listen 8080; access_log logs/a.log f; }\n")),
            "");
  EXPECT_EQ(load_error(dir, http("server { listen 8080;\nlocation / { return 200 $nope; } }\n")),
            "unknown \"nope\" variable" + at(4));
  EXPECT_EQ(load_error(dir, http("server { listen 8080;\nadd_header X $cap;\n"
                                 "location ~ ^/(?<cap>.*)$ { } }\n")),
            "");
  EXPECT_EQ(load_error(dir, http("server { listen 8080; server_name ~^(?<sub>.+)\\.x$;\n"
                                 "root /srv/$sub; }\n")),
            "");
}

TEST_F(Scripting, SetErrors) {
  const std::string pre = "server { listen 8080;\n";
  EXPECT_EQ(load_error(dir, http(pre + "set a 1;\n}\n")), "invalid variable name \"a\"" + at(4));
  EXPECT_EQ(load_error(dir, http(pre + "set $ 1;\n}\n")), "invalid variable name \"$\"" + at(4));
  EXPECT_EQ(load_error(dir, http(pre + "set $uri 1;\n}\n")),
            "the duplicate \"uri\" variable" + at(4));
  EXPECT_EQ(load_error(dir, http(pre + "set $args 1;\n}\n")),
            "\"set\" of the \"args\" variable is not supported yet" + at(4));
  EXPECT_EQ(load_error(dir, http(pre + "set $a;\n}\n")),
            "invalid number of arguments in \"set\" directive" + at(4));
  EXPECT_EQ(load_error(dir, http("set $a 1;\n")), "\"set\" directive is not allowed here" + at(3));
  EXPECT_EQ(load_error(dir, http(pre + "set $http_x 1;\n}\n")), "");  // a new variable, as nginx
}

TEST_F(Scripting, IfBlockTakesTheRewriteModuleOnly) {
  const std::string pre = "server { listen 8080;\nlocation / {\n";
  for (const char* d : {"add_header X y", "root /x", "proxy_pass http://127.0.0.1:1", "expires 1h",
                        "try_files $uri =404"}) {
    std::string name = std::string(d).substr(0, std::string(d).find(' '));
    EXPECT_EQ(load_error(dir, http(pre + "if ($arg_a) {\n" + d + ";\n}\n}\n}\n")),
              "\"" + name + "\" directive is not supported inside \"if\" yet" + at(6))
        << d;
  }
  EXPECT_EQ(load_error(dir, http(pre + "if ($arg_a) {\nif ($arg_b) { }\n}\n}\n}\n")),
            "\"if\" directive is not allowed here" + at(6));
  EXPECT_EQ(load_error(dir, http(pre + "if ($arg_a) {\nfoo;\n}\n}\n}\n")),
            "unknown directive \"foo\"" + at(6));
  EXPECT_EQ(load_error(dir, http(pre + "if ($arg_a);\n}\n}\n")),
            "directive \"if\" has no opening \"{\"" + at(5));
  EXPECT_EQ(load_error(dir, http("if ($arg_a) { }\n")),
            "\"if\" directive is not allowed here" + at(3));
  EXPECT_EQ(load_error(dir, http(pre + "if ($arg_a) { return 403; rewrite ^ /x last; break; "
                                       "set $v 1; }\n}\n}\n")),
            "");
}

TEST_F(Scripting, MapsAsNginxReadsThem) {
  auto c = load_text(dir, http("map $host $kind {\n"
                               "  hostnames;\n"
                               "  default d;\n"
                               "  example.com exact;\n"
                               "  *.example.com star;\n"
                               "  .dot.com dot;\n"
                               "  www.tail.* tail;\n"
                               "  ~^(?<shard>[a-z]+)-(\\d+)\\.n$ \"n-$shard-$2\";\n"
                               "}\n"
                               "map $uri $sec { \\default literal; ~*^/A/ a; volatile; }\n"
                               "server { listen 8080; }\n"));
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& cfg = **c;
  ASSERT_EQ(cfg.http.maps.size(), 2u);
  const MapConf& m = *cfg.http.maps[0];
  EXPECT_TRUE(m.hostnames);
  EXPECT_FALSE(m.is_volatile);
  EXPECT_TRUE(cfg.http.maps[1]->is_volatile);
  EXPECT_EQ(cfg.http.maps[1]->exact.count("default"), 1u);
  vars::UserVars u;
  u.reset(&cfg.variables);
  auto t = vars::Template::compile("$kind", &cfg.variables);
  ASSERT_TRUE(t);
  auto eval = [&](std::string_view host) {
    u.reset(&cfg.variables);
    vars::RequestVars v;
    v.user = &u;
    v.host = host;
    return t->evaluate(v);
  };
  EXPECT_EQ(eval("example.com"), "exact");
  EXPECT_EQ(eval("EXAMPLE.com."), "exact");
  EXPECT_EQ(eval("a.example.com"), "star");
  EXPECT_EQ(eval("a.b.example.com"), "star");
  EXPECT_EQ(eval("dot.com"), "dot");
  EXPECT_EQ(eval("x.dot.com"), "dot");
  EXPECT_EQ(eval("www.tail.org"), "tail");
  EXPECT_EQ(eval("abc-42.n"), "n-abc-42");
  EXPECT_EQ(u.get(*cfg.variables.find("shard"), {}), "abc");
  EXPECT_EQ(eval("other"), "d");
  EXPECT_EQ(eval(""), "d");
}

TEST_F(Scripting, MapErrors) {
  EXPECT_EQ(load_error(dir, http("map $a b { }\n")), "invalid variable name \"b\"" + at(3));
  EXPECT_EQ(load_error(dir, http("map $a $uri { }\n")), "the duplicate \"uri\" variable" + at(3));
  EXPECT_EQ(load_error(dir, http("map $a $b {\na b c;\n}\n")),
            "invalid number of the map parameters" + at(4));
  EXPECT_EQ(load_error(dir, http("map $a $b {\ndefault 1;\ndefault 2;\n}\n")),
            "duplicate default map parameter" + at(5));
  EXPECT_EQ(load_error(dir, http("map $a $b {\nx 1;\nX 2;\n}\n")),
            "conflicting parameter \"X\"" + at(5));
  EXPECT_EQ(load_error(dir, http("map $a $b {\nhostnames;\na*b 1;\n}\n")),
            "invalid hostname or wildcard \"a*b\"" + at(5));
  EXPECT_EQ(load_error(dir, http("map $a $b {\nx { }\n}\n")), "unexpected \"{\"" + at(4));
  EXPECT_NE(load_error(dir, http("map $a $b {\n~(x 1;\n}\n")).find("pcre2_compile() failed"),
            std::string::npos);
  EXPECT_EQ(load_error(dir, http("map $uri $b {\nx $nope;\n}\n")),
            "unknown \"nope\" variable" + at(4));
  EXPECT_EQ(load_error(dir, http("server { listen 8080;\nmap $a $b { }\n}\n")),
            "\"map\" directive is not allowed here" + at(4));
  EXPECT_EQ(load_error(dir, http("map $a $b;\n")),
            "directive \"map\" has no opening \"{\"" + at(3));
}

}  // namespace
}  // namespace wc::web::config

namespace wc::web::config {
namespace {

TEST_F(Scripting, LogFormatVariablesAreCheckedAtLoad) {
  EXPECT_EQ(load_error(dir, http("log_format f \"$nope\";\n")), "unknown \"nope\" variable" + at(3));
  EXPECT_EQ(load_error(dir, http("log_format f \"${x\";\n")),
            "the closing bracket in \"x\" variable is missing" + at(3));
  EXPECT_EQ(load_error(dir, http("log_format f \"$http_x $set_later\";\n"
                                 "server { listen 8080; set $set_later 1; }\n")),
            "");
}

}  // namespace
}  // namespace wc::web::config
