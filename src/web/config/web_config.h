// The configuration `webcycle web` runs with: nginx's directives for a static site, checked and
// merged as nginx does (http -> server -> location -> nested location), so a reader never looks
// at a parent: every LocationConf holds its final values.
//
// Ownership and threads: load_config() builds one WebConfig; after it returns the whole object
// graph is immutable and owned by that unique_ptr (raw pointers inside point into it). Reload
// builds a new one beside the old. Lookups (locations.h, server_names.h, mime_type) are const
// and safe from any thread.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/conf_parser.h"
#include "core/result.h"
#include "web/config/regex.h"
#include "web/vars/template.h"
#include "web/vars/user_vars.h"

namespace wc::web::config {

// The syntax tree comes from core (one nginx-syntax parser for every config webcycle reads).
using core::conf_where;
using core::ConfFile;
using core::ConfNode;
using core::ConfTree;
using core::parse_conf_file;
using core::parse_conf_text;
using core::ParseOptions;

// nginx's levels, most severe first (a log writes messages at `level` or more severe).
enum class LogLevel { kEmerg, kAlert, kCrit, kError, kWarn, kNotice, kInfo, kDebug };
[[nodiscard]] std::string_view log_level_name(LogLevel level);

struct ErrorLogConf {
  std::string path;  // absolute (resolved against the prefix), or "stderr"
  LogLevel level = LogLevel::kError;
};

struct MainConf {
  int worker_processes = 1;              // 0 = auto (one per core)
  std::string pid_path;                  // absolute; default PREFIX/logs/webcycle.pid
  std::vector<ErrorLogConf> error_logs;  // default {PREFIX/logs/error.log, error}
  int worker_connections = 512;
  bool multi_accept = false;
  std::string user;  // `user NAME [GROUP]` as written; only used when run as root
  std::string group;
  int64_t worker_rlimit_nofile = 0;  // 0 = unset
};

struct ListenConf {
  // Normalized as nginx prints it: "0.0.0.0:80", "127.0.0.1:8080", "[::]:80".
  std::string addr_text;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  int family = AF_INET;
  uint16_t port = 0;
  bool wildcard = false;  // 0.0.0.0 or [::]
  bool default_server = false;
  bool reuseport = false;
  bool bind = false;  // `bind` (or implied by reuseport/ipv6only/backlog... as nginx)
  int backlog = 511;  // nginx's NGX_LISTEN_BACKLOG on Linux
  bool ipv6only = true;
  int rcvbuf = -1;  // -1 = not set
  int sndbuf = -1;
  bool deferred = false;  // TCP_DEFER_ACCEPT
  bool ssl = false;       // `ssl`: TLS on this address (OR-ed over every listen of it, as nginx)
  bool http2 = false;     // `http2`: HTTP/2 (prior knowledge on a cleartext listen, ALPN "h2"
                          // with ssl); OR-ed over every listen of the address, as nginx
  // Any socket option given (two servers giving them for one address is an error).
  bool options_set = false;
  std::string file;  // where the `listen` directive is
  int line = 0;
};

struct LogFormat {
  enum class Escape { kDefault, kJson, kNone };
  std::string name;
  std::string format;  // the strings of `log_format` concatenated, variables left as `$name`
  Escape escape = Escape::kDefault;
};

struct AccessLogConf {
  std::string path;                   // absolute, or may contain variables as written
  const LogFormat* format = nullptr;  // never null; points into HttpConf::log_formats
  int64_t buffer_size = 0;            // `buffer=`; 0 = write each line when the request ends
  int64_t flush_ms = 0;               // `flush=`; 0 = none
};

struct ReturnConf {
  int code = 0;      // 0 = no `return`; 444 = close without a response, as nginx
  std::string text;  // body text or redirect URL, variables left as written (may be empty)
};

// A regex's named groups as variables: {index in WebConfig::variables, group number}.
using NamedCaptures = std::vector<std::pair<uint32_t, int>>;

// The condition of `if (...)`, as ngx_http_rewrite_if_condition reads it: `$var` (true unless
// empty or "0"), `$var = TEXT`, `$var != TEXT`, `$var ~ RE` (also ~*, !~, !~*; a match sets the
// captures $1.. and the named ones), or a file test `-f PATH` (-d, -e, -x, and !-f ...).
struct IfCondition {
  enum class Op : uint8_t { kTrue, kEqual, kNotEqual, kMatch, kNotMatch, kFile };
  enum class File : uint8_t { kPlain, kDir, kExists, kExec };
  Op op = Op::kTrue;
  File file = File::kPlain;
  bool negate_file = false;            // !-f ...
  std::string subject;                 // template source: "$var", or the path of a file test
  std::string operand;                 // kEqual / kNotEqual: template source
  std::shared_ptr<const Regex> regex;  // kMatch / kNotMatch
  NamedCaptures named;                 // kMatch: the regex's named groups
};

// One statement of the rewrite module's script of a server or location level, in config order:
// `rewrite REGEX REPLACEMENT [last|break|redirect|permanent]`, `return ...`, `break`,
// `set $var VALUE` and `if (COND) {`; the statements of an if's block follow its kIf step and
// end before `end`.
struct RewriteStep {
  enum class Kind : uint8_t { kRewrite, kReturn, kBreak, kSet, kIf };
  enum class Flag : uint8_t { kNone, kLast, kBreak, kRedirect, kPermanent };
  Kind kind = Kind::kRewrite;
  std::shared_ptr<const Regex> regex;  // kRewrite
  std::string replacement;             // kRewrite: template source
  Flag flag = Flag::kNone;
  bool redirect = false;  // kRewrite: answers with a redirect (flag, or an absolute replacement)
  ReturnConf ret;         // kReturn
  uint32_t var = 0;       // kSet: the variable's index in WebConfig::variables (replacement =
                          // the value's template source)
  IfCondition cond;       // kIf (and kRewrite: cond.named holds the regex's named groups)
  size_t end = 0;         // kIf: index of the first step after the block
  bool in_location = false;  // kIf: a location's if (a match leaves the location's try_files
                             // out, as nginx's "if in location" configuration does)
};


enum class IfModifiedSince { kOff, kExact, kBefore };

struct OpenFileCacheConf {
  bool set = false;  // open_file_cache given here or above (absent: webcycle's default cache,
                     // see docs/NGINX.md)
  int max = 0;       // 0 = off
  int64_t inactive_ms = 60000;
  int64_t valid_ms = 60000;
  int min_uses = 1;
  bool errors = false;
};

// Hash for string-keyed maps looked up by string_view without building a std::string.
// One `server` of an `upstream` block (or the single server of an implicit upstream made from
// `proxy_pass http://HOST:PORT`).
struct UpstreamServer {
  std::string addr_text;  // "127.0.0.1:8000", "[::1]:8000" or "unix:/run/app.sock" ($upstream_addr)
  sockaddr_storage addr{};  // AF_INET, AF_INET6 or AF_UNIX (sockaddr_un)
  socklen_t addr_len = 0;
  int weight = 1;
  int max_fails = 1;                // 0 = never marked failed
  int64_t fail_timeout_ms = 10000;  // how long a failed server is skipped (and the count window)
  bool backup = false;
  bool down = false;
};

// `resolver ADDR[:PORT]... [valid=T] [ipv4=on|off] [ipv6=on|off]` and `resolver_timeout T`, at
// http level or inside an `upstream` block (nginx 1.27.3's places for the names of `resolve`
// servers). Not set anywhere: webcycle asks the nameservers of its resolv.conf
// (WEBCYCLE_RESOLV_CONF, else /etc/resolv.conf) and its hosts file (WEBCYCLE_HOSTS, else
// /etc/hosts), as `webcycle resolve` does; nginx refuses such a config ("no resolver defined").
struct ResolverConf {
  std::vector<std::string> addresses;  // "127.0.0.1:53", "[::1]:5353" (port 53 when not given)
  int64_t valid_ms = 0;                // 0: the answers' TTL decides
  bool ipv4 = true;
  bool ipv6 = true;
  int64_t timeout_ms = 30000;  // resolver_timeout
  bool set = false;            // a `resolver` directive was given at this level
  bool timeout_set = false;    // a `resolver_timeout` directive was given at this level
};

// `server NAME:PORT resolve`: a name the worker re-resolves while running; every address it has
// is a server (copies of `proto` with the address filled in).
struct ResolvedName {
  std::string host;  // as written
  uint16_t port = 80;
  UpstreamServer proto;  // weight, max_fails, fail_timeout, backup (addr_text = "NAME:PORT")
};

// `upstream NAME { ... }`, or an implicit one for `proxy_pass http://HOST:PORT` (name = "HOST:PORT"
// as written; a host name resolving to several addresses gives several servers, as nginx does).
struct UpstreamConf {
  enum class Balance : uint8_t { kRoundRobin, kLeastConn };
  // Implicit: "HOST:PORT" with the port used (80 when none was written), or "unix:PATH".
  std::string name;
  std::vector<UpstreamServer> servers;  // in config order
  std::vector<ResolvedName> resolved;   // `server NAME:PORT resolve`, in config order
  ResolverConf resolver;                // the block's own; unset: http's
  Balance balance = Balance::kRoundRobin;
  int keepalive = 0;                     // idle connections cached per worker; 0 = none
  int64_t keepalive_timeout_ms = 60000;  // `keepalive_timeout` inside upstream
  int64_t keepalive_requests = 1000;     // `keepalive_requests` inside upstream
  bool implicit = false;
  std::string file;  // where the `upstream` block (or the first proxy_pass naming it) is
  int line = 0;
};

// proxy_next_upstream conditions (bit mask).
enum NextUpstream : uint32_t {
  kNextError = 1u << 0,
  kNextTimeout = 1u << 1,
  kNextInvalidHeader = 1u << 2,
  kNextHttp500 = 1u << 3,
  kNextHttp502 = 1u << 4,
  kNextHttp503 = 1u << 5,
  kNextHttp504 = 1u << 6,
  kNextHttp403 = 1u << 7,
  kNextHttp404 = 1u << 8,
  kNextHttp429 = 1u << 9,
  kNextNonIdempotent = 1u << 10,
  kNextOff = 1u << 11,  // `off`: never pass to the next server (set alone: it overrides the rest)
  kNextUpdating = 1u << 12,  // `updating`: accepted as nginx does; only means something with a
                             // cache, which webcycle does not have, so no effect
};

// One `proxy_redirect` rule, in the order nginx tries them (the first that matches rewrites the
// Location / Refresh header).
struct ProxyRedirect {
  std::string from;  // literal prefix (case-sensitive, may hold variables) or, when `regex`, the
                     // regex source without its `~` / `~*` mark
  std::string to;    // replacement, may hold variables (and $1.. after a regex)
  bool regex = false;
  bool caseless = false;                  // `~*`
  bool is_default = false;                // from `proxy_redirect default` or nginx's implicit one
  std::shared_ptr<const Regex> compiled;  // when regex
};

// error_page CODE... [=[RESPONSE]] URI: for an error answer with one of `codes` made in this
// location, the request goes on at URI ("/x?a" an internal redirect as GET, "@name" a named
// location with its method) or is redirected there (anything else: 302, or RESPONSE when it is
// a redirect code). `overwrite`: -1 keeps the error's status, 0 ("=") takes the page's own,
// N (=N) sends N.
struct ErrorPageConf {
  std::vector<int> codes;
  int overwrite = -1;
  std::string uri;  // template source
};

// expires [modified] TIME | @TIME-OF-DAY | epoch | max | off: Expires and Cache-Control on the
// codes add_header lists, as ngx_http_headers_filter sets them.
struct ExpiresConf {
  enum class Kind : uint8_t { kOff, kEpoch, kMax, kAccess, kModified, kDaily };
  Kind kind = Kind::kOff;
  int64_t seconds = 0;  // kAccess/kModified: signed offset; kDaily: seconds past local midnight
};

// allow / deny ADDRESS | CIDR | unix: | all: checked in order, the first that matches decides.
struct AccessRule {
  bool allow = false;
  enum class Kind : uint8_t { kAll, kV4, kV6, kUnix } kind = Kind::kAll;
  std::array<uint8_t, 16> address{};  // network byte order, masked
  std::array<uint8_t, 16> mask{};
};

// add_header NAME VALUE [always]: sent on 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308
// answers, or on every answer with `always`; a value that evaluates empty sends nothing.
struct AddHeaderConf {
  std::string name;
  std::string value;  // template source (may hold variables)
  bool always = false;
};

struct ProxyHeaderConf {
  std::string name;   // as written
  std::string value;  // template source (may hold variables); empty = do not send the header
};

// The proxy module's settings of a location. `pass_*` are the location's own (nginx does not
// inherit proxy_pass into nested locations); the rest merge from the enclosing levels as nginx's
// ngx_http_proxy_merge_loc_conf does.
struct ProxyConf {
  // proxy_pass (this location only).
  bool pass = false;
  std::string pass_text;                   // as written, for messages
  const UpstreamConf* upstream = nullptr;  // named or implicit; never null when pass
  std::string host;                        // $proxy_host: "NAME" or "HOST:PORT" ("HOST" for :80)
  std::string port;                        // $proxy_port
  bool has_uri = false;                    // proxy_pass http://x/URI: the matched prefix is
  std::string uri;                         // replaced by `uri` (may be "/"); else sent as it came
  // Inherited settings.
  std::vector<ProxyHeaderConf> set_headers;  // proxy_set_header; a level that sets any replaces
  bool set_headers_set = false;              // the parent's list (nginx's rule)
  int http_minor = 0;                        // proxy_http_version 1.0 (nginx's default) or 1.1
  int64_t connect_timeout_ms = 60000;
  int64_t read_timeout_ms = 60000;
  int64_t send_timeout_ms = 60000;
  bool buffering = true;          // proxy_buffering
  bool request_buffering = true;  // proxy_request_buffering
  int64_t buffer_size = 4096;     // proxy_buffer_size (the response head must fit)
  int buffers_num = 8;            // proxy_buffers NUM SIZE
  int64_t buffers_size = 4096;
  int64_t max_temp_file_size = 1024LL * 1024 * 1024;  // 0 = never spill to a file
  uint32_t next_upstream = kNextError | kNextTimeout;
  int next_upstream_tries = 0;           // 0 = unlimited
  int64_t next_upstream_timeout_ms = 0;  // 0 = unlimited
  enum class Redirect : uint8_t { kDefault, kOff, kReplace };
  Redirect redirect = Redirect::kDefault;  // proxy_redirect default | off | FROM TO
  std::string redirect_from;               // kReplace
  std::string redirect_to;
  bool pass_request_headers = true;
  bool pass_request_body = true;
  std::vector<std::string> hide_headers;  // proxy_hide_header (lower-case), beyond the defaults
  std::vector<std::string> pass_headers;  // proxy_pass_header (lower-case)
  bool intercept_errors = false;          // proxy_intercept_errors
  // Every proxy_redirect rule that applies here, in order, with `default` already expanded as
  // nginx does (FROM = proxy_pass URL [+ "/"], TO = the location's name or "/"): a runtime can
  // apply these alone. Empty when `redirect` is kOff or there is nothing to rewrite. Inherited as
  // a whole, like nginx's array: a nested location without proxy_redirect keeps its parent's
  // rules, including a default computed from the parent's proxy_pass. `redirect` summarizes:
  // kOff, kReplace (redirect_from/redirect_to = the first FROM TO rule as written, `~` kept), or
  // kDefault (only default rules).
  std::vector<ProxyRedirect> redirect_rules;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Extension -> MIME type, keys lowercase. Shared by the levels that did not set their own `types`.
using TypesMap = StringMap<std::string>;

// `map SOURCE $VAR { ... }` (http level): $VAR is the value of the first entry SOURCE matches,
// as ngx_http_map_module finds it: exact text (compared case-insensitively), with `hostnames` the
// wildcard names (*.example.com, .example.com, www.example.*), then the regexes (~, ~*) in
// order, else `default` (empty if none). Values may hold variables, and a regex's captures.
struct MapConf {
  std::string source;  // template source
  uint32_t var = 0;    // the target's index in WebConfig::variables
  bool hostnames = false;
  bool is_volatile = false;
  std::vector<std::string> values;  // template sources
  StringMap<size_t> exact;          // lowercase key -> index in values
  struct Wildcard {
    std::string key;  // leading: ".example.com" ('.' kept); trailing: "www.example."
    size_t value;
  };
  std::vector<Wildcard> leading;   // longest first
  std::vector<Wildcard> trailing;  // longest first
  struct RegexEntry {
    std::shared_ptr<const Regex> regex;
    size_t value;
    NamedCaptures named;
  };
  std::vector<RegexEntry> regexes;  // config order
  size_t default_value = SIZE_MAX;  // SIZE_MAX: empty
  std::string file;
  int line = 0;
  // Compiled once every variable is declared (load_config), for evaluate_map (map.h).
  vars::Template source_template;
  std::vector<vars::Template> value_templates;
};

// The values a location (or the server or http level) ends up with after merging. Kept apart
// from the tree structure so a level can start as a copy of its parent's values.
struct LocationValues {
  std::string root;  // absolute or with variables; `alias` when root_is_alias
  bool root_is_alias = false;
  std::vector<std::string> index = {"index.html"};
  // Not inherited, as nginx: server-level try_files only serves requests no location matches.
  std::vector<std::string> try_files;  // as written; last may be "=404", "@name" or a URI
  // The `return` to run: the server level's if it has one (it runs before location matching in
  // nginx, so it wins everywhere), else this location's own (not inherited from enclosing ones).
  ReturnConf ret;
  std::string default_type = "text/plain";
  std::shared_ptr<const TypesMap> types;  // never null after load
  bool sendfile = false;
  bool tcp_nopush = false;
  bool tcp_nodelay = true;
  int64_t keepalive_timeout_ms = 75000;
  int64_t keepalive_header_timeout_s = 0;  // 2nd arg of keepalive_timeout ("Keep-Alive: timeout=")
  int64_t keepalive_requests = 1000;
  int64_t keepalive_time_ms = 3600000;
  int64_t client_max_body_size = 1024 * 1024;  // 0 = unlimited
  int64_t client_body_timeout_ms = 60000;
  int64_t client_body_buffer_size = 8 * 1024;  // nginx: two pages
  int64_t send_timeout_ms = 60000;
  std::vector<AccessLogConf> access_logs;  // empty = `access_log off`
  std::vector<ErrorLogConf> error_logs;    // empty = the main level's
  bool server_tokens = true;
  bool etag = true;
  IfModifiedSince if_modified_since = IfModifiedSince::kExact;
  bool log_not_found = true;
  bool absolute_redirect = true;
  bool port_in_redirect = true;
  bool server_name_in_redirect = false;
  OpenFileCacheConf open_file_cache;
  // add_header, error_page: a level that has any replaces the enclosing level's list (nginx).
  std::vector<AddHeaderConf> add_headers;
  std::vector<ErrorPageConf> error_pages;
  ExpiresConf expires;
  // auth_basic REALM | off, auth_basic_user_file FILE (relative: against the config's folder).
  std::string auth_basic_realm;  // empty = off
  std::string auth_basic_user_file;
  // charset NAME | off: "; charset=NAME" on the Content-Type of charset_types (text/html always).
  std::string charset;
  std::vector<std::string> charset_types = {
      "text/html",          "text/xml", "text/plain", "text/vnd.wap.wml", "application/javascript",
      "application/rss+xml"};
  uint8_t gzip_static = 0;  // 0 off, 1 on (clients that accept gzip), 2 always
  bool gzip_vary = false;
  bool autoindex = false;
  bool autoindex_exact_size = true;
  bool autoindex_localtime = false;
  uint8_t autoindex_format = 0;          // static_files::AutoindexFormat: html, json, jsonp, xml
  std::vector<AccessRule> access_rules;  // allow/deny, replaced as a whole by a level's own
  ProxyConf proxy;
};

struct LocationConf : LocationValues {
  enum class Kind {
    kServer,         // the server level itself (requests that match no location use it)
    kExact,          // location = /x
    kPrefix,         // location /x
    kPrefixNoRegex,  // location ^~ /x
    kRegex,          // location ~ re
    kRegexCaseless,  // location ~* re
    kNamed,          // location @name
  };
  Kind kind = Kind::kServer;
  std::string pattern;                   // as written ("/x", the regex, "@name"); empty for kServer
  std::shared_ptr<const Regex> regex;    // kRegex / kRegexCaseless
  NamedCaptures named_captures;          // the regex's named groups, set as variables on a match
  const LocationConf* parent = nullptr;  // enclosing location, or the server level; null there
  bool internal = false;
  std::string file;
  int line = 0;
  // The level's rewrite-module statements (rewrite, return, break) in order; not inherited. When
  // any is a rewrite or a break (`has_rewrite`), the router runs them in order; otherwise `ret`
  // (the first return) is all there is.
  std::vector<RewriteStep> script;
  bool has_rewrite = false;
  // limit_except METHOD... { }: for a method not listed, the access settings (allow/deny,
  // auth_basic) of `limit_except` apply instead of this location's.
  std::unique_ptr<LocationConf> limit_except;
  std::vector<std::string> limit_except_methods;

