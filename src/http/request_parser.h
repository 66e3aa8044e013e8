// Incremental, allocation-free (after warm-up) HTTP/1.1 request-head parser (RFC 9112 sections 2-3,
// 5-7; RFC 9110 field rules). Pure: bytes in, typed verdict out, no I/O.
//
// Ownership: every string_view a parse() fills points INTO the buffer passed to that parse() call.
// The caller keeps those bytes alive (and unmoved) until it is done with the RequestHead.
// Threading: a RequestParser belongs to one connection and one thread; no shared state.
// Errors: kError with error() = {status, reason}; status is 400, 414, 431 or 505 and the
// caller answers with it and closes the connection (after an error the stream is out of sync).
//
// Strictness (each a 400 unless noted), where leniency lets two hops split a stream differently:
// Content-Length with Transfer-Encoding; Transfer-Encoding in HTTP/1.0; a coding list whose last
// element is not "chunked" or that names chunked twice; any second Content-Length, even with the
// same value, and list values ("5, 5") -- as nginx and llhttp, not RFC 9110's optional merge;
// non-digit or >= 2^63 Content-Length; obs-fold; whitespace before ':'; empty or non-token field
// names; CTLs, NUL, bare CR anywhere in the head; bare LF line endings (llhttp refuses them too,
// so no stream splits differently); a second Host, or a second Content-Type; HTTP/1.1 without
// Host (Limits::require_host); targets not in a form the method allows; version not
// "HTTP/DIGIT.DIGIT" (505 for a major version other than 1). Methods are nginx's alphabet
// (A-Z, '_', '-'). Field names with '_' are dropped as nginx's underscores_in_headers off does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace wc::http {

struct Header {
  std::string_view name;   // as sent (case preserved); compare with iequals()
  std::string_view value;  // leading/trailing SP/HTAB stripped
};

enum class Method : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kOptions,
  kPatch,
  kTrace,
  kConnect,
  kOther,  // any other token: method_name holds it (extension methods are legal)
};

// Request-target forms, RFC 9112 3.2.
enum class TargetForm : uint8_t {
  kOrigin,     // "/path?query"
  kAbsolute,   // "http://host:port/path?query"
  kAuthority,  // "host:port" (CONNECT only)
  kAsterisk,   // "*" (OPTIONS only)
};

struct RequestHead {
  enum class Body : uint8_t { kNone, kLength, kChunked };

  std::string_view method_name;  // "GET", "PROPFIND", ...
  Method method = Method::kOther;
  std::string_view target;  // raw request-target as sent
  TargetForm form = TargetForm::kOrigin;
  int major = 1;
  int minor = 1;
  std::vector<Header> headers;  // in order received; capacity reused across requests
  std::string_view path;        // target before '?' or '#', raw (not decoded); a static "/" for
                                // absolute-form without a path; empty for authority-form and "*"
  std::string_view query;       // after the first '?', without it, up to any '#'; may be empty
  std::string_view host;        // absolute-form authority if present, else the Host value
  Body body = Body::kNone;
  uint64_t content_length = 0;   // valid when body == kLength
  bool keep_alive = true;        // HTTP/1.1 unless "Connection: close"; 1.0 only with keep-alive
  bool expect_continue = false;  // "Expect: 100-continue" (other expectations: 417 is the
                                 // caller's choice; see expect_other)
  bool expect_other = false;     // an Expect value other than 100-continue
  bool upgrade = false;          // Connection contains "upgrade" and an Upgrade header is present
  bool transfer_coded = false;   // codings other than chunked/identity (e.g. "gzip, chunked"):
                                 // framing is still chunked, but the bytes stay coded; a server
                                 // that cannot pass them on may answer 501

  // HTTP/1.1 or later (HTTP/2.0: a head webcycle made from an HTTP/2 request, Limits::http2).
  [[nodiscard]] bool at_least_11() const noexcept { return major > 1 || minor >= 1; }
  // HTTP/1.x: the head and body are framed by HTTP/1 (Connection, chunked, read-to-close).
  [[nodiscard]] bool http1() const noexcept { return major == 1; }
  // First header named `name` (ASCII case-insensitive), or nullptr.
  [[nodiscard]] const Header* find(std::string_view name) const;
  // Clears every field, keeping headers' capacity.
  void clear();
};

// nginx's large_client_header_buffers (default 4 8k) mapped onto one contiguous head:
// the request line must fit max_request_line (else 414), each header line max_header_line (else
// 431), the whole head max_head (else 431), at most max_headers fields (else 431). Line sizes
// count their CRLF, as a line must fit one of nginx's buffers with it.
struct Limits {
  size_t max_request_line = 8192;
  size_t max_header_line = 8192;
  size_t max_head = 32768;
  size_t max_headers = 100;
  // HTTP/1.1 requests without Host get 400 (RFC 9112 3.2; nginx does the same).
  bool require_host = true;
  // nginx's underscores_in_headers: when off, fields whose names contain '_' are dropped (not
  // errors), so "Content_Length" can never be mistaken for Content-Length further on.
  bool underscores_in_headers = false;
  // The head is one webcycle wrote for a request that came over HTTP/2 (web/h2_request.h): its
  // version "HTTP/2.0" is taken (major 2, minor 0) and read with HTTP/1.1's rules, not a 505.
  bool http2 = false;
};

enum class ParseStatus : uint8_t { kDone, kNeedMore, kError };

struct ParseError {
  int status = 0;           // 400, 413, 414, 431 or 505 (413/431 from ChunkedDecoder too)
  std::string_view reason;  // static text for the error log ("client sent invalid header line")
};

// Case-insensitive ASCII comparison (header names, tokens).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
// Method token -> enum (case-sensitive, as RFC 9110 9.1 says).
[[nodiscard]] Method parse_method(std::string_view token);

class RequestParser {
 public:
  explicit RequestParser(Limits limits = {});

  // Parses the request head at the start of `data`.
  //  kNeedMore: the head is incomplete; call again with the same bytes plus more. The scan resumes
  //             where it stopped, so feeding one byte at a time stays linear.
  //  kDone:     `out` is filled (views into `data`), `consumed` = head length including the final
  //             empty line (and any leading empty lines). The body, if any, follows. Call reset()
  //             before parsing the next request.
  //  kError:    see error(). `out` is unspecified.
  [[nodiscard]] ParseStatus parse(std::string_view data, RequestHead& out, size_t& consumed);

  [[nodiscard]] ParseError error() const { return error_; }
  // Forget the current request (call after kDone, before the next request on the connection).
  void reset();

  // Bytes of the current head seen so far (for client_header_timeout / 408 decisions: 0 means
  // the connection was idle, nginx closes silently then).
  [[nodiscard]] size_t scanned() const { return scanned_; }

 private:
  ParseStatus fail(int status, std::string_view reason);
  ParseStatus parse_head(std::string_view head, RequestHead& out);

  Limits limits_;
  size_t start_ = 0;           // offset of the request line (after skipped empty lines)
  size_t scanned_ = 0;         // the LF search resumes here (offset into data)
  size_t line_start_ = 0;      // start of the current, unfinished line
  size_t lines_ = 0;           // complete lines of the head so far (request line included)
  size_t method_checked_ = 0;  // bytes of the request line checked early (fail fast on garbage)
  bool started_ = false;       // past the leading empty lines
  ParseError error_;
};

}  // namespace wc::http
