#include "app/options/app_options.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace wc::app {
namespace {

// Parses with an explicit environment (empty by default), so tests never see the real one.
Result<CommandLine> parse(std::vector<std::string> args, const AppEnvironment& env = {}) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return parse_app_command_line(views, env);
}

AppOptions ok(std::vector<std::string> args, const AppEnvironment& env = {}) {
  auto cl = parse(args, env);
  EXPECT_TRUE(cl) << (cl ? "" : cl.error().message);
  return cl ? cl->options : AppOptions{};
}

std::string error(std::vector<std::string> args, const AppEnvironment& env = {}) {
  auto cl = parse(args, env);
  EXPECT_FALSE(cl) << args[0];
  return cl ? "" : cl.error().message;
}

ConfigValue str(std::string s) { return {ConfigValue::Kind::kString, {std::move(s)}}; }
ConfigValue integer(std::string s) { return {ConfigValue::Kind::kInt, {std::move(s)}}; }
ConfigValue boolean(bool b) { return {ConfigValue::Kind::kBool, {b ? "True" : "False"}}; }
ConfigValue list(std::vector<std::string> v) { return {ConfigValue::Kind::kList, std::move(v)}; }
ConfigValue none() { return {ConfigValue::Kind::kNone, {}}; }

// ---- defaults -------------------------------------------------------------------------------

TEST(AppOptions, DefaultsAreGunicorns) {
  const AppOptions o = ok({"app:application"});
  EXPECT_EQ(o.app_spec, "app:application");
  ASSERT_EQ(o.binds.size(), 1u);
  EXPECT_EQ(o.binds[0].text, "127.0.0.1:8000");
  EXPECT_EQ(o.binds[0].host, "127.0.0.1");
  EXPECT_EQ(o.binds[0].port, 8000);
  EXPECT_FALSE(o.binds[0].is_unix);
  EXPECT_EQ(o.workers, 1u);
  EXPECT_EQ(o.timeout, 30u);
  EXPECT_EQ(o.graceful_timeout, 30u);
  EXPECT_EQ(o.keep_alive, 2u);
  EXPECT_EQ(o.max_requests, 0u);
  EXPECT_EQ(o.max_requests_jitter, 0u);
  EXPECT_EQ(o.chdir, "");
  EXPECT_TRUE(o.pythonpath.empty());
  EXPECT_TRUE(o.env.empty());
  EXPECT_EQ(o.pidfile, "");
  EXPECT_EQ(o.access_logfile, "");
  EXPECT_EQ(o.access_log_format, R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")");
  EXPECT_EQ(o.error_logfile, "-");
  EXPECT_EQ(o.log_level, AppLogLevel::info);
  EXPECT_EQ(o.limit_request_line, 4094u);
  EXPECT_EQ(o.limit_request_fields, 100u);
  EXPECT_EQ(o.limit_request_field_size, 8190u);
  EXPECT_EQ(o.forwarded_allow_ips, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(o.config_file, "");
  EXPECT_FALSE(o.preload);
  EXPECT_FALSE(o.reuse_port);
  EXPECT_EQ(o.backlog, 2048u);
  EXPECT_EQ(o.proc_name, "");
  EXPECT_FALSE(o.check_config);
  EXPECT_FALSE(o.print_config);
  auto cl = parse({"app:application"});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->given, std::vector<std::string>{"wsgi_app"});
  EXPECT_FALSE(cl->help);
  EXPECT_FALSE(cl->version);
}

// ---- every flag -----------------------------------------------------------------------------

TEST(AppOptions, EveryFlagLongForm) {
  const AppOptions o = ok({"--bind", "0.0.0.0:9000", "--workers", "4", "--timeout", "60",
                           "--graceful-timeout", "10", "--keep-alive", "5", "--max-requests",
                           "1000", "--max-requests-jitter", "50", "--chdir", "/srv",
                           "--pythonpath", "/a,/b", "--env", "A=1", "--pid", "/run/app.pid",
                           "--access-logfile", "-", "--access-logformat", "%(h)s %(s)s",
                           "--error-logfile", "/var/log/e.log", "--log-level", "debug",
                           "--limit-request-line", "1000", "--limit-request-fields", "50",
                           "--limit-request-field_size", "2000", "--forwarded-allow-ips", "*",
                           "--config", "/etc/g.py", "--preload", "--reuse-port", "--backlog",
                           "64", "--name", "myapp", "--check-config", "--print-config", "m:app"});
  ASSERT_EQ(o.binds.size(), 1u);
  EXPECT_EQ(o.binds[0].host, "0.0.0.0");
  EXPECT_EQ(o.binds[0].port, 9000);
  EXPECT_EQ(o.workers, 4u);
  EXPECT_EQ(o.timeout, 60u);
  EXPECT_EQ(o.graceful_timeout, 10u);
  EXPECT_EQ(o.keep_alive, 5u);
  EXPECT_EQ(o.max_requests, 1000u);
  EXPECT_EQ(o.max_requests_jitter, 50u);
  EXPECT_EQ(o.chdir, "/srv");
  EXPECT_EQ(o.pythonpath, (std::vector<std::string>{"/a", "/b"}));
  ASSERT_EQ(o.env.size(), 1u);
  EXPECT_EQ(o.env[0].first, "A");
  EXPECT_EQ(o.env[0].second, "1");
  EXPECT_EQ(o.pidfile, "/run/app.pid");
  EXPECT_EQ(o.access_logfile, "-");
  EXPECT_EQ(o.access_log_format, "%(h)s %(s)s");
  EXPECT_EQ(o.error_logfile, "/var/log/e.log");
  EXPECT_EQ(o.log_level, AppLogLevel::debug);
  EXPECT_EQ(o.limit_request_line, 1000u);
  EXPECT_EQ(o.limit_request_fields, 50u);
  EXPECT_EQ(o.limit_request_field_size, 2000u);
  EXPECT_EQ(o.forwarded_allow_ips, std::vector<std::string>{"*"});
  EXPECT_EQ(o.config_file, "/etc/g.py");
  EXPECT_TRUE(o.preload);
  EXPECT_TRUE(o.reuse_port);
  EXPECT_EQ(o.backlog, 64u);
  EXPECT_EQ(o.proc_name, "myapp");
  EXPECT_TRUE(o.check_config);
  EXPECT_TRUE(o.print_config);
  EXPECT_EQ(o.app_spec, "m:app");
}