  // Nested locations in config order (owned). Lookup uses the indexes below.
  std::vector<std::unique_ptr<LocationConf>> nested;
  std::vector<const LocationConf*> exact_locations;   // `=`, any order
  std::vector<const LocationConf*> prefix_locations;  // prefix and ^~, longest pattern first
  std::vector<const LocationConf*> regex_locations;   // ~ and ~*, config order
};

struct ServerName {
  enum class Kind { kExact, kLeadingWildcard, kTrailingWildcard, kRegex };
  Kind kind = Kind::kExact;
  // Lowercase as written: "example.com", "*.example.com", ".example.com", "www.example.*",
  // "~re" (a regex keeps its case).
  std::string name;
  // What is compared: the exact name; leading: "example.com"; trailing: "www.example.".
  std::string key;
  bool matches_bare = false;  // ".example.com" also matches "example.com"
  std::shared_ptr<const Regex> regex;
  NamedCaptures named_captures;  // kRegex: its named groups, set as variables for the request
};

// Values nginx keeps per server (set in http or server).
// The ssl_* directives (http or server level; a server starts from the http level's).
struct SslConf {
  std::vector<std::string> certificates;  // ssl_certificate, absolute paths, in order
  std::vector<std::string> keys;          // ssl_certificate_key, one per certificate
  unsigned protocols = (1u << 4) | (1u << 5);  // tls::Protocol bits: TLSv1.2 TLSv1.3
  std::string ciphers = "HIGH:!aNULL:!MD5";
  bool prefer_server_ciphers = false;
  // ssl_session_cache: off | none (default) | builtin[:SIZE] and/or shared:NAME:SIZE. webcycle
  // keeps sessions in each worker's OpenSSL cache (shared: SIZE / 256 sessions per worker, as
  // nginx counts ~4000 a megabyte); tickets, whose keys every worker shares, resume across them.
  enum class Cache : uint8_t { kOff, kNone, kBuiltin } cache = Cache::kNone;
  int64_t cache_sessions = 20480;
  int64_t session_timeout_ms = 300000;
  bool session_tickets = true;
};

struct ServerValues {
  int64_t client_header_timeout_ms = 60000;
  int64_t client_header_buffer_size = 1024;
  int large_client_header_buffers_num = 4;
  int64_t large_client_header_buffers_size = 8 * 1024;
  bool ignore_invalid_headers = true;
  bool underscores_in_headers = false;
  bool merge_slashes = true;
  SslConf ssl;
  // HTTP/2 (nginx 1.22's ngx_http_v2_module; the default server's values govern a connection).
  int64_t http2_max_concurrent_streams = 128;
  int64_t http2_idle_timeout_ms = 180000;  // no stream open and nothing to send: GOAWAY, close
  int64_t http2_recv_timeout_ms = 30000;   // a frame begun and not finished
  int64_t http2_chunk_size = 8192;         // the largest DATA frame payload sent
  int64_t http2_recv_buffer_size = 262144;  // bytes read from the socket at once
};

struct ServerConf : ServerValues {
  // Never empty after load (default *:80 as root, *:8000 otherwise, as nginx).
  std::vector<ListenConf> listens;
  std::vector<ServerName> names;  // default: one exact "" (matches requests without Host)
  std::string file;
  int line = 0;

