// Builds PEP 3333 environ dicts fast: every key interned once, the per-worker constants in a
// template dict that each request copies (one memcpy of its table in CPython), the HTTP_* key of
// each header name cached, so a request costs its values' str objects and little else.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "app/python/application.h"
#include "app/python/ref.h"
#include "core/result.h"

namespace wc::app::python {

class EnvironBuilder {
 public:
  // `errors` is the Application's wsgi.errors stream. Needs the GIL.
  [[nodiscard]] Status init(const ServerInfo& server, PyObject* errors);

  // The environ of `request` (a new reference), or nullptr with a Python exception set. The body
  // moves into the wsgi.input stream, which is also returned in `input` (the Call closes it at
  // the end); `raw_uri` gets RAW_URI for error messages. The body fd is owned by `input` even on
  // failure (closed if no stream could be made).
  [[nodiscard]] PyObject* build(Request& request, Ref& input, Ref& raw_uri);

 private:
  enum class HeaderKind : unsigned char { kHttp, kContentType, kContentLength };
  struct HeaderKey {
    Ref key;  // interned "HTTP_ACCEPT_ENCODING", or CONTENT_TYPE / CONTENT_LENGTH
    HeaderKind kind = HeaderKind::kHttp;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  [[nodiscard]] bool header_key(std::string_view name, HeaderKey& out);
  [[nodiscard]] PyObject* method_value(std::string_view method);
  [[nodiscard]] PyObject* remote_addr_value(std::string_view addr);

  struct Keys {
    Ref request_method, script_name, path_info, query_string, content_type, content_length,
        server_name, server_port, server_protocol, remote_addr, remote_port, raw_uri, request_uri,
        url_scheme, input;
  } keys_;
  Ref template_;  // the constants, plus placeholders for the keys every request sets
  Ref http_, https_, http11_, http10_, empty_bytes_;
  // Common methods as ready-made str; anything else is decoded per request.
  static constexpr std::string_view kMethods[] = {"GET", "POST", "HEAD", "PUT", "DELETE",
                                                  "PATCH", "OPTIONS"};
  Ref method_values_[std::size(kMethods)];
  // One-entry cache: a worker behind a proxy sees the same peer address request after request.
  std::string last_remote_addr_;
  Ref last_remote_addr_value_;
  // Header name as sent -> its key. Bounded: names past kMaxCachedNames are built per request,
  // so a client sending random names cannot grow the worker.
  static constexpr size_t kMaxCachedNames = 256;
  std::unordered_map<std::string, HeaderKey, NameHash, std::equal_to<>> header_keys_;
};

}  // namespace wc::app::python
