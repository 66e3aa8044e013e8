// The directive table and the builder that turns the syntax tree into a WebConfig.
//
// Merging, as nginx does it but in one walk: each level (http, server, location) starts as a copy
// of its parent's final values, then applies its own value directives, and only then opens its
// child blocks. A list directive (index, access_log, error_log) replaces the inherited list on
// its first use at a level and appends after that, which is nginx's "set at a level overrides
// the parent" for arrays.
//
// Upstreams and proxy_pass: `upstream` blocks are read where they stand; each proxy_pass only
// parses its URL. When the http block ends, finish_http() binds every proxy_pass to an upstream
// in source order as nginx's ngx_http_upstream_add() does (a name matching an `upstream` block,
// before or after it, is that block; any other HOST:PORT is an implicit upstream shared by every
// proxy_pass naming it), resolves the implicit ones, then runs the proxy module's merge-time
// checks. The messages and where they point are nginx 1.22's.
#include "web/config/directives.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "core/ascii.h"
#include "tls/context.h"
#include "core/socket.h"
#include "web/config/if_condition.h"
#include "web/config/map.h"
#include "web/config/values.h"
#include "web/vars/template.h"

namespace wc::web::config {

class Builder;

namespace {

enum Ctx : unsigned {
  kMain = 1,
  kEvents = 2,
  kHttp = 4,
  kServer = 8,
  kLocation = 16,
  kUpstream = 32,
  kLimitExcept = 64,  // inside `limit_except METHOD... { }`
  kIf = 128,          // inside `if (...) { }` of a server or location
};

enum class Arity { kNoArgs, kTake1, kTake2, kTake12, kTake23, k1More, k2More, kAny };

struct Level {
  unsigned ctx = kMain;
  LocationConf* loc = nullptr;       // http.loc, server.loc or a location
  ServerValues* srv = nullptr;       // http.srv or the server
  ServerConf* server = nullptr;      // null above server level
  UpstreamConf* upstream = nullptr;  // inside `upstream { }` only
  bool in_if = false;  // an if's block: statements go into the enclosing level's script
  std::vector<std::string> seen;     // directives already used at this level

  bool has_seen(std::string_view name) const {
    return std::find(seen.begin(), seen.end(), name) != seen.end();
  }

  // True the first time `name` is used at this level.
  bool first(std::string_view name) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) return false;
    seen.emplace_back(name);
    return true;
  }
};

std::string where(const ConfNode& n) { return conf_where(n.file, n.line); }

std::unexpected<Error> err(const ConfNode& n, std::string message) {
  message += ' ';
  message += where(n);
  return fail(std::move(message));
}

std::unexpected<Error> duplicate(const ConfNode& n) {
  return err(n, "\"" + n.name + "\" directive is duplicate");
}

std::unexpected<Error> invalid_value(const ConfNode& n) {
  return err(n, "\"" + n.name + "\" directive invalid value");
}

using Handler = Status (*)(Builder&, Level&, const ConfNode&);

struct Directive {
  std::string_view name;
  unsigned contexts;
  Arity arity;
  bool block;
  Handler handler;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

using core::iequals;

using core::istarts_with;

// An address as nginx's ngx_parse_url() sees it (the text after "http://" of proxy_pass, or a
// `server` of an upstream block).
struct Url {
  bool unix_socket = false;
  bool ipv6 = false;
  std::string host;       // "127.0.0.1", "[::1]", "app"; the socket path for unix:
  std::string port_text;  // as written; empty when none
  int port = 0;           // as written, else the default (0 for unix:)
  bool no_port = false;   // no port written (unix: never sets it, as nginx)
  std::string uri;        // proxy_pass only: "/x", "?a=b"; empty when none
  in6_addr addr6{};
};

}  // namespace

class Builder {
 public:
  Builder(WebConfig* cfg) : cfg_(cfg) {}

  Status build(const std::vector<ConfNode>& g_nodes, const std::vector<ConfNode>& nodes);

  Status apply_level(Level& lv, const std::vector<ConfNode>& nodes);
  Status apply(Level& lv, const ConfNode& n);

  // Relative paths (root, logs, pid) are relative to the prefix, as nginx's ngx_conf_full_name.
  std::string full_path(std::string_view p) const {
    if (p.empty() || p[0] == '/' || p[0] == '$') return std::string(p);
    return cfg_->prefix + std::string(p);
  }

  WebConfig& cfg() { return *cfg_; }
  // A value's variables, referenced in the registry (checked once the whole file is read, as
  // nginx does, so a `set` or `map` may come after a use); other template errors fail here.
  Status use_variables(const ConfNode& n, std::string_view source) {
    auto t = vars::Template::compile_collecting(source, cfg_->variables, conf_where(n.file, n.line));
    if (!t) return fail(t.error().message + " " + conf_where(n.file, n.line));
    return {};
  }
  // After http: every referenced variable declared, the maps compiled.
  Status finish_variables();
  void warn(const ConfNode& n, std::string message) {
    cfg_->warnings.push_back(message + " " + where(n));
  }

  // Runs after a level's own value directives, before its nested blocks copy its values.
  void finish_values(Level& lv);
  // Binds proxy_pass to upstreams, resolves implicit upstreams, runs the proxy merge checks.
  Status finish_http(const ConfNode& http);

  // Upstream and proxy_pass bookkeeping, in source order (see the top of this file).
  struct UpstreamDef {
    const ConfNode* node;
    std::unique_ptr<UpstreamConf> conf;
  };
  struct PassRef {
    const ConfNode* node;
    Url url;
    ProxyConf* proxy;
  };
  std::vector<UpstreamDef> upstream_defs;
  std::vector<PassRef> pass_refs;
  std::unordered_map<const ConfNode*, int> order;  // preorder index of every node under http
  bool resolve_names = true;

 private:
  WebConfig* cfg_;
};

namespace {

// ---- value helpers -------------------------------------------------------------------------

Status set_flag(Level& lv, const ConfNode& n, bool* out) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_flag(n.args[0]);
  if (!v) {
    return err(n, "invalid value \"" + n.args[0] + "\" in \"" + n.name +
                      "\" directive, it must be \"on\" or \"off\"");
  }
  *out = *v;
  return {};
}

Status set_size(Level& lv, const ConfNode& n, int64_t* out) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_size(n.args[0]);
  if (!v) return invalid_value(n);
  *out = *v;
  return {};
}

Status set_time(Level& lv, const ConfNode& n, int64_t* out) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_time_ms(n.args[0]);
  if (!v) return invalid_value(n);
  *out = *v;
  return {};
}

Status set_number(Level& lv, const ConfNode& n, int64_t* out) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_number(n.args[0]);
  if (!v) return err(n, "\"" + n.name + "\" directive invalid number");
  *out = *v;
  return {};
}

Result<LogLevel> parse_level(std::string_view s) {
  static constexpr std::string_view kNames[] = {"emerg", "alert",  "crit", "error",
                                                "warn",  "notice", "info", "debug"};
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (s == kNames[i]) return static_cast<LogLevel>(i);
  }
  return fail("invalid log level");
}

// error_log FILE [LEVEL] at any level: the first use at a level replaces the inherited list.
Status error_log_into(Builder& b, Level& lv, const ConfNode& n, std::vector<ErrorLogConf>* logs) {
  if (n.args.size() > 2) return err(n, "invalid number of arguments in \"error_log\" directive");
  if (lv.first(n.name)) logs->clear();
  ErrorLogConf log;
  const std::string& path = n.args[0];
  if (starts_with(path, "syslog:") || starts_with(path, "memory:")) {
    return err(n, "\"" + path.substr(0, path.find(':') + 1) +
                      "\" logging in the \"error_log\" directive is not supported yet");
  }
  log.path = path == "stderr" ? path : b.full_path(path);
  if (n.args.size() == 2) {
    auto level = parse_level(n.args[1]);
    if (!level) return err(n, "invalid log level \"" + n.args[1] + "\"");
    log.level = *level;
  }
  logs->push_back(std::move(log));
  return {};
}

// ---- main and events -----------------------------------------------------------------------

Status d_worker_processes(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  if (n.args[0] == "auto") {
    b.cfg().main.worker_processes = 0;
    return {};
  }
  auto v = parse_number(n.args[0]);
  if (!v || *v < 1 || *v > 1024) {
    return err(n, "invalid value \"" + n.args[0] + "\" in \"worker_processes\" directive");
  }
  b.cfg().main.worker_processes = static_cast<int>(*v);
  return {};
}

Status d_pid(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  b.cfg().main.pid_path = b.full_path(n.args[0]);
  return {};
}

Status d_user(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  b.cfg().main.user = n.args[0];
  b.cfg().main.group = n.args.size() > 1 ? n.args[1] : n.args[0];
  return {};
}

Status d_worker_rlimit_nofile(Builder& b, Level& lv, const ConfNode& n) {
  return set_number(lv, n, &b.cfg().main.worker_rlimit_nofile);
}

Status d_error_log(Builder& b, Level& lv, const ConfNode& n) {
  if (lv.ctx == kMain) return error_log_into(b, lv, n, &b.cfg().main.error_logs);
  return error_log_into(b, lv, n, &lv.loc->error_logs);
}

// Accepted for compatibility; no effect on behaviour webcycle has (tuning knobs of nginx's own
// data structures, or process modes webcycle always runs in).
Status d_ignored(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  return {};
}

Status d_ignored_flag(Builder&, Level& lv, const ConfNode& n) {
  bool unused;
  return set_flag(lv, n, &unused);
}

// Directives whose absence cannot change a response's meaning (TLS settings while no `listen`
// can say `ssl`, on-the-fly gzip which clients must do without anyway): accepted so a stock
// nginx.conf loads, with a warning that they do nothing yet.
Status d_inert(Builder& b, Level&, const ConfNode& n) {
  b.warn(n, "\"" + n.name + "\" directive is not supported yet, ignored");
  return {};
}

Status d_events(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  Level events;
  events.ctx = kEvents;
  return b.apply_level(events, n.children);
}

Status d_worker_connections(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_number(n.args[0]);
  if (!v || *v < 1 || *v > 1 << 20) return err(n, "invalid number \"" + n.args[0] + "\"");
  b.cfg().main.worker_connections = static_cast<int>(*v);
  return {};
}

Status d_multi_accept(Builder& b, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &b.cfg().main.multi_accept);
}

Status d_use(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  if (n.args[0] != "epoll") {
    return err(n, "invalid event type \"" + n.args[0] + "\"");
  }
  return {};
}

Status d_http(Builder& b, Level& lv, const ConfNode& n);

// ---- http / server / location values -------------------------------------------------------

Status d_types(Builder& b, Level& lv, const ConfNode& n) {
  std::shared_ptr<TypesMap> types;
  if (lv.first(n.name)) {
    types = std::make_shared<TypesMap>();
  } else {
    types = std::make_shared<TypesMap>(*lv.loc->types);
  }
  for (const ConfNode& c : n.children) {
    if (c.block) return err(c, "unexpected \"{\"");
    for (const std::string& ext : c.args) {
      std::string key = lower(ext);
      auto [it, inserted] = types->try_emplace(key, c.name);
      if (!inserted) {
        b.warn(c, "duplicate extension \"" + ext + "\", content type: \"" + c.name +
                      "\", previous content type: \"" + it->second + "\"");
        it->second = c.name;
      }
    }
  }
  lv.loc->types = std::move(types);
  return {};
}

Status d_default_type(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  lv.loc->default_type = n.args[0];
  return {};
}

Status d_log_format(Builder& b, Level& lv, const ConfNode& n) {
  auto& formats = b.cfg().http.log_formats;
  for (const auto& f : formats) {
    if (f->name == n.args[0]) return err(n, "duplicate \"log_format\" name \"" + n.args[0] + "\"");
  }
  auto f = std::make_unique<LogFormat>();
  f->name = n.args[0];
  size_t i = 1;
  if (starts_with(n.args[1], "escape=")) {
    std::string_view e = std::string_view(n.args[1]).substr(7);
    if (e == "default") {
      f->escape = LogFormat::Escape::kDefault;
    } else if (e == "json") {
      f->escape = LogFormat::Escape::kJson;
    } else if (e == "none") {
      f->escape = LogFormat::Escape::kNone;
    } else {
      return err(n, "unknown log format escaping \"" + std::string(e) + "\"");
    }
    ++i;
    if (i == n.args.size())
      return err(n, "invalid number of arguments in \"log_format\" directive");
  }
  for (; i < n.args.size(); ++i) f->format += n.args[i];
  // nginx compiles the format here: an unknown variable fails -t (not a worker at start).
  if (auto st = b.use_variables(n, f->format); !st) return st;
  formats.push_back(std::move(f));
  return {};
}

