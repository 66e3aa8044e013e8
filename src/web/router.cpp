#include "web/router.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstring>
#include <ctime>
#include <memory>

#include "core/error_log.h"
#include "core/io.h"
#include "core/socket.h"
#include "http/http_date.h"
#include "http/uri.h"
#include "tls/stream.h"
#include "web/auth_basic.h"
#include "web/config/locations.h"
#include "web/config/server_names.h"
#include "web/error_page.h"
#include "web/h2_head.h"
#include "web/static/autoindex.h"
#include "web/static/conditional.h"
#include "web/static/path.h"

namespace wc::web {

namespace {

constexpr int kMaxRedirects = 10;  // nginx's NGX_HTTP_MAX_URI_CHANGES

using config::LocationConf;
using http::RequestHead;

bool is_redirect(int code) {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

// The request's first line as it arrived: from the method to the end of the version.
std::string_view request_line_of(const RequestHead& h) {
  if (h.method_name.empty()) return {};
  const char* begin = h.method_name.data();
  const char* p = h.target.data() + h.target.size();
  // " HTTP/x.y" follows the target; stop at the line end.
  const char* end = p;
  while (*end != '\r' && *end != '\n') ++end;
  return {begin, static_cast<size_t>(end - begin)};
}

// Host as nginx's $host / headers_in.server: lowercase, no port, no trailing dot.
std::string_view bare_host(std::string_view host, char* buf, size_t cap) {
  if (host.empty()) return {};
  size_t end = host.size();
  if (host.front() == '[') {
    const size_t close = host.find(']');
    end = close == std::string_view::npos ? host.size() : close + 1;
  } else {
    const size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) end = colon;
  }
  if (end > 0 && host[end - 1] == '.') --end;
  end = std::min(end, cap);
  for (size_t i = 0; i < end; ++i) {
    const char c = host[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  }
  return {buf, end};
}

struct RequestFields {
  std::optional<std::string_view> if_match, if_unmodified_since, if_none_match, if_modified_since,
      range, if_range;
};

// One pass over the headers for everything a static answer depends on.
RequestFields scan_fields(const RequestHead& h) {
  RequestFields f;
  for (const http::Header& hd : h.headers) {
    const std::string_view n = hd.name;
    if (n.size() < 5) continue;
    const char c = char(n[0] | 0x20);
    if (c == 'i') {
      if (http::iequals(n, "If-Match"))
        f.if_match = hd.value;
      else if (http::iequals(n, "If-None-Match"))
        f.if_none_match = hd.value;
      else if (http::iequals(n, "If-Modified-Since"))
        f.if_modified_since = hd.value;
      else if (http::iequals(n, "If-Unmodified-Since"))
        f.if_unmodified_since = hd.value;
      else if (http::iequals(n, "If-Range"))
        f.if_range = hd.value;
    } else if (c == 'r' && http::iequals(n, "Range")) {
      f.range = hd.value;
    }
  }
  return f;
}

static_files::IfModifiedSince ims_mode(config::IfModifiedSince m) {
  switch (m) {
    case config::IfModifiedSince::kOff:
      return static_files::IfModifiedSince::off;
    case config::IfModifiedSince::kBefore:
      return static_files::IfModifiedSince::before;
    case config::IfModifiedSince::kExact:
      break;
  }
  return static_files::IfModifiedSince::exact;
}

}  // namespace

bool headers_filter_applies(int status) noexcept {
  switch (status) {
    case 200:
    case 201:
    case 204:
    case 206:
    case 301:
    case 302:
    case 303:
    case 304:
    case 307:
    case 308:
      return true;
    default:
      return false;
  }
}

Status Router::init(const config::WebConfig& config, core::EventLoop& loop) {
  config_ = &config;
  loop_ = &loop;
  has_user_vars_ = !config.variables.empty();
  user_vars_.reset(&config.variables);
  pid_text_ = std::to_string(::getpid());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) hostname_ = host;