  // The server level, also the root of the location tree. find_location() returns it when no
  // location matches. Its pattern is empty and kind kServer.
  LocationConf loc;
  StringMap<const LocationConf*> named_locations;  // key "@name"

  // $server_name: the first name as written ("" when none).
  const std::string& primary_name() const;
};

// The servers that share one address:port, and how to pick among them by Host.
struct ListenGroup {
  ListenConf listen;  // options merged from every `listen` of this address:port
  std::vector<const ServerConf*> servers;      // in config order
  const ServerConf* default_server = nullptr;  // `default_server` one, else the first
  // false: a wildcard group on the same port binds the socket; accept there and pick this group
  // with find_listen_group() by the connection's local address (as nginx does without `bind`).
  bool bind = true;

  // Indexes for select_server (server_names.h), built at load.
  StringMap<const ServerConf*> exact_names;
  std::vector<std::pair<const ServerName*, const ServerConf*>> leading_wildcards;   // longest first
  std::vector<std::pair<const ServerName*, const ServerConf*>> trailing_wildcards;  // longest first
  std::vector<std::pair<const ServerName*, const ServerConf*>> regex_names;         // config order
};

struct HttpConf {
  bool present = false;                                  // an `http {}` block was given
  std::vector<std::unique_ptr<LogFormat>> log_formats;   // "combined" first, predefined
  std::vector<std::unique_ptr<ServerConf>> servers;      // config order
  std::vector<std::unique_ptr<UpstreamConf>> upstreams;  // named ones in config order, then the
                                                         // implicit ones proxy_pass made
  std::vector<std::unique_ptr<MapConf>> maps;             // config order
  ResolverConf resolver;                                 // http-level `resolver`
  // http-level values (types, default_type, ...), the parent of every server's `loc`.
  LocationConf loc;
  ServerValues srv;  // http-level server values, the parent of every server's

