#include "app/options/app_options.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "app/log/access_format.h"

namespace wc::app {

namespace {

// ---------------------------------------------------------------------------------------------
// Text helpers

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Python's str.strip() (ASCII whitespace).
std::string_view strip(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// `s` with its control characters written as Python's repr() writes them ("\n", "\x00"), so
// that an error quoting a value stays one line.
std::string one_line(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(ch);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string quoted(std::string_view s) { return "'" + one_line(s) + "'"; }

// Python's repr() of a str, for print_config's lists.
std::string py_repr(std::string_view s) {
  const bool single = s.find('\'') != std::string_view::npos;
  const bool dbl = s.find('"') != std::string_view::npos;
  const char q = single && !dbl ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\' || c == q) {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
  out.push_back(q);
  return out;
}

std::string py_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += py_repr(items[i]);
  }
  return out + "]";
}

// Python's int(text) (base 10) or int(text, 0): surrounding whitespace, a sign, '_' between
// digits; base 0 also takes 0x/0o/0b prefixes and refuses other leading zeros. nullopt when
// Python would raise; `overflow` when the value does not fit in 64 bits.
std::optional<long long> py_int(std::string_view text, bool base0, bool& overflow) {
  overflow = false;
  std::string_view s = strip(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  bool prefixed = false;
  if (base0 && s.size() >= 2 && s[0] == '0') {
    const char p = lower(s[1]);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      s.remove_prefix(2);
      prefixed = true;
    }
  }
  if (s.empty()) return std::nullopt;
  unsigned long long value = 0;
  bool all_zero = true;
  bool last_digit = prefixed;  // after a base prefix one '_' may follow directly
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (!last_digit || i + 1 == s.size()) return std::nullopt;
      last_digit = false;
      continue;
    }
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (lower(c) >= 'a' && lower(c) <= 'f') {
      d = lower(c) - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base) return std::nullopt;
    if (d != 0) all_zero = false;
    if (value > (ULLONG_MAX - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) {
      overflow = true;
    } else {
      value = value * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    }
    last_digit = true;
  }
  // int("010", 0) raises; int("00", 0) is 0.
  if (base0 && !prefixed && s.size() > 1 && s[0] == '0' && !all_zero) return std::nullopt;
  if (overflow || value > static_cast<unsigned long long>(LLONG_MAX)) {
    overflow = true;
    return negative ? LLONG_MIN : LLONG_MAX;
  }
  const auto v = static_cast<long long>(value);
  return negative ? -v : v;
}

// ---------------------------------------------------------------------------------------------
// The settings webcycle implements

enum class Type : unsigned char { kInt, kString, kBool, kAppend };

enum class Id : unsigned char {
  kConfig,
  kBind,
  kBacklog,
  kWorkers,
  kMaxRequests,
  kMaxRequestsJitter,
  kTimeout,
  kGracefulTimeout,
  kKeepalive,
  kLimitRequestLine,
  kLimitRequestFields,
  kLimitRequestFieldSize,
  kCheckConfig,
  kPrintConfig,
  kAccesslog,
  kAccessLogFormat,
  kErrorlog,
  kLoglevel,
  kProcName,
  kPreloadApp,
  kReusePort,
  kChdir,
  kRawEnv,
  kPidfile,
  kForwardedAllowIps,
  kPythonpath,
  kWsgiApp,
};

struct Spec {
  Id id;
  const char* name;     // gunicorn's setting name
  char short_flag;      // 0: none
  const char* flag;     // long flag ("" for config-only settings)
  const char* flag2;    // alias or nullptr
  Type type;
  const char* metavar;
  const char* help;
  const char* default_text;  // shown in the usage
};

// In gunicorn's --help order.
constexpr Spec kSpecs[] = {
    {Id::kConfig, "config", 'c', "--config", nullptr, Type::kString, "CONFIG",
     "A Python file of gunicorn settings.", "./gunicorn.conf.py, if it exists"},
    {Id::kBind, "bind", 'b', "--bind", nullptr, Type::kAppend, "ADDRESS",
     "The socket to bind: HOST, HOST:PORT, [IPV6]:PORT or unix:PATH; repeatable.",
     "127.0.0.1:8000; 0.0.0.0:$PORT if PORT is set"},
    {Id::kBacklog, "backlog", 0, "--backlog", nullptr, Type::kInt, "INT",
     "The maximum number of pending connections.", "2048"},
    {Id::kWorkers, "workers", 'w', "--workers", nullptr, Type::kInt, "INT",
     "The number of worker processes for handling requests.", "1, or $WEB_CONCURRENCY"},
    {Id::kMaxRequests, "max_requests", 0, "--max-requests", nullptr, Type::kInt, "INT",
     "The maximum number of requests a worker will process before restarting (0: no limit).",
     "0"},
    {Id::kMaxRequestsJitter, "max_requests_jitter", 0, "--max-requests-jitter", nullptr,
     Type::kInt, "INT", "The maximum jitter to add to the max_requests setting.", "0"},
    {Id::kTimeout, "timeout", 't', "--timeout", nullptr, Type::kInt, "INT",
     "Workers silent for more than this many seconds are killed and restarted (0: never).",
     "30"},
    {Id::kGracefulTimeout, "graceful_timeout", 0, "--graceful-timeout", nullptr, Type::kInt,
     "INT", "Timeout for graceful workers restart.", "30"},
    {Id::kKeepalive, "keepalive", 0, "--keep-alive", nullptr, Type::kInt, "INT",
     "The number of seconds to wait for requests on a Keep-Alive connection.", "2"},
    {Id::kLimitRequestLine, "limit_request_line", 0, "--limit-request-line", nullptr, Type::kInt,
     "INT", "The maximum size of HTTP request line in bytes (0: 8190).", "4094"},
    {Id::kLimitRequestFields, "limit_request_fields", 0, "--limit-request-fields", nullptr,
     Type::kInt, "INT", "Limit the number of HTTP headers fields in a request (at most 32768).",
     "100"},
    {Id::kLimitRequestFieldSize, "limit_request_field_size", 0, "--limit-request-field_size",
     nullptr, Type::kInt, "INT",
     "Limit the allowed size of an HTTP request header field (0: unlimited).", "8190"},
    {Id::kCheckConfig, "check_config", 0, "--check-config", nullptr, Type::kBool, nullptr,
     "Check the configuration (load the application) and exit.", "False"},
    {Id::kPrintConfig, "print_config", 0, "--print-config", nullptr, Type::kBool, nullptr,
     "Print the configuration settings as fully resolved. Implies --check-config.", "False"},
    {Id::kAccesslog, "accesslog", 0, "--access-logfile", nullptr, Type::kString, "FILE",
     "The Access log file to write to; '-' means stdout.", "None"},
    {Id::kAccessLogFormat, "access_log_format", 0, "--access-logformat", nullptr, Type::kString,
     "STRING", "The access log format (gunicorn's atoms: h l u t r m U q H s B b f a T M D L p "
               "{header}i {header}o {variable}e).",
     R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")"},
    {Id::kErrorlog, "errorlog", 0, "--error-logfile", "--log-file", Type::kString, "FILE",
     "The Error log file to write to; '-' means stderr.", "-"},
    {Id::kLoglevel, "loglevel", 0, "--log-level", nullptr, Type::kString, "LEVEL",
     "The granularity of Error log outputs: debug, info, warning, error, critical.", "info"},
    {Id::kProcName, "proc_name", 'n', "--name", nullptr, Type::kString, "STRING",
     "A base to use for process naming.", "None"},
    {Id::kPreloadApp, "preload_app", 0, "--preload", nullptr, Type::kBool, nullptr,
     "Load application code before the worker processes are forked.", "False"},
    {Id::kReusePort, "reuse_port", 0, "--reuse-port", nullptr, Type::kBool, nullptr,
     "Set the SO_REUSEPORT flag on the listening socket.", "False"},
    {Id::kChdir, "chdir", 0, "--chdir", nullptr, Type::kString, "CHDIR",
     "Change directory to specified directory before loading apps.", "the current directory"},
    {Id::kRawEnv, "raw_env", 'e', "--env", nullptr, Type::kAppend, "ENV",
     "Set environment variables in the execution environment: KEY=VALUE; repeatable.", "[]"},
    {Id::kPidfile, "pidfile", 'p', "--pid", nullptr, Type::kString, "FILE",
     "A filename to use for the PID file.", "None"},
    {Id::kForwardedAllowIps, "forwarded_allow_ips", 0, "--forwarded-allow-ips", nullptr,
     Type::kString, "STRING",
     "Front-end's IPs from which allowed to handle set secure headers: a,b or '*'.",
     "127.0.0.1, or $FORWARDED_ALLOW_IPS"},
    {Id::kPythonpath, "pythonpath", 0, "--pythonpath", nullptr, Type::kString, "PYTHONPATH",
     "A comma-separated list of directories to add to the Python path.", "None"},
    {Id::kWsgiApp, "wsgi_app", 0, "", nullptr, Type::kString, nullptr,
     "A WSGI application path in pattern MODULE:CALLABLE (config file only).", "None"},
};

const Spec* spec_by_name(std::string_view name) {
  for (const Spec& s : kSpecs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// gunicorn 20.1's settings webcycle does not implement: name, flags, and the value
// --print-config shows (gunicorn's default). Server hooks are listed apart.
struct Unsupported {
  const char* name;
  char short_flag;
  const char* flag;   // nullptr: config file only
  const char* flag2;
  bool takes_value;
  const char* default_text;
};

constexpr Unsupported kUnsupported[] = {
    {"reload", 0, "--reload", nullptr, false, "False"},
    {"reload_engine", 0, "--reload-engine", nullptr, true, "auto"},
    {"reload_extra_files", 0, "--reload-extra-file", nullptr, true, "[]"},
    {"spew", 0, "--spew", nullptr, false, "False"},
    {"disable_redirect_access_to_syslog", 0, "--disable-redirect-access-to-syslog", nullptr, false,
     "False"},
    {"capture_output", 0, "--capture-output", nullptr, false, "False"},
    {"logger_class", 0, "--logger-class", nullptr, true, "gunicorn.glogging.Logger"},
    {"logconfig", 0, "--log-config", nullptr, true, "None"},
    {"logconfig_dict", 0, nullptr, nullptr, true, "{}"},
    {"syslog_addr", 0, "--log-syslog-to", nullptr, true, "udp://localhost:514"},
    {"syslog", 0, "--log-syslog", nullptr, false, "False"},
    {"syslog_prefix", 0, "--log-syslog-prefix", nullptr, true, "None"},
    {"syslog_facility", 0, "--log-syslog-facility", nullptr, true, "user"},
    {"enable_stdio_inheritance", 'R', "--enable-stdio-inheritance", nullptr, false, "False"},
    {"statsd_host", 0, "--statsd-host", nullptr, true, "None"},
    {"dogstatsd_tags", 0, "--dogstatsd-tags", nullptr, true, ""},
    {"statsd_prefix", 0, "--statsd-prefix", nullptr, true, ""},
    {"default_proc_name", 0, nullptr, nullptr, true, "gunicorn"},
    {"keyfile", 0, "--keyfile", nullptr, true, "None"},
    {"certfile", 0, "--certfile", nullptr, true, "None"},
    {"ssl_version", 0, "--ssl-version", nullptr, true, "2"},
    {"cert_reqs", 0, "--cert-reqs", nullptr, true, "0"},
    {"ca_certs", 0, "--ca-certs", nullptr, true, "None"},
    {"suppress_ragged_eofs", 0, "--suppress-ragged-eofs", nullptr, false, "True"},
    {"do_handshake_on_connect", 0, "--do-handshake-on-connect", nullptr, false, "False"},
    {"ciphers", 0, "--ciphers", nullptr, true, "None"},
    {"sendfile", 0, "--no-sendfile", nullptr, false, "None"},
    {"daemon", 'D', "--daemon", nullptr, false, "False"},
    {"worker_tmp_dir", 0, "--worker-tmp-dir", nullptr, true, "None"},
    {"user", 'u', "--user", nullptr, true, "<euid>"},
    {"group", 'g', "--group", nullptr, true, "<egid>"},
    {"umask", 'm', "--umask", nullptr, true, "0"},
    {"initgroups", 0, "--initgroups", nullptr, false, "False"},
    {"tmp_upload_dir", 0, nullptr, nullptr, true, "None"},
    {"secure_scheme_headers", 0, nullptr, nullptr, true,
     "{'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}"},
    {"paste", 0, "--paste", "--paster", true, "None"},
    {"proxy_protocol", 0, "--proxy-protocol", nullptr, false, "False"},
    {"proxy_allow_ips", 0, "--proxy-allow-from", nullptr, true, "['127.0.0.1']"},
    {"raw_paste_global_conf", 0, "--paste-global", nullptr, true, "[]"},
    {"strip_header_spaces", 0, "--strip-header-spaces", nullptr, false, "False"},
    {"tolerate_dangerous_framing", 0, "--tolerate-dangerous-framing", nullptr, false, "False"},
    {"worker_class", 'k', "--worker-class", nullptr, true, "sync"},
    {"threads", 0, "--threads", nullptr, true, "1"},
    {"worker_connections", 0, "--worker-connections", nullptr, true, "1000"},
};

struct Hook {
  const char* name;
  const char* print_text;
};

constexpr Hook kHooks[] = {
    {"on_starting", "<OnStarting.on_starting()>"},
    {"on_reload", "<OnReload.on_reload()>"},
    {"when_ready", "<WhenReady.when_ready()>"},
    {"pre_fork", "<Prefork.pre_fork()>"},
    {"post_fork", "<Postfork.post_fork()>"},
    {"post_worker_init", "<PostWorkerInit.post_worker_init()>"},
    {"worker_int", "<WorkerInt.worker_int()>"},
    {"worker_abort", "<WorkerAbort.worker_abort()>"},
    {"pre_exec", "<PreExec.pre_exec()>"},
    {"pre_request", "<PreRequest.pre_request()>"},
    {"post_request", "<PostRequest.post_request()>"},
    {"child_exit", "<ChildExit.child_exit()>"},
    {"worker_exit", "<WorkerExit.worker_exit()>"},
    {"nworkers_changed", "<NumWorkersChanged.nworkers_changed()>"},
    {"on_exit", "<OnExit.on_exit()>"},
};

// ---------------------------------------------------------------------------------------------
// Setting values (shared by the command line, GUNICORN_CMD_ARGS, the environment and the config
// file). Each returns the reason a value is refused, without the setting's name.

constexpr unsigned kMaxRequestLine = 8190;  // gunicorn's MAX_REQUEST_LINE
constexpr unsigned kMaxHeaders = 32768;     // gunicorn's MAX_HEADERS

Status set_int(Id id, long long v, AppOptions& o) {
  const unsigned min = id == Id::kWorkers ? 1 : 0;
  if (v < static_cast<long long>(min)) {
    return fail(min == 1 ? "expected a positive integer" : "expected a non-negative integer");
  }
  if (v > static_cast<long long>(UINT_MAX)) {
    return fail("expected an integer up to " + std::to_string(UINT_MAX));
  }
  auto u = static_cast<unsigned>(v);
  switch (id) {
    case Id::kBacklog: o.backlog = u; break;
    case Id::kWorkers: o.workers = u; break;
    case Id::kMaxRequests: o.max_requests = u; break;
    case Id::kMaxRequestsJitter: o.max_requests_jitter = u; break;
    case Id::kTimeout: o.timeout = u; break;
    case Id::kGracefulTimeout: o.graceful_timeout = u; break;
    case Id::kKeepalive: o.keep_alive = u; break;
    // gunicorn's http/message.py: >= MAX_REQUEST_LINE is MAX_REQUEST_LINE, 0 stays "unlimited".
    case Id::kLimitRequestLine: o.limit_request_line = u >= kMaxRequestLine ? kMaxRequestLine : u; break;
    // <= 0 or > MAX_HEADERS is MAX_HEADERS.
    case Id::kLimitRequestFields: o.limit_request_fields = u == 0 || u > kMaxHeaders ? kMaxHeaders : u; break;
    case Id::kLimitRequestFieldSize: o.limit_request_field_size = u; break;
    default: break;
  }
  return {};
}

Status set_int_text(Id id, std::string_view text, bool base0, AppOptions& o) {
  bool overflow = false;
  const auto v = py_int(text, base0, overflow);
  if (!v) return fail(id == Id::kWorkers ? "expected a positive integer" : "expected a non-negative integer");
  return set_int(id, *v, o);
}

Status set_bool(Id id, bool v, AppOptions& o) {
  switch (id) {
    case Id::kCheckConfig: o.check_config = v; break;
    case Id::kPrintConfig: o.print_config = v; break;
    case Id::kPreloadApp: o.preload = v; break;
    case Id::kReusePort: o.reuse_port = v; break;
    default: break;
  }
  return {};
}

// The reason parse_bind refuses `text`, or the address.
Result<BindAddress> bind_address(std::string_view given) {
  const std::string_view text = strip(given);
  BindAddress b;
  b.text = std::string(text);
  if (text.starts_with("unix:")) {
    // re.split(r'unix:(//)?', netloc)[-1]: what follows the last "unix:" (and "//").
    std::string_view path = text.substr(text.rfind("unix:") + 5);
    if (path.starts_with("//")) path.remove_prefix(2);
    if (path.empty()) return fail("empty unix socket path");
    b.is_unix = true;
    b.path = std::string(path);
    b.port = 0;
    return b;
  }
  if (text.starts_with("fd://")) return fail("fd://FD is not supported by webcycle app");
  std::string_view netloc = text;
  if (netloc.starts_with("tcp://")) {
    // netloc.split("tcp://")[1]
    netloc.remove_prefix(6);
    if (const size_t again = netloc.find("tcp://"); again != std::string_view::npos) {
      netloc = netloc.substr(0, again);
    }
  }
  std::string_view host = netloc, port = "8000";
  bool bracketed = false;
  if (netloc.find('[') != std::string_view::npos && netloc.find(']') != std::string_view::npos) {
    // host = netloc.split(']')[0][1:]; port = (netloc.split(']:') + ['8000'])[1]
    const std::string_view before = netloc.substr(0, netloc.find(']'));
    host = before.empty() ? before : before.substr(1);
    const size_t colon = netloc.find("]:");
    if (colon != std::string_view::npos) {
      port = netloc.substr(colon + 2);
      if (const size_t next = port.find("]:"); next != std::string_view::npos) port = port.substr(0, next);
    }
    bracketed = true;
  } else if (netloc.find(':') != std::string_view::npos) {
    // host, port = (netloc.split(':') + ['8000'])[:2]
    const size_t colon = netloc.find(':');
    host = netloc.substr(0, colon);
    port = netloc.substr(colon + 1);
    if (const size_t next = port.find(':'); next != std::string_view::npos) port = port.substr(0, next);
  } else if (netloc.empty()) {
    host = "0.0.0.0";
  }
  bool overflow = false;
  const auto p = py_int(port, false, overflow);
  if (!p) return fail(quoted(port) + " is not a valid port number");
  if (*p < 0 || *p > 65535) return fail("port " + std::string(strip(port)) + " is out of range (0-65535)");
  b.port = static_cast<uint16_t>(*p);
  b.host = lowered(host);
  if (b.host.empty()) b.host = "0.0.0.0";  // gunicorn binds ('', port): every IPv4 address
  unsigned char buf[16];
  if (bracketed || b.host.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, b.host.c_str(), buf) != 1) return fail("invalid IPv6 address " + quoted(b.host));
    return b;
  }
  if (inet_pton(AF_INET, b.host.c_str(), buf) == 1) return b;
  // A host name: letters, digits, '-', '_' and dots.
  for (char c : b.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return fail("invalid host " + quoted(b.host));
  }
  return b;
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  text = strip(text);
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = strip(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Result<std::pair<std::string, std::string>> env_pair(std::string_view text) {
  const std::string_view s = strip(text);
  const size_t eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0) return fail("expected KEY=VALUE");
  return std::pair<std::string, std::string>(std::string(s.substr(0, eq)), std::string(s.substr(eq + 1)));
}

// One string value for a kString setting.
Status set_string(Id id, std::string_view given, AppOptions& o) {
  const std::string_view v = strip(given);
  switch (id) {
    case Id::kConfig:
      if (v.starts_with("python:")) return fail("python:MODULE is not supported by webcycle app");
      o.config_file = std::string(v.starts_with("file:") ? v.substr(5) : v);
      break;
    case Id::kAccesslog: o.access_logfile = std::string(v); break;
    case Id::kAccessLogFormat: {
      auto f = AccessFormat::compile(v);
      if (!f) return fail(f.error().message);
      o.access_log_format = std::string(v);
      break;
    }
    case Id::kErrorlog: o.error_logfile = std::string(v); break;
    case Id::kLoglevel: {
      auto level = parse_app_log_level(v);
      if (!level) return fail("expected debug, info, warning, error or critical");
      o.log_level = *level;
      break;
    }
    case Id::kProcName: o.proc_name = std::string(v); break;
    case Id::kChdir:
      if (v.empty()) return fail("expected a directory");
      o.chdir = std::string(v);
      break;
    case Id::kPidfile: o.pidfile = std::string(v); break;
    case Id::kForwardedAllowIps: o.forwarded_allow_ips = split_commas(v); break;
    case Id::kPythonpath: o.pythonpath = split_commas(v); break;
    case Id::kWsgiApp:
      o.app_spec = std::string(v);
      o.app_spec_from_config = true;
      break;
    default: break;
  }
  return {};
}

// A list setting (bind, raw_env) from a list of strings: replaces the whole list.
Status set_list(Id id, const std::vector<std::string>& items, AppOptions& o) {
  if (id == Id::kBind) {
    std::vector<BindAddress> binds;
    for (const std::string& item : items) {
      auto b = bind_address(item);
      if (!b) return fail(quoted(strip(item)) + ": " + b.error().message);
      binds.push_back(std::move(*b));
    }
    o.binds = std::move(binds);
  } else {
    std::vector<std::pair<std::string, std::string>> env;
    for (const std::string& item : items) {
      auto kv = env_pair(item);
      if (!kv) return fail(quoted(strip(item)) + ": " + kv.error().message);
      env.push_back(std::move(*kv));
    }
    o.env = std::move(env);
  }
  return {};
}

// Copies one setting's value between option sets (GUNICORN_CMD_ARGS under argv).
void copy_setting(Id id, const AppOptions& from, AppOptions& to) {
  switch (id) {
    case Id::kConfig: to.config_file = from.config_file; break;
    case Id::kBind: to.binds = from.binds; break;
    case Id::kBacklog: to.backlog = from.backlog; break;
    case Id::kWorkers: to.workers = from.workers; break;
    case Id::kMaxRequests: to.max_requests = from.max_requests; break;
    case Id::kMaxRequestsJitter: to.max_requests_jitter = from.max_requests_jitter; break;
    case Id::kTimeout: to.timeout = from.timeout; break;
    case Id::kGracefulTimeout: to.graceful_timeout = from.graceful_timeout; break;
    case Id::kKeepalive: to.keep_alive = from.keep_alive; break;
    case Id::kLimitRequestLine: to.limit_request_line = from.limit_request_line; break;
    case Id::kLimitRequestFields: to.limit_request_fields = from.limit_request_fields; break;
    case Id::kLimitRequestFieldSize: to.limit_request_field_size = from.limit_request_field_size; break;
    case Id::kCheckConfig: to.check_config = from.check_config; break;
    case Id::kPrintConfig: to.print_config = from.print_config; break;
    case Id::kAccesslog: to.access_logfile = from.access_logfile; break;
    case Id::kAccessLogFormat: to.access_log_format = from.access_log_format; break;
    case Id::kErrorlog: to.error_logfile = from.error_logfile; break;
    case Id::kLoglevel: to.log_level = from.log_level; break;
    case Id::kProcName: to.proc_name = from.proc_name; break;
    case Id::kPreloadApp: to.preload = from.preload; break;
    case Id::kReusePort: to.reuse_port = from.reuse_port; break;
    case Id::kChdir: to.chdir = from.chdir; break;
    case Id::kRawEnv: to.env = from.env; break;
    case Id::kPidfile: to.pidfile = from.pidfile; break;
    case Id::kForwardedAllowIps: to.forwarded_allow_ips = from.forwarded_allow_ips; break;
    case Id::kPythonpath: to.pythonpath = from.pythonpath; break;
    case Id::kWsgiApp:
      to.app_spec = from.app_spec;
      to.app_spec_from_config = from.app_spec_from_config;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// The command line

// Every long flag argparse knows (for prefix matching): supported, unsupported, help, version.
struct LongFlag {
  std::string_view flag;
  const Spec* spec;                // supported
  const Unsupported* unsupported;  // refused
  char special;                    // 'h' help, 'v' version
};

std::vector<LongFlag> long_flags() {
  std::vector<LongFlag> out;
  out.push_back({"--help", nullptr, nullptr, 'h'});
  out.push_back({"--version", nullptr, nullptr, 'v'});
  for (const Spec& s : kSpecs) {
    if (*s.flag) out.push_back({s.flag, &s, nullptr, 0});
    if (s.flag2) out.push_back({s.flag2, &s, nullptr, 0});
  }
  for (const Unsupported& u : kUnsupported) {
    if (u.flag) out.push_back({u.flag, nullptr, &u, 0});
    if (u.flag2) out.push_back({u.flag2, nullptr, &u, 0});
  }
  return out;
}

// A negative number, as argparse's _negative_number_matcher ('^-\d+$|^-\d*\.\d+$').
bool negative_number(std::string_view s) {
  if (s.size() < 2 || s[0] != '-') return false;
  s.remove_prefix(1);
  const size_t dot = s.find('.');
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dot == std::string_view::npos) return digits(s);
  return digits(s.substr(0, dot)) && dot + 1 < s.size() && digits(s.substr(dot + 1));
}

// Whether argparse would take `arg` as an option rather than a value.
bool looks_like_option(std::string_view arg) {
  return arg.size() > 1 && arg[0] == '-' && !negative_number(arg);
}

void mark_given(std::vector<std::string>& given, std::string_view name) {
  if (std::find(given.begin(), given.end(), name) == given.end()) given.emplace_back(name);
}

std::string not_supported(std::string_view shown) {
  return "option '" + std::string(shown) + "' is not supported by webcycle app";
}

// Applies one flag's value. `shown`: the flag as the error names it.
Status apply_flag(const Spec& spec, std::string_view shown, std::string_view value,
                  CommandLine& cl, bool& bind_seen, bool& env_seen) {
  // Named as argparse names it ("-w/--workers"), whichever spelling was typed.
  auto invalid = [&](const Error& e) {
    const std::string name = spec.short_flag != 0
                                 ? std::string("-") + spec.short_flag + "/" + spec.flag
                                 : std::string(spec.flag[0] != '\0' ? spec.flag : shown);
    return fail("option '" + name + "': invalid value " + quoted(value) + " (" + e.message + ")");
  };

  AppOptions& o = cl.options;
  switch (spec.type) {
    case Type::kInt:
      if (auto st = set_int_text(spec.id, value, false, o); !st) return invalid(st.error());
      break;
    case Type::kString:
      if (auto st = set_string(spec.id, value, o); !st) return invalid(st.error());
      break;
    case Type::kBool:
      (void)set_bool(spec.id, true, o);
      break;
    case Type::kAppend:
      if (spec.id == Id::kBind) {
        auto b = bind_address(value);
        if (!b) return invalid(b.error());
        if (!bind_seen) o.binds.clear();  // the first -b replaces the default
        bind_seen = true;
        o.binds.push_back(std::move(*b));
      } else {
        auto kv = env_pair(value);
        if (!kv) return invalid(kv.error());
        if (!env_seen) o.env.clear();
        env_seen = true;
        o.env.push_back(std::move(*kv));
      }
      break;
  }
  mark_given(cl.given, spec.name);
  return {};
}

// argparse over `args`, starting from `defaults`. `positional_ok`: GUNICORN_CMD_ARGS' positional
// arguments are parsed and ignored by gunicorn.
Result<CommandLine> parse_args(std::span<const std::string_view> args, const AppOptions& defaults,
                               bool from_env) {
  CommandLine cl;
  cl.options = defaults;
  bool bind_seen = false, env_seen = false, app_seen = false, options_done = false;
  static const std::vector<LongFlag> kLong = long_flags();

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || !looks_like_option(arg)) {
      if (!options_done && arg == "--") {
        options_done = true;
        continue;
      }
      if (from_env) continue;
      if (app_seen) return fail("unexpected argument " + quoted(arg) + " (one MODULE:CALLABLE only)");
      cl.options.app_spec = std::string(arg);
      cl.options.app_spec_from_config = false;
      mark_given(cl.given, "wsgi_app");  // the config file's wsgi_app does not replace it
      app_seen = true;
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    // Resolve the flag and any value attached to it.
    const Spec* spec = nullptr;
    const Unsupported* unsupported = nullptr;
    char special = 0;
    std::string shown;
    std::optional<std::string_view> attached;
    if (arg.starts_with("--")) {
      std::string_view name = arg;
      if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        attached = arg.substr(eq + 1);
      }
      const LongFlag* exact = nullptr;
      std::vector<const LongFlag*> matches;
      for (const LongFlag& f : kLong) {
        if (f.flag == name) exact = &f;
        if (f.flag.starts_with(name)) matches.push_back(&f);
      }
      if (!exact && matches.size() > 1) {
        std::string list;
        for (const LongFlag* m : matches) {
          if (!list.empty()) list += ", ";
          list += m->flag;
        }
        return fail("option " + quoted(name) + " is ambiguous (could be " + list + ")");
      }
      const LongFlag* f = exact ? exact : (matches.empty() ? nullptr : matches[0]);
      if (!f) return fail("unrecognized option " + quoted(name));
      spec = f->spec;
      unsupported = f->unsupported;
      special = f->special;
      shown = std::string(f->flag);
    } else {
      const char c = arg[1];
      shown = std::string("-") + c;
      if (arg.size() > 2) attached = arg.size() > 3 && arg[2] == '=' ? arg.substr(3) : arg.substr(2);
      if (arg.size() == 3 && arg[2] == '=') attached = std::string_view();
      if (c == 'h') {
        special = 'h';
      } else if (c == 'v') {
        special = 'v';
      } else {
        for (const Spec& s : kSpecs) {
          if (s.short_flag == c) spec = &s;
        }
        for (const Unsupported& u : kUnsupported) {
          if (u.short_flag == c) unsupported = &u;
        }
        if (!spec && !unsupported) return fail("unrecognized option " + quoted(shown));
      }
    }
    if (unsupported) return fail(not_supported(shown));
    if (special != 0) {
      // -h/-v with more letters attached ("-hv") is a cluster of flags: the first one acts.
      if (attached && arg.starts_with("--")) return fail("option '" + shown + "': takes no value");
      if (special == 'h') {
        cl.help = true;
      } else {
        cl.version = true;
      }
      return cl;
    }
    std::string_view value;
    if (spec->type == Type::kBool) {
      if (attached) {
        // argparse: "ignored explicit argument"; a short cluster would name another flag.
        return fail("option '" + shown + "' takes no value (given " + quoted(*attached) + ")");
      }
    } else if (attached) {
      value = *attached;
    } else {
      if (i + 1 >= args.size() || looks_like_option(args[i + 1])) {
        return fail("option '" + shown + "' requires a value");
      }
      value = args[++i];
    }
    if (auto st = apply_flag(*spec, shown, value, cl, bind_seen, env_seen); !st) {
      return std::unexpected(st.error());
    }
  }
  return cl;
}

bool in(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Python's str() of a setting for print_config.
std::string print_value(const Spec& s, const AppOptions& o) {
  auto none_or = [](const std::string& v) { return v.empty() ? std::string("None") : v; };
  auto boolean = [](bool b) { return std::string(b ? "True" : "False"); };
  switch (s.id) {
    case Id::kConfig: return o.config_file.empty() ? "./gunicorn.conf.py" : o.config_file;
    case Id::kBind: {
      std::vector<std::string> texts;
      for (const BindAddress& b : o.binds) texts.push_back(b.text);
      return py_list(texts);
    }
    case Id::kBacklog: return std::to_string(o.backlog);
    case Id::kWorkers: return std::to_string(o.workers);
    case Id::kMaxRequests: return std::to_string(o.max_requests);
    case Id::kMaxRequestsJitter: return std::to_string(o.max_requests_jitter);
    case Id::kTimeout: return std::to_string(o.timeout);
    case Id::kGracefulTimeout: return std::to_string(o.graceful_timeout);
    case Id::kKeepalive: return std::to_string(o.keep_alive);
    case Id::kLimitRequestLine: return std::to_string(o.limit_request_line);
    case Id::kLimitRequestFields: return std::to_string(o.limit_request_fields);
    case Id::kLimitRequestFieldSize: return std::to_string(o.limit_request_field_size);
    case Id::kCheckConfig: return boolean(o.check_config);
    case Id::kPrintConfig: return boolean(o.print_config);
    case Id::kAccesslog: return none_or(o.access_logfile);
    case Id::kAccessLogFormat: return o.access_log_format;
    case Id::kErrorlog: return o.error_logfile;
    case Id::kLoglevel: return lowered(app_log_level_name(o.log_level));
    case Id::kProcName: return none_or(o.proc_name);
    case Id::kPreloadApp: return boolean(o.preload);
    case Id::kReusePort: return boolean(o.reuse_port);
    case Id::kChdir: {
      if (!o.chdir.empty()) return o.chdir;
      char cwd[PATH_MAX];
      return getcwd(cwd, sizeof cwd) ? std::string(cwd) : std::string(".");
    }
    case Id::kRawEnv: {
      std::vector<std::string> texts;
      for (const auto& [k, v] : o.env) texts.push_back(k + "=" + v);
      return py_list(texts);
    }
    case Id::kPidfile: return none_or(o.pidfile);
    case Id::kForwardedAllowIps: return py_list(o.forwarded_allow_ips);
    case Id::kPythonpath: {
      std::string joined;
      for (const std::string& p : o.pythonpath) joined += (joined.empty() ? "" : ",") + p;
      return none_or(joined);
    }
    case Id::kWsgiApp: return o.app_spec_from_config ? o.app_spec : "None";
  }
  return "None";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<BindAddress> parse_bind(std::string_view text) {
  auto b = bind_address(text);
  if (!b) return fail("--bind: invalid address " + quoted(strip(text)) + " (" + b.error().message + ")");
  return b;
}

AppEnvironment AppEnvironment::from_environment() {
  AppEnvironment env;
  auto get = [](const char* name) -> std::optional<std::string> {
    const char* v = ::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.web_concurrency = get("WEB_CONCURRENCY");
  env.forwarded_allow_ips = get("FORWARDED_ALLOW_IPS");
  env.port = get("PORT");
  env.cmd_args = get("GUNICORN_CMD_ARGS");
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) != nullptr) {
    std::string path = std::string(cwd) + "/gunicorn.conf.py";
    if (::access(path.c_str(), F_OK) == 0) env.default_config_file = std::move(path);
  }
  return env;
}

Result<std::vector<std::string>> split_shell_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return fail("No escaped character");
      word.push_back(text[i + 1]);
      in_word = true;
      i += 2;
    } else if (c == '\'') {
      const size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return fail("No closing quotation");
      word.append(text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        // In double quotes a backslash escapes only '"' and '\'.
        if (d == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
          word.push_back(text[i + 1]);
          i += 2;
          continue;
        }
        word.push_back(d);
        ++i;
      }
      if (!closed) return fail("No closing quotation");
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> unsupported_app_flags() {
  std::vector<std::string> out;
  for (const Unsupported& u : kUnsupported) {
    if (!u.flag) continue;
    std::string s;
    if (u.short_flag) s = std::string("-") + u.short_flag + ", ";
    s += u.flag;
    if (u.flag2) s += std::string(", ") + u.flag2;
    out.push_back(std::move(s));
  }
  return out;
}

Result<CommandLine> parse_app_command_line(std::span<const std::string_view> args,
                                           const AppEnvironment& env) {
  // Defaults, with what the environment changes in them.
  AppOptions defaults;
  defaults.binds.clear();
  if (env.port) {
    auto b = bind_address("0.0.0.0:" + *env.port);
    if (!b) return fail("PORT: invalid value " + quoted(*env.port) + " (" + b.error().message + ")");
    defaults.binds.push_back(std::move(*b));
  } else {
    defaults.binds.push_back(*bind_address("127.0.0.1:8000"));
  }
  if (env.web_concurrency) {
    if (auto st = set_int_text(Id::kWorkers, *env.web_concurrency, false, defaults); !st) {
      return fail("WEB_CONCURRENCY: invalid value " + quoted(*env.web_concurrency) + " (" +
                  st.error().message + ")");
    }
  }
  if (env.forwarded_allow_ips) defaults.forwarded_allow_ips = split_commas(*env.forwarded_allow_ips);

  auto cl = parse_args(args, defaults, false);
  if (!cl || cl->help || cl->version) return cl;

  if (env.cmd_args) {
    auto words = split_shell_words(*env.cmd_args);
    if (!words) return fail("GUNICORN_CMD_ARGS: " + words.error().message);
    std::vector<std::string_view> views(words->begin(), words->end());
    auto from_env = parse_args(views, defaults, true);
    if (!from_env) return fail("GUNICORN_CMD_ARGS: " + from_env.error().message);
    if (from_env->help || from_env->version) {
      cl->help = from_env->help;
      cl->version = from_env->version;
      return cl;
    }
    // The command line wins over GUNICORN_CMD_ARGS, setting by setting.
    for (const std::string& name : from_env->given) {
      if (in(cl->given, name)) continue;
      copy_setting(spec_by_name(name)->id, from_env->options, cl->options);
      cl->given.push_back(name);
    }
  }
  if (cl->options.config_file.empty()) cl->options.config_file = env.default_config_file;
  return cl;
}

Result<CommandLine> parse_app_command_line(std::span<const std::string_view> args) {
  return parse_app_command_line(args, AppEnvironment::from_environment());
}

Status apply_config_setting(std::string_view name, const ConfigValue& value,
                            const std::vector<std::string>& given, AppOptions& options,
                            std::vector<std::string>& warnings) {
  using Kind = ConfigValue::Kind;
  const std::string first = value.values.empty() ? std::string() : value.values[0];
  const Spec* spec = spec_by_name(name);
  if (spec == nullptr) {
    for (const Hook& h : kHooks) {
      if (name == h.name) {
        if (value.kind != Kind::kNone) {
          warnings.push_back("server hook '" + std::string(name) +
                             "' is not supported by webcycle app (ignored)");
        }
        return {};
      }
    }
    for (const Unsupported& u : kUnsupported) {
      if (name != u.name) continue;
      // Quiet when the file only restates gunicorn's default (or an empty value).
      const bool quiet =
          value.kind == Kind::kNone || (value.kind == Kind::kList && value.values.empty()) ||
          (value.kind == Kind::kString && (first.empty() || first == u.default_text)) ||
          ((value.kind == Kind::kInt || value.kind == Kind::kBool) && first == u.default_text) ||
          (std::string_view(u.name) == "worker_class" &&
           first == "gunicorn.workers.sync.SyncWorker") ||
          std::string_view(u.name) == "default_proc_name";
      if (!quiet) {
        warnings.push_back("setting '" + std::string(name) +
                           "' is not supported by webcycle app (ignored)");
      }
      return {};
    }
    return {};  // not a gunicorn setting: ignored, as gunicorn does
  }
  if (in(given, spec->name)) return {};
  if (spec->id == Id::kConfig) return {};  // "Only has an effect when specified on the command line"

  auto shown_value = [&]() -> std::string {
    switch (value.kind) {
      case Kind::kString: return quoted(first);
      case Kind::kNone: return "None";
      case Kind::kCallable: return "<callable>";
      case Kind::kList: {
        std::vector<std::string> items(value.values.begin(), value.values.end());
        return py_list(items);
      }
      default: return one_line(first);  // a repr: one line already, unless a __repr__ says otherwise
    }
  };
  auto invalid = [&](std::string_view reason) {
    return fail("Invalid value for " + std::string(name) + ": " + shown_value() + " (" +
                std::string(reason) + ")");
  };

  switch (spec->type) {
    case Type::kInt: {
      bool overflow = false;
      std::optional<long long> v;
      if (value.kind == Kind::kInt) {
        v = py_int(first, false, overflow);
      } else if (value.kind == Kind::kBool) {
        v = first == "True" ? 1 : 0;
      } else if (value.kind == Kind::kString) {
        v = py_int(first, true, overflow);  // validate_pos_int: int(val, 0)
      }
      if (!v) {
        return invalid(spec->id == Id::kWorkers ? "expected a positive integer"
                                                : "expected a non-negative integer");
      }
      if (auto st = set_int(spec->id, *v, options); !st) return invalid(st.error().message);
      return {};
    }
    case Type::kBool: {
      bool b;
      if (value.kind == Kind::kBool) {
        b = first == "True";
      } else if (value.kind == Kind::kNone) {
        b = false;
      } else if (value.kind == Kind::kString && lowered(strip(first)) == "true") {
        b = true;
      } else if (value.kind == Kind::kString && lowered(strip(first)) == "false") {
        b = false;
      } else {
        return invalid("expected True or False");
      }
      (void)set_bool(spec->id, b, options);
      return {};
    }
    case Type::kAppend: {
      std::vector<std::string> items;
      if (value.kind == Kind::kString) {
        if (!first.empty()) items.push_back(first);  // the legacy single-string form
      } else if (value.kind == Kind::kList) {
        items = value.values;
      } else if (value.kind != Kind::kNone) {
        return invalid("expected a string or a list of strings");
      }
      if (auto st = set_list(spec->id, items, options); !st) return invalid(st.error().message);
      return {};
    }
    case Type::kString: {
      if (value.kind == Kind::kNone) {
        // None unsets what has no value by default; elsewhere gunicorn would fail later.
        switch (spec->id) {
          case Id::kAccesslog: options.access_logfile.clear(); return {};
          case Id::kPidfile: options.pidfile.clear(); return {};
          case Id::kProcName: options.proc_name.clear(); return {};
          case Id::kPythonpath: options.pythonpath.clear(); return {};
          case Id::kForwardedAllowIps: options.forwarded_allow_ips.clear(); return {};
          case Id::kWsgiApp: return {};
          default: return invalid("expected a string");
        }
      }
      if (value.kind == Kind::kList && spec->id == Id::kForwardedAllowIps) {
        std::vector<std::string> ips;
        for (const std::string& item : value.values) {
          for (std::string& ip : split_commas(item)) ips.push_back(std::move(ip));
        }
        options.forwarded_allow_ips = std::move(ips);
        return {};
      }
      if (value.kind != Kind::kString) return invalid("expected a string");
      if (auto st = set_string(spec->id, first, options); !st) return invalid(st.error().message);
      return {};
    }
  }
  return {};
}

Status finalize(AppOptions& options) {
  if (options.app_spec.empty()) {
    return fail("No application module specified.");
  }
  if (options.binds.empty()) return fail("no address to bind (bind is empty)");
  if (!options.chdir.empty()) {
    std::string path = options.chdir;
    if (path[0] != '/') {
      char cwd[PATH_MAX];
      if (::getcwd(cwd, sizeof cwd) == nullptr) return sys_fail("getcwd()");
      path = std::string(cwd) + "/" + path;
    }
    // os.path.normpath: drop "." and empty parts, fold "..".
    std::vector<std::string_view> parts;
    std::string_view rest = path;
    while (!rest.empty()) {
      const size_t slash = rest.find('/');
      const std::string_view part = rest.substr(0, slash);
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    std::string normal;
    for (std::string_view p : parts) {
      normal += '/';
      normal += p;
    }
    if (normal.empty()) normal = "/";
    struct stat st;
    if (::stat(normal.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail("can't chdir to " + quoted(options.chdir));
    }
    options.chdir = std::move(normal);
  }
  return {};
}

std::string app_usage() {
  std::string out =
      "usage: webcycle app [OPTIONS] MODULE:CALLABLE\n"
      "\n"
      "Runs a WSGI application (PEP 3333) in embedded CPython, as gunicorn 20.1 does:\n"
      "a master process and --workers worker processes, each with its own interpreter.\n"
      "MODULE:CALLABLE is imported from --chdir; CALLABLE may be a factory call, e.g.\n"
      "'app:create_app()'.\n"
      "\n"
      "options:\n";
  // argparse's layout: flags, then the help wrapped at 80 columns from column 26.
  auto add = [&out](const std::string& flags, const std::string& help) {
    constexpr size_t kColumn = 26, kWidth = 80;
    out += "  " + flags;
    size_t col;
    if (flags.size() + 2 < kColumn - 1) {
      out.append(kColumn - 2 - flags.size(), ' ');
    } else {
      out += "\n";
      out.append(kColumn, ' ');
    }
    col = kColumn;
    bool first = true;
    std::string_view rest = help;
    while (!rest.empty()) {
      const size_t sp = rest.find(' ');
      const std::string_view word = rest.substr(0, sp);
      rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
      if (word.empty()) continue;
      if (!first && col + 1 + word.size() > kWidth) {
        out += "\n";
        out.append(kColumn, ' ');
        col = kColumn;
        first = true;
      }
      if (!first) {
        out += ' ';
        ++col;
      }
      out += word;
      col += word.size();
      first = false;
    }
    out += "\n";
  };
  add("-h, --help", "show this help message and exit");
  add("-v, --version", "show the version and exit");
  for (const Spec& s : kSpecs) {
    if (!*s.flag) continue;
    std::string flags;
    auto one = [&](const std::string& f) {
      if (!flags.empty()) flags += ", ";
      flags += f;
      if (s.metavar) flags += std::string(" ") + s.metavar;
    };
    if (s.short_flag) one(std::string("-") + s.short_flag);
    one(s.flag);
    if (s.flag2) one(s.flag2);
    add(flags, std::string(s.help) + " [" + s.default_text + "]");
  }
  out +=
      "\n"
      "Settings come from, lowest first: the defaults, the environment\n"
      "(WEB_CONCURRENCY, FORWARDED_ALLOW_IPS, PORT), the config file (-c; a Python file\n"
      "of gunicorn settings, wsgi_app included), GUNICORN_CMD_ARGS, the command line.\n"
      "\n"
      "Signals: HUP reload workers, TERM graceful stop, INT/QUIT quick stop,\n"
      "TTIN/TTOU one worker more/less, USR1 reopen the log files.\n"
      "\n"
      "gunicorn options webcycle app refuses:\n";
  std::string line = " ";
  for (const std::string& f : unsupported_app_flags()) {
    const std::string item = " " + f + ";";
    if (line.size() + item.size() > 80) {
      out += line + "\n";
      line = " ";
    }
    line += item;
  }
  if (line.size() > 1) {
    line.pop_back();  // the last ';'
    out += line + "\n";
  }
  return out;
}

std::string print_config_text(const AppOptions& options) {
  struct Line {
    std::string name;
    std::string value;
  };
  std::vector<Line> lines;
  for (const Spec& s : kSpecs) lines.push_back({s.name, print_value(s, options)});
  for (const Unsupported& u : kUnsupported) {
    std::string v = u.default_text;
    if (v == "<euid>") v = std::to_string(::geteuid());
    if (v == "<egid>") v = std::to_string(::getegid());
    if (std::string_view(u.name) == "default_proc_name" && !options.app_spec.empty()) v = options.app_spec;
    lines.push_back({u.name, v});
  }
  for (const Hook& h : kHooks) lines.push_back({h.name, h.print_text});
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.name < b.name; });
  size_t width = 0;
  for (const Line& l : lines) width = std::max(width, l.name.size());
  std::string out;
  for (const Line& l : lines) {
    out += l.name;
    out.append(width - l.name.size(), ' ');
    out += " = " + l.value + "\n";
  }
  return out;
}

}  // namespace wc::app