  for (const auto& server : config.http.servers) {
    for (const LocationConf* p : server->loc.prefix_locations) {
      if (p->proxy.pass && !p->pattern.empty() && p->pattern.back() == '/')
        has_auto_redirect_ = true;
    }
  }
  // Compile what each location evaluates per request, once.
  std::vector<const LocationConf*> stack;
  stack.push_back(&config.http.loc);
  for (const auto& server : config.http.servers) stack.push_back(&server->loc);
  while (!stack.empty()) {
    const LocationConf* loc = stack.back();
    stack.pop_back();
    for (const auto& child : loc->nested) stack.push_back(child.get());
    LocationScripts scripts;
    for (const std::string& arg : loc->try_files) {
      auto t = vars::Template::compile(arg, &config.variables);
      if (!t) return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
      scripts.try_files.push_back(std::move(*t));
    }
    if (loc->ret.code != 0 && !loc->ret.text.empty()) {
      auto t = vars::Template::compile(loc->ret.text, &config.variables);
      if (!t) return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
      scripts.return_text = std::move(*t);
    }
    const bool regex_alias =
        (loc->root_is_alias && (loc->kind == LocationConf::Kind::kRegex ||
                                loc->kind == LocationConf::Kind::kRegexCaseless)) ||
        (!loc->root_is_alias && loc->root.find('$') != std::string::npos);
    if (regex_alias) {
      auto t = vars::Template::compile(loc->root, &config.variables);
      if (!t) return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
      scripts.alias = std::move(*t);
    }
    for (const vars::Template* t : {&scripts.return_text, &scripts.alias}) {
      if (t->uses(vars::Template::Var::request_id)) need_request_id_ = true;
    }
    for (const vars::Template& t : scripts.try_files) {
      if (t.uses(vars::Template::Var::request_id)) need_request_id_ = true;
    }
    if (loc->proxy.pass) {
      // proxy_set_header values, compiled once per location that proxies.
      for (const config::ProxyHeaderConf& h : loc->proxy.set_headers) {
        auto t = vars::Template::compile(h.value, &config.variables);
        if (!t)
          return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
        if (t->uses(vars::Template::Var::request_id)) need_request_id_ = true;
        scripts.proxy_headers.push_back(std::move(*t));
      }
    }
    for (const config::RewriteStep& step : loc->script) {
      using Kind = config::RewriteStep::Kind;
      const std::string& source = step.kind == Kind::kRewrite || step.kind == Kind::kSet
                                      ? step.replacement
                                  : step.kind == Kind::kIf ? step.cond.subject
                                                           : step.ret.text;
      for (const std::string* src : {&source, &step.cond.operand}) {
        auto t = vars::Template::compile(*src, &config.variables);
        if (!t)
          return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
        if (t->uses(vars::Template::Var::request_id)) need_request_id_ = true;
        (src == &source ? scripts.script : scripts.operand).push_back(std::move(*t));
      }
    }
    for (const config::ErrorPageConf& p : loc->error_pages) {
      auto t = vars::Template::compile(p.uri, &config.variables);
      if (!t) return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
      if (t->uses(vars::Template::Var::request_id)) need_request_id_ = true;
      scripts.error_pages.push_back(std::move(*t));
    }
    for (const config::AddHeaderConf& h : loc->add_headers) {
      auto t = vars::Template::compile(h.value, &config.variables);
      if (!t) return fail(t.error().message + " in " + loc->file + ":" + std::to_string(loc->line));
      if (t->uses(vars::Template::Var::request_id)) need_request_id_ = true;
      scripts.add_headers.push_back(std::move(*t));
    }
    if (!scripts.try_files.empty() || loc->ret.code != 0 || regex_alias || loc->proxy.pass ||
        !loc->add_headers.empty() || !loc->error_pages.empty() || !loc->script.empty()) {
      scripts_.emplace(loc, std::move(scripts));
    }
    // open_file_cache at this level or above: its own cache, shared by the locations that end
    // up with the same settings (the others use cache_, webcycle's default one).
    if (loc->open_file_cache.set) {
      const config::OpenFileCacheConf& c = loc->open_file_cache;
      static_files::FileCacheOptions o;
      if (c.max == 0) {  // open_file_cache off: every lookup checks the file, no error kept
        o.valid_ms = 0;
        o.cache_errors = false;
      } else {
        o.max_entries = static_cast<size_t>(c.max);
        o.inactive_ms = c.inactive_ms;
        o.valid_ms = c.valid_ms;
        o.min_uses = static_cast<uint32_t>(std::max(c.min_uses, 1));
        o.cache_errors = c.errors;
      }
      static_files::FileCache* found = nullptr;
      for (const auto& fc : caches_) {
        const static_files::FileCacheOptions& x = fc->options();
        if (x.max_entries == o.max_entries && x.inactive_ms == o.inactive_ms &&
            x.valid_ms == o.valid_ms && x.min_uses == o.min_uses &&
            x.cache_errors == o.cache_errors) {
          found = fc.get();
        }
      }
      if (found == nullptr) {
        caches_.push_back(std::make_unique<static_files::FileCache>(o));
        found = caches_.back().get();
      }
      location_caches_.emplace(loc, found);
    }
    // `error_log` at http, server or location level: that location's request messages go there.
    if (!loc->error_logs.empty()) {
      const config::ErrorLogConf& e = loc->error_logs.front();
      auto it = error_logs_.find(e.path);
      if (it == error_logs_.end()) {
        auto log = std::make_unique<core::ErrorLog>();
        if (auto st = log->open(e.path, static_cast<core::LogLevel>(static_cast<int>(e.level) + 1));
            !st) {
          return st;
        }
        it = error_logs_.emplace(e.path, std::move(log)).first;
      }
      location_logs_.emplace(loc, it->second.get());
    }
  }
  return {};
}

core::ErrorLog& Router::log_of(const Exchange& ex) {
  if (ex.location != nullptr && !location_logs_.empty()) {
    const auto it = location_logs_.find(ex.location);
    if (it != location_logs_.end()) return *it->second;
  }
  return core::error_log();
}

void Router::reopen_logs() {
  for (auto& [path, log] : error_logs_) {
    if (auto s = log->reopen(); !s)
      core::error_log().log(core::LogLevel::alert, 0, s.error().message);
  }
}

std::string_view Router::request_line(const http::RequestHead& head) {
  return request_line_of(head);
}

void Router::respond(Exchange& ex, Output& out) {
  const RequestHead& h = ex.head;
  ex.request_line = request_line_of(h);
  if (need_request_id_) ex.request_id = request_ids_.next(request_id_);
  if (has_user_vars_) {
    user_vars_.reset(&config_->variables);
    user_vars_owner_ = {ex.conn.id, ex.conn.requests};
  }
  if (config_->server_name_captures || has_user_vars_) {
    // A regex server_name's captures are the request's $1.. and named variables (nginx).
    config::Captures caps;
    ex.server = &config::select_server(*ex.conn.group, h.host, &caps);
    if (caps.count > 0) {
      for (const config::ServerName& sn : ex.server->names) {
        if (sn.regex.get() != caps.regex) continue;
        // nginx matched the lowercased host: the captures are lowercase too.
        capture_tmp_.assign(caps.subject);
        for (char& c : capture_tmp_) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
        caps.subject = capture_tmp_;
        keep_captures(ex, caps, sn.named_captures);
        break;
      }
    }
  } else {
    ex.server = &config::select_server(*ex.conn.group, h.host);
  }
  ex.location = &ex.server->loc;
  ex.header_only = h.method == http::Method::kHead;
  // $args exists only when the target has a '?'.
  if (h.path.size() < h.target.size() && h.query.data() != nullptr &&
      h.query.data() > h.target.data()) {
    ex.args = h.query;
  } else {
    ex.args = {};
  }
  // nginx's ngx_http_validate_host refuses what is_valid_authority lets through: an empty Host
  // (RFC 9110 4.2.1: an http URI has a host) and ".." in one.
  if (h.host.data() != nullptr && (h.host.empty() || h.host.find("..") != std::string_view::npos)) {
    log_request(ex, core::LogLevel::info, "client sent invalid host header");
    ex.keep_alive = false;
    send_error(ex, out, 400);
    if (ex.redirect_pending) follow_error_page(ex, out);
    return;
  }
  if (h.transfer_coded) {
    // "Transfer-Encoding: gzip, chunked" and the like: the framing is chunked, but no coding
    // but chunked is supported (nginx: "client sent unknown Transfer-Encoding", 501).
    log_request(ex, core::LogLevel::info, "client sent unknown \"Transfer-Encoding\"");
    send_error(ex, out, 501);
    if (ex.redirect_pending) follow_error_page(ex, out);
    return;
  }
  if (!http::normalize_path(h.path, ex.uri, ex.server->merge_slashes)) {
    log_request(ex, core::LogLevel::info, "client sent invalid request");
    ex.uri.clear();
    send_error(ex, out, 400);
    if (ex.redirect_pending) follow_error_page(ex, out);
    return;
  }
  if (h.method == http::Method::kTrace) {
    // nginx refuses TRACE once the URI is read (a bad one is a 400 first), before choosing a
    // location (its echo would hand cookies and credentials to a script), and closes.
    log_request(ex, core::LogLevel::info, "client sent TRACE method");
    ex.keep_alive = false;
    send_error(ex, out, 405);
    if (ex.redirect_pending) follow_error_page(ex, out);
    return;
  }
  if (ex.conn.plain_http) {
    // nginx's NGX_HTTP_TO_HTTPS, once the server is chosen: `error_page 497 ...` may send the
    // client to https://, else a 400 with its own page, and the connection closes.
    log_request(
        ex, core::LogLevel::info,
        "client sent plain HTTP request to HTTPS port while reading client request headers");
    ex.keep_alive = false;
    send_error(ex, out, kPlainHttpToHttps);
    if (ex.redirect_pending) follow_error_page(ex, out);
    return;
  }
  if (!server_script(ex, out)) return;
  run(ex, out);
}

Router::BodyCheck Router::check_body(const ConnectionInfo& conn, const http::RequestHead& head) {
  BodyCheck check;
  const config::ServerConf& server = config::select_server(*conn.group, head.host);
  std::string& uri = scratch_;
  if (!http::normalize_path(head.path, uri, server.merge_slashes)) {
    check.status = 400;  // respond() answers it
    return check;
  }
  const LocationConf& loc = config::find_location(server, uri, nullptr);
  check.body_timeout_ms = static_cast<uint64_t>(loc.client_body_timeout_ms);
  check.keep_body = loc.proxy.pass && loc.proxy.pass_request_body && loc.ret.code == 0 &&
                    server.loc.ret.code == 0;
  // Streamed when asked, for a length-delimited body or (HTTP/1.1 upstream only) a chunked one,
  // as nginx: a chunked body to an HTTP/1.0 upstream must be buffered to learn its length.
  check.stream_body = check.keep_body && !loc.proxy.request_buffering &&
                      (head.body == RequestHead::Body::kLength || loc.proxy.http_minor == 1);
  check.body_buffer_size = static_cast<uint64_t>(std::max<int64_t>(loc.client_body_buffer_size, 0));
  const int64_t max = loc.client_max_body_size;
  check.max_body = max;
  if (head.body == RequestHead::Body::kLength && max > 0 &&
      head.content_length > static_cast<uint64_t>(max)) {
    check.status = 413;
  } else if (head.transfer_coded) {
    check.status = 501;
  }
  return check;
}

void Router::respond_error(Exchange& ex, int status, Output& out, std::string_view raw_line) {
  ex.request_line = raw_line;
  if (need_request_id_) ex.request_id = request_ids_.next(request_id_);
  ex.server = ex.conn.group->default_server;
  ex.location = &ex.server->loc;
  ex.uri.clear();
  ex.args = {};
  // A HEAD gets the head only, even when the rest of its request line could not be read.
  ex.header_only = raw_line.starts_with("HEAD ");
  ex.keep_alive = false;
  // A request that could not be read (or timed out) gets the built-in page: its head may not even
  // have a method or a URI for an error page to use.
  ex.in_error_page = true;
  send_error(ex, out, status);
}

void Router::follow_error_page(Exchange& ex, Output& out) {
  ex.redirect_pending = false;
  ++ex.redirects;  // an internal redirect: `internal` locations may serve it
  run(ex, out);
}

void Router::respond_proxy_error(Exchange& ex, int status, Output& out) {
  ex.proxy = false;
  send_error(ex, out, status);
  if (!ex.redirect_pending) return;
  follow_error_page(ex, out);  // error_page 502 /50x.html and the like
  if (ex.proxy) {
    // An error page that is proxied itself would need a second upstream exchange from inside
    // this one's end: the built-in page goes out instead.
    log_request(ex, core::LogLevel::error,
                "error_page for a proxied request leads to proxy_pass again: not supported, the "
                "built-in page is sent");
    ex.proxy = false;
    ex.err_status = 0;
    send_error(ex, out, status);
  }
}

void Router::run(Exchange& ex, Output& out) {
  for (;;) {
    if (ex.named_next != nullptr) {
      ex.location = ex.named_next;  // error_page's @name: the URI stays as it is
      ex.named_next = nullptr;
    } else {
      // An internal redirect to a URI runs the server's rewrites again, as nginx's does.
      if (ex.redirects > 0 && !server_script(ex, out)) return;
      config::Captures caps;
      ex.location = &config::find_location(*ex.server, ex.uri, &caps);
      if (caps.count > 0) {
        // The regex that matched may be an enclosing location's (a prefix location nested in it
        // was found): its named groups are the ones to set.
        const LocationConf* owner = ex.location;
        while (owner != nullptr && owner->regex.get() != caps.regex) owner = owner->parent;
        static const config::NamedCaptures kNone;
        keep_captures(ex, caps, owner != nullptr ? owner->named_captures : kNone);
      }
      if (auto_redirect(ex, out)) return;
    }
    ex.script_ran = false;
    ex.if_matched = false;
    ex.limited = false;
    if (ex.location->limit_except != nullptr) {
      const std::string_view method = ex.method_get ? std::string_view("GET") : ex.head.method_name;
      const auto& listed = ex.location->limit_except_methods;
      ex.limited = std::find(listed.begin(), listed.end(), method) == listed.end();
    }
    Next next = Next::kDone;
    if (ex.redirects == 0 && !location_allows_body_size(ex)) {
      send_error(ex, out, 413);
    } else if (ex.location->internal && ex.redirects == 0) {
      send_error(ex, out, 404);
    } else if (ex.location->has_rewrite && !ex.limited) {
      ex.script_ran = true;
      switch (run_script(ex, out, *ex.location)) {
        case ScriptEnd::kAnswered:
          break;
        case ScriptEnd::kSearch:
          next = Next::kRedirect;
          break;
        case ScriptEnd::kStay:
          next = serve_location(ex, out);
          break;
      }
    } else {
      next = serve_location(ex, out);
    }
    if (ex.redirect_pending) {  // an error_page to follow
      ex.redirect_pending = false;
      next = Next::kRedirect;
    }
    if (next == Next::kDone) return;
    if (++ex.redirects > kMaxRedirects) {
      log_request(ex, core::LogLevel::error,
                  "rewrite or internal redirection cycle while internally redirecting to \"" +
                      ex.uri + "\"");
      send_error(ex, out, 500);
      return;
    }
  }
}

bool Router::location_allows_body_size(Exchange& ex) {
  const int64_t max = ex.location->client_max_body_size;
  if (max <= 0 || ex.head.body != RequestHead::Body::kLength) return true;
  if (ex.head.content_length <= static_cast<uint64_t>(max)) return true;
  log_request(ex, core::LogLevel::error,
              "client intended to send too large body: " + std::to_string(ex.head.content_length) +
                  " bytes");
  return false;
}

Router::Next Router::serve_location(Exchange& ex, Output& out) {
  const LocationConf& loc = *ex.location;
  const auto it = scripts_.find(&loc);
  const bool has_return = loc.ret.code != 0 && !ex.script_ran && !ex.limited;
  if (has_return) {  // the rewrite phase comes before the access phase
    do_return(ex, out, loc.ret, it->second.return_text);
    return Next::kDone;
  }
  // The access phase, with limit_except's settings for a method it does not name.
  const LocationConf* access = ex.limited ? loc.limit_except.get() : &loc;
  if (!access->access_rules.empty() && !access_allowed(ex, *access)) {
    send_error(ex, out, 403);
    return Next::kDone;
  }
  if (!access->auth_basic_realm.empty()) {
    const int status = auth_basic_status(ex, *access);
    if (status != 0) {
      send_error(ex, out, status);
      return Next::kDone;
    }
  }
  if (loc.proxy.pass) {
    // The connection hands the request to a ProxyRequest; nothing is written here.
    ex.proxy = true;
    ex.proxy_host = loc.proxy.host;
    ex.proxy_port = loc.proxy.port;
    if (need_request_id_ && ex.request_id.empty()) ex.request_id = request_ids_.next(request_id_);
    return Next::kDone;
  }
  // A location's `if` that matched switches nginx to the if's configuration, which has no
  // try_files (nginx does not inherit it there: "if is evil").
  if (!loc.try_files.empty() && !ex.if_matched) return try_files(ex, out, it->second);
  return serve_static(ex, out);
}

std::string_view Router::map_path(Exchange& ex, std::string_view uri) {
  const LocationConf& loc = *ex.location;
  if (!loc.root_is_alias && loc.root.find('$') != std::string::npos) {
    // A root with variables ($1 of a regex server_name, a map's value...): evaluated first.
    std::string_view groups[config::Captures::kMaxGroups];
    scratch_.clear();
    vars::RequestVars v;
    fill_vars(ex, v);
    scripts_.find(&loc)->second.alias.append(v, scratch_, vars::Escape::none,
                                             capture_views(ex, groups));
    static_files::map_root(scratch_, uri, ex.filename, 16);
  } else if (!loc.root_is_alias) {
    static_files::map_root(loc.root, uri, ex.filename, 16);
  } else if (loc.kind == LocationConf::Kind::kRegex ||
             loc.kind == LocationConf::Kind::kRegexCaseless) {
    // Regex alias: the alias with $1.. substituted is the whole path (compiled at init).
    std::string_view groups[config::Captures::kMaxGroups];
    scratch_.clear();
    const auto it = scripts_.find(&loc);
    vars::RequestVars v;
    fill_vars(ex, v);
    it->second.alias.append(v, scratch_, vars::Escape::none, capture_views(ex, groups));
    static_files::map_regex_alias(scratch_, ex.filename, 16);
  } else {
    static_files::map_alias(loc.root, loc.pattern, uri, ex.filename, 16);
  }
  return ex.filename;
}

void Router::log_open_error(const Exchange& ex, const Error& error, int level) {
  log_request(ex, static_cast<core::LogLevel>(level), error.message);
}

// nginx's context for a request's error-log line: ", client: A, server: N, request: "L", host:
// "H"".
void Router::log_request(const Exchange& ex, core::LogLevel level, std::string_view message) {
  core::ErrorLog& log = log_of(ex);
  if (!log.enabled(level)) return;
  std::string line(message);
  line += ", client: ";
  line += ex.conn.remote_addr;
  line += ", server: ";
  if (ex.server != nullptr) line += ex.server->primary_name();
  if (!ex.request_line.empty()) {
    line += ", request: \"";
    line += ex.request_line;
    line += '"';
  }
  if (!ex.head.host.empty()) {
    line += ", host: \"";
    line += ex.head.host;
    line += '"';
  }
  log.log(level, ex.conn.id, line);
}

Router::Next Router::serve_static(Exchange& ex, Output& out) {
  const http::Method m = ex.method_get ? http::Method::kGet : ex.head.method;
  if (m != http::Method::kGet && m != http::Method::kHead && m != http::Method::kPost) {
    send_error(ex, out, 405);
    return Next::kDone;
  }
  if (!ex.uri.empty() && ex.uri.back() == '/') return serve_index(ex, out);

  const std::string_view path = map_path(ex, ex.uri);
  if (ex.location->gzip_static != 0 && m != http::Method::kPost) {
    // ngx_http_gzip_static_handler: FILE.gz for a client that takes gzip (or always), else on.
    bool gz = ex.location->gzip_static == 2;
    if (!gz) {
      ex.gzip_vary = true;
      gz = accepts_gzip(ex.head);
    }
    if (gz) {
      gz_path_.assign(path);
      gz_path_ += ".gz";
      auto gz_file = cache_for(ex).lookup(gz_path_, static_cast<int64_t>(loop_->now_ms()));
      if (gz_file && (*gz_file)->is_regular) {
        ex.gzip_encoded = true;
        send_file(ex, out, std::move(*gz_file));
        return Next::kDone;
      }
    }
  }
  auto file = cache_for(ex).lookup(path, static_cast<int64_t>(loop_->now_ms()));
  if (!file) {
    const auto es = static_files::status_for_errno(file.error().code);
    if (es.status != 404 || ex.location->log_not_found) {
      log_open_error(ex, file.error(), static_cast<int>(es.level));
    }
    send_error(ex, out, es.status);
    return Next::kDone;
  }
  if ((*file)->is_dir) {
    // A directory without its slash: 301 to the same URI with '/', args kept (nginx).
    redirect_uri_.clear();
    http::escape_uri(ex.uri, redirect_uri_, http::Escape::kUri);
    redirect_uri_.push_back('/');
    if (ex.args.data() != nullptr && !ex.args.empty()) {
      redirect_uri_.push_back('?');
      redirect_uri_.append(ex.args);
    }
    send_redirect(ex, out, 301, redirect_uri_);
    return Next::kDone;
  }
  if (!(*file)->is_regular) {
    log_request(ex, core::LogLevel::crit, "\"" + ex.filename + "\" is not a regular file");
    send_error(ex, out, 404);
    return Next::kDone;
  }
  if (m == http::Method::kPost) {
    send_error(ex, out, 405);
    return Next::kDone;
  }
  send_file(ex, out, std::move(*file));
  return Next::kDone;
}

Router::Next Router::serve_index(Exchange& ex, Output& out) {
  const LocationConf& loc = *ex.location;
  const int64_t now = static_cast<int64_t>(loop_->now_ms());
  for (const std::string& name : loc.index) {
    if (!name.empty() && name.front() == '/') {
      internal_redirect(ex, name, true);
      return Next::kRedirect;
    }
    map_path(ex, ex.uri);
    ex.filename += name;
    auto file = cache_for(ex).lookup(ex.filename, now);
    if (file) {
      ex.uri += name;  // internal redirect to the index file, args unchanged
      return Next::kRedirect;
    }
    const int err = file.error().code;
    if (err != ENOENT && err != ENOTDIR && err != ENAMETOOLONG) {
      const auto es = static_files::status_for_errno(err);
      log_open_error(ex, file.error(), static_cast<int>(es.level));
      send_error(ex, out, es.status);
      return Next::kDone;
    }
  }
  // No index file: a missing directory is a 404, an existing one is forbidden (no autoindex).
  std::string first_missing;
  if (!loc.index.empty()) {
    map_path(ex, ex.uri);
    first_missing = ex.filename + loc.index.front();
  }
  const std::string dir(map_path(ex, ex.uri));
  auto d = cache_for(ex).lookup(dir, now);
  if (!d || !(*d)->is_dir) {
    if (loc.log_not_found) {
      Error e{ENOENT, "\"" + (first_missing.empty() ? dir : first_missing) +
                          "\" is not found (2: No such file or directory)"};
      log_open_error(ex, e, static_cast<int>(core::LogLevel::error));
    }
    send_error(ex, out, 404);
    return Next::kDone;
  }
  const http::Method method = ex.method_get ? http::Method::kGet : ex.head.method;
  if (loc.autoindex && (method == http::Method::kGet || method == http::Method::kHead)) {
    send_autoindex(ex, out, dir);
    return Next::kDone;
  }
  Error e{EACCES, "directory index of \"" + dir + "\" is forbidden"};
  log_open_error(ex, e, static_cast<int>(core::LogLevel::error));
  send_error(ex, out, 403);
  return Next::kDone;
}

// ngx_http_autoindex_handler: the directory read whole (hidden names skipped, each entry
// stat()ed through symlinks), the page rendered, sent chunked to HTTP/1.1 clients and to the
// close for HTTP/1.0 ones, as nginx sends it (no Content-Length, no Last-Modified, no ETag).
void Router::send_autoindex(Exchange& ex, Output& out, const std::string& dir) {
  const LocationConf& loc = *ex.location;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    const auto es = static_files::status_for_errno(err);
    log_open_error(ex, sys_fail("opendir() \"" + dir + "\"", err).error(),
                   static_cast<int>(es.level));
    send_error(ex, out, es.status);
    return;
  }
  std::vector<static_files::DirEntry> entries;
  const int dfd = ::dirfd(d);
  while (const dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.') continue;
    struct stat st;
    if (::fstatat(dfd, de->d_name, &st, 0) != 0) {
      // A dangling symlink or a name gone meanwhile is left out, as nginx does.
      if (errno == ENOENT || errno == ELOOP) continue;
      const int err = errno;
      log_open_error(ex, sys_fail("stat() \"" + dir + de->d_name + "\"", err).error(),
                     static_cast<int>(core::LogLevel::crit));
      ::closedir(d);
      send_error(ex, out, 500);
      return;
    }
    entries.push_back(
        {de->d_name, S_ISDIR(st.st_mode), static_cast<int64_t>(st.st_size), st.st_mtime});
  }
  ::closedir(d);
  static_files::AutoindexOptions options;
  options.format = static_cast<static_files::AutoindexFormat>(loc.autoindex_format);
  options.exact_size = loc.autoindex_exact_size;
  options.localtime = loc.autoindex_localtime;
  std::string callback;
  if (options.format == static_files::AutoindexFormat::kJsonp) {
    callback = vars::find_arg(ex.args, "callback");
    if (!static_files::valid_jsonp_callback(callback)) {
      log_request(ex, core::LogLevel::error, "client sent invalid callback \"" + callback + "\"");
      send_error(ex, out, 400);
      return;
    }
    options.callback = callback;
  }
  std::string page;
  static_files::render_autoindex(ex.uri, entries, options, page);
  http::ResponseHead head;
  head.status = 200;
  head.content_type = static_files::autoindex_content_type(options.format, !callback.empty());
  // HTTP/2 frames the listing itself (DATA frames, END_STREAM): never chunked.
  const bool chunked = ex.head.http1() && ex.head.minor >= 1;
  head.chunked = chunked;
  // An HTTP/1.0 client reads the listing to the close (a HEAD has no body to end).
  if (!chunked && !ex.header_only && ex.head.http1()) ex.keep_alive = false;
  finish_head(ex, out, head);
  if (ex.header_only) return;
  std::string& bytes = out.bytes();
  const size_t before = bytes.size();
  if (chunked) {
    char size[24];
    bytes.append(size,
                 static_cast<size_t>(std::snprintf(size, sizeof size, "%zx\r\n", page.size())));
    bytes += page;
    bytes += "\r\n0\r\n\r\n";
  } else {
    bytes += page;
  }
  ex.body_bytes = bytes.size() - before;
}