  const LogFormat* find_log_format(std::string_view name) const;
};

struct WebConfig {
  MainConf main;
  HttpConf http;
  std::vector<ListenGroup> listen_groups;  // unique address:port list, config order of first use
  std::string conf_file;                   // absolute path of the main file
  std::string conf_dir;                    // its directory, ending with '/'
  std::string prefix;                      // ends with '/'
  std::vector<ConfFile> files;             // every file read, for -T
  std::vector<std::string> warnings;       // nginx's [warn] messages, with "in F:L"
  // The variables the configuration declares (set, map, named captures); their per-request
  // values live in a vars::UserVars. Empty for a configuration that declares none.
  vars::VarRegistry variables;
  // Some server_name is a regex with captures: the router keeps them for the request.
  bool server_name_captures = false;
};

struct LoadOptions {
  std::string conf_file;     // -c (relative: against the current directory)
  std::string prefix;        // -p; "" = the conf file's parent's parent, as nginx's default layout
  std::string g_directives;  // -g text, main context, applied after the file
  std::string share_dir;     // installed share/webcycle: fallback for relative plain includes
  // When set, parse this text instead of reading conf_file (conf_file still names it).
  const std::string* text = nullptr;
  // false: `include` is refused (fuzzing, text from an untrusted source). Such text also never
  // makes the loader ask the resolver: upstream host names other than "localhost" are then
  // "host not found" (see resolve_names).
  bool allow_include = true;
  // false: upstream and proxy_pass host names are not looked up with getaddrinfo(); numeric
  // addresses and "localhost" (127.0.0.1) still work.
  bool resolve_names = true;
};

// Reads, checks and merges the configuration. One error, nginx's message with "in F:L" (or
// "in command line"), e.g.: unknown directive "foo" in /x/site.conf:3;
// "root" directive is not allowed here in F:L; invalid number of arguments in "listen" directive
// in F:L; "worker_processes" directive is duplicate in F:L; "proxy_cache" directive is not
// supported yet in F:L; duplicate location "/x" in F:L; a duplicate default server for
// 0.0.0.0:80 in F:L; open() "/x" failed (2: No such file or directory).
[[nodiscard]] Result<std::unique_ptr<WebConfig>> load_config(const LoadOptions& options);
[[nodiscard]] Result<std::unique_ptr<WebConfig>> load_config(const std::string& conf_file,
                                                             const std::string& prefix,
                                                             std::string_view g_directives = {});

// For -T: every file read, as nginx prints it ("# configuration file PATH:\n" TEXT "\n").
[[nodiscard]] std::string dump_config(const WebConfig& config);

// MIME type for a path by its extension (after the last '.' of the last segment), matched
// case-insensitively like nginx; falls back to the location's default_type. No allocation.
[[nodiscard]] std::string_view mime_type(const LocationConf& loc, std::string_view path);

}  // namespace wc::web::config
