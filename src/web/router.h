// Router: decides and writes the answer to one request, as nginx's phases do for a static site:
// server by Host, $uri normalization, location by precedence, then `return`, `try_files`, the
// index files and the static file itself (conditional and range requests), or an error page.
// Internal redirects (index, try_files) run the location search again, at most 10 times.
//
// The answer is appended to the connection's Output: the head, then the body as bytes (small
// files straight from the open-file cache) or as a file range for sendfile. The Exchange records
// what was sent, for the access log. Nothing here does I/O on the socket.
//
// Owned by the Worker; loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error_log.h"
#include "core/event_loop.h"
#include "core/result.h"
#include "http/response_head.h"
#include "web/config/web_config.h"
#include "web/exchange.h"
#include "web/output.h"
#include "web/static/file_cache.h"
#include "web/static/range.h"
#include "web/vars/request_id.h"
#include "web/vars/template.h"
#include "web/vars/variables.h"

namespace wc::web {

// The codes nginx's headers filter adds `expires` and `add_header` (without `always`) to: 200,
// 201, 204, 206, 301, 302, 303, 304, 307, 308.
[[nodiscard]] bool headers_filter_applies(int status) noexcept;

class Router {
 public:
  // `return 444`: close the connection without an answer (nginx's special code).
  static constexpr int kCloseNow = 444;

  // Compiles what each location evaluates per request (try_files, return). Errors: a template
  // that does not compile (`unknown "x" variable in F:L`).
  [[nodiscard]] Status init(const config::WebConfig& config, core::EventLoop& loop);

  // Answers a parsed request. Sets ex.status, ex.location, ex.keep_alive and the byte counts.
  void respond(Exchange& ex, Output& out);
  // Before reading a body: whether the request is answered without it (status: 413 when
  // Content-Length exceeds the location's client_max_body_size, 501 for a transfer coding other
  // than chunked, 400 for a bad URI; 0 = read the body first), and the location's
  // client_body_timeout for the wait.
  struct BodyCheck {
    int status = 0;
    uint64_t body_timeout_ms = 60000;
    bool keep_body = false;             // the location proxies the request: the body is kept
    bool stream_body = false;           // ... and passes it on as it arrives
                                        // (proxy_request_buffering off)
    uint64_t body_buffer_size = 16384;  // client_body_buffer_size: in memory up to this
    int64_t max_body = 0;  // client_max_body_size (0: no limit), for a body of unknown length
  };
  [[nodiscard]] BodyCheck check_body(const ConnectionInfo& conn, const http::RequestHead& head);

  // Answers a request that could not be parsed (or timed out) with `status`, from the default
  // server of the connection's address; `raw_line` is what $request shows.
  void respond_error(Exchange& ex, int status, Output& out, std::string_view raw_line);

  // The error log for a request's messages: its location's `error_log`, else the main one.
  [[nodiscard]] core::ErrorLog& log_of(const Exchange& ex);
  // USR1: reopens the http/server/location-level error logs.
  void reopen_logs();

  // $request_id is made per request only when something uses it (a log_format, a template).
  void require_request_id() noexcept { need_request_id_ = true; }

  // The request's first line as it arrived (for $request and log lines).
  [[nodiscard]] static std::string_view request_line(const http::RequestHead& head);

  // The variables of `ex` as nginx defines them (for templates and the access log).
  void fill_vars(const Exchange& ex, vars::RequestVars& v);

  // For ProxyRequest: nginx's error page (502, 504) for a proxied request; the head of a proxied
  // answer (Server, Date, Connection decided here as for every answer; `head` carries the rest);
  // a relative Location made absolute as nginx's header filter does.
  void respond_proxy_error(Exchange& ex, int status, Output& out);
  void proxy_head(Exchange& ex, Output& out, http::ResponseHead& head) {
    head.added_last = true;  // add_header's headers after the upstream's, as nginx
    finish_head(ex, out, head);
  }
  void absolute_location(const Exchange& ex, std::string_view location, std::string& out) {
    make_absolute(ex, location, out);
  }

  // proxy_set_header of ex.location evaluated for `ex`: one value per ProxyConf::set_headers
  // entry, in order (an empty value means the header is not sent, as nginx).
  void proxy_header_values(const Exchange& ex, std::vector<std::string>& values);

 private:
  struct LocationScripts {
    std::vector<vars::Template> try_files;
    vars::Template return_text;
    vars::Template alias;  // `alias` of a regex location, or a `root` with variables
    std::vector<vars::Template> proxy_headers;  // proxy_set_header values, in ProxyConf's order
    std::vector<vars::Template> add_headers;    // add_header values, in LocationValues' order
    std::vector<vars::Template> error_pages;    // error_page URIs, in LocationValues' order
    std::vector<vars::Template> script;         // per LocationConf::script step: replacement, text,
                                                // set value, or an if's subject
    std::vector<vars::Template> operand;        // per step: an if's `= TEXT` (empty for the others)
  };
  // What running a level's rewrite script left to do.
  enum class ScriptEnd : uint8_t {
    kAnswered,  // a return or a redirect: the answer is queued
    kStay,      // nothing changed, or `break`: serve in this location
    kSearch,    // the URI changed (or `last`): find the location again
  };
  enum class Next : uint8_t { kDone, kRedirect };

