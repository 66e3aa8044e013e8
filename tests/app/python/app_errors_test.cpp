// Exceptions anywhere in the app: kError, traceback in the log in gunicorn's format, the worker
// (this test process) survives; wsgi.errors reaches the log.
#include <algorithm>
#include <array>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class AppErrors : public PythonTest {};

TEST_F(AppErrors, RaisingAppLogsTheTraceback) {
  Application app = load_app("raises");
  Request request = make_request("/raise");
  request.raw_uri = "/raise?x=1";
  Response r = run(app, std::move(request));
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.committed);
  std::string log = log_text();
  // gunicorn: self.log.exception("Error handling request %s", req.uri): one entry, the message
  // line with the log's prefix, then Python's traceback as it prints it.
  const std::string file = "  File \"" + apps_dir() + "/wsgi_apps.py\", line ";
  const std::vector<std::string> parts = {
      "] [ERROR] Error handling request /raise?x=1\nTraceback (most recent call last):\n",
      file, ", in raises\n    inner()\n",
      file, ", in inner\n    raise ValueError(\"boom from the app\")\n",
      "ValueError: boom from the app\n"};
  EXPECT_EQ(log.rfind("[20", 0), 0u) << log;  // "[2026-05-09 07:35:25 +0000] [pid] [ERROR] ..."
  size_t at = 0;
  for (const std::string& part : parts) {
    size_t found = log.find(part, at);
    ASSERT_NE(found, std::string::npos) << "missing, in order: " << part << "\n" << log;
    at = found + part.size();
  }
  EXPECT_EQ(at, log.size()) << log;  // nothing after the exception line
  EXPECT_EQ(std::count(log.begin(), log.end(), '['), 3) << log;  // one entry: one prefix
}

TEST_F(AppErrors, RaisingAfterStartResponseIsStillAnError) {
  Response r = run_app("raises_after_start");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_FALSE(r.started);
  EXPECT_NE(log_text().find("\nLookupError: after start_response\n"), std::string::npos);
}

TEST_F(AppErrors, GeneratorRaisingMidBody) {
  Response r = run_app("generator_raises");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_EQ(r.body, "partial");
  EXPECT_TRUE(r.committed);
  EXPECT_NE(log_text().find("\nZeroDivisionError: mid-body\n"), std::string::npos) << log_text();
  EXPECT_EQ(py_state(), "{'generator_raises_finally': [True]}");
}

TEST_F(AppErrors, SystemExitAndKeyboardInterruptDoNotEndTheProcess) {
  Response r = run_app("system_exit");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("Error handling request /system_exit\nTraceback"), std::string::npos) << log_text();
  EXPECT_NE(log_text().find("\nSystemExit: 3\n"), std::string::npos) << log_text();
  clear_log();
  Response k = run_app("keyboard_interrupt");
  EXPECT_EQ(k.last, Step::kError);
  EXPECT_NE(log_text().find("\nKeyboardInterrupt\n"), std::string::npos) << log_text();
  // Still serving.
  EXPECT_EQ(run_app("hello").body, "Hello, world!");
}

TEST_F(AppErrors, StartResponseNeverCalled) {
  Response r = run_app("no_start_response");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("Error handling request /no_start_response\nAssertionError: start_response was not called\n"),
            std::string::npos)
      << log_text();
  clear_log();
  Response g = run_app("generator_no_start");
  EXPECT_EQ(g.last, Step::kError);
  EXPECT_EQ(g.body, "");
  EXPECT_NE(log_text().find("AssertionError: start_response was not called\n"), std::string::npos);
}

TEST_F(AppErrors, NotIterable) {
  Response r = run_app("not_iterable");
  EXPECT_EQ(r.last, Step::kError);
  EXPECT_NE(log_text().find("\nTypeError: 'int' object is not iterable\n"), std::string::npos) << log_text();
}

TEST_F(AppErrors, WsgiErrorsLinesGoToTheLogAtErrorLevel) {
  Response r = run_app("errors_app");
  ASSERT_EQ(r.last, Step::kDone);
  std::string log = log_text();
  std::vector<std::string> messages;
  for (size_t at = log.find("] [ERROR] "); at != std::string::npos; at = log.find("] [ERROR] ", at)) {
    at += 10;
    size_t end = log.find('\n', at);
    messages.push_back(log.substr(at, end - at));
  }
  // Complete lines as soon as they are written, a partial one on flush() or at the request's end.
  EXPECT_EQ(messages, (std::vector<std::string>{"first line", "second half", "a", "b", "no newline",
                                                "pending at the end"}))
      << log;
}

TEST_F(AppErrors, ValidatorWrappedAppPassesAFullCycle) {
  // wsgiref.validate checks the environ, wsgi.input/errors, start_response, write and close.
  Application app = load_app("validated_app");
  const std::array<std::pair<std::string_view, std::string_view>, 2> headers = {
      {{"Content-Type", "text/plain"}, {"Content-Length", "5"}}};
  Request request = make_request("/validated", "a=b", "POST");
  request.headers = headers;
  request.body = "hello";
  Response r = run(app, std::move(request));
  ASSERT_EQ(r.last, Step::kDone) << log_text();
  EXPECT_EQ(r.status, "200 OK");
  EXPECT_EQ(r.body, "got:hello");
  EXPECT_NE(log_text().find("[ERROR] validated app saw 5 bytes\n"), std::string::npos) << log_text();
  EXPECT_EQ(log_text().find("Error handling"), std::string::npos) << log_text();

  Application gen = load_app("validated_generator");
  Response g = run(gen, make_request("/validated_generator"));
  ASSERT_EQ(g.last, Step::kDone) << log_text();
  EXPECT_EQ(g.body, "v1v2");
  EXPECT_EQ(log_text().find("Error handling"), std::string::npos) << log_text();
}

}  // namespace
}  // namespace wc::app::python::testing