void Router::internal_redirect(Exchange& ex, std::string_view uri_with_args, bool keep_args) {
  // Internal redirects take the URI as written (already decoded text), as nginx's do; the part
  // after '?' becomes $args. Without one, the index module keeps the request's arguments and
  // try_files and error_page drop them (ngx_http_split_args).
  const size_t q = uri_with_args.find('?');
  if (q != std::string_view::npos) {
    args_.assign(uri_with_args.substr(q + 1));
    ex.args = args_;
  } else if (!keep_args) {
    ex.args = {};
  }
  if (uri_with_args.data() == ex.uri.data()) {
    ex.uri.resize(std::min(q, ex.uri.size()));
  } else {
    ex.uri.assign(uri_with_args.substr(0, q));
  }
}

Router::Next Router::try_files(Exchange& ex, Output& out, const LocationScripts& scripts) {
  vars::RequestVars v;
  const int64_t now = static_cast<int64_t>(loop_->now_ms());
  std::string_view groups[config::Captures::kMaxGroups];
  const std::span<const std::string_view> caps = capture_views(ex, groups);
  const size_t n = scripts.try_files.size();
  std::string candidate;
  for (size_t i = 0; i + 1 < n; ++i) {
    fill_vars(ex, v);
    candidate.clear();
    scripts.try_files[i].append(v, candidate, vars::Escape::none, caps);
    if (candidate.empty()) continue;
    // "name/" tests for a directory, and the slash is not part of the new $uri (nginx strips it
    // at config time), so a directory found this way gets the static handler's 301.
    const bool want_dir = scripts.try_files[i].source().ends_with('/');
    if (want_dir && candidate.size() > 1) candidate.pop_back();
    const std::string_view path = map_path(ex, candidate);
    auto file = cache_for(ex).lookup(path, now);
    if (!file) continue;
    if (want_dir ? !(*file)->is_dir : (*file)->is_dir) continue;
    ex.uri = candidate;  // nginx serves it in this location, with $uri changed
    return serve_static(ex, out);
  }
  fill_vars(ex, v);
  candidate.clear();
  scripts.try_files[n - 1].append(v, candidate, vars::Escape::none, caps);
  if (candidate.size() > 1 && candidate.front() == '=') {
    int code = 0;
    std::from_chars(candidate.data() + 1, candidate.data() + candidate.size(), code);
    send_error(ex, out, code);
    return Next::kDone;
  }
  if (!candidate.empty() && candidate.front() == '@') {
    const LocationConf* named = config::find_named_location(*ex.server, candidate);
    if (named == nullptr) {
      send_error(ex, out, 500);
      return Next::kDone;
    }
    ex.location = named;
    if (++ex.redirects > kMaxRedirects) {
      send_error(ex, out, 500);
      return Next::kDone;
    }
    return serve_location(ex, out);
  }
  internal_redirect(ex, candidate, false);
  return Next::kRedirect;
}

