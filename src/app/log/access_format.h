// AccessFormat: gunicorn's access log line (--access-logformat), compiled once, rendered per
// request without allocating (beyond the growth of the caller's `out`).
//
// The format is Python %-formatting against gunicorn's atoms (glogging.py, Logger.atoms() and
// SafeAtoms), as gunicorn 20.1 does it:
//   %(h)s remote address   %(l)s '-'              %(u)s user (Authorization: Basic) or '-'
//   %(t)s [24/Nov/2026:00:17:02 +0000] (local time, the second the request ended)
//   %(r)s "GET /p?q HTTP/1.1" (method, raw URI, protocol)  %(m)s method  %(U)s PATH_INFO
//   %(q)s query string     %(H)s protocol          %(s)s status
//   %(B)s body bytes sent  %(b)s body bytes sent   (gunicorn prints "0", not '-', for 0 bytes)
//   %(f)s Referer or '-'   %(a)s User-Agent or '-' (repeated headers joined with ',')
//   %(T)s whole seconds    %(M)s milliseconds      %(D)s microseconds   %(L)s "0.000123"
//   %(p)s "<1234>"         %({name}i)s request header, %({name}o)s response header,
//   %({name}e)s WSGI environ variable (names case-insensitive; the last of repeated headers)
// Unknown keys print '-'. Every string value has '"' replaced by '\"' (SafeAtoms), and control
// characters written as "\x0A" (nginx's escaping; gunicorn writes them raw, which lets a client
// forge log lines). Request bytes are latin-1 to gunicorn, and its log file is UTF-8: a byte >=
// 0x80 is written as its two-byte UTF-8 form (gunicorn's mojibake, reproduced); the user name is
// UTF-8 already.
//
// Python's conversion spec is honoured: %(key)[flags][width][.precision]conv with flags "-0+ #",
// conversions s, r (repr), d/i/u and x/X/o for the numeric atoms (T, M, D, B), and "%%". What
// Python would raise per request (and gunicorn would then log as a traceback instead of the line)
// is refused at compile time: an unterminated "%(", a spec without a mapping key, "*" widths,
// an unknown conversion, a number conversion on a string atom.
//
// Single-threaded: render() caches the formatted time per second in the object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace wc::app {

using AccessHeader = std::pair<std::string_view, std::string_view>;

// A read-only list of (name, value) pairs without copying: a span of AccessHeader, or a span of
// any struct with `name` and `value` members convertible to string_view (e.g. the Python layer's
// ResponseHeader). The viewed items must outlive the render() call.
class AccessHeaders {
 public:
  AccessHeaders() = default;
  AccessHeaders(
      std::span<const AccessHeader> pairs) noexcept  // NOLINT(google-explicit-constructor)
      : items_(pairs.data()), count_(pairs.size()), at_(&pair_at) {}
  template <class T>
  requires requires(const T& t) {
    std::string_view(t.name);
    std::string_view(t.value);
  }
  AccessHeaders(std::span<const T> items) noexcept  // NOLINT(google-explicit-constructor)
      : items_(items.data()), count_(items.size()), at_(&member_at<T>) {}
  template <class T>
  requires requires(const T& t) {
    std::string_view(t.name);
    std::string_view(t.value);
  }
  AccessHeaders(const std::vector<T>& items) noexcept  // NOLINT(google-explicit-constructor)
      : AccessHeaders(std::span<const T>(items)) {}
  AccessHeaders(const std::vector<AccessHeader>& items) noexcept  // NOLINT
      : AccessHeaders(std::span<const AccessHeader>(items)) {}

  [[nodiscard]] size_t size() const noexcept { return count_; }
  [[nodiscard]] AccessHeader operator[](size_t i) const noexcept { return at_(items_, i); }

 private:
  static AccessHeader pair_at(const void* items, size_t i) noexcept {
    return static_cast<const AccessHeader*>(items)[i];
  }
  template <class T>
  static AccessHeader member_at(const void* items, size_t i) noexcept {
    const T& t = static_cast<const T*>(items)[i];
    return {std::string_view(t.name), std::string_view(t.value)};
  }

  const void* items_ = nullptr;
  size_t count_ = 0;
  AccessHeader (*at_)(const void*, size_t) noexcept = &pair_at;
};

