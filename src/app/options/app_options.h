// AppOptions: the settings of `webcycle app`, with gunicorn's names, defaults and precedence:
// built-in defaults < environment (WEB_CONCURRENCY for workers) < the config file (-c FILE, a
// Python file of gunicorn settings) < GUNICORN_CMD_ARGS < the command line.
//
// Pure (no I/O but getenv in from_environment): the command line and the config file's settings
// (read by src/app/python) come in as values, errors come out as one line naming the flag or
// setting, for the CLI to print with exit code 2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/log/app_log.h"
#include "core/result.h"

namespace wc::app {

// One --bind value: "HOST:PORT", "HOST" (port 8000), ":PORT" / "PORT"? (see parse_bind),
// "[::1]:PORT", "unix:PATH".
struct BindAddress {
  std::string text;  // as given, for "Listening at: http://TEXT" messages
  bool is_unix = false;
  std::string host;  // numeric IPv4/IPv6 or a name resolved with the hosts file only ("localhost")
  uint16_t port = 8000;
  std::string path;  // unix socket path
};

// gunicorn's bind syntax. Errors: "--bind: invalid address 'x'" style one-liners.
[[nodiscard]] Result<BindAddress> parse_bind(std::string_view text);

struct AppOptions {
  std::string app_spec;                 // MODULE:CALLABLE (positional, or wsgi_app in -c)
  std::vector<BindAddress> binds;       // default: 127.0.0.1:8000
  unsigned workers = 1;                 // -w/--workers (WEB_CONCURRENCY)
  unsigned timeout = 30;                // -t/--timeout seconds, 0 = never
  unsigned graceful_timeout = 30;       // --graceful-timeout seconds
  unsigned keep_alive = 2;              // --keep-alive seconds
  unsigned max_requests = 0;            // 0 = never recycle
  unsigned max_requests_jitter = 0;
  std::string chdir;                    // --chdir (default: the current directory)
  std::vector<std::string> pythonpath;  // --pythonpath a,b
  std::vector<std::pair<std::string, std::string>> env;  // -e/--env KEY=VALUE
  std::string pidfile;                  // --pid ("" = none)
  std::string access_logfile;           // --access-logfile ("" = none, "-" = stdout)
  std::string access_log_format = R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";
  std::string error_logfile = "-";      // --error-logfile / --log-file ("-" = stderr)
  AppLogLevel log_level = AppLogLevel::info;
  unsigned limit_request_line = 4094;   // 0 = unlimited (gunicorn), capped at 8190
  unsigned limit_request_fields = 100;  // capped at 32768
  unsigned limit_request_field_size = 8190;  // 0 = unlimited
  // --forwarded-allow-ips: addresses whose X-Forwarded-For/-Proto are trusted; "*" = any.
  std::vector<std::string> forwarded_allow_ips = {"127.0.0.1"};
  std::string config_file;              // -c/--config
  bool preload = false;                 // --preload
  bool reuse_port = false;              // --reuse-port
  unsigned backlog = 2048;              // --backlog
  std::string proc_name;                // -n/--name (accepted; shown in log messages only)
  bool check_config = false;            // --check-config: load the app and exit 0 (or 4)
  bool print_config = false;            // --print-config
};

// What parse_app_command_line gives back.
struct CommandLine {
  AppOptions options;          // defaults + the flags given
  std::vector<std::string> given;  // setting names set on the command line (gunicorn's names,
                                   // e.g. "workers", "bind"), so the config file does not
                                   // override them
  bool help = false;           // -h/--help: print app_usage(), exit 0
  bool version = false;        // -v/--version
};

// argv after "app". Errors: "unrecognized option '--x'", "option '--workers': invalid value 'x'",
// "missing MODULE:CALLABLE" (unless -c names wsgi_app; checked later by finalize()).
[[nodiscard]] Result<CommandLine> parse_app_command_line(std::span<const std::string_view> args);

// Applies one config-file setting by gunicorn's name (e.g. "workers", "bind", "wsgi_app",
// "accesslog", "errorlog", "loglevel", "raw_env", "forwarded_allow_ips", "max_requests", ...),
// unless `given` names it. Unknown names are ignored (gunicorn ignores them too); server hooks
// (callables) are reported in `warnings`. Errors: "Invalid value for workers: 'x'".
struct ConfigValue {
  enum class Kind : unsigned char { kString, kInt, kFloat, kBool, kNone, kList, kCallable, kOther };
  Kind kind = Kind::kString;
  std::vector<std::string> values;
};
[[nodiscard]] Status apply_config_setting(std::string_view name, const ConfigValue& value,
                                          const std::vector<std::string>& given,
                                          AppOptions& options, std::vector<std::string>& warnings);

// Checks what must hold before starting (an app spec, at least one bind). Errors: one line.
[[nodiscard]] Status finalize(AppOptions& options);

// `webcycle help app` / `webcycle app --help`.
[[nodiscard]] std::string app_usage();

}  // namespace wc::app