Status d_access_log(Builder& b, Level& lv, const ConfNode& n) {
  auto& logs = lv.loc->access_logs;
  bool first = lv.first(n.name);
  if (first) logs.clear();
  if (n.args[0] == "off") {
    if (n.args.size() != 1) return err(n, "invalid parameter \"" + n.args[1] + "\"");
    logs.clear();
    return {};
  }
  if (starts_with(n.args[0], "syslog:")) {
    return err(n, "\"syslog:\" logging in the \"access_log\" directive is not supported yet");
  }
  AccessLogConf log;
  log.path = b.full_path(n.args[0]);
  std::string_view fmt = n.args.size() > 1 ? std::string_view(n.args[1]) : "combined";
  log.format = b.cfg().http.find_log_format(fmt);
  if (log.format == nullptr) return err(n, "unknown log format \"" + std::string(fmt) + "\"");
  for (size_t i = 2; i < n.args.size(); ++i) {
    std::string_view a = n.args[i];
    if (starts_with(a, "buffer=")) {
      auto v = parse_size(a.substr(7));
      if (!v) return err(n, "invalid buffer size \"" + std::string(a.substr(7)) + "\"");
      log.buffer_size = *v;
    } else if (starts_with(a, "flush=")) {
      auto v = parse_time_ms(a.substr(6));
      if (!v) return err(n, "invalid flush time \"" + std::string(a.substr(6)) + "\"");
      log.flush_ms = *v;
    } else if (a == "gzip" || starts_with(a, "gzip=") || starts_with(a, "if=")) {
      return err(n, "\"" + std::string(a.substr(0, a.find('='))) +
                        "\" parameter of the \"access_log\" directive is not supported yet");
    } else {
      return err(n, "invalid parameter \"" + std::string(a) + "\"");
    }
  }
  if (log.flush_ms > 0 && log.buffer_size == 0) log.buffer_size = 64 * 1024;
  logs.push_back(std::move(log));
  return {};
}

#define WC_LOC_FLAG(fn, field) \
  Status fn(Builder&, Level& lv, const ConfNode& n) { return set_flag(lv, n, &lv.loc->field); }
#define WC_LOC_SIZE(fn, field) \
  Status fn(Builder&, Level& lv, const ConfNode& n) { return set_size(lv, n, &lv.loc->field); }
#define WC_LOC_TIME(fn, field) \
  Status fn(Builder&, Level& lv, const ConfNode& n) { return set_time(lv, n, &lv.loc->field); }

WC_LOC_FLAG(d_sendfile, sendfile)
WC_LOC_FLAG(d_tcp_nopush, tcp_nopush)
WC_LOC_FLAG(d_tcp_nodelay, tcp_nodelay)
WC_LOC_FLAG(d_etag, etag)
WC_LOC_FLAG(d_autoindex, autoindex)
WC_LOC_FLAG(d_autoindex_exact_size, autoindex_exact_size)
WC_LOC_FLAG(d_autoindex_localtime, autoindex_localtime)

Status d_gzip_static(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& v = n.args[0];
  if (v != "off" && v != "on" && v != "always") {
    return err(n, "invalid value \"" + v +
                      "\" in \"gzip_static\" directive, it must be \"on\", "
                      "\"off\" or \"always\"");
  }
  lv.loc->gzip_static = v == "off" ? 0 : v == "on" ? 1 : 2;
  return {};
}
WC_LOC_FLAG(d_gzip_vary, gzip_vary)

Status d_charset(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  lv.loc->charset = n.args[0] == "off" ? std::string() : n.args[0];
  return {};
}

Status d_charset_types(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  lv.loc->charset_types = {"text/html"};  // always there, as nginx
  for (const std::string& t : n.args) lv.loc->charset_types.push_back(t);
  return {};
}

Status d_auth_basic(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  if (n.args[0].find('$') != std::string::npos) {
    return err(n, "variables in \"auth_basic\" are not supported yet");
  }
  lv.loc->auth_basic_realm = n.args[0] == "off" ? std::string() : n.args[0];
  return {};
}

Status d_auth_basic_user_file(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& p = n.args[0];
  if (p.find('$') != std::string::npos) {
    return err(n, "variables in \"auth_basic_user_file\" are not supported yet");
  }
  // nginx resolves it against the configuration prefix (the folder of the main config file).
  lv.loc->auth_basic_user_file = p.empty() || p[0] == '/' ? p : b.cfg().conf_dir + p;
  return {};
}

Status d_autoindex_format(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  // The order of static_files::AutoindexFormat.
  constexpr std::string_view kFormats[] = {"html", "json", "jsonp", "xml"};
  for (uint8_t i = 0; i < 4; ++i) {
    if (n.args[0] == kFormats[i]) {
      lv.loc->autoindex_format = i;
      return {};
    }
  }
  return err(n, "invalid value \"" + n.args[0] + "\"");
}
WC_LOC_FLAG(d_log_not_found, log_not_found)
WC_LOC_FLAG(d_absolute_redirect, absolute_redirect)
WC_LOC_FLAG(d_port_in_redirect, port_in_redirect)
WC_LOC_FLAG(d_server_name_in_redirect, server_name_in_redirect)
WC_LOC_FLAG(d_open_file_cache_errors, open_file_cache.errors)
WC_LOC_SIZE(d_client_max_body_size, client_max_body_size)
WC_LOC_SIZE(d_client_body_buffer_size, client_body_buffer_size)
WC_LOC_TIME(d_client_body_timeout, client_body_timeout_ms)
WC_LOC_TIME(d_send_timeout, send_timeout_ms)
WC_LOC_TIME(d_keepalive_time, keepalive_time_ms)
WC_LOC_TIME(d_open_file_cache_valid, open_file_cache.valid_ms)

#undef WC_LOC_FLAG
#undef WC_LOC_SIZE
#undef WC_LOC_TIME

Status d_keepalive_requests(Builder&, Level& lv, const ConfNode& n) {
  return set_number(lv, n, &lv.loc->keepalive_requests);
}

Status d_open_file_cache_min_uses(Builder&, Level& lv, const ConfNode& n) {
  int64_t v = 0;
  auto s = set_number(lv, n, &v);
  if (!s) return s;
  lv.loc->open_file_cache.min_uses = static_cast<int>(std::min<int64_t>(v, 1 << 30));
  return {};
}

Status d_keepalive_timeout(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  auto t = parse_time_ms(n.args[0]);
  if (!t) return err(n, "invalid value \"" + n.args[0] + "\" in \"keepalive_timeout\" directive");
  lv.loc->keepalive_timeout_ms = *t;
  lv.loc->keepalive_header_timeout_s = 0;
  if (n.args.size() == 2) {
    auto h = parse_time_ms(n.args[1]);
    if (!h || *h % 1000 != 0) {
      return err(n, "invalid value \"" + n.args[1] + "\" in \"keepalive_timeout\" directive");
    }
    lv.loc->keepalive_header_timeout_s = *h / 1000;
  }
  return {};
}

Status d_server_tokens(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& v = n.args[0];
  if (v == "on" || v == "build") {
    lv.loc->server_tokens = true;
  } else if (v == "off") {
    lv.loc->server_tokens = false;
  } else {
    return err(n, "invalid value \"" + v + "\"");
  }
  return {};
}

Status d_if_modified_since(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& v = n.args[0];
  if (v == "off") {
    lv.loc->if_modified_since = IfModifiedSince::kOff;
  } else if (v == "exact") {
    lv.loc->if_modified_since = IfModifiedSince::kExact;
  } else if (v == "before") {
    lv.loc->if_modified_since = IfModifiedSince::kBefore;
  } else {
    return err(n, "invalid value \"" + v + "\"");
  }
  return {};
}

Status d_open_file_cache(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  OpenFileCacheConf& c = lv.loc->open_file_cache;
  c.set = true;
  c.max = 0;
  c.inactive_ms = 60000;
  for (const std::string& a : n.args) {
    if (a == "off") {
      if (n.args.size() != 1) return err(n, "invalid \"open_file_cache\" parameter \"off\"");
      return {};
    }
    if (starts_with(a, "max=")) {
      auto v = parse_number(std::string_view(a).substr(4));
      if (!v || *v == 0 || *v > 1 << 30)
        return err(n, "invalid \"open_file_cache\" parameter \"" + a + "\"");
      c.max = static_cast<int>(*v);
    } else if (starts_with(a, "inactive=")) {
      auto v = parse_time_ms(std::string_view(a).substr(9));
      if (!v) return err(n, "invalid \"open_file_cache\" parameter \"" + a + "\"");
      c.inactive_ms = *v;
    } else {
      return err(n, "invalid \"open_file_cache\" parameter \"" + a + "\"");
    }
  }
  if (c.max == 0) return err(n, "\"open_file_cache\" must have the \"max\" parameter");
  return {};
}

Status d_root(Builder& b, Level& lv, const ConfNode& n) {
  bool alias = n.name == "alias";
  bool seen_root = std::find(lv.seen.begin(), lv.seen.end(), "root") != lv.seen.end();
  bool seen_alias = std::find(lv.seen.begin(), lv.seen.end(), "alias") != lv.seen.end();
  if ((alias && seen_alias) || (!alias && seen_root)) return duplicate(n);
  if (seen_root || seen_alias) {
    return err(n, "\"" + n.name + "\" directive is duplicate, \"" +
                      std::string(seen_alias ? "alias" : "root") +
                      "\" directive was specified earlier");
  }
  lv.seen.push_back(n.name);
  if (alias && lv.loc->kind == LocationConf::Kind::kNamed) {
    return err(n, "the \"alias\" directive cannot be used inside the named location");
  }
  std::string path = n.args[0];
  // nginx drops a trailing slash from root (not alias, where it is part of the mapping).
  if (!alias && path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.find('$') != std::string::npos) {
    if (auto st = b.use_variables(n, path); !st) return st;
  }
  lv.loc->root = b.full_path(path);
  lv.loc->root_is_alias = alias;
  return {};
}

Status d_index(Builder&, Level& lv, const ConfNode& n) {
  if (lv.first(n.name)) lv.loc->index.clear();
  for (const std::string& a : n.args) {
    if (a.empty()) return err(n, "index \"\" in \"index\" directive is invalid");
    lv.loc->index.push_back(a);
  }
  return {};
}

Status d_try_files(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& last = n.args.back();
  if (last[0] == '=') {
    auto code = parse_number(std::string_view(last).substr(1));
    if (!code || *code > 999) return err(n, "invalid code \"" + last + "\"");
  }
  // nginx compiles the values here: an unknown variable fails the config at this line (and
  // never a worker at start).
  for (const std::string& a : n.args) {
    if (auto st = b.use_variables(n, a); !st) return st;
  }
  lv.loc->try_files = n.args;
  return {};
}

Status d_return(Builder& b, Level& lv, const ConfNode& n) {
  // Later `return`s at the same level can never run: the first one ends the request.
  bool first = lv.first(n.name);
  ReturnConf ret;
  const std::string& a = n.args[0];
  auto code = parse_number(a);
  if (code) {
    if (*code > 999) return err(n, "invalid return code \"" + a + "\"");
    ret.code = static_cast<int>(*code);
    if (n.args.size() == 2) ret.text = n.args[1];
  } else {
    if (n.args.size() != 1 ||
        !(starts_with(a, "http://") || starts_with(a, "https://") || starts_with(a, "$scheme"))) {
      return err(n, "invalid return code \"" + a + "\"");
    }
    ret.code = 302;
    ret.text = a;
  }
  if (!ret.text.empty()) {
    if (auto st = b.use_variables(n, ret.text); !st) return st;
  }
  RewriteStep step;
  step.kind = RewriteStep::Kind::kReturn;
  step.ret = ret;
  lv.loc->script.push_back(std::move(step));
  // A return inside an if is not the level's unconditional one: the script decides.
  if (lv.in_if) lv.loc->has_rewrite = true;
  if (first && !lv.in_if) lv.loc->ret = std::move(ret);
  return {};
}

// As ngx_http_rewrite reads it.
Status d_rewrite(Builder& b, Level& lv, const ConfNode& n) {
  RewriteStep step;
  auto regex = Regex::compile(n.args[0], false);
  if (!regex) return err(n, regex.error().message);
  step.regex = std::move(*regex);
  step.cond.named = declare_captures(*step.regex, b.cfg().variables);
  step.replacement = n.args[1];
  if (auto st = b.use_variables(n, step.replacement); !st) return st;
  const std::string& r = step.replacement;
  step.redirect =
      starts_with(r, "http://") || starts_with(r, "https://") || starts_with(r, "$scheme");
  if (n.args.size() == 3) {
    const std::string& f = n.args[2];
    if (f == "last") {
      step.flag = RewriteStep::Flag::kLast;
    } else if (f == "break") {
      step.flag = RewriteStep::Flag::kBreak;
    } else if (f == "redirect") {
      step.flag = RewriteStep::Flag::kRedirect;
      step.redirect = true;
    } else if (f == "permanent") {
      step.flag = RewriteStep::Flag::kPermanent;
      step.redirect = true;
    } else {
      return err(n, "invalid parameter \"" + f + "\"");
    }
  }
  lv.loc->script.push_back(std::move(step));
  lv.loc->has_rewrite = true;
  return {};
}