void Router::do_return(Exchange& ex, Output& out, const config::ReturnConf& ret,
                       const vars::Template& text) {
  if (ret.code == kCloseNow) {
    ex.status = kCloseNow;
    return;
  }
  scratch_.clear();
  if (!ret.text.empty()) {
    ex.status = ret.code;  // $status in the text is the code being returned (nginx)
    vars::RequestVars v;
    fill_vars(ex, v);
    std::string_view groups[config::Captures::kMaxGroups];
    text.append(v, scratch_, vars::Escape::none, capture_views(ex, groups));
  }
  if (is_redirect(ret.code)) {
    redirect_uri_ = scratch_;
    send_redirect(ex, out, ret.code, redirect_uri_);
    return;
  }
  if (ret.text.empty()) {
    send_error(ex, out, ret.code);
    return;
  }
  const std::string body = scratch_;
  send_text(ex, out, ret.code, config::mime_type(*ex.location, ex.uri), body);
}

// ngx_http_access_handler: the first rule that matches the client decides; no rule matching
// allows.
bool Router::access_allowed(const Exchange& ex, const LocationConf& conf) {
  using Kind = config::AccessRule::Kind;
  std::array<uint8_t, 16> addr{};
  Kind family = Kind::kUnix;
  char text[INET6_ADDRSTRLEN + 1] = {};
  const std::string_view remote = ex.conn.remote_addr;
  if (remote.size() < sizeof text) {
    std::memcpy(text, remote.data(), remote.size());
    if (inet_pton(AF_INET, text, addr.data()) == 1) {
      family = Kind::kV4;
    } else if (inet_pton(AF_INET6, text, addr.data()) == 1) {
      family = Kind::kV6;
      // An IPv4-mapped IPv6 client is checked against IPv4 rules too, as nginx does.
      static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      if (std::memcmp(addr.data(), kMapped, 12) == 0) {
        std::memmove(addr.data(), addr.data() + 12, 4);
        family = Kind::kV4;
      }
    }
  }
  for (const config::AccessRule& rule : conf.access_rules) {
    bool match = rule.kind == Kind::kAll;
    if (rule.kind == family && family != Kind::kUnix) {
      match = true;
      const size_t n = family == Kind::kV4 ? 4 : 16;
      for (size_t i = 0; i < n && match; ++i) {
        match = (addr[i] & rule.mask[i]) == rule.address[i];
      }
    } else if (rule.kind == Kind::kUnix && family == Kind::kUnix) {
      match = true;
    }
    if (!match) continue;
    if (!rule.allow) {
      log_request(ex, core::LogLevel::error, "access forbidden by rule");
      return false;
    }
    return true;
  }
  return true;
}

