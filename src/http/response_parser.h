// Incremental HTTP/1.x response-head parser for what an upstream sends back to the proxy
// (RFC 9112 sections 2, 4-6; RFC 9110 field rules). Pure: bytes in, typed verdict out, no I/O.
// The model is RequestParser: same field rules, same result types, same incremental contract.
//
// Ownership: every string_view a parse() fills points INTO the buffer passed to that parse() call.
// The caller keeps those bytes alive (and unmoved) until it is done with the ParsedResponse.
// Threading: a ResponseParser belongs to one upstream connection and one thread; no shared state.
// Errors: kError with error() = {502, reason}; reason is nginx's wording where nginx has one
// ("upstream sent invalid header", "upstream sent no valid HTTP/1.0 header", "upstream sent too
// big header", ...). The caller answers 502, logs the reason and closes the upstream connection
// (after an error the stream is out of sync, it must never go back to a keep-alive pool).
//
// Strictness (each an error), where leniency lets two hops split a stream differently:
// a status line other than "HTTP/1.DIGIT SP 3DIGIT [SP reason] CRLF" (so HTTP/0.9 -- a body with
// no status line --, HTTP/2, RTSP/, extra spaces, a status below 100); reasons with CTLs; obs-fold;
// whitespace before ':'; empty or non-token field names; CTLs, NUL, bare CR anywhere in the head;
// bare LF line endings; Content-Length with Transfer-Encoding (RFC 9112 6.3 item 3: a proxy must
// not forward it); Content-Length that is not 1*DIGIT < 2^63, or repeated (as a list or in several
// fields) with different values -- the same value repeated is one value (RFC 9110 8.6; nginx
// refuses any second Content-Length, this parser only differing ones); a coding list whose last
// element is not "chunked" or that names chunked twice (RFC 9112 6.3 would read such a response
// until close; nginx refuses it, and so do we: a proxy cannot re-frame a coded body); any
// Transfer-Encoding in an HTTP/1.0 response (RFC 9112 6.1: faulty framing).
// Accepted as nginx and llhttp accept them: a missing reason ("HTTP/1.1 200\r\n"), status codes
// 600-999 (RFC 9110 15 says to treat them as 5xx: the caller's choice), leading empty lines
// before the status line (aiohttp sends one after "100 Continue"), '_' in field names (nginx
// keeps them in upstream responses whatever underscores_in_headers says).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/request_parser.h"

namespace wc::http {

struct ParsedResponse {
  // How the body that follows the head is delimited (RFC 9112 6.3):
  enum class Body : uint8_t {
    kNone,           // no body: a response to HEAD, 204, 304, 101, a 2xx to CONNECT
    kLength,         // Content-Length: exactly content_length bytes follow
    kChunked,        // Transfer-Encoding ending in chunked: decode with http::ChunkedDecoder
                     // (its error reasons say "client sent ...": log nginx's "upstream sent
                     // invalid chunked response" for any of them instead)
    kClose,          // neither: the body runs until the upstream closes (keep_alive is false)
    kInformational,  // 1xx other than 101 (100 Continue, 102, 103 Early Hints): an interim head
                     // with no body; skip `consumed` bytes, reset() and parse again for the
                     // final response (or pass it on, e.g. 103 to an HTTP/1.1 client)
  };

  int status = 0;               // 100..999
  std::string_view reason;      // reason-phrase as sent, may be empty (and may hold SP/HTAB)
  int major = 1;                // always 1
  int minor = 1;                // 0 for HTTP/1.0; any other digit behaves as 1.1
  std::vector<Header> headers;  // in order received, duplicates kept; capacity reused
  Body body = Body::kNone;
  int64_t content_length = -1;  // a valid Content-Length's value, whatever the framing (so a
                                // HEAD or 304 answer can pass it on); -1 = none or chunked
  bool keep_alive = false;      // the connection may carry the next request once this body ends:
                                // HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
                                // "Connection: keep-alive"; never for kClose or a tunnel
  bool tunnel = false;          // 101 Switching Protocols, or a 2xx to CONNECT: after the head the
                                // connection carries another protocol (relay bytes both ways).
                                // Whether the client asked for that is the caller's check.
  bool transfer_coded = false;  // codings other than chunked/identity before the final chunked
                                // (e.g. "gzip, chunked"): framing is chunked, the decoded bytes
                                // are still gzip; Transfer-Encoding must be passed on with them

  // First header named `name` (ASCII case-insensitive), or nullptr.
  [[nodiscard]] const Header* find(std::string_view name) const;
  // Clears every field, keeping headers' capacity.
  void clear();
};

struct ResponseLimits {
  // proxy_buffer_size: the whole head (status line, fields, final CRLF; leading empty lines
  // apart) must fit, else "upstream sent too big header". nginx's default is one page.
  size_t max_head = 4096;
};

class ResponseParser {
 public:
  explicit ResponseParser(ResponseLimits limits = {});

  // Parses the response head at the start of `data`, the answer to a request with method
  // `request_method` (kHead: no body whatever the head says; kConnect: a 2xx is a tunnel).
  //  kNeedMore: the head is incomplete; call again with the same bytes plus more. The scan resumes
  //             where it stopped, so feeding one byte at a time stays linear. (End of input now
  //             is nginx's "upstream prematurely closed connection".)
  //  kDone:     `out` is filled (views into `data`), `consumed` = head length including the final
  //             empty line (and any leading empty lines). Look at out.body first: kInformational
  //             means another head follows. Call reset() before parsing the next head.
  //  kError:    see error(). `out` is unspecified.
  [[nodiscard]] ParseStatus parse(std::string_view data, Method request_method, ParsedResponse& out,
                                  size_t& consumed);

  [[nodiscard]] ParseError error() const { return error_; }
  // Forget the current head (after kDone, before the next head on the connection).
  void reset();

 private:
  ParseStatus fail(std::string_view reason);
  ParseStatus parse_head(std::string_view head, Method request_method, ParsedResponse& out);

  ResponseLimits limits_;
  size_t start_ = 0;         // offset of the status line (after skipped empty lines)
  size_t scanned_ = 0;       // the LF search resumes here (offset into data)
  size_t line_start_ = 0;    // start of the current, unfinished line
  size_t checked_ = 0;       // bytes of the status line's fixed part checked early
  bool started_ = false;     // past the leading empty lines
  bool status_line_ = true;  // the current line is the status line
  ParseError error_;
};

}  // namespace wc::http