TEST(AppOptions, GivenNamesEverySetting) {
  auto cl = parse({"-b", ":1", "-w", "2", "-t", "3", "--graceful-timeout", "1", "--keep-alive",
                   "1", "--max-requests", "1", "--max-requests-jitter", "1", "--chdir", "/",
                   "--pythonpath", "x", "-e", "A=1", "-p", "p", "--access-logfile", "a",
                   "--access-logformat", "x", "--log-file", "e", "--log-level", "info",
                   "--limit-request-line", "1", "--limit-request-fields", "1",
                   "--limit-request-field_size", "1", "--forwarded-allow-ips", "a", "-c", "c",
                   "--preload", "--reuse-port", "--backlog", "1", "-n", "n", "--check-config",
                   "--print-config"});
  ASSERT_TRUE(cl) << cl.error().message;
  const std::vector<std::string> expected = {
      "bind", "workers", "timeout", "graceful_timeout", "keepalive", "max_requests",
      "max_requests_jitter", "chdir", "pythonpath", "raw_env", "pidfile", "accesslog",
      "access_log_format", "errorlog", "loglevel", "limit_request_line", "limit_request_fields",
      "limit_request_field_size", "forwarded_allow_ips", "config", "preload_app", "reuse_port",
      "backlog", "proc_name", "check_config", "print_config"};
  EXPECT_EQ(cl->given, expected);
}

TEST(AppOptions, ShortFlagsSeparateJoinedAndEquals) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-w", "4", "x:y"}, {"-w4", "x:y"}, {"-w=4", "x:y"}, {"--workers=4", "x:y"},
           {"x:y", "--workers", "4"}}) {
    EXPECT_EQ(ok(args).workers, 4u) << args[0];
  }
  EXPECT_EQ(ok({"-t0", "x:y"}).timeout, 0u);
  EXPECT_EQ(ok({"-bunix:/tmp/s", "x:y"}).binds[0].path, "/tmp/s");
  EXPECT_EQ(ok({"-eA=B=C", "x:y"}).env[0], (std::pair<std::string, std::string>("A", "B=C")));
  EXPECT_EQ(ok({"-e=A=1", "x:y"}).env[0], (std::pair<std::string, std::string>("A", "1")));
  EXPECT_EQ(ok({"-nweb", "x:y"}).proc_name, "web");
  EXPECT_EQ(ok({"-c", "g.py", "x:y"}).config_file, "g.py");
  EXPECT_EQ(ok({"-cfile:g.py", "x:y"}).config_file, "g.py");
  EXPECT_EQ(ok({"-p", "/run/x.pid", "x:y"}).pidfile, "/run/x.pid");
  EXPECT_EQ(ok({"--log-file=/x.log", "x:y"}).error_logfile, "/x.log");
  EXPECT_EQ(ok({"--bind=[::1]:9000", "x:y"}).binds[0].host, "::1");
}

TEST(AppOptions, UniquePrefixesOfLongFlags) {
  EXPECT_EQ(ok({"--workers", "3", "x:y"}).workers, 3u);
  EXPECT_EQ(ok({"--graceful", "7", "x:y"}).graceful_timeout, 7u);
  EXPECT_EQ(ok({"--keep=9", "x:y"}).keep_alive, 9u);
  EXPECT_EQ(ok({"--prel", "x:y"}).preload, true);
  EXPECT_EQ(error({"--wor", "3", "x:y"}),
            "option '--wor' is ambiguous (could be --workers, --worker-tmp-dir, --worker-class, "
            "--worker-connections)");
  EXPECT_EQ(error({"--b", "3", "x:y"}), "option '--b' is ambiguous (could be --bind, --backlog)");
  EXPECT_EQ(error({"--worker-cl", "gevent", "x:y"}),
            "option '--worker-class' is not supported by webcycle app");
}

TEST(AppOptions, RepeatedFlagsLastWinsBindAndEnvAccumulate) {
  const AppOptions o = ok({"-w", "2", "-w", "3", "-b", "127.0.0.1:1", "-b", "unix:/tmp/a.sock",
                           "-e", "A=1", "--env", "B=2", "--log-level", "error", "--log-level",
                           "warning", "x:y"});
  EXPECT_EQ(o.workers, 3u);
  ASSERT_EQ(o.binds.size(), 2u);  // the default bind is replaced, not kept
  EXPECT_EQ(o.binds[0].port, 1);
  EXPECT_TRUE(o.binds[1].is_unix);
  ASSERT_EQ(o.env.size(), 2u);
  EXPECT_EQ(o.env[1].first, "B");
  EXPECT_EQ(o.log_level, AppLogLevel::warning);
}