// ngx_http_auth_basic_handler: 0 when the credentials are good; 401 (with the challenge) when
// they are missing or wrong; 403 when the password file is missing, 500 when it cannot be read.
int Router::auth_basic_status(Exchange& ex, const LocationConf& loc) {
  BasicCredentials credentials;
  bool given = false;
  for (const http::Header& hd : ex.head.headers) {
    if (http::iequals(hd.name, "authorization")) {
      given = parse_basic_authorization(hd.value, credentials);
      break;
    }
  }
  auth_challenge_ = "Basic realm=\"" + loc.auth_basic_realm + "\"";
  if (!given) {
    ex.auth_challenge = auth_challenge_;
    return 401;
  }
  std::string text;
  if (auto file = core::read_file(loc.auth_basic_user_file); !file) {
    const int err = file.error().code;
    log_request(ex, err == ENOENT ? core::LogLevel::error : core::LogLevel::crit,
                file.error().message);
    return err == ENOENT ? 403 : 500;
  } else {
    text = std::move(*file);
  }
  switch (check_htpasswd(text, credentials.user, credentials.password)) {
    case HtpasswdCheck::kMatch:
      return 0;
    case HtpasswdCheck::kMismatch:
      log_request(ex, core::LogLevel::error,
                  "user \"" + credentials.user + "\": password mismatch");
      break;
    case HtpasswdCheck::kNoUser:
      log_request(ex, core::LogLevel::error,
                  "user \"" + credentials.user + "\" was not found in \"" +
                      loc.auth_basic_user_file + "\"");
      break;
  }
  ex.auth_challenge = auth_challenge_;
  return 401;
}

// ngx_http_charset_header_filter, without recoding: not on 301/302 (old browsers took the
// redirect's charset for the next page's), only for charset_types ("*" = all), never twice.
void Router::add_charset(const LocationConf& loc, http::ResponseHead& head) {
  if (head.status == 301 || head.status == 302 || head.content_type.empty() ||
      !head.charset.empty()) {
    return;
  }
  std::string_view type = head.content_type;
  const size_t semi = type.find(';');
  if (semi != std::string_view::npos) {
    // A charset the answer already names stays.
    std::string_view params = type.substr(semi);
    for (size_t i = 0; i + 8 <= params.size(); ++i) {
      if (http::iequals(params.substr(i, 8), "charset=")) return;
    }
    type = type.substr(0, semi);
  }
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  for (const std::string& t : loc.charset_types) {
    if (t == "*" || http::iequals(t, type)) {
      head.charset = loc.charset;
      return;
    }
  }
}

// ngx_http_gzip_ok with nginx's defaults (gzip_http_version 1.1, gzip_proxied off): an HTTP/1.1
// request without Via whose Accept-Encoding names gzip with a q above 0.
bool Router::accepts_gzip(const http::RequestHead& h) {
  if (!h.at_least_11()) return false;
  bool gzip = false;
  for (const http::Header& hd : h.headers) {
    if (http::iequals(hd.name, "via")) return false;
    if (!http::iequals(hd.name, "accept-encoding")) continue;
    std::string_view v = hd.value;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      const size_t semi = item.find(';');
      std::string_view name = item.substr(0, semi);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      if (!http::iequals(name, "gzip")) continue;
      bool zero = false;
      if (semi != std::string_view::npos) {
        std::string_view q = item.substr(semi + 1);
        while (!q.empty() && q.front() == ' ') q.remove_prefix(1);
        if (q.size() >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
          q.remove_prefix(2);
          zero = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
        }
      }
      gzip = !zero;
    }
  }
  return gzip;
}

// nginx's auto_redirect: "/prefix" when only "location /prefix/" (with proxy_pass) would take
// "/prefix/" is answered 301 to "/prefix/" (args kept), unless an exact location matched.
bool Router::auto_redirect(Exchange& ex, Output& out) {
  if (!has_auto_redirect_ || ex.location->kind == LocationConf::Kind::kExact) return false;
  for (const LocationConf* p : ex.server->loc.prefix_locations) {
    const std::string& pat = p->pattern;
    if (!p->proxy.pass || pat.size() != ex.uri.size() + 1 || pat.back() != '/' ||
        !pat.starts_with(ex.uri)) {
      continue;
    }
    ex.location = p;
    redirect_uri_.clear();
    http::escape_uri(ex.uri, redirect_uri_, http::Escape::kUri);
    redirect_uri_.push_back('/');
    if (!ex.args.empty()) {
      redirect_uri_.push_back('?');
      redirect_uri_.append(ex.args);
    }
    send_redirect(ex, out, 301, redirect_uri_);
    return true;
  }
  return false;
}

bool Router::server_script(Exchange& ex, Output& out) {
  const LocationConf& level = ex.server->loc;
  if (level.script.empty()) return true;
  const LocationConf* saved = ex.location;
  ex.location = &level;  // a return or redirect here is answered at the server level
  const ScriptEnd end = run_script(ex, out, level);
  ex.location = saved;
  return end != ScriptEnd::kAnswered;
}

// ngx_http_rewrite_handler's engine, for the statements webcycle has (rewrite, return, break).
Router::ScriptEnd Router::run_script(Exchange& ex, Output& out, const LocationConf& level) {
  using Step = config::RewriteStep;
  const auto it = scripts_.find(&level);
  assert(it != scripts_.end());  // init() compiles every level's script
  const std::vector<vars::Template>& templates = it->second.script;
  bool changed = false;
  for (size_t i = 0; i < level.script.size(); ++i) {
    const Step& step = level.script[i];
    if (step.kind == Step::Kind::kBreak) return ScriptEnd::kStay;
    if (step.kind == Step::Kind::kReturn) {
      do_return(ex, out, step.ret, templates[i]);
      return ScriptEnd::kAnswered;
    }
    if (step.kind == Step::Kind::kIf) {
      if (test_condition(ex, step.cond, templates[i], it->second.operand[i])) {
        if (step.in_location) ex.if_matched = true;
      } else {
        i = step.end - 1;  // past the block
      }
      continue;
    }
    if (step.kind == Step::Kind::kSet) {
      if (templates[i].uses(vars::Template::Var::request_filename)) map_path(ex, ex.uri);
      vars::RequestVars v;
      fill_vars(ex, v);
      std::string_view groups[config::Captures::kMaxGroups];
      std::string value;
      templates[i].append(v, value, vars::Escape::none, capture_views(ex, groups));
      user_vars_.set(step.var, value);
      continue;
    }
    config::Captures caps;
    if (!step.regex->match(ex.uri, &caps)) continue;
    keep_captures(ex, caps, step.cond.named);
    std::string_view groups[config::Captures::kMaxGroups];
    std::span<const std::string_view> views = capture_views(caps, groups);
    // A redirect's captures are escaped (they come from the decoded $uri); an internal
    // rewrite's are not, as nginx's.
    std::string escaped[config::Captures::kMaxGroups];
    if (step.redirect) {
      for (size_t g = 0; g < views.size(); ++g) {
        http::escape_uri(views[g], escaped[g], http::Escape::kArgs);
        groups[g] = escaped[g];
      }
    }
    vars::RequestVars v;
    fill_vars(ex, v);
    std::string value;
    templates[i].append(v, value, vars::Escape::none, views);
    // Arguments: a replacement without '?' keeps the request's; with '?', its own come first
    // and the request's follow, unless it ends with '?'.
    const size_t q = value.find('?');
    std::string args;
    if (q == std::string::npos) {
      args = ex.args;
    } else {
      const bool drop = value.back() == '?';
      args = value.substr(q + 1, value.size() - q - 1 - (drop ? 1 : 0));
      if (!drop && !ex.args.empty()) {
        if (!args.empty()) args += '&';
        args += ex.args;
      }
      value.resize(q);
    }
    if (step.redirect) {
      if (!args.empty()) value += "?" + args;
      const int code = step.flag == Step::Flag::kPermanent ? 301 : 302;
      redirect_uri_ = std::move(value);
      send_redirect(ex, out, code, redirect_uri_);
      return ScriptEnd::kAnswered;
    }
    ex.uri = std::move(value);
    args_ = std::move(args);
    ex.args = args_.empty() ? std::string_view{} : std::string_view(args_);
    ex.uri_changed = true;
    changed = true;
    if (step.flag == Step::Flag::kLast) return ScriptEnd::kSearch;
    if (step.flag == Step::Flag::kBreak) return ScriptEnd::kStay;
  }
  return changed ? ScriptEnd::kSearch : ScriptEnd::kStay;
}

