// start_response: validation (kError, never a broken head), hop-by-hop headers, exc_info rules,
// write() ordering.
#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class StartResponse : public PythonTest {};

struct BadCase {
  const char* query;
  const char* log_line;  // the exception line that must be in the log
};

TEST_F(StartResponse, InvalidStatusOrHeadersEndInErrorWithTheReasonLogged) {
  const BadCase cases[] = {
      {"status-bytes", "TypeError: status must be a str, not bytes"},
      {"status-no-reason-space", "ValueError: Invalid status '200': expected \"NNN Reason-Phrase\""},
      {"status-two-digits", "ValueError: Invalid status '20 OK'"},
      {"status-letters", "ValueError: Invalid status '2x0 OK'"},
      {"status-crlf", "ValueError: Invalid status '200 OK\\r\\nX-Evil: 1'"},
      {"status-wide", "ValueError: Invalid status '200 \xe2\x82\xac'"},
      {"headers-not-list", "TypeError: headers must be a list of (name, value) tuples, not int"},
      {"header-not-pair", "TypeError: header must be a (name, value) tuple, not ('A', 'b', 'c')"},
      {"header-name-bytes", "TypeError: b'A' is not a string"},
      {"header-name-space", "ValueError: Invalid HTTP header name: 'Bad Name'"},
      {"header-name-colon", "ValueError: Invalid HTTP header name: 'A:b'"},
      {"header-value-bytes", "TypeError: b'b' is not a string"},
      {"header-value-lf", "ValueError: Invalid HTTP Header: 'b\\nInjected: 1'"},
      {"header-value-cr", "ValueError: Invalid HTTP Header: 'b\\rc'"},
      {"header-value-nul", "ValueError: Invalid HTTP Header: 'b\\x00c'"},
      {"header-value-wide", "ValueError: Invalid HTTP Header: '\xe2\x82\xac'"},
      {"content-length-bad", "ValueError: invalid literal for int() with base 10: '12x'"},
  };
  Application app = load_app("bad_head");
  for (const BadCase& c : cases) {
    clear_log();
    std::string raw_uri = std::string("/bad?") + c.query;
    Request request = make_request("/bad", c.query);
    request.raw_uri = raw_uri;
    Response r = run(app, std::move(request));
    EXPECT_EQ(r.last, Step::kError) << c.query;
    EXPECT_FALSE(r.started) << c.query;
    EXPECT_FALSE(r.committed) << c.query;  // the server can still answer 500
    EXPECT_EQ(r.body, "") << c.query;
    std::string log = log_text();
    EXPECT_NE(log.find("[ERROR] Error handling request " + raw_uri + "\nTraceback"), std::string::npos)
        << c.query << "\n" << log;
    EXPECT_NE(log.find(std::string("\n") + c.log_line), std::string::npos) << c.query << "\n" << log;
  }
}

TEST_F(StartResponse, AnAppMayCatchTheErrorAndAnswerProperly) {
  Response r = run_app("swallowed_bad_head");
  EXPECT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.status, "201 Created");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "X-Ok");
  EXPECT_EQ(r.body, "recovered");
  EXPECT_EQ(py_state(), "{'swallowed': [\"Invalid HTTP header name: 'Bad Name'\"]}");
}

TEST_F(StartResponse, HopByHopDroppedValuesTrimmedLatin1Kept) {
  Response r = run_app("good_head");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.committed);
  EXPECT_EQ(r.status, "404 Not Found");
  EXPECT_EQ(r.code, 404);
  std::vector<std::pair<std::string, std::string>> got;
  for (const ResponseHeader& h : r.headers) got.emplace_back(h.name, h.value);
  std::vector<std::pair<std::string, std::string>> want = {
      {"Content-Type", "text/html; charset=utf-8"},
      {"X-Latin", "caf\xe9"},  // one latin-1 byte, as it goes on the wire
      {"Content-Length", "9"},
      {"Set-Cookie", "a=1"},
      {"Set-Cookie", "b=2"},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.body, "not found");
  EXPECT_EQ(r.known_length, 9);
}

TEST_F(StartResponse, WebsocketUpgradeIsKept) {
  Response r = run_app("websocket_head");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.code, 101);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "Upgrade");
  EXPECT_EQ(r.headers[0].value, "websocket");
}

TEST_F(StartResponse, SecondCallWithoutExcInfoIsAnError) {
  Response r = run_app("twice");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("\nAssertionError: Response headers already set!\n"), std::string::npos)
      << log_text();
}

TEST_F(StartResponse, ExcInfoBeforeTheHeadIsSentReplacesIt) {
  Response r = run_app("exc_info_before");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.status, "500 Internal Server Error");
  EXPECT_EQ(r.code, 500);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].name, "X-Second");
  EXPECT_EQ(r.body, "error page");
  EXPECT_EQ(log_text(), "");

  Response k = run_app("exc_info_keyword");
  ASSERT_EQ(k.last, Step::kDone);
  EXPECT_EQ(k.status, "503 Service Unavailable");
}

TEST_F(StartResponse, ExcInfoAfterTheHeadIsSentReraises) {
  Response r = run_app("exc_info_after");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_EQ(r.body, "first");
  EXPECT_EQ(r.status, "200 OK");  // what was sent stays
  EXPECT_TRUE(r.committed);       // the server must close the connection, not answer 500
  std::string log = log_text();
  EXPECT_NE(log.find("Error handling request /exc_info_after\nTraceback"), std::string::npos) << log;
  EXPECT_NE(log.find("\nKeyError: 'late failure'\n"), std::string::npos) << log;
}

TEST_F(StartResponse, ExcInfoAfterWriteReraises) {
  Response r = run_app("exc_info_after_write");
  EXPECT_EQ(r.last, Step::kError);
  // PEP 3333: write() transmits at once, so what was written still goes out (with the head),
  // and the error then cuts the response short instead of turning it into a 500.
  EXPECT_EQ(r.body, "sent");
  EXPECT_TRUE(r.committed);
  EXPECT_NE(log_text().find("\nKeyError: 'after write'\n"), std::string::npos) << log_text();
}

TEST_F(StartResponse, WritePiecesComeFirstInOrder) {
  Response r = run_app("write_app");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"one,", "two,", "three,", "four"}));
  EXPECT_EQ(r.known_length, -1);  // write() was used: the list is not the whole body
}

TEST_F(StartResponse, WriteDuringIterationGoesBeforeTheItemYieldedAfterIt) {
  Response r = run_app("write_in_generator");
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.pieces, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
}

TEST_F(StartResponse, WriteNeedsBytes) {
  Response r = run_app("write_str");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("\nTypeError: 'text' is not a byte\n"), std::string::npos) << log_text();
}

TEST_F(StartResponse, WriteAfterTheRequestEndedRaises) {
  Response first = run_app("write_before_start");
  ASSERT_EQ(first.last, Step::kDone);
  Response second = run_app("late_write");
  ASSERT_EQ(second.last, Step::kDone);
  EXPECT_EQ(second.body, "y");
  EXPECT_NE(py_state().find("'late': ['write() called after the request ended']"), std::string::npos)
      << py_state();
}

}  // namespace
}  // namespace wc::app::python::testing