Status d_break(Builder&, Level& lv, const ConfNode&) {
  RewriteStep step;
  step.kind = RewriteStep::Kind::kBreak;
  lv.loc->script.push_back(std::move(step));
  lv.loc->has_rewrite = true;
  return {};
}

// The built-in variables `set` may not replace (nginx: all but the changeable ones; $args and
// $limit_rate are changeable there, and not supported here yet).
Status check_settable(const ConfNode& n, std::string_view name) {
  const std::string dollar = "$" + std::string(name);
  auto t = vars::Template::compile(dollar);
  if (!t || t->uses(vars::Template::Var::http_header) || t->uses(vars::Template::Var::cookie) ||
      t->uses(vars::Template::Var::arg) || t->uses(vars::Template::Var::sent_http_header) ||
      t->uses(vars::Template::Var::capture)) {
    return {};  // not a built-in name (a prefixed one is a new variable, as in nginx)
  }
  if (t->uses(vars::Template::Var::args)) {
    return err(n, "\"set\" of the \"" + std::string(name) + "\" variable is not supported yet");
  }
  return err(n, "the duplicate \"" + std::string(name) + "\" variable");
}

// set $VAR VALUE, as ngx_http_rewrite_set: declares $VAR; the value is evaluated in the rewrite
// phase, in order with the level's other statements.
Status d_set(Builder& b, Level& lv, const ConfNode& n) {
  const std::string& var = n.args[0];
  if (var.empty() || var[0] != '$') return err(n, "invalid variable name \"" + var + "\"");
  const std::string_view name = std::string_view(var).substr(1);
  if (name.empty()) return err(n, "invalid variable name \"" + var + "\"");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    if (!ok) return err(n, "invalid variable name \"" + var + "\"");
  }
  if (auto st = check_settable(n, name); !st) return st;
  RewriteStep step;
  step.kind = RewriteStep::Kind::kSet;
  step.var = b.cfg().variables.declare(name);
  step.replacement = n.args[1];
  if (auto st = b.use_variables(n, step.replacement); !st) return st;
  lv.loc->script.push_back(std::move(step));
  lv.loc->has_rewrite = true;
  return {};
}

// if (CONDITION) { ... }: the condition is a kIf step and the block's statements follow it in
// the same script (ngx_http_rewrite_if compiles them into the enclosing level's code too).
Status d_if(Builder& b, Level& lv, const ConfNode& n) {
  auto cond = parse_if_condition(n, b.cfg().variables);
  if (!cond) return std::unexpected(cond.error());
  LocationConf* loc = lv.loc;
  const size_t at = loc->script.size();
  RewriteStep step;
  step.kind = RewriteStep::Kind::kIf;
  step.cond = std::move(*cond);
  step.in_location = (lv.ctx & kLocation) != 0;
  loc->script.push_back(std::move(step));
  loc->has_rewrite = true;
  Level child;
  child.ctx = kIf;
  child.loc = loc;
  child.srv = lv.srv;
  child.server = lv.server;
  child.in_if = true;
  if (auto st = b.apply_level(child, n.children); !st) return st;
  loc->script[at].end = loc->script.size();
  return {};
}

// map SOURCE $VAR { ... } (parse_map reads the block).
Status d_map(Builder& b, Level&, const ConfNode& n) {
  auto map = parse_map(n, b.cfg().variables);
  if (!map) return std::unexpected(map.error());
  b.cfg().http.maps.push_back(std::move(*map));
  return {};
}

Status d_internal(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  lv.loc->internal = true;
  return {};
}

// ---- server values -------------------------------------------------------------------------

Status d_http2_max_concurrent_streams(Builder&, Level& lv, const ConfNode& n) {
  if (auto st = set_number(lv, n, &lv.srv->http2_max_concurrent_streams); !st) return st;
  if (lv.srv->http2_max_concurrent_streams > INT32_MAX) return invalid_value(n);
  return {};
}
Status d_http2_idle_timeout(Builder&, Level& lv, const ConfNode& n) {
  return set_time(lv, n, &lv.srv->http2_idle_timeout_ms);
}
Status d_http2_recv_timeout(Builder&, Level& lv, const ConfNode& n) {
  return set_time(lv, n, &lv.srv->http2_recv_timeout_ms);
}
// nginx: "the http2 chunk size cannot be zero"; a DATA frame carries at most 2^24-1 bytes.
Status d_http2_chunk_size(Builder&, Level& lv, const ConfNode& n) {
  if (auto st = set_size(lv, n, &lv.srv->http2_chunk_size); !st) return st;
  if (lv.srv->http2_chunk_size == 0) {
    return err(n, "the http2 chunk size cannot be zero");
  }
  if (lv.srv->http2_chunk_size > (1 << 24) - 1) lv.srv->http2_chunk_size = (1 << 24) - 1;
  return {};
}
// nginx: at most 2 * NGX_HTTP_V2_STATE_BUFFER_SIZE (32) bytes is "too small".
Status d_http2_recv_buffer_size(Builder&, Level& lv, const ConfNode& n) {
  if (auto st = set_size(lv, n, &lv.srv->http2_recv_buffer_size); !st) return st;
  if (lv.srv->http2_recv_buffer_size <= 32) {
    return err(n, "\"http2_recv_buffer_size\" directive value is too small");
  }
  return {};
}

Status d_client_header_timeout(Builder&, Level& lv, const ConfNode& n) {
  return set_time(lv, n, &lv.srv->client_header_timeout_ms);
}
Status d_client_header_buffer_size(Builder&, Level& lv, const ConfNode& n) {
  return set_size(lv, n, &lv.srv->client_header_buffer_size);
}
Status d_ignore_invalid_headers(Builder&, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &lv.srv->ignore_invalid_headers);
}
Status d_underscores_in_headers(Builder&, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &lv.srv->underscores_in_headers);
}
Status d_merge_slashes(Builder&, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &lv.srv->merge_slashes);
}

Status d_large_client_header_buffers(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  auto num = parse_number(n.args[0]);
  if (!num || *num == 0 || *num > 1 << 20) {
    return err(n, "invalid value \"" + n.args[0] + "\" in \"" + n.name + "\" directive");
  }
  auto size = parse_size(n.args[1]);
  if (!size || *size == 0) {
    return err(n, "invalid value \"" + n.args[1] + "\" in \"" + n.name + "\" directive");
  }
  lv.srv->large_client_header_buffers_num = static_cast<int>(*num);
  lv.srv->large_client_header_buffers_size = *size;
  return {};
}

// ---- ssl_* (http, server) -----------------------------------------------------------------

// ssl_certificate and ssl_certificate_key may repeat (one pair per key type); a server's first one
// replaces what it inherited. Relative paths are against the configuration's folder, as nginx.
Status d_ssl_file(Builder& b, Level& lv, const ConfNode& n) {
  std::vector<std::string>& list =
      n.name == "ssl_certificate" ? lv.srv->ssl.certificates : lv.srv->ssl.keys;
  if (lv.first(n.name)) list.clear();
  const std::string& p = n.args[0];
  if (p.find('$') != std::string::npos || starts_with(p, "data:") || starts_with(p, "engine:")) {
    return err(n, "variables, data: and engine: in \"" + n.name + "\" are not supported yet");
  }
  list.push_back(p.empty() || p[0] == '/' ? p : b.cfg().conf_dir + p);
  return {};
}

Status d_ssl_protocols(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  unsigned bits = 0;
  for (const std::string& a : n.args) {
    const unsigned bit = tls::protocol_bit(a);
    if (bit == 0) return err(n, "invalid value \"" + a + "\"");
    bits |= bit;
  }
  lv.srv->ssl.protocols = bits;
  return {};
}

Status d_ssl_ciphers(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  lv.srv->ssl.ciphers = n.args[0];
  return {};
}

Status d_ssl_prefer_server_ciphers(Builder&, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &lv.srv->ssl.prefer_server_ciphers);
}

Status d_ssl_session_tickets(Builder&, Level& lv, const ConfNode& n) {
  return set_flag(lv, n, &lv.srv->ssl.session_tickets);
}

Status d_ssl_session_timeout(Builder&, Level& lv, const ConfNode& n) {
  return set_time(lv, n, &lv.srv->ssl.session_timeout_ms);
}

// off | none | builtin[:SIZE] | shared:NAME:SIZE (several), as ngx_http_ssl_session_cache reads it.
Status d_ssl_session_cache(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  SslConf& ssl = lv.srv->ssl;
  int64_t sessions = 0;
  for (const std::string& a : n.args) {
    auto invalid = [&] { return err(n, "invalid session cache \"" + a + "\""); };
    if (a == "off" || a == "none") {
      if (n.args.size() != 1) return invalid();
      ssl.cache = a == "off" ? SslConf::Cache::kOff : SslConf::Cache::kNone;
      return {};
    }
    if (a == "builtin") {
      sessions += 20480;
      continue;
    }
    if (starts_with(a, "builtin:")) {
      auto v = parse_number(std::string_view(a).substr(8));
      if (!v || *v == 0) return invalid();
      sessions += *v;
      continue;
    }
    if (starts_with(a, "shared:")) {
      const size_t colon = a.find(':', 7);
      if (colon == std::string::npos || colon == 7) return invalid();
      auto size = parse_size(std::string_view(a).substr(colon + 1));
      if (!size || *size < 8 * 4096) {
        return err(n, "session cache \"" + a + "\" is too small");
      }
      sessions += *size / 256;
      continue;
    }
    return invalid();
  }
  ssl.cache = SslConf::Cache::kBuiltin;
  ssl.cache_sessions = sessions;
  return {};
}

Status d_ssl_stapling(Builder&, Level& lv, const ConfNode& n) {
  bool on = false;
  if (auto st = set_flag(lv, n, &on); !st) return st;
  if (on) return err(n, "\"ssl_stapling on\" is not supported yet (OCSP stapling)");
  return {};
}

// ---- listen and server_name ----------------------------------------------------------------

Status parse_listen_addr(const ConfNode& n, ListenConf* l) {
  const std::string& text = n.args[0];
  auto bad_port = [&] {
    return err(n, "invalid port in \"" + text + "\" of the \"listen\" directive");
  };
  auto not_found = [&] {
    return err(n, "host not found in \"" + text + "\" of the \"listen\" directive");
  };
  if (starts_with(text, "unix:")) {
    return err(n, "unix domain sockets in the \"listen\" directive are not supported yet");
  }
  std::string host;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return err(n, "invalid IPv6 address in \"" + text + "\"");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad_port();
      port_text = text.substr(close + 2);
    } else {
      port_text = "80";
    }
    l->family = AF_INET6;
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    } else if (parse_number(text)) {
      host = "*";
      port_text = text;
    } else {
      host = text;
      port_text = "80";
    }
    l->family = AF_INET;
  }
  auto port = parse_number(port_text);
  if (!port || *port < 1 || *port > 65535) return bad_port();
  l->port = static_cast<uint16_t>(*port);
  l->addr = {};
  if (l->family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&l->addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(l->port);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      return err(n, "invalid IPv6 address in \"" + text + "\"");
    }
    l->addr_len = sizeof(sockaddr_in6);
    l->wildcard = IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    l->addr_text = "[" + std::string(buf) + "]:" + std::to_string(l->port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&l->addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(l->port);
    if (host == "*") {
      a->sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (host == "localhost") {
      // The one name resolved here: no resolver is asked at config time.
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1) {
      return not_found();
    }
    l->addr_len = sizeof(sockaddr_in);
    l->wildcard = a->sin_addr.s_addr == htonl(INADDR_ANY);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    l->addr_text = std::string(buf) + ":" + std::to_string(l->port);
  }
  return {};
}

Status d_listen(Builder&, Level& lv, const ConfNode& n) {
  ListenConf l;
  l.file = n.file;
  l.line = n.line;
  auto st = parse_listen_addr(n, &l);
  if (!st) return st;
  for (size_t i = 1; i < n.args.size(); ++i) {
    std::string_view a = n.args[i];
    auto bad = [&] { return err(n, "invalid parameter \"" + std::string(a) + "\""); };
    if (a == "default_server" || a == "default") {
      l.default_server = true;
    } else if (a == "bind") {
      l.bind = true;
      l.options_set = true;
    } else if (a == "reuseport") {
      l.reuseport = l.bind = l.options_set = true;
    } else if (a == "deferred") {
      l.deferred = l.bind = l.options_set = true;
    } else if (starts_with(a, "backlog=")) {
      auto v = parse_number(a.substr(8));
      if (!v || *v == 0 || *v > 1 << 20) {
        return err(n, "invalid backlog \"" + std::string(a.substr(8)) + "\"");
      }
      l.backlog = static_cast<int>(*v);
      l.bind = l.options_set = true;
    } else if (starts_with(a, "rcvbuf=") || starts_with(a, "sndbuf=")) {
      auto v = parse_size(a.substr(7));
      if (!v || *v > 1 << 30) {
        return err(
            n, "invalid " + std::string(a.substr(0, 6)) + " \"" + std::string(a.substr(7)) + "\"");
      }
      (a[0] == 'r' ? l.rcvbuf : l.sndbuf) = static_cast<int>(*v);
      l.bind = l.options_set = true;
    } else if (starts_with(a, "ipv6only=")) {
      auto v = parse_flag(a.substr(9));
      if (!v) return err(n, "invalid ipv6only flags \"" + std::string(a.substr(9)) + "\"");
      if (l.family != AF_INET6 || !l.wildcard) {
        return err(n, "ipv6only is not supported on addr \"" + l.addr_text + "\", ignored");
      }
      l.ipv6only = *v;
      l.bind = l.options_set = true;
    } else if (a == "http2") {
      l.http2 = true;
    } else if (a == "ssl") {
      l.ssl = true;
    } else if (a == "quic" || a == "proxy_protocol" ||
               starts_with(a, "fastopen=") || starts_with(a, "so_keepalive=") ||
               starts_with(a, "setfib=") || starts_with(a, "accept_filter=")) {
      return err(n, "the \"" + std::string(a.substr(0, a.find('='))) +
                        "\" parameter of the \"listen\" directive is not supported yet");
    } else {
      return bad();
    }
  }
  for (const ListenConf& other : lv.server->listens) {
    if (other.addr_len == l.addr_len && std::memcmp(&other.addr, &l.addr, l.addr_len) == 0) {
      return err(n, "a duplicate listen " + l.addr_text);
    }
  }
  lv.server->listens.push_back(std::move(l));
  return {};
}

