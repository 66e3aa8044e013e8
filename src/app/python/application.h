// The WSGI application (PEP 3333) of one worker process, and the responses it produces.
//
// The server (src/app) decides everything HTTP: what SCRIPT_NAME and PATH_INFO are, which
// X-Forwarded-* to trust, framing, keep-alive. This layer turns a request into an environ,
// calls the application, and hands back status, headers and body pieces as plain C++ values:
//
//   Application app = Application::load("myproject.wsgi:application", env).value();
//   Call call = app.call(std::move(request));   // runs app(environ, start_response)
//   while ((step = call.next(piece)) == Step::kBody || step == Step::kFile) ... write ...
//   call.finish();                               // iterable.close(), always
//
// Ownership: Application and Call hold Python references (released in their destructors, with
// the GIL). A Call keeps its request (body included) alive for wsgi.input until it is destroyed.
// Views a Call hands out stay valid until the next call on that Call.
// Errors: anything the application raises becomes Step::kError, after the traceback has been
// written to app_log() at error ("Error handling request PATH"), as gunicorn does; the caller
// answers 500 if nothing was sent yet, else closes the connection. Never an exception.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wc::app::python {

// Per-worker constants of the environ.
struct ServerInfo {
  std::string server_name;  // SERVER_NAME: the bound host ("127.0.0.1"), or the unix path
  std::string server_port;  // SERVER_PORT: "8000" ("" for unix sockets)
  bool multiprocess = false;  // wsgi.multiprocess: more than one worker
  // --env KEY=VALUE pairs go to os.environ (not the WSGI environ), done by Application::load.
};

// One request, as the server has decided it. Every string is raw bytes; this layer decodes them as
// latin-1 into native strings (PEP 3333 "Unicode issues").
struct Request {
  std::string_view method;        // REQUEST_METHOD
  std::string_view script_name;   // SCRIPT_NAME (already decided: --env or the SCRIPT_NAME header)
  std::string_view path_info;     // PATH_INFO: percent-DECODED bytes, SCRIPT_NAME removed
  std::string_view raw_uri;       // RAW_URI and REQUEST_URI: the request-target as sent
  std::string_view query;         // QUERY_STRING (raw, may be empty)
  std::string_view protocol;      // SERVER_PROTOCOL, "HTTP/1.1"
  std::string_view remote_addr;   // REMOTE_ADDR (after --forwarded-allow-ips)
  std::string_view remote_port;   // REMOTE_PORT ("" for unix sockets)
  std::string_view url_scheme;    // wsgi.url_scheme: "http" or "https"
  std::string_view server_name;   // SERVER_NAME for this request ("" = ServerInfo's)
  std::string_view server_port;   // SERVER_PORT for this request ("" = ServerInfo's)
  // Header fields in arrival order. Content-Type and Content-Length become CONTENT_TYPE and
  // CONTENT_LENGTH; every other name becomes HTTP_ + upper case with '-' -> '_', and repeated
  // names are joined with "," in order (gunicorn's behaviour). Names containing '_' never reach
  // here (the parser drops them).
  std::span<const std::pair<std::string_view, std::string_view>> headers;
  // CONTENT_LENGTH when the body was chunked (decoded length); -1: take it from the headers.
  int64_t content_length = -1;
  // The body, whole (the server reads it before calling the app): either in memory ...
  std::string body;
  // ... or, when large, in an unlinked temporary file of body_file_size bytes (-1: use `body`).
  // The Call owns the fd from then on and closes it.
  int body_fd = -1;
  int64_t body_file_size = 0;
};

// A response header as the app gave it (validated: token name, no CR/LF/NUL in the value).
struct ResponseHeader {
  std::string name;
  std::string value;
};

enum class Step : unsigned char {
  kBody,   // `body` holds the next piece (non-empty)
  kFile,   // `file` describes a file to send with sendfile (wsgi.file_wrapper)
  kDone,   // the iterable is exhausted
  kError,  // the app raised, or gave something invalid (logged); see Call::head_committed()
};

