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

// gunicorn's bind syntax (util.parse_address): "unix:PATH" and "unix://PATH" (a unix socket),
// "[V6]:PORT" and "[V6]" (IPv6; anything after "]" other than ":PORT" is ignored, as gunicorn
// does), "HOST:PORT" (anything after a second ':' ignored), "HOST" (port 8000), ":PORT" and ""
// (0.0.0.0, gunicorn's empty host), a "tcp://" prefix is dropped. The host is lower-cased; it
// must be a numeric IPv4/IPv6 address or a host name. "fd://N" is refused (not supported).
// Errors: "--bind: invalid address 'x:y' ('y' is not a valid port number)".
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
  std::string config_file;              // -c/--config ("" = none; see AppEnvironment)
  bool preload = false;                 // --preload
  bool reuse_port = false;              // --reuse-port
  unsigned backlog = 2048;              // --backlog
  std::string proc_name;                // -n/--name (accepted; shown in log messages only)
  bool check_config = false;            // --check-config: load the app and exit 0 (or 4)
  bool print_config = false;            // --print-config (see print_config_text)
  bool app_spec_from_config = false;    // app_spec came from wsgi_app in the config file
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

// What the environment contributes, read once by from_environment() (getenv and one access()).
struct AppEnvironment {
  std::optional<std::string> web_concurrency;      // WEB_CONCURRENCY: the default of workers
  std::optional<std::string> forwarded_allow_ips;  // FORWARDED_ALLOW_IPS: its default
  std::optional<std::string> port;                 // PORT: bind defaults to 0.0.0.0:$PORT
  std::optional<std::string> cmd_args;             // GUNICORN_CMD_ARGS (shell words)
  // The config file read when no -c is given: "$CWD/gunicorn.conf.py" if it exists, else "".
  std::string default_config_file;

  [[nodiscard]] static AppEnvironment from_environment();
};

// argv after "app", gunicorn's way (argparse): "--flag value", "--flag=value", "-w 4", "-w4",
// "-w=4", unique prefixes of long flags ("--work" is ambiguous, "--worke" too, "--workers"
// exact), "--" ends the options, repeated flags: the last wins (-b and -e accumulate). Flags
// gunicorn has that webcycle does not implement are refused (unsupported_app_flags()).
// Precedence: built-in defaults < `env` (WEB_CONCURRENCY, FORWARDED_ALLOW_IPS, PORT) <
// [the config file: applied later by the caller with apply_config_setting, which skips `given`]
// < GUNICORN_CMD_ARGS < argv. -c comes from argv, else GUNICORN_CMD_ARGS, else
// env.default_config_file (then it is not in `given`). A "file:" prefix of -c is dropped.
// -h/-v stop the parse there (as argparse exits there).
// Errors (one line, naming the flag): "unrecognized option '--x'",
// "option '--workers': invalid value 'x' (expected a positive integer)",
// "option '--workers' requires a value", "option '--wor' is ambiguous (could be --workers, ...)",
// "option '--worker-class' is not supported by webcycle app", "unexpected argument 'x'";
// from GUNICORN_CMD_ARGS the same prefixed with "GUNICORN_CMD_ARGS: "; from the environment
// "WEB_CONCURRENCY: invalid value '0' (expected a positive integer)". A missing MODULE:CALLABLE
// is not an error here (-c may name wsgi_app): finalize() checks it.
[[nodiscard]] Result<CommandLine> parse_app_command_line(std::span<const std::string_view> args,
                                                         const AppEnvironment& env);
// The same with AppEnvironment::from_environment().
[[nodiscard]] Result<CommandLine> parse_app_command_line(std::span<const std::string_view> args);

// Python's shlex.split (POSIX rules: quotes, backslashes), for GUNICORN_CMD_ARGS.
// Errors: "No closing quotation", "No escaped character".
[[nodiscard]] Result<std::vector<std::string>> split_shell_words(std::string_view text);

// gunicorn's command-line flags that `webcycle app` refuses, e.g. "-k, --worker-class".
[[nodiscard]] std::vector<std::string> unsupported_app_flags();

// Applies one config-file setting by gunicorn's name (e.g. "workers", "bind", "wsgi_app",
// "accesslog", "errorlog", "loglevel", "raw_env", "forwarded_allow_ips", "max_requests", ...),
// unless `given` names it. Unknown names are ignored (gunicorn ignores them too); server hooks
// (callables) are reported in `warnings`, and so are gunicorn settings webcycle does not
// implement when set to something other than gunicorn's default ("setting 'threads' is not
// supported by webcycle app (ignored)"). Values are validated as gunicorn's validators do:
// integers as int(x, 0) from strings (True/False count as 1/0, floats are refused), booleans
// True/False or "true"/"false", strings stripped, bind and raw_env a string or a list.
// Errors: "Invalid value for workers: 'x' (expected a positive integer)".
// `value.values` as src/app/python gives them: kString {text}; kInt/kFloat {repr}; kBool
// {"True"} or {"False"}; kNone {}; kList str() of each item; kCallable {}; kOther {repr}.
struct ConfigValue {
  enum class Kind : unsigned char { kString, kInt, kFloat, kBool, kNone, kList, kCallable, kOther };
  Kind kind = Kind::kString;
  std::vector<std::string> values;
};
[[nodiscard]] Status apply_config_setting(std::string_view name, const ConfigValue& value,
                                          const std::vector<std::string>& given,
                                          AppOptions& options, std::vector<std::string>& warnings);

// Checks what must hold before starting: an app spec ("No application module specified."), at
// least one bind, and --chdir (made absolute against the current directory, which must exist:
// "can't chdir to 'x'", gunicorn's words). Errors: one line.
[[nodiscard]] Status finalize(AppOptions& options);

// `webcycle help app` / `webcycle app --help`.
[[nodiscard]] std::string app_usage();

// --print-config: every gunicorn setting, sorted, "name = value" aligned as gunicorn prints them
// (webcycle's values for what it implements, gunicorn's defaults for the rest). Ends with "\n".
[[nodiscard]] std::string print_config_text(const AppOptions& options);

}  // namespace wc::app