TEST(AppOptions, ValuesAreStrippedAsGunicornsValidators) {
  const AppOptions o = ok({"--access-logfile", " /a.log ", "--chdir", " /srv ", "-e", " K=V ",
                           "--log-level", " DEBUG ", "-w", " 5 ", "--forwarded-allow-ips",
                           " 10.0.0.1 , 10.0.0.2 ,, ", "--pythonpath", "a,,b", "x:y"});
  EXPECT_EQ(o.access_logfile, "/a.log");
  EXPECT_EQ(o.chdir, "/srv");
  EXPECT_EQ(o.env[0], (std::pair<std::string, std::string>("K", "V")));
  EXPECT_EQ(o.log_level, AppLogLevel::debug);
  EXPECT_EQ(o.workers, 5u);
  EXPECT_EQ(o.forwarded_allow_ips, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(o.pythonpath, (std::vector<std::string>{"a", "b"}));
}

TEST(AppOptions, PythonIntegersOnTheCommandLine) {
  EXPECT_EQ(ok({"-w", "+4", "x:y"}).workers, 4u);
  EXPECT_EQ(ok({"-w", "1_0", "x:y"}).workers, 10u);
  EXPECT_EQ(ok({"-w", "010", "x:y"}).workers, 10u);  // int("010") is 10
  EXPECT_EQ(ok({"--backlog", "0", "x:y"}).backlog, 0u);
  EXPECT_EQ(error({"-w", "0x10", "x:y"}),
            "option '-w/--workers': invalid value '0x10' (expected a positive integer)");
  EXPECT_EQ(error({"-w", "1__0", "x:y"}),
            "option '-w/--workers': invalid value '1__0' (expected a positive integer)");
  EXPECT_EQ(error({"-w", "_1", "x:y"}),
            "option '-w/--workers': invalid value '_1' (expected a positive integer)");
  EXPECT_EQ(error({"-w", "4.5", "x:y"}),
            "option '-w/--workers': invalid value '4.5' (expected a positive integer)");
}

TEST(AppOptions, LimitsAreCappedAsGunicornsParser) {
  EXPECT_EQ(ok({"--limit-request-line", "0", "x:y"}).limit_request_line, 0u);  // unlimited
  EXPECT_EQ(ok({"--limit-request-line", "8190", "x:y"}).limit_request_line, 8190u);
  EXPECT_EQ(ok({"--limit-request-line", "9000", "x:y"}).limit_request_line, 8190u);
  EXPECT_EQ(ok({"--limit-request-fields", "0", "x:y"}).limit_request_fields, 32768u);
  EXPECT_EQ(ok({"--limit-request-fields", "40000", "x:y"}).limit_request_fields, 32768u);
  EXPECT_EQ(ok({"--limit-request-field_size", "0", "x:y"}).limit_request_field_size, 0u);
  EXPECT_EQ(ok({"--limit-request-field_size", "100000", "x:y"}).limit_request_field_size, 100000u);
}

// ---- errors ---------------------------------------------------------------------------------

TEST(AppOptions, ErrorsNameTheFlag) {
  EXPECT_EQ(error({"--workers", "x", "a:b"}),
            "option '-w/--workers': invalid value 'x' (expected a positive integer)");
  EXPECT_EQ(error({"-w", "0", "a:b"}), "option '-w/--workers': invalid value '0' (expected a positive integer)");
  EXPECT_EQ(error({"-w", "-1", "a:b"}),
            "option '-w/--workers': invalid value '-1' (expected a positive integer)");
  EXPECT_EQ(error({"--timeout", "-1", "a:b"}),
            "option '-t/--timeout': invalid value '-1' (expected a non-negative integer)");
  EXPECT_EQ(error({"--backlog", "99999999999", "a:b"}),
            "option '--backlog': invalid value '99999999999' (expected an integer up to 4294967295)");
  EXPECT_EQ(error({"--max-requests", "", "a:b"}),
            "option '--max-requests': invalid value '' (expected a non-negative integer)");
  EXPECT_EQ(error({"--log-level", "verbose", "a:b"}),
            "option '--log-level': invalid value 'verbose' (expected debug, info, warning, error "
            "or critical)");
  EXPECT_EQ(error({"-e", "NOEQUALS", "a:b"}),
            "option '-e/--env': invalid value 'NOEQUALS' (expected KEY=VALUE)");
  EXPECT_EQ(error({"--env", "=x", "a:b"}), "option '-e/--env': invalid value '=x' (expected KEY=VALUE)");
  EXPECT_EQ(error({"--bind", "host:http", "a:b"}),
            "option '-b/--bind': invalid value 'host:http' ('http' is not a valid port number)");
  EXPECT_EQ(error({"-b", "fd://3", "a:b"}),
            "option '-b/--bind': invalid value 'fd://3' (fd://FD is not supported by webcycle app)");
  EXPECT_EQ(error({"--access-logformat", "%(h", "a:b"}),
            "option '--access-logformat': invalid value '%(h' (incomplete format key at index 0)");
  EXPECT_EQ(error({"-c", "python:settings", "a:b"}),
            "option '-c/--config': invalid value 'python:settings' (python:MODULE is not supported by "
            "webcycle app)");
  EXPECT_EQ(error({"--chdir", "", "a:b"}), "option '--chdir': invalid value '' (expected a directory)");
  EXPECT_EQ(error({"--nope", "a:b"}), "unrecognized option '--nope'");
  EXPECT_EQ(error({"--nope=3", "a:b"}), "unrecognized option '--nope'");
  EXPECT_EQ(error({"-x", "a:b"}), "unrecognized option '-x'");
  EXPECT_EQ(error({"a:b", "--workers"}), "option '--workers' requires a value");
  EXPECT_EQ(error({"--bind", "--workers", "2", "a:b"}), "option '--bind' requires a value");
  EXPECT_EQ(error({"-w"}), "option '-w' requires a value");
  EXPECT_EQ(error({"--preload=yes", "a:b"}), "option '--preload' takes no value (given 'yes')");
  EXPECT_EQ(error({"--help=1"}), "option '--help': takes no value");
  EXPECT_EQ(error({"a:b", "c:d"}), "unexpected argument 'c:d' (one MODULE:CALLABLE only)");
}

TEST(AppOptions, UnsupportedGunicornFlagsAreRefusedByName) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--worker-class", "gevent", "a:b"}, "--worker-class"},
      {{"-k", "gevent", "a:b"}, "-k"},
      {{"--threads", "4", "a:b"}, "--threads"},
      {{"--worker-connections=10", "a:b"}, "--worker-connections"},
      {{"--daemon", "a:b"}, "--daemon"},
      {{"-D", "a:b"}, "-D"},
      {{"--statsd-host", "x:1", "a:b"}, "--statsd-host"},
      {{"--certfile", "c.pem", "a:b"}, "--certfile"},
      {{"--keyfile", "k.pem", "a:b"}, "--keyfile"},
      {{"--reload", "a:b"}, "--reload"},
      {{"-u", "www", "a:b"}, "-u"},
      {{"--group", "www", "a:b"}, "--group"},
      {{"-m", "007", "a:b"}, "-m"},
      {{"--paster", "x.ini"}, "--paster"},
      {{"--no-sendfile", "a:b"}, "--no-sendfile"},
      {{"--log-syslog", "a:b"}, "--log-syslog"},
      {{"-R", "a:b"}, "-R"},
      {{"--proxy-protocol", "a:b"}, "--proxy-protocol"},
      {{"--capture-output", "a:b"}, "--capture-output"},
  };
  for (const auto& [args, flag] : cases) {
    EXPECT_EQ(error(args), "option '" + flag + "' is not supported by webcycle app");
  }
  const auto flags = unsupported_app_flags();
  EXPECT_EQ(flags.size(), 40u);
  EXPECT_NE(std::find(flags.begin(), flags.end(), "-k, --worker-class"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "--paste, --paster"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "-D, --daemon"), flags.end());
}