Status d_server_name(Builder& b, Level& lv, const ConfNode& n) {
  if (lv.first(n.name)) lv.server->names.clear();
  for (const std::string& arg : n.args) {
    ServerName sn;
    if (arg == "$hostname") {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      sn.name = lower(host);
    } else if (!arg.empty() && arg[0] == '~') {
      sn.name = arg;
    } else {
      sn.name = lower(arg);
    }
    const std::string& name = sn.name;
    if (!name.empty() && name[0] == '~') {
      if (name.size() == 1) return err(n, "empty regex in server name \"" + arg + "\"");
      auto re = Regex::compile(std::string_view(name).substr(1), true);
      if (!re) return err(n, re.error().message);
      sn.kind = ServerName::Kind::kRegex;
      sn.regex = std::move(*re);
      sn.named_captures = declare_captures(*sn.regex, b.cfg().variables);
      if (sn.regex->capture_count() > 0) b.cfg().server_name_captures = true;
    } else if (starts_with(name, "*.")) {
      sn.kind = ServerName::Kind::kLeadingWildcard;
      sn.key = name.substr(2);
    } else if (!name.empty() && name[0] == '.') {
      sn.kind = ServerName::Kind::kLeadingWildcard;
      sn.key = name.substr(1);
      sn.matches_bare = true;
    } else if (name.size() > 2 && name.ends_with(".*")) {
      sn.kind = ServerName::Kind::kTrailingWildcard;
      sn.key = name.substr(0, name.size() - 1);
    } else {
      sn.kind = ServerName::Kind::kExact;
      sn.key = name;
    }
    if (sn.kind != ServerName::Kind::kRegex) {
      if (sn.key.find('*') != std::string::npos ||
          (sn.kind != ServerName::Kind::kExact && sn.key.empty())) {
        return err(n, "invalid server name or wildcard \"" + arg + "\"");
      }
      if (sn.key.find('/') != std::string::npos) {
        b.warn(n, "server name \"" + arg + "\" has suspicious symbols");
      }
    }
    lv.server->names.push_back(std::move(sn));
  }
  return {};
}

// ---- upstream and proxy ----------------------------------------------------------------------

// ngx_atoi for a port: digits only, 1..65535.
bool parse_port(std::string_view text, int* port) {
  auto v = parse_number(text);
  if (!v || *v < 1 || *v > 65535) return false;
  *port = static_cast<int>(*v);
  return true;
}

int clamp_int(int64_t v) { return static_cast<int>(std::min<int64_t>(v, INT_MAX)); }

// nginx's ngx_parse_url() (ngx_parse_unix_domain_url, ngx_parse_inet6_url, ngx_parse_inet_url)
// without the lookup: `uri_part` lets a URI follow the address (proxy_pass). Errors are nginx's
// u->err texts.
Result<Url> parse_url(std::string_view text, bool uri_part, int default_port) {
  Url u;
  if (istarts_with(text, "unix:")) {
    std::string_view path = text.substr(5);
    if (uri_part) {
      size_t colon = path.find(':');
      if (colon != std::string_view::npos) {
        u.uri = std::string(path.substr(colon + 1));
        path = path.substr(0, colon);
      }
    }
    if (path.empty()) return fail("no path in the unix domain socket");
    if (path.size() + 1 > sizeof(sockaddr_un::sun_path)) {
      return fail("too long path in the unix domain socket");
    }
    u.unix_socket = true;
    u.host = std::string(path);
    return u;
  }
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("invalid host");
    std::string_view rest = text.substr(close + 1);
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      if (!uri_part) return fail("invalid host");
      u.uri = std::string(rest.substr(slash));
      rest = rest.substr(0, slash);
    }
    if (!rest.empty()) {
      if (rest[0] != ':') return fail("invalid host");
      u.port_text = std::string(rest.substr(1));
      if (!parse_port(u.port_text, &u.port)) return fail("invalid port");
    } else {
      u.no_port = true;
      u.port = default_port;
    }
    std::string inner(text.substr(1, close - 1));
    if (inner.empty()) return fail("no host");
    if (inet_pton(AF_INET6, inner.c_str(), &u.addr6) != 1) return fail("invalid IPv6 address");
    u.ipv6 = true;
    u.host = std::string(text.substr(0, close + 1));
    return u;
  }
  size_t last = text.size();
  size_t port = text.find(':');
  size_t uri = text.find('/');
  size_t args = text.find('?');
  if (args != std::string_view::npos && (uri == std::string_view::npos || args < uri)) uri = args;
  if (uri != std::string_view::npos) {
    if (!uri_part) return fail("invalid host");
    u.uri = std::string(text.substr(uri));
    last = uri;
    if (port != std::string_view::npos && uri < port) port = std::string_view::npos;
  }
  if (port != std::string_view::npos) {
    u.port_text = std::string(text.substr(port + 1, last - port - 1));
    if (!parse_port(u.port_text, &u.port)) return fail("invalid port");
    last = port;
  } else {
    u.no_port = true;
    u.port = default_port;
  }
  if (last == 0) return fail("no host");
  u.host = std::string(text.substr(0, last));
  return u;
}

UpstreamServer server_at(const sockaddr* sa, socklen_t len) {
  UpstreamServer s;
  std::memcpy(&s.addr, sa, len);
  s.addr_len = len;
  char buf[INET6_ADDRSTRLEN];
  if (sa->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    s.addr_text = "[" + std::string(buf) + "]:" + std::to_string(ntohs(a->sin6_port));
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    s.addr_text = std::string(buf) + ":" + std::to_string(ntohs(a->sin_port));
  }
  return s;
}

// The servers an address stands for, as nginx's ngx_inet_resolve_host(): every address of a
// name, IPv4 ones first. Fails with nginx's "host not found".
Result<std::vector<UpstreamServer>> url_servers(const Url& u, bool resolve_names) {
  std::vector<UpstreamServer> out;
  if (u.unix_socket) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, u.host.data(), u.host.size());
    UpstreamServer s;
    std::memcpy(&s.addr, &a, sizeof a);
    s.addr_len = sizeof a;
    s.addr_text = "unix:" + u.host;
    out.push_back(std::move(s));
    return out;
  }
  const uint16_t port = htons(static_cast<uint16_t>(u.port));
  if (u.ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = port;
    a.sin6_addr = u.addr6;
    out.push_back(server_at(reinterpret_cast<const sockaddr*>(&a), sizeof a));
    return out;
  }
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = port;
  bool numeric = inet_pton(AF_INET, u.host.c_str(), &a4.sin_addr) == 1;
  if (!numeric && !resolve_names && u.host == "localhost") {
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    numeric = true;
  }
  if (numeric) {
    out.push_back(server_at(reinterpret_cast<const sockaddr*>(&a4), sizeof a4));
    return out;
  }
  if (!resolve_names) return fail("host not found");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  if (::getaddrinfo(u.host.c_str(), nullptr, &hints, &res) != 0) return fail("host not found");
  for (int family : {AF_INET, AF_INET6}) {
    for (addrinfo* rp = res; rp != nullptr; rp = rp->ai_next) {
      if (rp->ai_family != family) continue;
      sockaddr_storage ss{};
      std::memcpy(&ss, rp->ai_addr, rp->ai_addrlen);
      if (family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&ss)->sin_port = port;
      } else {
        reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = port;
      }
      out.push_back(server_at(reinterpret_cast<const sockaddr*>(&ss), rp->ai_addrlen));
    }
  }
  ::freeaddrinfo(res);
  if (out.empty()) return fail("host not found");
  return out;
}

Status d_upstream(Builder& b, Level&, const ConfNode& n) {
  const std::string& name = n.args[0];
  for (const auto& d : b.upstream_defs) {
    if (iequals(d.conf->name, name)) return err(n, "duplicate upstream \"" + name + "\"");
  }
  auto conf = std::make_unique<UpstreamConf>();
  conf->name = name;
  conf->file = n.file;
  conf->line = n.line;
  Level child;
  child.ctx = kUpstream;
  child.upstream = conf.get();
  auto st = b.apply_level(child, n.children);
  if (!st) return st;
  if (conf->servers.empty() && conf->resolved.empty()) {
    return fail("no servers are inside upstream " + conf_where(n.file, n.end_line));
  }
  b.upstream_defs.push_back({&n, std::move(conf)});
  return {};
}

Status d_upstream_server(Builder& b, Level& lv, const ConfNode& n) {
  UpstreamServer proto;
  bool resolve = false;
  for (size_t i = 1; i < n.args.size(); ++i) {
    std::string_view a = n.args[i];
    auto invalid = [&] { return err(n, "invalid parameter \"" + std::string(a) + "\""); };
    if (starts_with(a, "weight=")) {
      auto v = parse_number(a.substr(7));
      if (!v || *v == 0) return invalid();
      proto.weight = clamp_int(*v);
    } else if (starts_with(a, "max_conns=")) {
      if (!parse_number(a.substr(10))) return invalid();
      return err(n, "the \"max_conns\" parameter of the \"server\" directive is not supported yet");
    } else if (starts_with(a, "max_fails=")) {
      auto v = parse_number(a.substr(10));
      if (!v) return invalid();
      proto.max_fails = clamp_int(*v);
    } else if (starts_with(a, "fail_timeout=")) {
      // Whole seconds (nginx's ngx_parse_time(..., 1) refuses "ms").
      std::string_view t = a.substr(13);
      auto v = parse_time_ms(t);
      if (!v || t.find("ms") != std::string_view::npos) return invalid();
      proto.fail_timeout_ms = *v;
    } else if (a == "backup") {
      proto.backup = true;
    } else if (a == "down") {
      proto.down = true;
    } else if (a == "resolve") {
      resolve = true;
    } else {
      return invalid();
    }
  }
  const std::string& text = n.args[0];
  auto u = parse_url(text, false, 80);
  if (!u) return err(n, u.error().message + " in upstream \"" + text + "\"");
  if (resolve && !u->unix_socket && !u->ipv6) {
    in_addr numeric{};
    if (inet_pton(AF_INET, u->host.c_str(), &numeric) != 1) {
      // Re-resolved by each worker while it runs (web/upstream.h); nothing is asked now, and a
      // name that does not resolve yet is not an error (nginx 1.27.3).
      proto.addr_text = u->host + ":" + std::to_string(u->port);
      lv.upstream->resolved.push_back(
          ResolvedName{u->host, static_cast<uint16_t>(u->port), std::move(proto)});
      return {};
    }
  }
  auto servers = url_servers(*u, b.resolve_names);
  if (!servers) return err(n, servers.error().message + " in upstream \"" + text + "\"");
  for (UpstreamServer& s : *servers) {
    s.weight = proto.weight;
    s.max_fails = proto.max_fails;
    s.fail_timeout_ms = proto.fail_timeout_ms;
    s.backup = proto.backup;
    s.down = proto.down;
    lv.upstream->servers.push_back(std::move(s));
  }
  return {};
}

// The `resolver` of http or of an upstream block (the levels the names of `resolve` servers are
// looked up from); server and location ones would serve variables in proxy_pass, which webcycle
// does not have.
ResolverConf* resolver_at(Builder& b, Level& lv) {
  if (lv.ctx == kHttp) return &b.cfg().http.resolver;
  if (lv.ctx == kUpstream) return &lv.upstream->resolver;
  return nullptr;
}

// "10.0.0.53", "10.0.0.53:5353", "[::1]:5353", "::1" -> "ADDR:PORT" (port 53 when not given).
std::optional<std::string> resolver_address(std::string_view a) {
  std::string text(a);
  const size_t colons = static_cast<size_t>(std::count(text.begin(), text.end(), ':'));
  if (!text.empty() && text[0] == '[') {
    if (text.back() == ']') text += ":53";
  } else if (colons > 1) {
    text = "[" + text + "]:53";
  } else if (colons == 0) {
    text += ":53";
  }
  auto sa = core::SocketAddress::parse(text);
  if (!sa) return std::nullopt;
  return text;
}