  void run(Exchange& ex, Output& out);
  Next serve_location(Exchange& ex, Output& out);
  Next serve_static(Exchange& ex, Output& out);
  Next serve_index(Exchange& ex, Output& out);
  Next try_files(Exchange& ex, Output& out, const LocationScripts& scripts);
  void do_return(Exchange& ex, Output& out, const config::ReturnConf& ret,
                 const vars::Template& text);
  // The rewrite-module statements of `level` (the server's or the location's), in order.
  ScriptEnd run_script(Exchange& ex, Output& out, const config::LocationConf& level);
  // The server level's script, before the location search (nginx's server-rewrite phase).
  // False when it answered.
  bool server_script(Exchange& ex, Output& out);
  void send_autoindex(Exchange& ex, Output& out, const std::string& dir);
  int auth_basic_status(Exchange& ex, const config::LocationConf& conf);
  bool auto_redirect(Exchange& ex, Output& out);
  static void add_charset(const config::LocationConf& loc, http::ResponseHead& head);
  static bool accepts_gzip(const http::RequestHead& h);
  // allow/deny of ex.location for the client (logs a denial).
  bool access_allowed(const Exchange& ex, const config::LocationConf& conf);
  void send_file(Exchange& ex, Output& out, static_files::FileRef file);
  void send_error(Exchange& ex, Output& out, int status);
  void send_redirect(Exchange& ex, Output& out, int status, std::string_view location);
  void send_text(Exchange& ex, Output& out, int status, std::string_view content_type,
                 std::string_view body);
  void finish_head(Exchange& ex, Output& out, http::ResponseHead& head);
  // $document_root + $uri (or alias) into ex.filename; returns the mapped path.
  std::string_view map_path(Exchange& ex, std::string_view uri);
  void log_open_error(const Exchange& ex, const Error& error, int level);
  void log_request(const Exchange& ex, core::LogLevel level, std::string_view message);
  void internal_redirect(Exchange& ex, std::string_view uri_with_args, bool keep_args);
  void make_absolute(const Exchange& ex, std::string_view location, std::string& out);
  bool location_allows_body_size(Exchange& ex);
  // error_page of ex.location for `status`: true when it took the answer over (a redirect sent,
  // or ex.redirect_pending set for run()).
  bool error_page(Exchange& ex, Output& out, int status);
  // Runs the redirect error_page() asked for, outside run()'s loop (an error found before it, or
  // a proxied request's 502/504).
  void follow_error_page(Exchange& ex, Output& out);
  // A regex match becomes the request's captures ($1.., as nginx's r->captures: only a regex
  // with groups replaces them; the subject is copied, so a later $uri change keeps them) and
  // sets its named groups' variables.
  void keep_captures(Exchange& ex, const config::Captures& caps,
                     const config::NamedCaptures& named);
  // The condition of an if step for ex (a regex match keeps its captures).
  bool test_condition(Exchange& ex, const config::IfCondition& cond, const vars::Template& subject,
                      const vars::Template& operand);
  // The regex captures of ex's location match, as templates take them.
  static std::span<const std::string_view> capture_views(const config::Captures& captures,
                                                         std::string_view (&groups)[32]);
  static std::span<const std::string_view> capture_views(const Exchange& ex,
                                                         std::string_view (&groups)[32]) {
    return capture_views(ex.captures, groups);
  }
  // add_header of ex.location that applies to head.status, into head.added.
  void add_configured_headers(Exchange& ex, const LocationScripts* scripts,
                              http::ResponseHead& head);
  int64_t append_expires(const config::ExpiresConf& e, time_t last_modified, std::string& out);

  const config::WebConfig* config_ = nullptr;
  core::EventLoop* loop_ = nullptr;
  static_files::FileCache cache_;
  std::unordered_map<const config::LocationConf*, LocationScripts> scripts_;
  // open_file_cache: the caches of the locations that set it (cache_ serves the others).
  std::vector<std::unique_ptr<static_files::FileCache>> caches_;
  std::unordered_map<const config::LocationConf*, static_files::FileCache*> location_caches_;
  static_files::FileCache& cache_for(const Exchange& ex) {
    if (location_caches_.empty()) return cache_;
    const auto it = location_caches_.find(ex.location);
    return it == location_caches_.end() ? cache_ : *it->second;
  }
  std::unordered_map<std::string, std::unique_ptr<core::ErrorLog>> error_logs_;
  std::unordered_map<const config::LocationConf*, core::ErrorLog*> location_logs_;
  std::vector<static_files::ByteRange> ranges_;
  static_files::MultipartBody multipart_;
  uint64_t boundary_ = 0;
  std::string scratch_;         // evaluated templates
  std::string redirect_uri_;    // redirect target
  std::string args_;            // $args after an internal redirect
  std::string location_;        // Location header value
  std::string remote_user_;     // $remote_user of the request being logged
  std::string gz_path_;         // FILE.gz (gzip_static)
  std::string part_type_;       // a multipart part's Content-Type with its charset
  std::string auth_challenge_;  // WWW-Authenticate of a 401
  std::string added_text_;      // add_header values of the answer being made
  std::vector<http::Header> added_;
  std::vector<std::pair<size_t, size_t>> added_offsets_;  // into added_text_, while it grows
  std::vector<vars::HeaderView> header_views_;
  std::vector<vars::HeaderView> sent_views_;
  vars::RequestIdGenerator request_ids_;
  bool need_request_id_ = false;
  bool has_auto_redirect_ = false;  // some server has a proxying "location /x/"
  char request_id_[vars::RequestIdGenerator::kLength];
  char content_length_text_[24];
  char remote_port_text_[8];
  std::string pid_text_;
  std::string hostname_;
  // The configuration's own variables (set, map, named captures): one request's values.
  vars::UserVars user_vars_;
  bool has_user_vars_ = false;
  std::pair<uint64_t, uint64_t> user_vars_owner_;  // {connection, request} the values are of
  std::string capture_subject_;                    // what ex.captures point into
  std::string capture_tmp_;
};

}  // namespace wc::web