void Router::make_absolute(const Exchange& ex, std::string_view location, std::string& out) {
  out.clear();
  const LocationConf& loc = *ex.location;
  if (location.empty() || location.front() != '/' || !loc.absolute_redirect) {
    out.assign(location);
    return;
  }
  char hostbuf[256];
  std::string_view host;
  // nginx's header filter: the server name with server_name_in_redirect, else the Host, else
  // the address the connection came to.
  if (loc.server_name_in_redirect) {
    host = ex.server->primary_name();
  } else {
    host = bare_host(ex.head.host, hostbuf, sizeof hostbuf);
  }
  std::string local_ip;
  if (host.empty()) {
    if (auto a = core::local_address(ex.conn.fd)) {
      local_ip = a->is_ipv6() ? "[" + a->ip_string() + "]" : a->ip_string();
    }
    host = local_ip;
  }
  const bool https = ex.conn.tls != nullptr;
  out.append(https ? "https://" : "http://");
  out.append(host);
  const uint16_t port = ex.conn.group->listen.port;
  if (loc.port_in_redirect && port != (https ? 443 : 80)) {
    out.push_back(':');
    out.append(std::to_string(port));
  }
  out.append(location);
}

void Router::send_redirect(Exchange& ex, Output& out, int status, std::string_view location) {
  http::ResponseHead head;
  head.status = status;
  make_absolute(ex, location, location_);
  head.location = location_;
  std::string page;
  if (has_builtin_page(status)) {
    append_builtin_page(status, ex.location->server_tokens, page);
    head.content_type = "text/html";
  }
  head.content_length = static_cast<int64_t>(page.size());
  finish_head(ex, out, head);
  if (!ex.header_only && !page.empty()) {
    out.bytes().append(page);
    ex.body_bytes = page.size();
  }
}

void Router::send_text(Exchange& ex, Output& out, int status, std::string_view content_type,
                       std::string_view body) {
  http::ResponseHead head;
  head.status = status;
  head.content_type = content_type;
  head.content_length = static_cast<int64_t>(body.size());
  finish_head(ex, out, head);
  if (!ex.header_only && status != 204 && status != 304) {
    out.bytes().append(body);
    ex.body_bytes = body.size();
  }
}

void Router::keep_captures(Exchange& ex, const config::Captures& caps,
                           const config::NamedCaptures& named) {
  for (const auto& [var, group] : named) user_vars_.set(var, caps.group(group));
  if (caps.regex == nullptr || caps.regex->capture_count() == 0) return;
  // The subject may be capture_subject_ itself (an if testing $1): copy through the spare.
  capture_tmp_.assign(caps.subject);
  capture_subject_.swap(capture_tmp_);
  ex.captures = caps;
  ex.captures.subject = capture_subject_;
}

// ngx_http_script_if_code and the codes before it: a variable's test, = / !=, a regex, a file.
bool Router::test_condition(Exchange& ex, const config::IfCondition& cond,
                            const vars::Template& subject, const vars::Template& operand) {
  using Op = config::IfCondition::Op;
  using Var = vars::Template::Var;
  // $request_filename is made on demand in nginx: map the URI now if the condition needs it.
  if (subject.uses(Var::request_filename) || operand.uses(Var::request_filename)) {
    map_path(ex, ex.uri);
  }
  vars::RequestVars v;
  fill_vars(ex, v);
  std::string_view groups[config::Captures::kMaxGroups];
  std::string value;
  subject.append(v, value, vars::Escape::none, capture_views(ex, groups));
  switch (cond.op) {
    case Op::kTrue:
      return !value.empty() && value != "0";
    case Op::kEqual:
    case Op::kNotEqual: {
      std::string other;
      operand.append(v, other, vars::Escape::none, capture_views(ex, groups));
      return (value == other) == (cond.op == Op::kEqual);
    }
    case Op::kMatch:
    case Op::kNotMatch: {
      config::Captures caps;
      const bool matched = cond.regex->match(value, &caps);
      if (matched) keep_captures(ex, caps, cond.named);
      return matched == (cond.op == Op::kMatch);
    }
    case Op::kFile:
      break;
  }
  using File = config::IfCondition::File;
  struct stat st {};
  bool yes = false;
  // A path with a NUL byte names no file (stat() would stop at the NUL): as ENOENT.
  const bool found = value.find('\0') == std::string::npos && ::stat(value.c_str(), &st) == 0;
  const int err = found ? 0 : value.find('\0') != std::string::npos ? ENOENT : errno;
  if (found) {
    switch (cond.file) {
      case File::kPlain:
        yes = S_ISREG(st.st_mode);
        break;
      case File::kDir:
        yes = S_ISDIR(st.st_mode);
        break;
      case File::kExists:
        yes = true;
        break;
      case File::kExec:
        yes = (st.st_mode & S_IXUSR) != 0;
        break;
    }
  } else if (err != ENOENT && err != ENOTDIR && err != ENAMETOOLONG) {
    log_request(ex, core::LogLevel::crit,
                "stat() \"" + value + "\" failed (" + std::to_string(err) + ": " +
                    std::strerror(err) + ")");
  }
  return yes != cond.negate_file;
}

std::span<const std::string_view> Router::capture_views(const config::Captures& captures,
                                                        std::string_view (&groups)[32]) {
  static_assert(config::Captures::kMaxGroups == 32);
  const int n = std::min(captures.count, config::Captures::kMaxGroups);
  for (int i = 0; i < n; ++i) groups[i] = captures.group(i);
  return {groups, static_cast<size_t>(n)};
}

// ngx_http_special_response_handler's error_page part and ngx_http_send_error_page.
bool Router::error_page(Exchange& ex, Output& out, int status) {
  if (ex.in_error_page || ex.location == nullptr || ex.location->error_pages.empty()) return false;
  const LocationConf& loc = *ex.location;
  size_t index = 0;
  for (; index < loc.error_pages.size(); ++index) {
    const auto& codes = loc.error_pages[index].codes;
    if (std::find(codes.begin(), codes.end(), status) != codes.end()) break;
  }
  if (index == loc.error_pages.size()) return false;
  const config::ErrorPageConf& page = loc.error_pages[index];
  const auto it = scripts_.find(&loc);
  assert(it != scripts_.end());  // init() compiles every location's error_page
  ex.in_error_page = true;       // one error page per request (no recursive_error_pages)
  if (closes_connection(status)) ex.keep_alive = false;
  if (page.overwrite >= 0) ex.err_status = page.overwrite;
  vars::RequestVars v;
  fill_vars(ex, v);
  std::string_view groups[config::Captures::kMaxGroups];
  redirect_uri_.clear();
  it->second.error_pages[index].append(v, redirect_uri_, vars::Escape::none,
                                       capture_views(ex, groups));
  if (!redirect_uri_.empty() && redirect_uri_.front() == '/') {
    if (!ex.header_only) ex.method_get = true;
    internal_redirect(ex, redirect_uri_, false);
    ex.redirect_pending = true;
    return true;
  }
  if (!redirect_uri_.empty() && redirect_uri_.front() == '@') {
    const LocationConf* named = config::find_named_location(*ex.server, redirect_uri_);
    if (named == nullptr) {
      log_request(ex, core::LogLevel::error,
                  "could not find named location \"" + redirect_uri_ + "\"");
      send_error(ex, out, 500);  // in_error_page is set: the built-in page, as nginx
      return true;
    }
    ex.named_next = named;
    ex.redirect_pending = true;
    return true;
  }
  // Anything else is a redirect to it: 302, or the `=CODE` when that is a redirect code.
  const int code = is_redirect(page.overwrite) ? page.overwrite : 302;
  ex.err_status = 0;
  const std::string target = redirect_uri_;
  send_redirect(ex, out, code, target);
  return true;
}