Status d_resolver(Builder& b, Level& lv, const ConfNode& n) {
  ResolverConf* r = resolver_at(b, lv);
  if (r == nullptr) {
    return err(n, "\"resolver\" directive is not supported yet at server or location level");
  }
  if (r->set) return duplicate(n);
  ResolverConf out;
  out.timeout_ms = r->timeout_ms;
  out.timeout_set = r->timeout_set;
  for (const std::string& a : n.args) {
    auto invalid = [&] { return err(n, "invalid parameter \"" + a + "\""); };
    if (starts_with(a, "valid=")) {
      auto v = parse_time_ms(std::string_view(a).substr(6));
      if (!v) return invalid();
      out.valid_ms = *v;
    } else if (starts_with(a, "ipv4=") || starts_with(a, "ipv6=")) {
      auto v = parse_flag(std::string_view(a).substr(5));
      if (!v) return invalid();
      (a[3] == '4' ? out.ipv4 : out.ipv6) = *v;
    } else if (starts_with(a, "status_zone=")) {
      return err(n,
                 "the \"status_zone\" parameter of the \"resolver\" directive is not "
                 "supported yet");
    } else {
      auto addr = resolver_address(a);
      if (!addr) {
        return err(n, "invalid resolver address \"" + a +
                          "\" (webcycle takes IP addresses, with an optional port)");
      }
      out.addresses.push_back(std::move(*addr));
    }
  }
  if (out.addresses.empty()) return err(n, "invalid number of arguments in \"resolver\" directive");
  if (!out.ipv4 && !out.ipv6) return err(n, "\"ipv4\" and \"ipv6\" cannot both be \"off\"");
  out.set = true;
  *r = std::move(out);
  return {};
}

Status d_resolver_timeout(Builder& b, Level& lv, const ConfNode& n) {
  ResolverConf* r = resolver_at(b, lv);
  if (r == nullptr) {
    return err(n,
               "\"resolver_timeout\" directive is not supported yet at server or location level");
  }
  if (r->timeout_set) return duplicate(n);
  auto v = parse_time_ms(n.args[0]);
  if (!v || *v <= 0) return invalid_value(n);
  r->timeout_ms = *v;
  r->timeout_set = true;
  return {};
}

Status d_least_conn(Builder& b, Level& lv, const ConfNode& n) {
  if (lv.has_seen("least_conn") || lv.has_seen("keepalive")) {
    b.warn(n, "load balancing method redefined");
  }
  lv.first(n.name);
  lv.upstream->balance = UpstreamConf::Balance::kLeastConn;
  return {};
}

Status d_upstream_keepalive(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  auto v = parse_number(n.args[0]);
  if (!v || *v == 0) {
    return err(n, "invalid value \"" + n.args[0] + "\" in \"" + n.name + "\" directive");
  }
  lv.upstream->keepalive = clamp_int(*v);
  return {};
}

Status d_upstream_keepalive_timeout(Builder&, Level& lv, const ConfNode& n) {
  return set_time(lv, n, &lv.upstream->keepalive_timeout_ms);
}

Status d_upstream_keepalive_requests(Builder&, Level& lv, const ConfNode& n) {
  return set_number(lv, n, &lv.upstream->keepalive_requests);
}

// A directive nginx has in this context that webcycle does not implement yet.
Status d_not_supported(Builder&, Level&, const ConfNode& n) {
  return err(n, "\"" + n.name + "\" directive is not supported yet");
}

// Checks a value's variables at the directive; an unknown name is left for
// check_proxy_variables(), which reports it after the whole file as nginx does.
Status check_template(const ConfNode& n, const std::string& value) {
  auto t = vars::Template::compile(value);
  if (!t && !starts_with(t.error().message, "unknown \"")) return err(n, t.error().message);
  return {};
}

// `proxy_redirect default` as nginx expands it from the location's proxy_pass.
ProxyRedirect default_redirect(const ProxyConf& p, const LocationConf& loc) {
  ProxyRedirect r;
  r.is_default = true;
  if (p.has_uri) {
    r.from = p.pass_text;
    r.to = loc.pattern;
  } else {
    r.from = p.pass_text + "/";
    r.to = "/";
  }
  return r;
}

Status d_proxy_pass(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  const std::string& url = n.args[0];
  if (url.find('$') != std::string::npos) {
    return err(n, "variables in the \"proxy_pass\" directive are not supported yet");
  }
  size_t add = 0;
  if (istarts_with(url, "http://")) {
    add = 7;
  } else if (istarts_with(url, "https://")) {
    return err(n, "https protocol requires SSL support");
  } else {
    return err(n, "invalid URL prefix");
  }
  std::string rest = url.substr(add);
  auto u = parse_url(rest, true, 80);
  if (!u) return err(n, u.error().message + " in upstream \"" + rest + "\"");
  ProxyConf& p = lv.loc->proxy;
  // ngx_http_proxy_set_vars: $proxy_host / $proxy_port.
  if (u->unix_socket) {
    p.host = "localhost";
    p.port.clear();
  } else if (u->no_port || u->port == 80) {
    p.host = u->host;
    p.port = "80";
  } else {
    p.host = u->host + ":" + u->port_text;
    p.port = u->port_text;
  }
  p.has_uri = !u->uri.empty();
  p.uri = u->uri;
  using Kind = LocationConf::Kind;
  Kind kind = lv.loc->kind;
  if ((kind == Kind::kRegex || kind == Kind::kRegexCaseless || kind == Kind::kNamed) && p.has_uri) {
    return err(n,
               "\"proxy_pass\" cannot have URI part in location given by regular expression, or "
               "inside named location, or inside \"if\" statement, or inside \"limit_except\" "
               "block");
  }
  p.pass = true;
  p.pass_text = url;
  b.pass_refs.push_back({&n, std::move(*u), &p});
  return {};
}

// As ngx_http_core_error_page reads it.
Status d_error_page(Builder& b, Level& lv, const ConfNode& n) {
  LocationConf& loc = *lv.loc;
  if (lv.first(n.name)) loc.error_pages.clear();
  ErrorPageConf page;
  size_t codes_end = n.args.size() - 1;
  const std::string& eq = n.args[n.args.size() - 2];
  if (!eq.empty() && eq[0] == '=') {
    if (n.args.size() == 2) return err(n, "invalid value \"" + eq + "\"");
    page.overwrite = 0;
    if (eq.size() > 1) {
      auto code = parse_number(std::string_view(eq).substr(1));
      if (!code || *code > 999) return err(n, "invalid value \"" + eq + "\"");
      page.overwrite = static_cast<int>(*code);
    }
    codes_end = n.args.size() - 2;
  }
  page.uri = n.args.back();
  if (auto st = b.use_variables(n, page.uri); !st) return st;
  for (size_t i = 0; i < codes_end; ++i) {
    auto code = parse_number(n.args[i]);
    if (!code || *code == 499) return err(n, "invalid value \"" + n.args[i] + "\"");
    if (*code < 300 || *code > 599) {
      return err(n, "value \"" + n.args[i] + "\" must be between 300 and 599");
    }
    page.codes.push_back(static_cast<int>(*code));
  }
  loc.error_pages.push_back(std::move(page));
  return {};
}

// As ngx_http_headers_expires reads it (without variables in the time).
Status d_expires(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  ExpiresConf e;
  e.kind = ExpiresConf::Kind::kAccess;
  size_t at = 0;
  if (n.args.size() == 2) {
    if (n.args[0] != "modified") return invalid_value(n);
    e.kind = ExpiresConf::Kind::kModified;
    at = 1;
  }
  std::string_view v = n.args[at];
  if (v.find('$') != std::string_view::npos) {
    return err(n, "variables in \"expires\" are not supported yet");
  }
  if (v == "epoch" || v == "max" || v == "off") {
    e.kind = v == "epoch" ? ExpiresConf::Kind::kEpoch
             : v == "max" ? ExpiresConf::Kind::kMax
                          : ExpiresConf::Kind::kOff;
    lv.loc->expires = e;
    return {};
  }
  bool minus = false;
  if (!v.empty() && v[0] == '@') {
    if (e.kind == ExpiresConf::Kind::kModified) {
      return err(n, "daily time cannot be used with \"modified\" parameter");
    }
    e.kind = ExpiresConf::Kind::kDaily;
    v.remove_prefix(1);
  } else if (!v.empty() && v[0] == '-') {
    minus = true;
    v.remove_prefix(1);
  } else if (!v.empty() && v[0] == '+') {
    v.remove_prefix(1);  // nginx reads "+1h" as 1h
  }
  auto ms = parse_time_ms(v);
  if (!ms || *ms % 1000 != 0) return invalid_value(n);  // whole seconds only (ngx_parse_time)
  e.seconds = *ms / 1000;
  if (e.kind == ExpiresConf::Kind::kDaily && e.seconds >= 24 * 60 * 60) {
    return err(n, "daily time value must be less than 24 hours");
  }
  if (minus) e.seconds = -e.seconds;
  lv.loc->expires = e;
  return {};
}

// As ngx_http_access_rule reads it.
Status d_access(Builder& b, Level& lv, const ConfNode& n) {
  if (lv.first("allow/deny")) lv.loc->access_rules.clear();
  AccessRule rule;
  rule.allow = n.name == "allow";
  const std::string& a = n.args[0];
  if (a == "all") {
    rule.kind = AccessRule::Kind::kAll;
  } else if (a == "unix:") {
    rule.kind = AccessRule::Kind::kUnix;
  } else {
    const size_t slash = a.find('/');
    const std::string ip = a.substr(0, slash);
    const bool v6 = ip.find(':') != std::string::npos;
    const int bits = v6 ? 128 : 32;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), rule.address.data()) != 1) {
      return err(n, "invalid parameter \"" + a + "\"");
    }
    int prefix = bits;
    if (slash != std::string::npos) {
      auto p = parse_number(std::string_view(a).substr(slash + 1));
      if (!p || *p > bits) return err(n, "invalid parameter \"" + a + "\"");
      prefix = static_cast<int>(*p);
    }
    rule.kind = v6 ? AccessRule::Kind::kV6 : AccessRule::Kind::kV4;
    bool meaningless = false;
    for (int i = 0; i < bits / 8; ++i) {
      const int left = prefix - i * 8;
      const uint8_t m = left >= 8 ? 0xff : left <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - left));
      rule.mask[static_cast<size_t>(i)] = m;
      if ((rule.address[static_cast<size_t>(i)] & ~m) != 0) meaningless = true;
      rule.address[static_cast<size_t>(i)] &= m;
    }
    if (meaningless) b.warn(n, "low address bits of " + a + " are meaningless");
  }
  lv.loc->access_rules.push_back(rule);
  return {};
}

Status d_add_header(Builder& b, Level& lv, const ConfNode& n) {
  LocationConf& loc = *lv.loc;
  if (lv.first(n.name)) loc.add_headers.clear();
  bool always = false;
  if (n.args.size() == 3) {
    if (n.args[2] != "always") return err(n, "invalid parameter \"" + n.args[2] + "\"");
    always = true;
  }
  // nginx compiles the value here: an unknown variable fails the config at this line.
  if (auto st = b.use_variables(n, n.args[1]); !st) return st;
  loc.add_headers.push_back({n.args[0], n.args[1], always});
  return {};
}

Status d_proxy_set_header(Builder&, Level& lv, const ConfNode& n) {
  ProxyConf& p = lv.loc->proxy;
  if (lv.first(n.name)) p.set_headers.clear();
  // The value is compiled when the http block ends (check_proxy_tree), as nginx does.
  p.set_headers_set = true;
  p.set_headers.push_back({n.args[0], n.args[1]});
  return {};
}

Status d_proxy_http_version(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  if (n.args[0] == "1.0") {
    lv.loc->proxy.http_minor = 0;
  } else if (n.args[0] == "1.1") {
    lv.loc->proxy.http_minor = 1;
  } else {
    return err(n, "invalid value \"" + n.args[0] + "\"");
  }
  return {};
}

Status d_proxy_buffers(Builder&, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  auto num = parse_number(n.args[0]);
  if (!num || *num == 0) return invalid_value(n);
  auto size = parse_size(n.args[1]);
  if (!size || *size == 0) return invalid_value(n);
  lv.loc->proxy.buffers_num = clamp_int(*num);
  lv.loc->proxy.buffers_size = *size;
  return {};
}

