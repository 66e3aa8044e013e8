// The environ: every PEP 3333 key and gunicorn's extras, their types, latin-1 native strings,
// repeated headers joined as gunicorn joins them.
#include <array>

#include "python_test_support.h"

namespace wc::app::python::testing {
namespace {

class Environ : public PythonTest {};

TEST_F(Environ, EveryKeyWithItsTypeAndValue) {
  Application app = load_app("environ_dump");
  const std::array<std::pair<std::string_view, std::string_view>, 9> headers = {{
      {"Host", "example.com"},
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Content-Length", "7"},
      {"X-Dup", "a"},
      {"Accept-Language", "fr"},
      {"x-dup", "b"},
      {"X-Dup", "c"},
      {"X-Latin", "\xe9t\xe9"},
      {"X-Empty", ""},
  }};
  Request request;
  request.method = "POST";
  request.script_name = "/app";
  request.path_info = "/caf\xc3\xa9 x";  // percent-decoded bytes (UTF-8 on the wire)
  request.raw_uri = "/app/caf%C3%A9%20x?q=1&r=%E9";
  request.query = "q=1&r=%E9";
  request.protocol = "HTTP/1.1";
  request.remote_addr = "10.1.2.3";
  request.remote_port = "54321";
  request.url_scheme = "https";
  request.headers = headers;
  request.body = "a=1&b=2";
  // Twice: the second request takes every header key from the cache.
  for (int round = 0; round < 2; ++round) {
    Request copy = request;
    Response r = run(app, std::move(copy));
    ASSERT_EQ(r.last, Step::kDone);
    EXPECT_EQ(r.body,
              "CONTENT_LENGTH=str:'7'\n"
              "CONTENT_TYPE=str:'application/x-www-form-urlencoded'\n"
              "HTTP_ACCEPT_LANGUAGE=str:'fr'\n"
              "HTTP_HOST=str:'example.com'\n"
              "HTTP_X_DUP=str:'a,b,c'\n"
              "HTTP_X_EMPTY=str:''\n"
              "HTTP_X_LATIN=str:'\\xe9t\\xe9'\n"
              "PATH_INFO=str:'/caf\\xc3\\xa9 x'\n"
              "QUERY_STRING=str:'q=1&r=%E9'\n"
              "RAW_URI=str:'/app/caf%C3%A9%20x?q=1&r=%E9'\n"
              "REMOTE_ADDR=str:'10.1.2.3'\n"
              "REMOTE_PORT=str:'54321'\n"
              "REQUEST_METHOD=str:'POST'\n"
              "REQUEST_URI=str:'/app/caf%C3%A9%20x?q=1&r=%E9'\n"
              "SCRIPT_NAME=str:'/app'\n"
              "SERVER_NAME=str:'127.0.0.1'\n"
              "SERVER_PORT=str:'8000'\n"
              "SERVER_PROTOCOL=str:'HTTP/1.1'\n"
              "SERVER_SOFTWARE=str:'webcycle/" WEBCYCLE_VERSION "'\n"
              "wsgi.errors=Errors\n"
              "wsgi.file_wrapper=type\n"
              "wsgi.input=Input\n"
              "wsgi.input_terminated=bool:True\n"
              "wsgi.multiprocess=bool:False\n"
              "wsgi.multithread=bool:False\n"
              "wsgi.run_once=bool:False\n"
              "wsgi.url_scheme=str:'https'\n"
              "wsgi.version=tuple:(1, 0)\n"
              "file_wrapper_is_type=True")
        << "round " << round;
  }
}

TEST_F(Environ, AbsentContentHeadersAndUnixPeerAreOmitted) {
  Application app = load_app("environ_dump", /*multiprocess=*/true);
  const std::array<std::pair<std::string_view, std::string_view>, 1> headers = {{{"Host", "h"}}};
  Request request = make_request("/", "", "PURGE");
  request.remote_addr = "";
  request.remote_port = "";  // unix socket: gunicorn sets no REMOTE_PORT
  request.server_name = "unix.example";
  request.server_port = "80";
  request.protocol = "HTTP/1.0";
  request.url_scheme = "";
  request.headers = headers;
  Response r = run(app, std::move(request));
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_EQ(r.body.find("CONTENT_TYPE"), std::string::npos);
  EXPECT_EQ(r.body.find("CONTENT_LENGTH"), std::string::npos);
  EXPECT_EQ(r.body.find("REMOTE_PORT"), std::string::npos);
  EXPECT_NE(r.body.find("\nREMOTE_ADDR=str:''\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\nREQUEST_METHOD=str:'PURGE'\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nSERVER_NAME=str:'unix.example'\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nSERVER_PORT=str:'80'\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nSERVER_PROTOCOL=str:'HTTP/1.0'\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nwsgi.url_scheme=str:'http'\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nwsgi.multiprocess=bool:True\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nQUERY_STRING=str:''\n"), std::string::npos);
  EXPECT_NE(r.body.find("\nSCRIPT_NAME=str:''\n"), std::string::npos);
}

TEST_F(Environ, ChunkedBodyGetsItsDecodedLength) {
  Application app = load_app("environ_dump");
  const std::array<std::pair<std::string_view, std::string_view>, 2> headers = {
      {{"Transfer-Encoding", "chunked"}, {"content-type", "text/plain"}}};
  Request request = make_request("/", "", "POST");
  request.headers = headers;
  request.content_length = 5;
  request.body = "hello";
  Response r = run(app, std::move(request));
  ASSERT_EQ(r.last, Step::kDone);
  EXPECT_NE(r.body.find("CONTENT_LENGTH=str:'5'\nCONTENT_TYPE=str:'text/plain'\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\nHTTP_TRANSFER_ENCODING=str:'chunked'\n"), std::string::npos);
}

TEST_F(Environ, ManyDistinctHeaderNamesStayCorrectPastTheCache) {
  Application app = load_app("environ_dump");
  // 300 distinct names over several requests: the cache stops at 256, later names are built per
  // request and must still be right.
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("X-N" + std::to_string(i));
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    for (int i = batch * 100; i < batch * 100 + 100; ++i) headers.emplace_back(names[i], "v");
    Request request = make_request("/");
    request.headers = headers;
    Response r = run(app, std::move(request));
    ASSERT_EQ(r.last, Step::kDone);
    for (int i = batch * 100; i < batch * 100 + 100; ++i) {
      EXPECT_NE(("\n" + r.body).find("\nHTTP_X_N" + std::to_string(i) + "=str:'v'\n"), std::string::npos)
          << i;
    }
  }
}

}  // namespace
}  // namespace wc::app::python::testing
