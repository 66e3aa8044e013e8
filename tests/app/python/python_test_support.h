// Shared by the app_python_tests files: one interpreter per test process with the test apps
// (wsgi_apps.py, copied to a temporary directory) on sys.path, app_log() writing to a temporary
// file, and helpers that run one request through Application/Call as the server would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/python/application.h"

namespace wc::app::python::testing {

// The per-process set-up (idempotent): temp dir, Python initialized, log opened.
const std::string& apps_dir();
const std::string& log_path();

std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view content);
// The error log's content since the last clear_log().
std::string log_text();
void clear_log();

// Application::load("wsgi_apps:" + callable), failing the test on error.
Application load_app(const std::string& callable, bool multiprocess = false);

struct Response {
  Step last = Step::kError;
  bool started = false;
  bool committed = false;  // head_committed() at the end
  std::string status;
  int code = 0;
  std::vector<ResponseHeader> headers;
  int64_t known_length = -2;
  std::string body;
  std::vector<std::string> pieces;
  std::vector<FilePiece> files;
};

// A request as the server would build it: GET PATH?QUERY HTTP/1.1 from 127.0.0.1:40000.
Request make_request(std::string_view path, std::string_view query = {},
                     std::string_view method = "GET");

// call() + next() until kDone/kError + finish(); `on_file` sees each kFile piece while the Call
// is still alive (its fd is only valid until finish()).
Response run(Application& app, Request request, void (*on_file)(const FilePiece&) = nullptr);
// Loads CALLABLE and runs one GET /CALLABLE?QUERY.
Response run_app(const std::string& callable, std::string_view query = {});

// wsgi_apps.STATE as ascii() text; `reset` empties it afterwards.
std::string py_state(bool reset = false);

// The test fixture: clears the log and STATE before each test.
class PythonTest : public ::testing::Test {
 protected:
  void SetUp() override;
};

}  // namespace wc::app::python::testing