void Router::send_error(Exchange& ex, Output& out, int status) {
  if (!ex.in_error_page) {
    ex.err_status = status;  // nginx: the error's status, unless the error page overwrites it
    if (error_page(ex, out, status)) return;
  }
  ex.err_status = 0;  // the built-in page carries its own status
  http::ResponseHead head;
  head.status = status == kPlainHttpToHttps ? 400 : status;
  std::string page;
  if (has_builtin_page(status)) {
    append_builtin_page(status, ex.location->server_tokens, page);
    head.content_type = "text/html";
  }
  head.content_length = static_cast<int64_t>(page.size());
  if (status == 204 || status == 304) head.content_length = -1;
  char range_buf[static_files::kContentRangeMax];
  http::Header extra[1];
  if (status == 416 && !ranges_.empty()) {
    // ranges_ holds the file size in ranges_[0].end for a 416 (see send_file).
    extra[0] = {"Content-Range",
                static_files::format_unsatisfiable_range(ranges_[0].end, range_buf)};
    head.extra = std::span<const http::Header>(extra, 1);
  }
  finish_head(ex, out, head);
  if (!ex.header_only && !page.empty()) {
    out.bytes().append(page);
    ex.body_bytes = page.size();
  }
}

void Router::finish_head(Exchange& ex, Output& out, http::ResponseHead& head) {
  assert(ex.location != nullptr);  // every answer is made in a location (the server's at least)
  const LocationConf& loc = *ex.location;
  // error_page's status wins (nginx), except that =200 lets a page's 206 or 304 through, as
  // nginx's range and not-modified filters make them after it.
  if (ex.err_status != 0 && !(ex.err_status == 200 && (head.status == 206 || head.status == 304))) {
    head.status = ex.err_status;
  }
  if (!loc.charset.empty()) add_charset(loc, head);
  if (ex.gzip_vary && loc.gzip_vary) head.vary_accept_encoding = true;
  http::Header challenge[1];
  if (head.status == 401 && !ex.auth_challenge.empty() && head.extra.empty()) {
    challenge[0] = {"WWW-Authenticate", ex.auth_challenge};
    head.extra = std::span<const http::Header>(challenge, 1);
  }
  head.server_tokens = loc.server_tokens;
  head.server_version = server_version();
  head.date = loop_->wall_clock().http_date();
  // A 400 or 500 webcycle makes closes the connection; an upstream's does not (nginx).
  if (!ex.proxy && closes_connection(head.status)) ex.keep_alive = false;
  if (ex.keep_alive) {
    if (loc.keepalive_timeout_ms <= 0 ||
        (loc.keepalive_requests > 0 &&
         ex.conn.requests >= static_cast<uint64_t>(loc.keepalive_requests))) {
      ex.keep_alive = false;
    }
  }
  head.connection = ex.keep_alive ? http::ResponseHead::Connection::kKeepAlive
                                  : http::ResponseHead::Connection::kClose;
  if (ex.keep_alive && loc.keepalive_header_timeout_s > 0) {
    head.keep_alive_timeout = static_cast<int>(loc.keepalive_header_timeout_s);
  }
  if (!loc.add_headers.empty() || loc.expires.kind != config::ExpiresConf::Kind::kOff) {
    const auto it = scripts_.find(&loc);
    // init() compiles every location's add_header
    assert(loc.add_headers.empty() || it != scripts_.end());
    add_configured_headers(ex, it == scripts_.end() ? nullptr : &it->second, head);
  }
  if (ex.h2_head != nullptr) {
    // HTTP/2: the head goes to the stream as fields (no HTTP/1.1 text, no Connection).
    ex.h2_head->assign(head);
    ex.header_bytes = ex.h2_head->wire_size();
  } else {
    std::string& bytes = out.bytes();
    const size_t before = bytes.size();
    http::append_response_head(head, bytes);
    ex.header_bytes = bytes.size() - before;
  }
  ex.status = head.status;
  ex.sent_content_type = head.content_type;
  ex.has_content_length = head.content_length >= 0;
  ex.sent_content_length =
      head.content_length >= 0 ? static_cast<uint64_t>(head.content_length) : 0;
  ex.sent_location = head.location;
}

void Router::add_configured_headers(Exchange& ex, const LocationScripts* scripts,
                                    http::ResponseHead& head) {
  const LocationConf& loc = *ex.location;
  const bool listed = headers_filter_applies(head.status);
  // Values go into one buffer first and become views after, since it may grow meanwhile.
  added_text_.clear();
  added_.clear();
  auto keep = [this](std::string_view name, size_t start) {
    added_.push_back({name, std::string_view()});
    added_offsets_.resize(added_.size());
    added_offsets_.back() = {start, added_text_.size() - start};
  };
  if (listed && loc.expires.kind != config::ExpiresConf::Kind::kOff) {
    // Expires, then Cache-Control, before add_header's (ngx_http_set_expires runs first).
    size_t start = added_text_.size();
    const int64_t max_age = append_expires(loc.expires, head.last_modified, added_text_);
    keep("Expires", start);
    start = added_text_.size();
    if (max_age < 0) {
      added_text_ += "no-cache";
    } else {
      added_text_ += "max-age=";
      added_text_ += std::to_string(max_age);
    }
    keep("Cache-Control", start);
  }
  if (scripts != nullptr && !loc.add_headers.empty()) {
    ex.status = head.status;  // $status in a value
    vars::RequestVars v;
    fill_vars(ex, v);
    std::string_view groups[config::Captures::kMaxGroups];
    const std::span<const std::string_view> captures = capture_views(ex, groups);
    for (size_t i = 0; i < loc.add_headers.size(); ++i) {
      if (!listed && !loc.add_headers[i].always) continue;
      const size_t start = added_text_.size();
      scripts->add_headers[i].append(v, added_text_, vars::Escape::none, captures);
      if (added_text_.size() == start) continue;  // an empty value sends nothing (nginx)
      keep(loc.add_headers[i].name, start);
    }
  }
  for (size_t k = 0; k < added_.size(); ++k) {
    added_[k].value =
        std::string_view(added_text_).substr(added_offsets_[k].first, added_offsets_[k].second);
  }
  head.added = added_;
}

// The Expires value of `e` (IMF-fixdate) appended to `out`; returns the max-age to send, or -1
// for "no-cache". As ngx_http_set_expires.
int64_t Router::append_expires(const config::ExpiresConf& e, time_t last_modified,
                               std::string& out) {
  using Kind = config::ExpiresConf::Kind;
  if (e.kind == Kind::kEpoch) {
    out += "Thu, 01 Jan 1970 00:00:01 GMT";
    return -1;
  }
  if (e.kind == Kind::kMax) {
    out += "Thu, 31 Dec 2037 23:55:55 GMT";
    return 315360000;
  }
  const time_t now = loop_->wall_clock().unix_seconds();
  time_t when = 0;
  int64_t max_age = 0;
  if (e.kind == Kind::kDaily) {
    // The next time the local clock shows that time of day (ngx_next_time).
    tm local;
    localtime_r(&now, &local);
    local.tm_hour = static_cast<int>(e.seconds / 3600);
    local.tm_min = static_cast<int>(e.seconds / 60 % 60);
    local.tm_sec = static_cast<int>(e.seconds % 60);
    local.tm_isdst = -1;
    when = mktime(&local);
    if (when != -1 && when <= now) {
      local.tm_mday++;
      local.tm_isdst = -1;
      when = mktime(&local);
    }
    max_age = when - now;
  } else if (e.kind == Kind::kAccess || last_modified == -1) {
    max_age = e.seconds;
    when = now + static_cast<time_t>(e.seconds);
  } else {  // kModified
    when = last_modified + static_cast<time_t>(e.seconds);
    max_age = when - now;
  }
  char date[http::kHttpDateLen];
  out += http::format_http_date(when, date);
  return e.seconds < 0 || max_age < 0 ? -1 : max_age;
}

