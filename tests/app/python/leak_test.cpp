// Every request path releases what it creates: Python memory (traced by tracemalloc) does not grow
// with the number of requests. A leaked reference per request would show as ~1 MB here. (LSan
// cannot tell: objects live in pymalloc arenas it does not scan.)
#include <array>
#include <string>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Leaks : public PythonTest {};

TEST_F(Leaks, RequestsDoNotGrowPythonMemory) {
  Application memory = load_app("traced_memory");
  struct Case {
    Application app;
    std::string query;
    std::string body;
  };
  std::vector<Case> cases;
  cases.push_back({load_app("hello"), "", ""});
  cases.push_back({load_app("environ_dump"), "a=1", "posted"});
  cases.push_back({load_app("input_ops"), "read:2,readline,readlines,iter", "ab\ncd\nef"});
  cases.push_back({load_app("write_in_generator"), "", ""});
  cases.push_back({load_app("tuple_body"), "", ""});
  cases.push_back({load_app("bytesio_wrapper"), "", ""});
  cases.push_back({load_app("late_start"), "", ""});
  cases.push_back({load_app("exc_info_before"), "", ""});
  cases.push_back({load_app("exc_info_after"), "", ""});
  cases.push_back({load_app("bad_head"), "header-value-lf", ""});
  cases.push_back({load_app("str_body"), "", ""});
  cases.push_back({load_app("raises"), "", ""});
  cases.push_back({load_app("closing_fails"), "", ""});  // records in STATE: reset below
  const std::array<std::pair<std::string_view, std::string_view>, 4> headers = {{
      {"Host", "h"}, {"X-Dup", "1"}, {"X-Dup", "2"}, {"Content-Type", "text/plain"}}};
  auto round = [&] {
    for (Case& c : cases) {
      Request request = make_request("/leak", c.query, "POST");
      request.headers = headers;
      request.body = c.body;
      (void)run(c.app, std::move(request));
    }
  };
  auto traced = [&] { return std::stoll(run(memory, make_request("/m")).body); };

  for (int i = 0; i < 200; ++i) round();  // caches (header keys, linecache, ...) fill up
  (void)py_state(true);
  ASSERT_EQ(run(memory, make_request("/m", "start")).body, "started");
  for (int i = 0; i < 50; ++i) round();
  (void)py_state(true);
  long long before = traced();
  constexpr int kRounds = 1000;  // x 13 requests
  for (int i = 0; i < kRounds; ++i) round();
  (void)py_state(true);
  long long after = traced();
  clear_log();
  EXPECT_LT(after - before, 32 * 1024) << "before " << before << " after " << after;
}

}  // namespace
}  // namespace wc::app::python::testing