TEST(AppOptions, HelpAndVersionStopTheParse) {
  auto cl = parse({"-h", "--bogus"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->help);
  cl = parse({"--help"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->help);
  cl = parse({"--vers"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->version);
  cl = parse({"-v"});
  ASSERT_TRUE(cl);
  EXPECT_TRUE(cl->version);
  // An error before -h is still an error (argparse reads in order).
  EXPECT_EQ(error({"--bogus", "-h"}), "unrecognized option '--bogus'");
}

TEST(AppOptions, DoubleDashAndDashValues) {
  EXPECT_EQ(ok({"--", "-weird:app"}).app_spec, "-weird:app");
  EXPECT_EQ(ok({"--access-logfile", "-", "a:b"}).access_logfile, "-");
  EXPECT_EQ(ok({"--error-logfile", "-", "a:b"}).error_logfile, "-");
  // A missing app is finalize()'s error, not the parser's.
  EXPECT_EQ(ok({"-w", "2"}).app_spec, "");
}

// ---- binds ----------------------------------------------------------------------------------

TEST(ParseBind, GunicornAddressForms) {
  auto b = parse_bind("127.0.0.1:8001");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text, "127.0.0.1:8001");
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 8001);

  b = parse_bind("localhost");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "localhost");
  EXPECT_EQ(b->port, 8000);

  b = parse_bind("LocalHost:80");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "localhost");
  EXPECT_EQ(b->text, "LocalHost:80");

  b = parse_bind("[::1]:9000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 9000);

  b = parse_bind("[::]");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::");
  EXPECT_EQ(b->port, 8000);

  b = parse_bind("[::1]junk");  // gunicorn ignores what follows ']' without ':'
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 8000);

  b = parse_bind(":9000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "0.0.0.0");
  EXPECT_EQ(b->port, 9000);

  b = parse_bind("");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "0.0.0.0");
  EXPECT_EQ(b->port, 8000);

  b = parse_bind("host:81:junk");  // split(':')[:2]
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 81);

  b = parse_bind("tcp://10.1.2.3:5000");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "10.1.2.3");
  EXPECT_EQ(b->port, 5000);

  b = parse_bind("0.0.0.0:0");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 0);

  b = parse_bind(" 127.0.0.1:8002 ");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text, "127.0.0.1:8002");
}

TEST(ParseBind, UnixSockets) {
  auto b = parse_bind("unix:/tmp/app.sock");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->is_unix);
  EXPECT_EQ(b->path, "/tmp/app.sock");
  EXPECT_EQ(b->text, "unix:/tmp/app.sock");

  b = parse_bind("unix:///run/app.sock");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->path, "/run/app.sock");

  b = parse_bind("unix:relative.sock");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->path, "relative.sock");
}

TEST(ParseBind, Errors) {
  EXPECT_EQ(parse_bind("fd://3").error().message,
            "--bind: invalid address 'fd://3' (fd://FD is not supported by webcycle app)");
  EXPECT_EQ(parse_bind("h:x").error().message,
            "--bind: invalid address 'h:x' ('x' is not a valid port number)");
  EXPECT_EQ(parse_bind("h:").error().message,
            "--bind: invalid address 'h:' ('' is not a valid port number)");
  EXPECT_EQ(parse_bind("::1").error().message,
            "--bind: invalid address '::1' ('' is not a valid port number)");
  EXPECT_EQ(parse_bind("h:70000").error().message,
            "--bind: invalid address 'h:70000' (port 70000 is out of range (0-65535))");
  EXPECT_EQ(parse_bind("h:-1").error().message,
            "--bind: invalid address 'h:-1' (port -1 is out of range (0-65535))");
  EXPECT_EQ(parse_bind("unix:").error().message,
            "--bind: invalid address 'unix:' (empty unix socket path)");
  EXPECT_EQ(parse_bind("[zz]:80").error().message,
            "--bind: invalid address '[zz]:80' (invalid IPv6 address 'zz')");
  EXPECT_EQ(parse_bind("a b:80").error().message,
            "--bind: invalid address 'a b:80' (invalid host 'a b')");
}

// ---- environment and precedence -------------------------------------------------------------

