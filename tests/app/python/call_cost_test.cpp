// What one hello-world request costs in this layer (environ, app call, body, finish). Printed for
// the record; the bound only catches something pathological (it also holds under ASan).
#include <array>
#include <chrono>
#include <cstdio>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class CallCost : public PythonTest {};

TEST_F(CallCost, HelloWorldRequest) {
  Application app = load_app("hello");
  const std::array<std::pair<std::string_view, std::string_view>, 6> headers = {{
      {"Host", "127.0.0.1:8000"},
      {"User-Agent", "wrk/4.2"},
      {"Accept", "*/*"},
      {"Accept-Encoding", "gzip, deflate"},
      {"Connection", "keep-alive"},
      {"X-Request-Id", "8f14e45f"},
  }};
  auto one = [&] {
    Request request = make_request("/hello");
    request.headers = headers;
    Call call = app.call(std::move(request));
    Piece piece;
    size_t bytes = 0;
    Step step;
    while ((step = call.next(piece)) == Step::kBody) bytes += piece.body.size();
    call.finish();
    return step == Step::kDone && bytes == 13;
  };
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(one());
  constexpr int kRounds = 100000;
  auto start = std::chrono::steady_clock::now();
  int ok = 0;
  for (int i = 0; i < kRounds; ++i) ok += one() ? 1 : 0;
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ok, kRounds);
  double per_call = elapsed.count() / kRounds;
  std::printf("hello-world call: %.2f us per request (%d requests)\n", per_call, kRounds);
  RecordProperty("us_per_request", std::to_string(per_call));
  EXPECT_LT(per_call, 200.0);
}

}  // namespace
}  // namespace wc::app::python::testing
