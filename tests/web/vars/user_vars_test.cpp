// The configuration's own variables: the registry (references before declarations, as nginx
// resolves names after the whole file) and one request's values (set, lazily evaluated maps,
// volatile ones, a map that needs itself).
#include "web/vars/user_vars.h"

#include <gtest/gtest.h>

#include "web/vars/template.h"

namespace wc::web::vars {
namespace {

TEST(VarRegistry, ReferencesBeforeDeclarations) {
  VarRegistry r;
  EXPECT_TRUE(r.empty());
  const uint32_t a = r.reference("Late", "in f:1");
  EXPECT_EQ(r.reference("late", "in f:2"), a);  // names are case-insensitive
  ASSERT_NE(r.first_undeclared(), nullptr);
  EXPECT_EQ(r.first_undeclared()->name, "late");
  EXPECT_EQ(r.first_undeclared()->first_use, "in f:1");
  EXPECT_EQ(r.declare("LATE"), a);
  EXPECT_EQ(r.first_undeclared(), nullptr);
  EXPECT_EQ(r.find("late"), a);
  EXPECT_FALSE(r.find("other"));
}

TEST(Template, DeclaredNamesComeAfterBuiltinsAndBeforePrefixes) {
  VarRegistry r;
  r.declare("mine");
  r.declare("http_x");
  // Unknown without the registry, known with it.
  EXPECT_FALSE(Template::compile("$mine"));
  auto t = Template::compile("a $mine b $http_x c $uri", &r);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->uses(Template::Var::user));
  EXPECT_FALSE(t->uses(Template::Var::http_header));  // the declared one wins
  EXPECT_FALSE(Template::compile("$other", &r));
  // Collecting: an unknown name is referenced, not an error; a prefixed one stays a header.
  auto c = Template::compile_collecting("$later $http_y $1", r, "in f:9");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(r.find("later"));
  EXPECT_FALSE(r.find("http_y"));
  EXPECT_EQ(r.first_undeclared()->first_use, "in f:9");
  // Syntax errors are still errors while collecting.
  EXPECT_FALSE(Template::compile_collecting("${x", r, ""));
}

struct Counting {
  int calls = 0;
  std::string text;
};

void count_eval(const void* def, const RequestVars&, UserVars&, std::string& out) {
  auto* c = static_cast<Counting*>(const_cast<void*>(def));
  ++c->calls;
  out += c->text + std::to_string(c->calls);
}

TEST(UserVars, SetLazyAndVolatile) {
  VarRegistry r;
  const uint32_t plain = r.declare("plain");
  const uint32_t cached = r.declare("cached");
  const uint32_t vol = r.declare("vol");
  Counting cc{0, "c"}, vc{0, "v"};
  r.entry(cached).lazy = &count_eval;
  r.entry(cached).lazy_def = &cc;
  r.entry(vol).lazy = &count_eval;
  r.entry(vol).lazy_def = &vc;
  r.entry(vol).is_volatile = true;

  UserVars u;
  u.reset(&r);
  RequestVars v;
  v.user = &u;
  // Unset reads as empty (not "not found": the log prints nothing, as nginx's).
  EXPECT_EQ(u.get(plain, v), "");
  EXPECT_NE(u.get(plain, v).data(), nullptr);
  u.set(plain, "x");
  EXPECT_EQ(u.get(plain, v), "x");
  EXPECT_EQ(u.get(cached, v), "c1");
  EXPECT_EQ(u.get(cached, v), "c1");  // once per request
  EXPECT_EQ(u.get(vol, v), "v1");
  EXPECT_EQ(u.get(vol, v), "v2");  // every use
  auto t = Template::compile("[$plain|$cached|$vol]", &r);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->evaluate(v), "[x|c1|v3]");
  // The next request starts over.
  u.reset(&r);
  EXPECT_EQ(u.get(plain, v), "");
  EXPECT_EQ(u.get(cached, v), "c2");
  // Without UserVars (a config that declares nothing), a declared name reads empty.
  RequestVars none;
  EXPECT_EQ(t->evaluate(none), "[||]");
  EXPECT_EQ(t->evaluate(none, Escape::log), "[||]");
}

void self_eval(const void*, const RequestVars& v, UserVars& u, std::string& out) {
  out += "<";
  out += u.get(0, v);  // itself: a cycle
  out += ">";
}

TEST(UserVars, AMapThatNeedsItselfIsEmptyInside) {
  VarRegistry r;
  const uint32_t self = r.declare("self");
  r.entry(self).lazy = &self_eval;
  UserVars u;
  u.reset(&r);
  RequestVars v;
  EXPECT_EQ(u.get(self, v), "<>");
}

}  // namespace
}  // namespace wc::web::vars