TEST(AppOptions, EnvironmentDefaults) {
  AppEnvironment env;
  env.web_concurrency = "3";
  env.forwarded_allow_ips = "10.0.0.1,10.0.0.2";
  env.port = "5000";
  AppOptions o = ok({"x:y"}, env);
  EXPECT_EQ(o.workers, 3u);
  EXPECT_EQ(o.forwarded_allow_ips, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  ASSERT_EQ(o.binds.size(), 1u);
  EXPECT_EQ(o.binds[0].text, "0.0.0.0:5000");
  EXPECT_EQ(o.binds[0].port, 5000);
  // The command line wins.
  o = ok({"-w", "7", "--forwarded-allow-ips", "*", "-b", ":1", "x:y"}, env);
  EXPECT_EQ(o.workers, 7u);
  EXPECT_EQ(o.forwarded_allow_ips, std::vector<std::string>{"*"});
  EXPECT_EQ(o.binds[0].port, 1);
  // Environment defaults are not "given": a config file may change them.
  auto cl = parse({"x:y"}, env);
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->given, std::vector<std::string>{"wsgi_app"});

  env = {};
  env.web_concurrency = "0";
  EXPECT_EQ(error({"x:y"}, env), "WEB_CONCURRENCY: invalid value '0' (expected a positive integer)");
  env.web_concurrency = "many";
  EXPECT_EQ(error({"x:y"}, env),
            "WEB_CONCURRENCY: invalid value 'many' (expected a positive integer)");
  env = {};
  env.port = "http";
  EXPECT_EQ(error({"x:y"}, env), "PORT: invalid value 'http' ('http' is not a valid port number)");
  env = {};
  env.forwarded_allow_ips = "*";
  EXPECT_EQ(ok({"x:y"}, env).forwarded_allow_ips, std::vector<std::string>{"*"});
}

TEST(AppOptions, GunicornCmdArgsUnderTheCommandLine) {
  AppEnvironment env;
  env.cmd_args = "--workers 3 --timeout=90 -b 'unix:/tmp/a b.sock' -e \"K=v w\" ignored:app";
  auto cl = parse({"-w", "5", "x:y"}, env);
  ASSERT_TRUE(cl) << cl.error().message;
  EXPECT_EQ(cl->options.workers, 5u);      // argv wins
  EXPECT_EQ(cl->options.timeout, 90u);     // from GUNICORN_CMD_ARGS
  ASSERT_EQ(cl->options.binds.size(), 1u);
  EXPECT_EQ(cl->options.binds[0].path, "/tmp/a b.sock");
  EXPECT_EQ(cl->options.env[0], (std::pair<std::string, std::string>("K", "v w")));
  EXPECT_EQ(cl->options.app_spec, "x:y");  // positional arguments there are ignored
  // Both sources count as given, so the config file changes neither.
  EXPECT_EQ(cl->given, (std::vector<std::string>{"workers", "wsgi_app", "timeout", "bind", "raw_env"}));

  // The argv's -b replaces GUNICORN_CMD_ARGS' list entirely.
  cl = parse({"-b", ":2", "x:y"}, env);
  ASSERT_TRUE(cl);
  ASSERT_EQ(cl->options.binds.size(), 1u);
  EXPECT_EQ(cl->options.binds[0].port, 2);
}

TEST(AppOptions, GunicornCmdArgsErrorsAreLabelled) {
  AppEnvironment env;
  env.cmd_args = "--workers x";
  EXPECT_EQ(error({"a:b"}, env),
            "GUNICORN_CMD_ARGS: option '-w/--workers': invalid value 'x' (expected a positive integer)");
  env.cmd_args = "--threads 2";
  EXPECT_EQ(error({"a:b"}, env),
            "GUNICORN_CMD_ARGS: option '--threads' is not supported by webcycle app");
  env.cmd_args = "-w 'unclosed";
  EXPECT_EQ(error({"a:b"}, env), "GUNICORN_CMD_ARGS: No closing quotation");
  // An argv error is reported first.
  EXPECT_EQ(error({"--bad", "a:b"}, env), "unrecognized option '--bad'");
}

TEST(AppOptions, ConfigFileChoice) {
  AppEnvironment env;
  env.default_config_file = "/cwd/gunicorn.conf.py";
  auto cl = parse({"a:b"}, env);
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->options.config_file, "/cwd/gunicorn.conf.py");
  EXPECT_EQ(cl->given, std::vector<std::string>{"wsgi_app"});  // not "config"
  env.cmd_args = "-c from_env.py";
  EXPECT_EQ(ok({"a:b"}, env).config_file, "from_env.py");
  EXPECT_EQ(ok({"-c", "argv.py", "a:b"}, env).config_file, "argv.py");
  EXPECT_EQ(ok({"--config=file:argv.py", "a:b"}, env).config_file, "argv.py");
}

TEST(AppOptions, FromEnvironmentReadsTheVariables) {
  setenv("WEB_CONCURRENCY", "6", 1);
  setenv("GUNICORN_CMD_ARGS", "--timeout 5", 1);
  setenv("FORWARDED_ALLOW_IPS", "1.2.3.4", 1);
  unsetenv("PORT");
  const AppEnvironment env = AppEnvironment::from_environment();
  EXPECT_EQ(env.web_concurrency, "6");
  EXPECT_EQ(env.cmd_args, "--timeout 5");
  EXPECT_EQ(env.forwarded_allow_ips, "1.2.3.4");
  EXPECT_FALSE(env.port);
  std::vector<std::string_view> args = {"a:b"};
  auto cl = parse_app_command_line(args);
  unsetenv("WEB_CONCURRENCY");
  unsetenv("GUNICORN_CMD_ARGS");
  unsetenv("FORWARDED_ALLOW_IPS");
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->options.workers, 6u);
  EXPECT_EQ(cl->options.timeout, 5u);
  EXPECT_EQ(cl->options.forwarded_allow_ips, std::vector<std::string>{"1.2.3.4"});
}