Status d_proxy_next_upstream(Builder& b, Level& lv, const ConfNode& n) {
  static constexpr std::pair<std::string_view, uint32_t> kMasks[] = {
      {"error", kNextError},
      {"timeout", kNextTimeout},
      {"invalid_header", kNextInvalidHeader},
      {"non_idempotent", kNextNonIdempotent},
      {"http_500", kNextHttp500},
      {"http_502", kNextHttp502},
      {"http_503", kNextHttp503},
      {"http_504", kNextHttp504},
      {"http_403", kNextHttp403},
      {"http_404", kNextHttp404},
      {"http_429", kNextHttp429},
      {"updating", kNextUpdating},
      {"off", kNextOff},
  };
  uint32_t& mask = lv.loc->proxy.next_upstream;
  if (lv.first(n.name)) mask = 0;
  for (const std::string& a : n.args) {
    uint32_t bit = 0;
    for (const auto& [name, m] : kMasks) {
      if (iequals(a, name)) bit = m;
    }
    if (bit == 0) return err(n, "invalid value \"" + a + "\"");
    if (mask & bit) {
      b.warn(n, "duplicate value \"" + a + "\"");
    } else {
      mask |= bit;
    }
  }
  return {};
}

Status d_proxy_next_upstream_tries(Builder&, Level& lv, const ConfNode& n) {
  int64_t v = 0;
  auto st = set_number(lv, n, &v);
  if (!st) return st;
  lv.loc->proxy.next_upstream_tries = clamp_int(v);
  return {};
}

Status d_proxy_redirect(Builder&, Level& lv, const ConfNode& n) {
  ProxyConf& p = lv.loc->proxy;
  // nginx: after `off` at a level any proxy_redirect there is a duplicate, and so is `off` after
  // a rule.
  constexpr std::string_view kOffSeen = "proxy_redirect off";
  if (lv.has_seen(kOffSeen)) return duplicate(n);
  const std::string& a = n.args[0];
  if (n.args.size() == 1) {
    if (a == "off") {
      if (lv.has_seen(n.name)) return duplicate(n);
      lv.seen.emplace_back(kOffSeen);
      p.redirect = ProxyConf::Redirect::kOff;
      p.redirect_rules.clear();
      return {};
    }
    if (a != "default") return err(n, "invalid parameter \"" + a + "\"");
  }
  if (lv.first(n.name)) p.redirect_rules.clear();
  p.redirect = ProxyConf::Redirect::kDefault;  // summarized in finish_values
  if (n.args.size() == 1) {
    if (!p.pass) {
      return err(n,
                 "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive");
    }
    p.redirect_rules.push_back(default_redirect(p, *lv.loc));
    return {};
  }
  ProxyRedirect r;
  std::string_view from = a;
  if (starts_with(from, "~")) {
    r.regex = true;
    from.remove_prefix(1);
    if (starts_with(from, "*")) {
      r.caseless = true;
      from.remove_prefix(1);
    }
    auto re = Regex::compile(from, r.caseless);
    if (!re) return err(n, re.error().message);
    r.compiled = std::move(*re);
  } else {
    auto st = check_template(n, a);
    if (!st) return st;
  }
  auto st = check_template(n, n.args[1]);
  if (!st) return st;
  r.from = std::string(from);
  r.to = n.args[1];
  p.redirect_rules.push_back(std::move(r));
  return {};
}

// proxy_hide_header / proxy_pass_header: lists, replaced as a whole by a level that sets any.
Status d_proxy_header_list(Builder&, Level& lv, const ConfNode& n) {
  auto& list =
      n.name == "proxy_hide_header" ? lv.loc->proxy.hide_headers : lv.loc->proxy.pass_headers;
  if (lv.first(n.name)) list.clear();
  list.push_back(lower(n.args[0]));
  return {};
}

#define WC_PROXY(fn, setter, field) \
  Status fn(Builder&, Level& lv, const ConfNode& n) { return setter(lv, n, &lv.loc->proxy.field); }

WC_PROXY(d_proxy_connect_timeout, set_time, connect_timeout_ms)
WC_PROXY(d_proxy_read_timeout, set_time, read_timeout_ms)
WC_PROXY(d_proxy_send_timeout, set_time, send_timeout_ms)
WC_PROXY(d_proxy_next_upstream_timeout, set_time, next_upstream_timeout_ms)
WC_PROXY(d_proxy_buffering, set_flag, buffering)
WC_PROXY(d_proxy_request_buffering, set_flag, request_buffering)
WC_PROXY(d_proxy_pass_request_headers, set_flag, pass_request_headers)
WC_PROXY(d_proxy_pass_request_body, set_flag, pass_request_body)
WC_PROXY(d_proxy_intercept_errors, set_flag, intercept_errors)
WC_PROXY(d_proxy_buffer_size, set_size, buffer_size)
WC_PROXY(d_proxy_max_temp_file_size, set_size, max_temp_file_size)

#undef WC_PROXY

// proxy_pass is the location's own: a nested location or server starts without it.
void reset_pass(ProxyConf& p) {
  p.pass = false;
  p.pass_text.clear();
  p.upstream = nullptr;
  p.host.clear();
  p.port.clear();
  p.has_uri = false;
  p.uri.clear();
}

// ngx_http_proxy_merge_loc_conf's buffer checks, for one level's final values.
Status check_proxy_buffers(const ProxyConf& p, const std::string& at) {
  if (p.buffers_num < 2) return fail("there must be at least 2 \"proxy_buffers\" " + at);
  int64_t size = std::max(p.buffer_size, p.buffers_size);
  int64_t busy = 2 * size;  // proxy_busy_buffers_size's default
  if (busy > (p.buffers_num - 1) * p.buffers_size) {
    return fail(
        "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus "
        "one buffer " +
        at);
  }
  if (p.max_temp_file_size != 0 && p.max_temp_file_size < size) {
    return fail(
        "\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files usage or "
        "must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and "
        "one of the \"proxy_buffers\" " +
        at);
  }
  return {};
}

Status check_proxy_tree(const LocationConf& loc, const std::string& at) {
  auto st = check_proxy_buffers(loc.proxy, at);
  if (!st) return st;
  // proxy_set_header values are compiled here by nginx's merge (an unknown variable is left for
  // check_proxy_variables, reported later with no place).
  for (const ProxyHeaderConf& h : loc.proxy.set_headers) {
    auto t = vars::Template::compile(h.value);
    if (!t && !starts_with(t.error().message, "unknown \"")) {
      return fail(t.error().message + " " + at);
    }
  }
  for (const auto& child : loc.nested) {
    st = check_proxy_tree(*child, at);
    if (!st) return st;
  }
  return {};
}

void number_nodes(const std::vector<ConfNode>& nodes,
                  std::unordered_map<const ConfNode*, int>* out) {
  for (const ConfNode& n : nodes) {
    out->emplace(&n, static_cast<int>(out->size()));
    number_nodes(n.children, out);
  }
}

// ---- blocks --------------------------------------------------------------------------------

Status d_server(Builder& b, Level& lv, const ConfNode& n) {
  auto server = std::make_unique<ServerConf>();
  static_cast<ServerValues&>(*server) = *lv.srv;
  static_cast<LocationValues&>(server->loc) = *lv.loc;
  server->loc.try_files.clear();
  server->loc.ret = {};
  reset_pass(server->loc.proxy);
  server->loc.kind = LocationConf::Kind::kServer;
  server->file = server->loc.file = n.file;
  server->line = server->loc.line = n.line;
  server->names.push_back(ServerName{});  // server_name "" unless set
  Level child;
  child.ctx = kServer;
  child.loc = &server->loc;
  child.srv = server.get();
  child.server = server.get();
  auto st = b.apply_level(child, n.children);
  if (!st) return st;
  if (server->listens.empty()) {
    ListenConf l;
    ConfNode at = n;
    at.args = {geteuid() == 0 ? "80" : "8000"};
    auto s = parse_listen_addr(at, &l);
    if (!s) return s;
    l.file = n.file;
    l.line = n.line;
    server->listens.push_back(std::move(l));
  }
  b.cfg().http.servers.push_back(std::move(server));
  return {};
}

// As ngx_http_core_limit_except: the block's access settings apply to every method it does not
// name (GET names HEAD too); what it does not set, it takes from the location.
Status d_limit_except(Builder& b, Level& lv, const ConfNode& n) {
  LocationConf& loc = *lv.loc;
  if (loc.limit_except) return err(n, "\"limit_except\" directive is duplicate");
  constexpr std::string_view kMethods[] = {"GET",       "HEAD", "POST",   "PUT",     "DELETE",
                                           "MKCOL",     "COPY", "MOVE",   "OPTIONS", "PROPFIND",
                                           "PROPPATCH", "LOCK", "UNLOCK", "PATCH"};
  std::vector<std::string> methods;
  for (const std::string& m : n.args) {
    if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) {
      return err(n, "invalid method \"" + m + "\"");
    }
    methods.push_back(m);
    if (m == "GET") methods.emplace_back("HEAD");
  }
  auto inner = std::make_unique<LocationConf>();
  static_cast<LocationValues&>(*inner) = loc;
  inner->kind = loc.kind;
  inner->file = n.file;
  inner->line = n.line;
  Level child;
  child.ctx = kLimitExcept;
  child.loc = inner.get();
  child.srv = lv.srv;
  child.server = lv.server;
  if (auto st = b.apply_level(child, n.children); !st) return st;
  loc.limit_except = std::move(inner);
  loc.limit_except_methods = std::move(methods);
  return {};
}

Status d_location(Builder& b, Level& lv, const ConfNode& n) {
  using Kind = LocationConf::Kind;
  auto loc = std::make_unique<LocationConf>();
  LocationConf* parent = lv.loc;
  static_cast<LocationValues&>(*loc) = *parent;
  loc->try_files.clear();
  loc->ret = {};
  reset_pass(loc->proxy);
  loc->parent = parent;
  loc->file = n.file;
  loc->line = n.line;
  std::string mod, name;
  if (n.args.size() == 2) {
    mod = n.args[0];
    name = n.args[1];
  } else {
    const std::string& a = n.args[0];
    // Modifiers may be glued to the pattern: "=/x", "~*\.php$", "^~/img".
    if (starts_with(a, "=")) {
      mod = "=", name = a.substr(1);
    } else if (starts_with(a, "^~")) {
      mod = "^~", name = a.substr(2);
    } else if (starts_with(a, "~*")) {
      mod = "~*", name = a.substr(2);
    } else if (starts_with(a, "~")) {
      mod = "~", name = a.substr(1);
    } else {
      name = a;
    }
  }
  if (mod.empty()) {
    loc->kind = starts_with(name, "@") ? Kind::kNamed : Kind::kPrefix;
  } else if (mod == "=") {
    loc->kind = Kind::kExact;
  } else if (mod == "^~") {
    loc->kind = Kind::kPrefixNoRegex;
  } else if (mod == "~") {
    loc->kind = Kind::kRegex;
  } else if (mod == "~*") {
    loc->kind = Kind::kRegexCaseless;
  } else {
    return err(n, "invalid location modifier \"" + mod + "\"");
  }
  loc->pattern = name;
  bool is_regex = loc->kind == Kind::kRegex || loc->kind == Kind::kRegexCaseless;
  if (is_regex) {
    auto re = Regex::compile(name, loc->kind == Kind::kRegexCaseless);
    if (!re) return err(n, re.error().message);
    loc->regex = std::move(*re);
    loc->named_captures = declare_captures(*loc->regex, b.cfg().variables);
  }
  if (parent->kind != Kind::kServer) {
    if (parent->kind == Kind::kExact) {
      return err(n, "location \"" + name + "\" cannot be inside the exact location \"" +
                        parent->pattern + "\"");
    }
    if (parent->kind == Kind::kNamed) {
      return err(n, "location \"" + name + "\" cannot be inside the named location \"" +
                        parent->pattern + "\"");
    }
    if (loc->kind == Kind::kNamed) {
      return err(n, "named location \"" + name + "\" can be on the server level only");
    }
    if (!is_regex && !starts_with(name, parent->pattern)) {
      return err(n, "location \"" + name + "\" is outside location \"" + parent->pattern + "\"");
    }
  }
  Level child;
  child.ctx = kLocation;
  child.loc = loc.get();
  child.srv = lv.srv;
  child.server = lv.server;
  auto st = b.apply_level(child, n.children);
  if (!st) return st;
  if (loc->kind == Kind::kNamed) {
    auto [it, inserted] = lv.server->named_locations.try_emplace(name, loc.get());
    if (!inserted) return err(n, "duplicate location \"" + name + "\"");
  }
  parent->nested.push_back(std::move(loc));
  return {};
}

// ---- the table -----------------------------------------------------------------------------

constexpr unsigned kHSL = kHttp | kServer | kLocation;
constexpr unsigned kHSLL = kHSL | kLimitExcept;
constexpr unsigned kHS = kHttp | kServer;
constexpr unsigned kSL = kServer | kLocation;

