#include "python_test_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/log/app_log.h"
#include "app/python/interpreter.h"

namespace wc::app::python::testing {
namespace {

struct Setup {
  std::string dir;
  std::string log;
  Setup() {
    char templ[] = "/tmp/wc_app_python_XXXXXX";
    char* made = ::mkdtemp(templ);
    if (made == nullptr) std::abort();
    dir = made;
    write_file(dir + "/wsgi_apps.py",
               read_file(std::string(WEBCYCLE_SOURCE_DIR) + "/tests/app/python/wsgi_apps.py"));
    log = dir + "/error.log";
    if (!app_log().open(log, AppLogLevel::debug)) std::abort();
    if (!initialize(InterpreterSettings{{dir}})) std::abort();
  }
  ~Setup() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

Setup& setup() {
  static Setup instance;
  return instance;
}

}  // namespace

const std::string& apps_dir() { return setup().dir; }
const std::string& log_path() { return setup().log; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string log_text() { return read_file(log_path()); }

void clear_log() {
  // The log is O_APPEND: truncating the file is enough, the next write starts at 0.
  if (::truncate(log_path().c_str(), 0) != 0) ADD_FAILURE() << "truncate " << log_path();
}

Application load_app(const std::string& callable, bool multiprocess) {
  apps_dir();
  ServerInfo server{"127.0.0.1", "8000", multiprocess};
  auto app = Application::load("wsgi_apps:" + callable, server, {});
  if (!app) {
    ADD_FAILURE() << "load " << callable << ": " << app.error().message;
    return Application();
  }
  return std::move(*app);
}

Request make_request(std::string_view path, std::string_view query, std::string_view method) {
  Request request;
  request.method = method;
  request.path_info = path;
  request.raw_uri = path;  // the tests pass no query in raw_uri unless they build it themselves
  request.query = query;
  request.protocol = "HTTP/1.1";
  request.remote_addr = "127.0.0.1";
  request.remote_port = "40000";
  request.url_scheme = "http";
  return request;
}

Response run(Application& app, Request request, void (*on_file)(const FilePiece&)) {
  Response response;
  Call call = app.call(std::move(request));
  Piece piece;
  for (;;) {
    Step step = call.next(piece);
    if (step == Step::kBody) {
      EXPECT_FALSE(piece.body.empty());
      response.body += piece.body;
      response.pieces.emplace_back(piece.body);
    } else if (step == Step::kFile) {
      response.files.push_back(piece.file);
      if (on_file != nullptr) on_file(piece.file);
    } else {
      response.last = step;
      break;
    }
  }
  response.started = call.started();
  response.committed = call.head_committed();
  response.status = std::string(call.status());
  response.code = call.status_code();
  response.headers = call.headers();
  response.known_length = call.known_length();
  call.finish();
  EXPECT_TRUE(call.finished());
  return response;
}

Response run_app(const std::string& callable, std::string_view query) {
  Application app = load_app(callable);
  std::string path = "/" + callable;
  return run(app, make_request(path, query));
}

std::string py_state(bool reset) {
  Application app = load_app("state");
  Response r = run(app, make_request("/state", reset ? "reset" : ""));
  return r.body;
}

void PythonTest::SetUp() {
  apps_dir();
  (void)py_state(true);
  clear_log();
}

}  // namespace wc::app::python::testing

// LeakSanitizer's suppressions for CPython live in src/app/python/interpreter.cpp (one
// definition for the tests and the webcycle binary alike).