TEST(AppOptions, FromEnvironmentFindsGunicornConfPy) {
  char tmpl[] = "/tmp/wc-app-options-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  char old[4096];
  ASSERT_NE(getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  EXPECT_EQ(AppEnvironment::from_environment().default_config_file, "");
  std::ofstream(dir + "/gunicorn.conf.py") << "workers = 2\n";
  EXPECT_EQ(AppEnvironment::from_environment().default_config_file, dir + "/gunicorn.conf.py");
  ASSERT_EQ(chdir(old), 0);
}

TEST(SplitShellWords, PosixShlex) {
  EXPECT_EQ(*split_shell_words("  a  b\tc\n"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*split_shell_words("'a b' \"c d\" e\\ f"),
            (std::vector<std::string>{"a b", "c d", "e f"}));
  EXPECT_EQ(*split_shell_words("x'y'\"z\""), std::vector<std::string>{"xyz"});
  EXPECT_EQ(*split_shell_words(R"("a\"b\\c\d" 'e\f')"),
            (std::vector<std::string>{R"(a"b\c\d)", R"(e\f)"}));
  EXPECT_EQ(*split_shell_words("''"), std::vector<std::string>{""});
  EXPECT_TRUE(split_shell_words("")->empty());
  EXPECT_EQ(split_shell_words("'open").error().message, "No closing quotation");
  EXPECT_EQ(split_shell_words("\"open").error().message, "No closing quotation");
  EXPECT_EQ(split_shell_words("end\\").error().message, "No escaped character");
}

// ---- the config file ------------------------------------------------------------------------

TEST(ApplyConfigSetting, EverySupportedSetting) {
  AppOptions o;
  std::vector<std::string> warnings;
  const std::vector<std::string> given;
  auto apply = [&](const char* name, const ConfigValue& v) {
    auto st = apply_config_setting(name, v, given, o, warnings);
    EXPECT_TRUE(st) << name << ": " << (st ? "" : st.error().message);
  };
  apply("wsgi_app", str("proj.wsgi:application"));
  apply("bind", list({"0.0.0.0:80", "unix:/tmp/s"}));
  apply("workers", integer("4"));
  apply("timeout", integer("0"));
  apply("graceful_timeout", integer("5"));
  apply("keepalive", integer("10"));
  apply("max_requests", str("0x10"));  // int(val, 0)
  apply("max_requests_jitter", boolean(true));  // bools are ints
  apply("chdir", str("/srv"));
  apply("pythonpath", str("/x,/y"));
  apply("raw_env", list({"A=1", "B=2"}));
  apply("pidfile", str("/run/p"));
  apply("accesslog", str("-"));
  apply("access_log_format", str("%(h)s"));
  apply("errorlog", str("/e.log"));
  apply("loglevel", str("warning"));
  apply("limit_request_line", integer("100"));
  apply("limit_request_fields", integer("10"));
  apply("limit_request_field_size", integer("0"));
  apply("forwarded_allow_ips", str("*"));
  apply("preload_app", boolean(true));
  apply("reuse_port", str("True"));
  apply("backlog", integer("128"));
  apply("proc_name", str("p"));
  apply("check_config", boolean(false));
  apply("print_config", str(" false "));
  EXPECT_EQ(o.app_spec, "proj.wsgi:application");
  EXPECT_TRUE(o.app_spec_from_config);
  ASSERT_EQ(o.binds.size(), 2u);
  EXPECT_EQ(o.binds[0].port, 80);
  EXPECT_TRUE(o.binds[1].is_unix);
  EXPECT_EQ(o.workers, 4u);
  EXPECT_EQ(o.timeout, 0u);
  EXPECT_EQ(o.graceful_timeout, 5u);
  EXPECT_EQ(o.keep_alive, 10u);
  EXPECT_EQ(o.max_requests, 16u);
  EXPECT_EQ(o.max_requests_jitter, 1u);
  EXPECT_EQ(o.chdir, "/srv");
  EXPECT_EQ(o.pythonpath, (std::vector<std::string>{"/x", "/y"}));
  ASSERT_EQ(o.env.size(), 2u);
  EXPECT_EQ(o.env[1], (std::pair<std::string, std::string>("B", "2")));
  EXPECT_EQ(o.pidfile, "/run/p");
  EXPECT_EQ(o.access_logfile, "-");
  EXPECT_EQ(o.access_log_format, "%(h)s");
  EXPECT_EQ(o.error_logfile, "/e.log");
  EXPECT_EQ(o.log_level, AppLogLevel::warning);
  EXPECT_EQ(o.limit_request_line, 100u);
  EXPECT_EQ(o.limit_request_fields, 10u);
  EXPECT_EQ(o.limit_request_field_size, 0u);
  EXPECT_EQ(o.forwarded_allow_ips, std::vector<std::string>{"*"});
  EXPECT_TRUE(o.preload);
  EXPECT_TRUE(o.reuse_port);
  EXPECT_EQ(o.backlog, 128u);
  EXPECT_EQ(o.proc_name, "p");
  EXPECT_FALSE(o.check_config);
  EXPECT_FALSE(o.print_config);
  EXPECT_TRUE(warnings.empty());
}

TEST(ApplyConfigSetting, LegacyStringFormsAndNone) {
  AppOptions o;
  std::vector<std::string> warnings;
  ASSERT_TRUE(apply_config_setting("bind", str("unix:/s"), {}, o, warnings));
  ASSERT_EQ(o.binds.size(), 1u);
  EXPECT_TRUE(o.binds[0].is_unix);
  ASSERT_TRUE(apply_config_setting("raw_env", str("X=1"), {}, o, warnings));
  EXPECT_EQ(o.env.size(), 1u);
  ASSERT_TRUE(apply_config_setting("forwarded_allow_ips", list({"1.1.1.1", "2.2.2.2"}), {}, o, warnings));
  EXPECT_EQ(o.forwarded_allow_ips, (std::vector<std::string>{"1.1.1.1", "2.2.2.2"}));
  o.access_logfile = "x";
  o.pidfile = "y";
  ASSERT_TRUE(apply_config_setting("accesslog", none(), {}, o, warnings));
  ASSERT_TRUE(apply_config_setting("pidfile", none(), {}, o, warnings));
  EXPECT_EQ(o.access_logfile, "");
  EXPECT_EQ(o.pidfile, "");
  ASSERT_TRUE(apply_config_setting("preload_app", none(), {}, o, warnings));
  EXPECT_FALSE(o.preload);
}

TEST(ApplyConfigSetting, GivenSettingsAreNotOverridden) {
  auto cl = parse({"-w", "3", "--bind", ":1", "app:one"});
  ASSERT_TRUE(cl);
  AppOptions o = cl->options;
  std::vector<std::string> warnings;
  ASSERT_TRUE(apply_config_setting("workers", integer("9"), cl->given, o, warnings));
  ASSERT_TRUE(apply_config_setting("bind", str(":2"), cl->given, o, warnings));
  ASSERT_TRUE(apply_config_setting("wsgi_app", str("app:two"), cl->given, o, warnings));
  ASSERT_TRUE(apply_config_setting("timeout", integer("9"), cl->given, o, warnings));
  EXPECT_EQ(o.workers, 3u);
  EXPECT_EQ(o.binds[0].port, 1);
  EXPECT_EQ(o.app_spec, "app:one");
  EXPECT_FALSE(o.app_spec_from_config);
  EXPECT_EQ(o.timeout, 9u);  // not given: the config file sets it
  // Given settings are skipped before validation, as gunicorn overwrites them afterwards...
  // (gunicorn would still validate them; webcycle does not need to.)
  ASSERT_TRUE(apply_config_setting("workers", str("junk"), cl->given, o, warnings));
}

TEST(ApplyConfigSetting, PrecedenceDefaultsEnvConfigCmdArgsArgv) {
  // WEB_CONCURRENCY=2 < config workers=3 < GUNICORN_CMD_ARGS --workers 4 < argv -w 5.
  AppEnvironment env;
  env.web_concurrency = "2";
  auto run = [&](std::vector<std::string> argv, std::optional<std::string> cmd_args) {
    env.cmd_args = cmd_args;
    auto cl = parse(argv, env);
    EXPECT_TRUE(cl);
    AppOptions o = cl->options;
    std::vector<std::string> warnings;
    EXPECT_TRUE(apply_config_setting("workers", integer("3"), cl->given, o, warnings));
    return o.workers;
  };
  EXPECT_EQ(run({"a:b"}, std::nullopt), 3u);
  EXPECT_EQ(run({"a:b"}, "--workers 4"), 4u);
  EXPECT_EQ(run({"-w", "5", "a:b"}, "--workers 4"), 5u);
  EXPECT_EQ(run({"-w", "5", "a:b"}, std::nullopt), 5u);
  env.web_concurrency = "2";
  auto cl = parse({"a:b"}, env);
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->options.workers, 2u);  // no config: the environment's default
}

TEST(ApplyConfigSetting, ErrorsNameTheSetting) {
  AppOptions o;
  std::vector<std::string> w;
  auto err = [&](const char* name, const ConfigValue& v) {
    auto st = apply_config_setting(name, v, {}, o, w);
    EXPECT_FALSE(st) << name;
    return st ? "" : st.error().message;
  };
  EXPECT_EQ(err("workers", str("x")), "Invalid value for workers: 'x' (expected a positive integer)");
  EXPECT_EQ(err("workers", integer("0")), "Invalid value for workers: 0 (expected a positive integer)");
  EXPECT_EQ(err("workers", str("010")),
            "Invalid value for workers: '010' (expected a positive integer)");  // int('010', 0)
  EXPECT_EQ(err("timeout", {ConfigValue::Kind::kFloat, {"2.5"}}),
            "Invalid value for timeout: 2.5 (expected a non-negative integer)");
  EXPECT_EQ(err("timeout", integer("-1")),
            "Invalid value for timeout: -1 (expected a non-negative integer)");
  EXPECT_EQ(err("timeout", none()), "Invalid value for timeout: None (expected a non-negative integer)");
  EXPECT_EQ(err("preload_app", integer("1")), "Invalid value for preload_app: 1 (expected True or False)");
  EXPECT_EQ(err("preload_app", str("yes")), "Invalid value for preload_app: 'yes' (expected True or False)");
  EXPECT_EQ(err("bind", integer("80")),
            "Invalid value for bind: 80 (expected a string or a list of strings)");
  EXPECT_EQ(err("bind", list({"h:x"})),
            "Invalid value for bind: ['h:x'] ('h:x': 'x' is not a valid port number)");
  EXPECT_EQ(err("raw_env", list({"A"})), "Invalid value for raw_env: ['A'] ('A': expected KEY=VALUE)");
  EXPECT_EQ(err("loglevel", str("loud")),
            "Invalid value for loglevel: 'loud' (expected debug, info, warning, error or critical)");
  EXPECT_EQ(err("errorlog", integer("2")), "Invalid value for errorlog: 2 (expected a string)");
  EXPECT_EQ(err("errorlog", none()), "Invalid value for errorlog: None (expected a string)");
  EXPECT_EQ(err("access_log_format", str("%(x")),
            "Invalid value for access_log_format: '%(x' (incomplete format key at index 0)");
  EXPECT_TRUE(w.empty());
}

TEST(ApplyConfigSetting, UnknownIgnoredHooksAndUnsupportedWarn) {
  AppOptions o;
  const AppOptions before = o;
  std::vector<std::string> w;
  ASSERT_TRUE(apply_config_setting("my_helper_var", integer("3"), {}, o, w));
  ASSERT_TRUE(apply_config_setting("Workers", integer("3"), {}, o, w));  // names are exact
  EXPECT_EQ(o.workers, before.workers);
  ASSERT_TRUE(apply_config_setting("config", str("other.py"), {}, o, w));  // no effect in a file
  EXPECT_EQ(o.config_file, "");
  EXPECT_TRUE(w.empty());
  ASSERT_TRUE(apply_config_setting("post_fork", {ConfigValue::Kind::kCallable, {}}, {}, o, w));
  ASSERT_TRUE(apply_config_setting("threads", integer("4"), {}, o, w));
  ASSERT_TRUE(apply_config_setting("worker_class", str("gevent"), {}, o, w));
  ASSERT_TRUE(apply_config_setting("daemon", boolean(true), {}, o, w));
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0], "server hook 'post_fork' is not supported by webcycle app (ignored)");
  EXPECT_EQ(w[1], "setting 'threads' is not supported by webcycle app (ignored)");
  EXPECT_EQ(w[2], "setting 'worker_class' is not supported by webcycle app (ignored)");
  EXPECT_EQ(w[3], "setting 'daemon' is not supported by webcycle app (ignored)");
  // gunicorn's defaults restated are quiet.
  w.clear();
  ASSERT_TRUE(apply_config_setting("threads", integer("1"), {}, o, w));
  ASSERT_TRUE(apply_config_setting("worker_class", str("sync"), {}, o, w));
  ASSERT_TRUE(apply_config_setting("daemon", boolean(false), {}, o, w));
  ASSERT_TRUE(apply_config_setting("certfile", none(), {}, o, w));
  ASSERT_TRUE(apply_config_setting("reload_extra_files", list({}), {}, o, w));
  EXPECT_TRUE(w.empty());
}

// ---- finalize, usage, print_config ----------------------------------------------------------

TEST(Finalize, NeedsAnAppAndABind) {
  AppOptions o;
  EXPECT_EQ(finalize(o).error().message, "No application module specified.");
  o.app_spec = "a:b";
  o.binds.clear();
  EXPECT_EQ(finalize(o).error().message, "no address to bind (bind is empty)");
  o.binds.push_back(*parse_bind("127.0.0.1:8000"));
  EXPECT_TRUE(finalize(o));
}

TEST(Finalize, ChdirIsMadeAbsoluteAndMustExist) {
  AppOptions o;
  o.app_spec = "a:b";
  o.binds.push_back(*parse_bind(":8000"));
  o.chdir = "/tmp/./x/../";
  ASSERT_TRUE(finalize(o));
  EXPECT_EQ(o.chdir, "/tmp");
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  o.chdir = ".";
  ASSERT_TRUE(finalize(o));
  EXPECT_EQ(o.chdir, std::string(cwd) == "/" ? "/" : std::string(cwd));
  o.chdir = "/no/such/dir";
  EXPECT_EQ(finalize(o).error().message, "can't chdir to '/no/such/dir'");
}

TEST(AppUsage, ListsEverySupportedOptionWithItsDefault) {
  const std::string u = app_usage();
  EXPECT_TRUE(u.starts_with("usage: webcycle app [OPTIONS] MODULE:CALLABLE\n"));
  for (const char* flag :
       {"-b ADDRESS, --bind ADDRESS", "-w INT, --workers INT", "-t INT, --timeout INT",
        "--graceful-timeout INT", "--keep-alive INT", "--max-requests INT",
        "--max-requests-jitter INT", "--chdir CHDIR", "--pythonpath PYTHONPATH",
        "-e ENV, --env ENV", "-p FILE, --pid FILE", "--access-logfile FILE",
        "--access-logformat STRING", "--error-logfile FILE, --log-file FILE", "--log-level LEVEL",
        "--limit-request-line INT", "--limit-request-fields INT",
        "--limit-request-field_size INT", "--forwarded-allow-ips STRING", "-c CONFIG, --config",
        "--preload", "--reuse-port", "--backlog INT", "-n STRING, --name STRING",
        "--check-config", "--print-config", "-h, --help", "-v, --version"}) {
    EXPECT_NE(u.find(flag), std::string::npos) << flag;
  }
  for (const char* dflt : {"[127.0.0.1:8000;", "[1, or", "[30]", "[2]", "[4094]", "[100]",
                           "[8190]", "[2048]", "[info]", "[-]", "[127.0.0.1, or"}) {
    EXPECT_NE(u.find(dflt), std::string::npos) << dflt;
  }
  EXPECT_NE(u.find("-k, --worker-class"), std::string::npos);
  EXPECT_NE(u.find("--threads"), std::string::npos);
  EXPECT_NE(u.find("GUNICORN_CMD_ARGS"), std::string::npos);
  for (size_t start = 0; start < u.size();) {  // an 80-column terminal shows it unwrapped
    const size_t nl = u.find('\n', start);
    EXPECT_LE(nl - start, 80u) << u.substr(start, nl - start);
    start = nl + 1;
  }
}

TEST(PrintConfig, GunicornsLayout) {
  AppOptions o = ok({"-w", "3", "-e", "A=1", "--pythonpath", "a,b", "-b", "unix:/s", "x:y"});
  o.chdir = "/srv";
  const std::string text = print_config_text(o);
  auto line = [&](const std::string& name) {
    const size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return std::string();
    const size_t end = text.find('\n', at + 1);
    return text.substr(at + 1, end - at - 1);
  };
  EXPECT_TRUE(text.starts_with("access_log_format                 = %(h)s %(l)s"));
  EXPECT_EQ(line("workers"), "workers                           = 3");
  EXPECT_EQ(line("raw_env"), "raw_env                           = ['A=1']");
  EXPECT_EQ(line("pythonpath"), "pythonpath                        = a,b");
  EXPECT_EQ(line("bind"), "bind                              = ['unix:/s']");
  EXPECT_EQ(line("chdir"), "chdir                             = /srv");
  EXPECT_EQ(line("accesslog"), "accesslog                         = None");
  EXPECT_EQ(line("forwarded_allow_ips"), "forwarded_allow_ips               = ['127.0.0.1']");
  EXPECT_EQ(line("worker_class"), "worker_class                      = sync");
  EXPECT_EQ(line("post_fork"), "post_fork                         = <Postfork.post_fork()>");
  EXPECT_EQ(line("default_proc_name"), "default_proc_name                 = x:y");
  EXPECT_EQ(line("wsgi_app"), "wsgi_app                          = None");
  EXPECT_EQ(line("config"), "config                            = ./gunicorn.conf.py");
  EXPECT_EQ(line("loglevel"), "loglevel                          = info");
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, 86u);  // gunicorn 20.1 prints 86 settings
}

}  // namespace
}  // namespace wc::app