constexpr Directive kDirectives[] = {
    // main
    {"worker_processes", kMain, Arity::kTake1, false, d_worker_processes},
    {"pid", kMain, Arity::kTake1, false, d_pid},
    {"user", kMain, Arity::kTake12, false, d_user},
    {"worker_rlimit_nofile", kMain, Arity::kTake1, false, d_worker_rlimit_nofile},
    {"error_log", kMain | kHSL, Arity::k1More, false, d_error_log},
    {"daemon", kMain, Arity::kTake1, false, d_ignored_flag},
    {"master_process", kMain, Arity::kTake1, false, d_ignored_flag},
    {"pcre_jit", kMain, Arity::kTake1, false, d_ignored_flag},
    {"events", kMain, Arity::kNoArgs, true, d_events},
    {"http", kMain, Arity::kNoArgs, true, d_http},
    // events
    {"worker_connections", kEvents, Arity::kTake1, false, d_worker_connections},
    {"multi_accept", kEvents, Arity::kTake1, false, d_multi_accept},
    {"use", kEvents, Arity::kTake1, false, d_use},
    {"accept_mutex", kEvents, Arity::kTake1, false, d_ignored_flag},
    {"accept_mutex_delay", kEvents, Arity::kTake1, false, d_ignored},
    // http
    {"log_format", kHttp, Arity::k2More, false, d_log_format},
    {"server", kHttp, Arity::kNoArgs, true, d_server},
    {"types_hash_max_size", kHSL, Arity::kTake1, false, d_ignored},
    {"types_hash_bucket_size", kHSL, Arity::kTake1, false, d_ignored},
    {"server_names_hash_max_size", kHttp, Arity::kTake1, false, d_ignored},
    {"server_names_hash_bucket_size", kHttp, Arity::kTake1, false, d_ignored},
    {"variables_hash_max_size", kHttp, Arity::kTake1, false, d_ignored},
    {"variables_hash_bucket_size", kHttp, Arity::kTake1, false, d_ignored},
    // http, server, location
    {"types", kHSL, Arity::kNoArgs, true, d_types},
    {"default_type", kHSL, Arity::kTake1, false, d_default_type},
    {"access_log", kHSL, Arity::k1More, false, d_access_log},
    {"sendfile", kHSL, Arity::kTake1, false, d_sendfile},
    {"tcp_nopush", kHSL, Arity::kTake1, false, d_tcp_nopush},
    {"tcp_nodelay", kHSL, Arity::kTake1, false, d_tcp_nodelay},
    {"keepalive_timeout", kHSL, Arity::kTake12, false, d_keepalive_timeout},
    {"keepalive_requests", kHSL, Arity::kTake1, false, d_keepalive_requests},
    {"keepalive_time", kHSL, Arity::kTake1, false, d_keepalive_time},
    {"client_max_body_size", kHSL, Arity::kTake1, false, d_client_max_body_size},
    {"client_body_timeout", kHSL, Arity::kTake1, false, d_client_body_timeout},
    {"client_body_buffer_size", kHSL, Arity::kTake1, false, d_client_body_buffer_size},
    {"send_timeout", kHSL, Arity::kTake1, false, d_send_timeout},
    {"server_tokens", kHSL, Arity::kTake1, false, d_server_tokens},
    {"etag", kHSL, Arity::kTake1, false, d_etag},
    {"autoindex", kHSL, Arity::kTake1, false, d_autoindex},
    {"charset", kHSL, Arity::kTake1, false, d_charset},
    {"gzip_static", kHSL, Arity::kTake1, false, d_gzip_static},
    {"gzip_vary", kHSL, Arity::kTake1, false, d_gzip_vary},
    {"charset_types", kHSL, Arity::k1More, false, d_charset_types},
    {"auth_basic", kHSLL, Arity::kTake1, false, d_auth_basic},
    {"auth_basic_user_file", kHSLL, Arity::kTake1, false, d_auth_basic_user_file},
    {"limit_except", kLocation, Arity::k1More, true, d_limit_except},
    {"autoindex_exact_size", kHSL, Arity::kTake1, false, d_autoindex_exact_size},
    {"autoindex_localtime", kHSL, Arity::kTake1, false, d_autoindex_localtime},
    {"autoindex_format", kHSL, Arity::kTake1, false, d_autoindex_format},
    {"if_modified_since", kHSL, Arity::kTake1, false, d_if_modified_since},
    {"log_not_found", kHSL, Arity::kTake1, false, d_log_not_found},
    {"absolute_redirect", kHSL, Arity::kTake1, false, d_absolute_redirect},
    {"port_in_redirect", kHSL, Arity::kTake1, false, d_port_in_redirect},
    {"server_name_in_redirect", kHSL, Arity::kTake1, false, d_server_name_in_redirect},
    {"open_file_cache", kHSL, Arity::kTake12, false, d_open_file_cache},
    {"open_file_cache_valid", kHSL, Arity::kTake1, false, d_open_file_cache_valid},
    {"open_file_cache_min_uses", kHSL, Arity::kTake1, false, d_open_file_cache_min_uses},
    {"open_file_cache_errors", kHSL, Arity::kTake1, false, d_open_file_cache_errors},
    {"reset_timedout_connection", kHSL, Arity::kTake1, false, d_ignored_flag},
    {"root", kHSL, Arity::kTake1, false, d_root},
    {"index", kHSL, Arity::k1More, false, d_index},
    // http, server
    {"client_header_timeout", kHS, Arity::kTake1, false, d_client_header_timeout},
    {"http2_max_concurrent_streams", kHS, Arity::kTake1, false, d_http2_max_concurrent_streams},
    {"http2_idle_timeout", kHS, Arity::kTake1, false, d_http2_idle_timeout},
    {"http2_recv_timeout", kHS, Arity::kTake1, false, d_http2_recv_timeout},
    {"http2_chunk_size", kHS, Arity::kTake1, false, d_http2_chunk_size},
    {"http2_recv_buffer_size", kHttp, Arity::kTake1, false, d_http2_recv_buffer_size},
    {"client_header_buffer_size", kHS, Arity::kTake1, false, d_client_header_buffer_size},
    {"large_client_header_buffers", kHS, Arity::kTake2, false, d_large_client_header_buffers},
    {"ignore_invalid_headers", kHS, Arity::kTake1, false, d_ignore_invalid_headers},
    {"underscores_in_headers", kHS, Arity::kTake1, false, d_underscores_in_headers},
    {"merge_slashes", kHS, Arity::kTake1, false, d_merge_slashes},
    // server, location
    {"ssl_certificate", kHS, Arity::kTake1, false, d_ssl_file},
    {"ssl_certificate_key", kHS, Arity::kTake1, false, d_ssl_file},
    {"ssl_protocols", kHS, Arity::k1More, false, d_ssl_protocols},
    {"ssl_ciphers", kHS, Arity::kTake1, false, d_ssl_ciphers},
    {"ssl_prefer_server_ciphers", kHS, Arity::kTake1, false, d_ssl_prefer_server_ciphers},
    {"ssl_session_cache", kHS, Arity::k1More, false, d_ssl_session_cache},
    {"ssl_session_timeout", kHS, Arity::kTake1, false, d_ssl_session_timeout},
    {"ssl_session_tickets", kHS, Arity::kTake1, false, d_ssl_session_tickets},
    {"ssl_stapling", kHS, Arity::kTake1, false, d_ssl_stapling},
    {"listen", kServer, Arity::k1More, false, d_listen},
    {"server_name", kServer, Arity::k1More, false, d_server_name},
    {"location", kSL, Arity::kTake12, true, d_location},
    {"try_files", kSL, Arity::k2More, false, d_try_files},
    {"return", kSL | kIf, Arity::kTake12, false, d_return},
    {"alias", kLocation, Arity::kTake1, false, d_root},
    {"internal", kLocation, Arity::kNoArgs, false, d_internal},
    // upstream
    {"upstream", kHttp, Arity::kTake1, true, d_upstream},
    {"server", kUpstream, Arity::k1More, false, d_upstream_server},
    {"least_conn", kUpstream, Arity::kNoArgs, false, d_least_conn},
    {"resolver", kHSL | kUpstream, Arity::k1More, false, d_resolver},
    {"resolver_timeout", kHSL | kUpstream, Arity::kTake1, false, d_resolver_timeout},
    {"keepalive", kUpstream, Arity::kTake1, false, d_upstream_keepalive},
    {"keepalive_timeout", kUpstream, Arity::kTake1, false, d_upstream_keepalive_timeout},
    {"keepalive_requests", kUpstream, Arity::kTake1, false, d_upstream_keepalive_requests},
    {"keepalive_time", kUpstream, Arity::kTake1, false, d_not_supported},
    // proxy
    {"proxy_pass", kLocation, Arity::kTake1, false, d_proxy_pass},
    {"proxy_set_header", kHSL, Arity::kTake2, false, d_proxy_set_header},
    {"add_header", kHSL, Arity::kTake23, false, d_add_header},
    {"expires", kHSL, Arity::kTake12, false, d_expires},
    {"allow", kHSLL, Arity::kTake1, false, d_access},
    {"deny", kHSLL, Arity::kTake1, false, d_access},
    {"rewrite", kSL | kIf, Arity::kTake23, false, d_rewrite},
    {"break", kSL | kIf, Arity::kNoArgs, false, d_break},
    {"set", kSL | kIf, Arity::kTake2, false, d_set},
    {"if", kSL, Arity::k1More, true, d_if},
    {"map", kHttp, Arity::kTake2, true, d_map},
    {"error_page", kHSL, Arity::k2More, false, d_error_page},
    {"proxy_http_version", kHSL, Arity::kTake1, false, d_proxy_http_version},
    {"proxy_connect_timeout", kHSL, Arity::kTake1, false, d_proxy_connect_timeout},
    {"proxy_read_timeout", kHSL, Arity::kTake1, false, d_proxy_read_timeout},
    {"proxy_send_timeout", kHSL, Arity::kTake1, false, d_proxy_send_timeout},
    {"proxy_buffering", kHSL, Arity::kTake1, false, d_proxy_buffering},
    {"proxy_request_buffering", kHSL, Arity::kTake1, false, d_proxy_request_buffering},
    {"proxy_buffer_size", kHSL, Arity::kTake1, false, d_proxy_buffer_size},
    {"proxy_buffers", kHSL, Arity::kTake2, false, d_proxy_buffers},
    {"proxy_max_temp_file_size", kHSL, Arity::kTake1, false, d_proxy_max_temp_file_size},
    {"proxy_next_upstream", kHSL, Arity::k1More, false, d_proxy_next_upstream},
    {"proxy_next_upstream_tries", kHSL, Arity::kTake1, false, d_proxy_next_upstream_tries},
    {"proxy_next_upstream_timeout", kHSL, Arity::kTake1, false, d_proxy_next_upstream_timeout},
    {"proxy_redirect", kHSL, Arity::kTake12, false, d_proxy_redirect},
    {"proxy_pass_request_headers", kHSL, Arity::kTake1, false, d_proxy_pass_request_headers},
    {"proxy_pass_request_body", kHSL, Arity::kTake1, false, d_proxy_pass_request_body},
    {"proxy_hide_header", kHSL, Arity::kTake1, false, d_proxy_header_list},
    {"proxy_pass_header", kHSL, Arity::kTake1, false, d_proxy_header_list},
    {"proxy_intercept_errors", kHSL, Arity::kTake1, false, d_proxy_intercept_errors},
};

constexpr std::string_view kInertPrefixes[] = {"ssl_", "gzip"};

// Directives of SPEC.md or of common nginx configs that webcycle does not implement yet: refused
// by name, never ignored, so a config never silently means less than it says.
constexpr std::string_view kUnsupported[] = {
    "add_trailer",
    "satisfy",
    "source_charset",
    "geo",
    "split_clients",
    "load_module",
    "stream",
    "mail",
    "valid_referers",
    "auth_request",
    "auth_request_set",
    "auth_jwt",
    "auth_delay",
    "stub_status",
    "real_ip_header",
    "set_real_ip_from",
    "ssi",
    "sub_filter",
    "aio",
    "directio",
    "output_buffers",
    "postpone_output",
    "limit_rate",
    "limit_rate_after",
    "lingering_close",
    "lingering_time",
    "lingering_timeout",
    "client_body_temp_path",
    "client_body_in_file_only",
    "recursive_error_pages",
    "worker_cpu_affinity",
    "worker_priority",
    "worker_shutdown_timeout",
    "env",
    "http2",
    "http3",
    "ssl",
    "keepalive_disable",
    "chunked_transfer_encoding",
    "disable_symlinks",
    "subrequest_output_buffer_size",
    "uninitialized_variable_warn",
    "index_files",
    "thread_pool",
    "timer_resolution",
    "working_directory",
    "lock_file",
    // upstream balancers and the shared-memory zone nginx has besides round-robin and least_conn
    "ip_hash",
    "hash",
    "random",
    "zone",
};
constexpr std::string_view kUnsupportedPrefixes[] = {
    "proxy_",     "fastcgi_",   "uwsgi_", "scgi_",        "grpc_",     "memcached_",  "limit_req",
    "limit_conn", "sub_filter", "ssi_",   "http2_",       "quic_",     "secure_link", "userid",
    "empty_gif",  "mp4",        "flv",    "image_filter", "xslt_",     "dav_",        "perl",
    "js_",        "slice",      "mirror", "random_index", "addition_",
};