// What one request contributes to its access log line. Views, owned by the caller.
struct AccessFacts {
  std::string_view remote_addr;    // h, REMOTE_ADDR ("" for a unix socket, as gunicorn)
  std::string_view method;         // m, REQUEST_METHOD
  std::string_view raw_uri;        // RAW_URI, the request-target as sent (r's middle)
  std::string_view path_info;      // U, PATH_INFO (percent-decoded bytes)
  std::string_view query;          // q, QUERY_STRING ("" when none; printed as "")
  std::string_view protocol;       // H, SERVER_PROTOCOL "HTTP/1.1"
  unsigned status = 0;             // s
  uint64_t sent = 0;               // B and b: response body bytes sent
  int64_t start_usec = 0;          // request start, CLOCK_REALTIME microseconds
  int64_t end_usec = 0;            // when the response ended; t prints its second
  int pid = 0;                     // p
  AccessHeaders request_headers;   // {name}i, f, a, u and the environ's HTTP_* variables
  AccessHeaders response_headers;  // {name}o
  // {name}e: looked up here first (e.g. SCRIPT_NAME, SERVER_NAME, SERVER_PORT, REMOTE_PORT,
  // wsgi.url_scheme, SERVER_SOFTWARE), then among the variables every WSGI environ has, derived
  // from the fields above: REQUEST_METHOD, RAW_URI, PATH_INFO, QUERY_STRING, SERVER_PROTOCOL,
  // REMOTE_ADDR, CONTENT_TYPE, CONTENT_LENGTH, HTTP_*. Names compare case-insensitively.
  AccessHeaders environ;
};

// Microseconds since the epoch, CLOCK_REALTIME (for start_usec / end_usec).
[[nodiscard]] int64_t access_clock_usec() noexcept;

class AccessFormat {
 public:
  // gunicorn's default, `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`.
  static constexpr std::string_view kDefault =
      R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";

  // Errors (one line, Python's words where it has them): "incomplete format key at index 3",
  // "incomplete format", "unsupported format character 'z' (0x7a) at index 4",
  // "format requires a mapping key at index 0" ...
  [[nodiscard]] static Result<AccessFormat> compile(std::string_view format);

  AccessFormat() = default;  // an empty format: render() appends "\n" only

  // Appends the line for `facts` and "\n" to `out`.
  void render(const AccessFacts& facts, std::string& out) const;
  // The same, returned (tests, tools).
  [[nodiscard]] std::string render(const AccessFacts& facts) const;

  // Whether any piece reads the environ / response headers / request headers, so the caller can
  // skip gathering them.
  [[nodiscard]] bool uses_environ() const noexcept { return uses_environ_; }
  [[nodiscard]] bool uses_response_headers() const noexcept { return uses_response_headers_; }
  [[nodiscard]] bool uses_request_headers() const noexcept { return uses_request_headers_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

  enum class Atom : unsigned char {
    kLiteral,
    kDash,  // l, and every unknown key
    kRemoteAddr,
    kUser,
    kTime,
    kRequestLine,
    kMethod,
    kPath,
    kQuery,
    kProtocol,
    kStatus,
    kBytesB,
    kBytesb,
    kReferer,
    kUserAgent,
    kSeconds,
    kMillis,
    kMicros,
    kDecimalSeconds,
    kPid,
    kRequestHeader,
    kResponseHeader,
    kEnviron,
  };

 private:
  struct Piece {
    Atom atom = Atom::kLiteral;
    char conv = 's';     // s r d i u x X o
    bool left = false;   // '-'
    bool zero = false;   // '0'
    bool plus = false;   // '+'
    bool space = false;  // ' '
    bool alt = false;    // '#'
    int width = -1;
    int precision = -1;
    uint32_t offset = 0;  // kLiteral: the text; header/environ atoms: the lower-case name
    uint32_t length = 0;
  };

  void render_piece(const Piece& piece, const AccessFacts& facts, std::string& out) const;
  void render_value(const Piece& piece, const AccessFacts& facts, std::string& out) const;
  [[nodiscard]] std::string_view time_text(int64_t end_usec) const;

  std::string source_;
  std::string text_;  // literal text and names, referenced by the pieces
  std::vector<Piece> pieces_;
  bool uses_environ_ = false;
  bool uses_response_headers_ = false;
  bool uses_request_headers_ = false;
  mutable time_t time_second_ = -1;
  mutable char time_[40] = {};
  mutable unsigned char time_len_ = 0;
};

}  // namespace wc::app