struct FilePiece {
  int fd = -1;         // the app's file; stays open until the Call is finished
  int64_t offset = 0;  // current position of the file object
  int64_t count = -1;  // bytes to send; -1: to the end of the file
};

struct Piece {
  std::string_view body;  // kBody: bytes owned by the Call until its next call
  FilePiece file;         // kFile
};

class Call {
 public:
  Call() = default;
  ~Call();  // finish() if not done yet
  Call(Call&& other) noexcept;
  Call& operator=(Call&& other) noexcept;
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // True once start_response has been called (and not superseded): status() and headers() are
  // the ones to send. They may still change until head_committed() (a later start_response with
  // exc_info replaces them, PEP 3333).
  [[nodiscard]] bool started() const noexcept { return started_; }
  // "200 OK" as the app wrote it (validated: three digits, a space, a reason without CR/LF).
  [[nodiscard]] std::string_view status() const noexcept { return status_; }
  [[nodiscard]] int status_code() const noexcept { return status_code_; }
  [[nodiscard]] const std::vector<ResponseHeader>& headers() const noexcept { return headers_; }
  // The total body length when it is known before the first piece (the iterable is a list or
  // tuple of bytes, with nothing written through write()); -1 otherwise. Lets the server send
  // Content-Length instead of chunked when the app gave none.
  [[nodiscard]] int64_t known_length() const noexcept { return known_length_; }

  // Produces the next piece of the body (runs Python: the iterable's __next__, or the pieces the
  // app passed to write()). Empty bytes are skipped. The first kBody/kFile/kDone commits the head:
  // after it, start_response(..., exc_info) re-raises and the call ends in kError. kError is
  // final; so is kDone.
  [[nodiscard]] Step next(Piece& piece);
  // Marks the head as sent (the server calls it when it writes the head). next() does it too.
  void commit_head() noexcept { head_committed_ = true; }
  [[nodiscard]] bool head_committed() const noexcept { return head_committed_; }

  // Calls the iterable's close() if it has one (PEP 3333: always, whatever happened), drops the
  // references, closes the request body file. Errors raised by close() are logged. Idempotent.
  void finish();
  [[nodiscard]] bool finished() const noexcept { return state_ == nullptr; }

 private:
  friend class Application;
  struct State;  // Python references (defined in call.cpp)
  State* state_ = nullptr;
  bool started_ = false;
  bool head_committed_ = false;
  int status_code_ = 0;
  int64_t known_length_ = -1;
  std::string status_;
  std::vector<ResponseHeader> headers_;
};

class Application {
 public:
  // Imports MODULE and resolves CALLABLE in it, as gunicorn's util.import_app does: CALLABLE may be
  // a dotted attribute path or a call expression like `create_app()` / `create_app("x", y=1)`
  // (literal arguments only); a missing CALLABLE defaults to "application". Sets os.environ from
  // `env` first. Errors (gunicorn's wording, traceback included where Python raised):
  // "Failed to find attribute 'app' in 'mod'.", "Application object must be callable.",
  // or the import's traceback. The server exits with code 4 on any of them.
  [[nodiscard]] static Result<Application> load(
      std::string_view spec, const ServerInfo& server,
      std::span<const std::pair<std::string, std::string>> env);

  Application() = default;
  ~Application();
  Application(Application&& other) noexcept;
  Application& operator=(Application&& other) noexcept;
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Builds the environ for `request`, calls the application. The returned Call has started()
  // unless the app raised (then next() gives kError at once) or returned without calling
  // start_response (kError, "start_response was not called" logged).
  [[nodiscard]] Call call(Request&& request);

 private:
  struct State;  // the callable, interned keys, the environ template (defined in application.cpp)
  State* state_ = nullptr;
};

}  // namespace wc::app::python