bool unsupported(std::string_view name) {
  for (auto u : kUnsupported) {
    if (u == name) return true;
  }
  for (auto p : kUnsupportedPrefixes) {
    if (starts_with(name, p)) return true;
  }
  return false;
}

bool arity_ok(Arity a, size_t n) {
  switch (a) {
    case Arity::kNoArgs:
      return n == 0;
    case Arity::kTake1:
      return n == 1;
    case Arity::kTake2:
      return n == 2;
    case Arity::kTake12:
      return n == 1 || n == 2;
    case Arity::kTake23:
      return n == 2 || n == 3;
    case Arity::k1More:
      return n >= 1;
    case Arity::k2More:
      return n >= 2;
    case Arity::kAny:
      return true;
  }
  return false;
}

Status d_http(Builder& b, Level& lv, const ConfNode& n) {
  if (!lv.first(n.name)) return duplicate(n);
  HttpConf& http = b.cfg().http;
  http.present = true;
  Level child;
  child.ctx = kHttp;
  child.loc = &http.loc;
  child.srv = &http.srv;
  number_nodes(n.children, &b.order);
  auto st = b.apply_level(child, n.children);
  if (!st) return st;
  st = b.finish_http(n);
  if (!st) return st;
  return b.finish_variables();
}

}  // namespace

Status Builder::finish_variables() {
  vars::VarRegistry& registry = cfg_->variables;
  if (const vars::VarRegistry::Entry* e = registry.first_undeclared()) {
    return fail("unknown \"" + e->name + "\" variable " + e->first_use);
  }
  for (auto& map : cfg_->http.maps) {
    if (auto st = compile_map(*map, registry); !st) return st;
  }
  return {};
}

Status Builder::apply(Level& lv, const ConfNode& n) {
  const Directive* found = nullptr;
  bool name_known = false;
  for (const Directive& d : kDirectives) {
    if (d.name != n.name) continue;
    name_known = true;
    if (d.contexts & lv.ctx) {
      found = &d;
      break;
    }
  }
  if (!name_known) {
    for (auto p : kInertPrefixes) {
      if (starts_with(n.name, p) && !n.block && (lv.ctx & (kHttp | kServer | kLocation))) {
        return d_inert(*this, lv, n);
      }
    }
    if (unsupported(n.name)) {
      return err(n, "\"" + n.name + "\" directive is not supported yet");
    }
    return err(n, "unknown directive \"" + n.name + "\"");
  }
  if (found == nullptr && (lv.ctx & kIf)) {
    // nginx takes many location directives inside a location's if (root, add_header,
    // proxy_pass...): never ignored here, refused by name.
    for (const Directive& d : kDirectives) {
      if (d.name == n.name && (d.contexts & kLocation) && !d.block) {
        return err(n, "\"" + n.name + "\" directive is not supported inside \"if\" yet");
      }
    }
  }
  if (found == nullptr) return err(n, "\"" + n.name + "\" directive is not allowed here");
  if (!found->block && n.block) {
    return err(n, "directive \"" + n.name + "\" is not terminated by \";\"");
  }
  if (found->block && !n.block) {
    return err(n, "directive \"" + n.name + "\" has no opening \"{\"");
  }
  if (!arity_ok(found->arity, n.args.size())) {
    return err(n, "invalid number of arguments in \"" + n.name + "\" directive");
  }
  return found->handler(*this, lv, n);
}

Status Builder::apply_level(Level& lv, const std::vector<ConfNode>& nodes) {
  // Values first, then the blocks that inherit them (see the top of this file).
  auto opens_level = [](const ConfNode& n) {
    return n.block && (n.name == "http" || n.name == "server" || n.name == "location");
  };
  for (const ConfNode& n : nodes) {
    if (opens_level(n)) continue;
    auto st = apply(lv, n);
    if (!st) return st;
  }
  finish_values(lv);
  for (const ConfNode& n : nodes) {
    if (!opens_level(n)) continue;
    auto st = apply(lv, n);
    if (!st) return st;
  }
  return {};
}

Status Builder::build(const std::vector<ConfNode>& g_nodes, const std::vector<ConfNode>& nodes) {
  WebConfig& c = *cfg_;
  auto combined = std::make_unique<LogFormat>();
  combined->name = "combined";
  combined->format =
      "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
      "\"$http_referer\" \"$http_user_agent\"";
  c.http.log_formats.push_back(std::move(combined));
  auto types = std::make_shared<TypesMap>();
  types->emplace("html", "text/html");
  types->emplace("gif", "image/gif");
  types->emplace("jpg", "image/jpeg");
  c.http.loc.types = std::move(types);
  c.http.loc.root = full_path("html");
  c.http.loc.access_logs.push_back(
      AccessLogConf{full_path("logs/access.log"), c.http.log_formats.front().get(), 0, 0});

  // -g text first, as nginx: a directive in both is then reported as duplicate in the file.
  Level main;
  main.ctx = kMain;
  std::vector<ConfNode> all = g_nodes;
  all.insert(all.end(), nodes.begin(), nodes.end());
  auto st = apply_level(main, all);
  if (!st) return st;
  if (std::find(main.seen.begin(), main.seen.end(), "events") == main.seen.end()) {
    return fail("no \"events\" section in configuration");
  }
  if (c.main.pid_path.empty()) c.main.pid_path = full_path("logs/webcycle.pid");
  if (c.main.error_logs.empty()) {
    c.main.error_logs.push_back(ErrorLogConf{full_path("logs/error.log"), LogLevel::kError});
  }
  return {};
}

void Builder::finish_values(Level& lv) {
  if ((lv.ctx & (kHttp | kServer | kLocation)) == 0) return;
  ProxyConf& p = lv.loc->proxy;
  if (p.next_upstream & kNextOff) p.next_upstream = kNextOff;
  p.redirect_from.clear();
  p.redirect_to.clear();
  if (p.redirect == ProxyConf::Redirect::kOff) return;
  // nginx's merge: no rule given here or above, and this level proxies: the default one.
  if (p.redirect_rules.empty() && p.pass) p.redirect_rules.push_back(default_redirect(p, *lv.loc));
  p.redirect = ProxyConf::Redirect::kDefault;
  for (const ProxyRedirect& r : p.redirect_rules) {
    if (r.is_default) continue;
    p.redirect = ProxyConf::Redirect::kReplace;
    p.redirect_from = (r.regex ? (r.caseless ? "~*" : "~") : "") + r.from;
    p.redirect_to = r.to;
    break;
  }
}

Status Builder::finish_http(const ConfNode& http) {
  // 1. Bind, in source order, as ngx_http_upstream_add(): the first upstream with the same host
  // (case-insensitive) decides. An `upstream` block takes over an implicit one that named it
  // without a port; a port on either side of a named one is an error.
  struct Entry {
    std::string host;
    int port = 0;
    bool no_port = false;
    bool named = false;
    UpstreamConf* conf = nullptr;  // named: the block's; implicit: made in step 2
    const Url* url = nullptr;      // implicit: the first proxy_pass's
    std::string file;
    int line = 0;
  };
  std::vector<Entry> entries;
  std::vector<size_t> ref_entry(pass_refs.size());
  struct Event {
    int seq;
    bool def;
    size_t index;
  };
  auto seq = [&](const ConfNode* n) {
    auto it = order.find(n);
    return it == order.end() ? INT_MAX : it->second;
  };
  std::vector<Event> events;
  for (size_t i = 0; i < upstream_defs.size(); ++i) {
    events.push_back({seq(upstream_defs[i].node), true, i});
  }
  for (size_t i = 0; i < pass_refs.size(); ++i) {
    events.push_back({seq(pass_refs[i].node), false, i});
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.seq < b.seq; });
  for (const Event& ev : events) {
    if (ev.def) {
      UpstreamDef& d = upstream_defs[ev.index];
      bool bound = false;
      for (Entry& e : entries) {
        if (!iequals(e.host, d.conf->name)) continue;
        if (!e.no_port) {
          return fail("upstream \"" + d.conf->name + "\" may not have port " +
                      std::to_string(e.port) + " " + conf_where(e.file, e.line));
        }
        e.named = true;
        e.port = 0;
        e.conf = d.conf.get();
        bound = true;
        break;
      }
      if (!bound) {
        entries.push_back(
            {d.conf->name, 0, true, true, d.conf.get(), nullptr, d.node->file, d.node->line});
      }
      continue;
    }
    const PassRef& r = pass_refs[ev.index];
    size_t found = entries.size();
    for (size_t i = 0; i < entries.size(); ++i) {
      Entry& e = entries[i];
      if (!iequals(e.host, r.url.host)) continue;
      if (e.named && !r.url.no_port) {
        return fail("upstream \"" + r.url.host + "\" may not have port " +
                    std::to_string(r.url.port) + " " + where(*r.node));
      }
      if (e.port != 0 && r.url.port != 0 && e.port != r.url.port) continue;
      found = i;
      break;
    }
    if (found == entries.size()) {
      entries.push_back({r.url.host, r.url.port, r.url.no_port, false, nullptr, &r.url,
                         r.node->file, r.node->line});
    }
    ref_entry[ev.index] = found;
  }

  // 2. ngx_http_upstream_init_round_robin, in creation order: a named upstream needs a
  // non-backup server; an implicit one is resolved now.
  std::vector<std::unique_ptr<UpstreamConf>> implicit;
  for (Entry& e : entries) {
    if (e.named) {
      bool any = std::any_of(e.conf->servers.begin(), e.conf->servers.end(),
                             [](const UpstreamServer& s) { return !s.backup; }) ||
                 std::any_of(e.conf->resolved.begin(), e.conf->resolved.end(),
                             [](const ResolvedName& r) { return !r.proto.backup; });
      if (!any) {
        return fail("no servers in upstream \"" + e.host + "\" " + conf_where(e.file, e.line));
      }
      continue;
    }
    auto servers = url_servers(*e.url, resolve_names);
    if (!servers) {
      return fail(servers.error().message + " in upstream \"" + e.host + "\" " +
                  conf_where(e.file, e.line));
    }
    auto conf = std::make_unique<UpstreamConf>();
    conf->name = e.url->unix_socket ? "unix:" + e.host : e.host + ":" + std::to_string(e.port);
    conf->servers = std::move(*servers);
    conf->implicit = true;
    conf->file = e.file;
    conf->line = e.line;
    e.conf = conf.get();
    implicit.push_back(std::move(conf));
  }
  for (size_t i = 0; i < pass_refs.size(); ++i) {
    pass_refs[i].proxy->upstream = entries[ref_entry[i]].conf;
  }
  auto& list = cfg_->http.upstreams;
  for (UpstreamDef& d : upstream_defs) list.push_back(std::move(d.conf));
  for (auto& c : implicit) list.push_back(std::move(c));
  upstream_defs.clear();
  pass_refs.clear();

  // 3. The proxy module's merge-time checks, reported where nginx's are: at the end of http.
  const std::string at = conf_where(http.file, http.end_line);
  for (const auto& server : cfg_->http.servers) {
    auto st = check_proxy_tree(server->loc, at);
    if (!st) return st;
  }
  return {};
}

Status build_config(WebConfig* config, const std::vector<ConfNode>& g_nodes,
                    const std::vector<ConfNode>& nodes, bool resolve_names) {
  Builder b(config);
  b.resolve_names = resolve_names;
  return b.build(g_nodes, nodes);
}

namespace {

Status check_template_known(const std::string& value, const vars::VarRegistry& known) {
  auto t = vars::Template::compile(value, &known);
  if (!t) return fail(t.error().message);
  return {};
}

Status check_redirects(const LocationConf& loc, const vars::VarRegistry& known) {
  for (const ProxyRedirect& r : loc.proxy.redirect_rules) {
    if (!r.regex) {
      auto st = check_template_known(r.from, known);
      if (!st) return st;
    }
    auto st = check_template_known(r.to, known);
    if (!st) return st;
  }
  for (const auto& child : loc.nested) {
    auto st = check_redirects(*child, known);
    if (!st) return st;
  }
  return {};
}

Status check_set_headers(const LocationConf& loc, const vars::VarRegistry& known) {
  for (const ProxyHeaderConf& h : loc.proxy.set_headers) {
    auto st = check_template_known(h.value, known);
    if (!st) return st;
  }
  for (const auto& child : loc.nested) {
    auto st = check_set_headers(*child, known);
    if (!st) return st;
  }
  return {};
}

}  // namespace

Status check_proxy_variables(const WebConfig& config) {
  // nginx compiles proxy_redirect values as it reads them and proxy_set_header values when it
  // merges a server's levels; an unknown name is reported after all that, with no place.
  auto st = check_redirects(config.http.loc, config.variables);
  if (!st) return st;
  for (const auto& server : config.http.servers) {
    st = check_redirects(server->loc, config.variables);
    if (!st) return st;
  }
  for (const auto& server : config.http.servers) {
    st = check_set_headers(server->loc, config.variables);
    if (!st) return st;
  }
  return {};
}

}  // namespace wc::web::config