void Router::send_file(Exchange& ex, Output& out, static_files::FileRef file) {
  const static_files::CachedFile& f = *file;
  const LocationConf& loc = *ex.location;
  const std::string_view etag = loc.etag ? f.etag.view() : std::string_view{};
  RequestFields fields = scan_fields(ex.head);
  // A file sent as an error page (error_page 404 /404.html) is the error's answer: no 304, no
  // 206, no Last-Modified, no Accept-Ranges, as nginx sends it (ETag stays).
  const bool error_answer = ex.err_status != 0 && ex.err_status != 200;
  if (error_answer) fields = RequestFields{};
  // A precompressed file is sent whole, without Accept-Ranges, as nginx's gzip_static does.
  if (ex.gzip_encoded) fields.range = fields.if_range = {};

  static_files::ConditionalHeaders ch;
  ch.if_match = fields.if_match;
  ch.if_unmodified_since = fields.if_unmodified_since;
  ch.if_none_match = fields.if_none_match;
  ch.if_modified_since = fields.if_modified_since;
  const auto cond =
      static_files::evaluate_conditionals(ch, etag, f.mtime, ims_mode(loc.if_modified_since));
  if (cond == static_files::Conditional::precondition_failed) {
    send_error(ex, out, 412);
    return;
  }
  http::ResponseHead head;
  head.last_modified = error_answer ? -1 : static_cast<time_t>(f.mtime);
  head.etag = etag;
  if (cond == static_files::Conditional::not_modified) {
    head.status = 304;
    finish_head(ex, out, head);
    return;
  }

  if (ex.gzip_encoded) head.content_encoding = "gzip";  // not on a 304 (RFC 9110 15.4.5, nginx)
  const std::string_view content_type = config::mime_type(loc, ex.uri);
  static_files::RangeRequest rr;
  rr.range = fields.range;
  rr.if_range = fields.if_range;
  rr.size = f.size;
  rr.etag = etag;
  rr.mtime = f.mtime;
  const auto outcome = static_files::evaluate_range(rr, ranges_);

  char range_buf[static_files::kContentRangeMax];
  http::Header extra[1];
  switch (outcome) {
    case static_files::RangeOutcome::unsatisfiable:
      ranges_.assign(1, static_files::ByteRange{0, f.size});
      send_error(ex, out, 416);
      ranges_.clear();
      return;
    case static_files::RangeOutcome::full:
      head.status = 200;
      head.content_type = content_type;
      head.content_length = static_cast<int64_t>(f.size);
      head.accept_ranges = !error_answer && !ex.gzip_encoded;
      break;
    case static_files::RangeOutcome::single:
      head.status = 206;
      head.content_type = content_type;
      head.content_length = static_cast<int64_t>(ranges_[0].length());
      extra[0] = {"Content-Range",
                  static_files::format_content_range(ranges_[0], f.size, range_buf)};
      head.extra = std::span<const http::Header>(extra, 1);
      break;
    case static_files::RangeOutcome::multiple:
      head.status = 206;
      // Each part's Content-Type carries the charset the whole answer would have (nginx).
      part_type_.assign(content_type);
      if (!loc.charset.empty()) {
        http::ResponseHead part;
        part.status = 200;
        part.content_type = content_type;
        add_charset(loc, part);
        if (!part.charset.empty()) {
          part_type_ += "; charset=";
          part_type_ += part.charset;
        }
      }
      multipart_.build(ranges_, f.size, part_type_, ++boundary_);
      head.content_type = multipart_.content_type();
      head.content_length = static_cast<int64_t>(multipart_.content_length());
      break;
  }
  finish_head(ex, out, head);
  if (ex.header_only) return;

  std::shared_ptr<static_files::FileRef> keep;
  auto emit = [&](uint64_t offset, uint64_t length) {
    if (length == 0) return;
    if (f.has_content) {
      out.bytes().append(f.content.substr(offset, length));
    } else {
      if (!keep) keep = std::make_shared<static_files::FileRef>(std::move(file));
      out.add_file(FileRange{f.fd, static_cast<off_t>(offset), length, keep});
    }
  };
  switch (outcome) {
    case static_files::RangeOutcome::full:
      emit(0, f.size);
      ex.body_bytes = f.size;
      break;
    case static_files::RangeOutcome::single:
      emit(ranges_[0].start, ranges_[0].length());
      ex.body_bytes = ranges_[0].length();
      break;
    case static_files::RangeOutcome::multiple:
      for (const auto& seg : multipart_.segments()) {
        if (seg.is_file) {
          emit(seg.offset, seg.length);
        } else {
          out.bytes().append(seg.literal);
        }
      }
      ex.body_bytes = multipart_.content_length();
      break;
    case static_files::RangeOutcome::unsatisfiable:
      break;
  }
}

void Router::fill_vars(const Exchange& ex, vars::RequestVars& v) {
  const RequestHead& h = ex.head;
  v.remote_addr = ex.conn.remote_addr;
  if (ex.conn.remote_port != 0) {
    const auto r = std::to_chars(remote_port_text_, remote_port_text_ + sizeof remote_port_text_,
                                 ex.conn.remote_port);
    v.remote_port = std::string_view(remote_port_text_, size_t(r.ptr - remote_port_text_));
  }
  v.server_port = ex.conn.server_port;
  v.connection = ex.conn.id;
  v.connection_requests = ex.conn.requests;
  v.request_line = ex.request_line;
  v.method = ex.method_get ? std::string_view("GET") : h.method_name;
  v.request_uri = h.target;
  v.uri = ex.uri;
  v.args = ex.args;
  v.host = h.host;
  if (has_user_vars_) {
    // One request's values at a time: another request's (a proxied one logged when its answer
    // ends) starts from empty, its maps evaluated afresh for it.
    if (user_vars_owner_ != std::pair{ex.conn.id, ex.conn.requests}) {
      user_vars_.reset(&config_->variables);
      user_vars_owner_ = {ex.conn.id, ex.conn.requests};
    }
    v.user = &user_vars_;
  }
  v.server_protocol = h.method_name.empty() ? std::string_view{}
                      : h.major == 2        ? std::string_view("HTTP/2.0")
                      : h.minor == 0        ? std::string_view("HTTP/1.0")
                                            : std::string_view("HTTP/1.1");
  v.scheme = "http";
  if (ex.conn.tls != nullptr) {
    const tls::Stream& t = *ex.conn.tls;
    v.scheme = "https";
    v.https = "on";
    v.ssl_protocol = t.protocol();
    v.ssl_cipher = t.cipher();
    if (!t.server_name().empty()) v.ssl_server_name = t.server_name();
    v.ssl_session_reused = t.session_reused() ? "r" : ".";
  }
  header_views_.clear();
  const http::Header* authorization = nullptr;
  for (const http::Header& hd : h.headers) {
    header_views_.push_back({hd.name, hd.value});
    if (authorization == nullptr && http::iequals(hd.name, "authorization")) authorization = &hd;
  }
  v.request_headers = header_views_;
  // $remote_user: the Basic credentials' user, whether or not auth_basic asked for them (nginx).
  if (authorization != nullptr) {
    BasicCredentials credentials;
    if (parse_basic_authorization(authorization->value, credentials)) {
      remote_user_ = std::move(credentials.user);
      v.remote_user = remote_user_;
    }
  }
  v.server_name =
      ex.server != nullptr ? std::string_view(ex.server->primary_name()) : std::string_view{};
  if (ex.location != nullptr) v.document_root = ex.location->root;
  v.request_filename = ex.filename;
  v.hostname = hostname_;
  v.pid = pid_text_;
  v.status = ex.err_status != 0 ? ex.err_status : ex.status;
  v.body_bytes_sent = ex.body_bytes;
  v.bytes_sent = ex.header_bytes + ex.body_bytes;
  v.proxy_host = ex.proxy_host;
  v.proxy_port = ex.proxy_port;
  v.upstream_addr = ex.upstream_addr;
  v.upstream_status = ex.upstream_status;
  v.upstream_response_time = ex.upstream_response_time;
  v.upstream_connect_time = ex.upstream_connect_time;
  v.upstream_header_time = ex.upstream_header_time;
  sent_views_.clear();
  if (!ex.sent_headers.empty()) {
    // A proxied answer: the headers that went to the client.
    for (const http::Header& h : ex.sent_headers) sent_views_.push_back({h.name, h.value});
    v.response_headers = sent_views_;
    const uint64_t t = loop_->now_ms();
    v.request_time_us = t > ex.start_ms ? (t - ex.start_ms) * 1000 : 0;
    const core::WallClock& c = loop_->wall_clock();
    v.time_local = c.time_local();
    v.time_iso8601 = c.iso8601();
    v.msec = c.msec();
    v.request_id = ex.request_id;
    return;
  }
  if (!ex.sent_content_type.empty()) sent_views_.push_back({"Content-Type", ex.sent_content_type});
  if (ex.has_content_length) {
    auto r = std::to_chars(content_length_text_, content_length_text_ + sizeof content_length_text_,
                           ex.sent_content_length);
    sent_views_.push_back(
        {"Content-Length",
         std::string_view(content_length_text_, size_t(r.ptr - content_length_text_))});
  }
  if (!ex.sent_location.empty()) sent_views_.push_back({"Location", ex.sent_location});
  sent_views_.push_back({"Connection", ex.keep_alive ? "keep-alive" : "close"});
  v.response_headers = sent_views_;
  const uint64_t now = loop_->now_ms();
  v.request_time_us = now > ex.start_ms ? (now - ex.start_ms) * 1000 : 0;
  const core::WallClock& clock = loop_->wall_clock();
  v.time_local = clock.time_local();
  v.time_iso8601 = clock.iso8601();
  v.msec = clock.msec();
  v.request_id = ex.request_id;
}

void Router::proxy_header_values(const Exchange& ex, std::vector<std::string>& values) {
  values.clear();
  const auto it = scripts_.find(ex.location);
  if (it == scripts_.end()) return;
  vars::RequestVars v;
  fill_vars(ex, v);
  for (const vars::Template& t : it->second.proxy_headers) {
    values.emplace_back();
    t.append(v, values.back(), vars::Escape::none);
  }
}

}  // namespace wc::web
