// webcycle: one binary, one command per part of the cycle (SPEC.md "One binary").
// This file only dispatches and parses flags; every command's work lives in its own library.
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <unistd.h>
#include <string>
#include <string_view>
#include <vector>

#include "app/app_main.h"
#include "app/options/app_options.h"
#include "web/options.h"

#ifndef WEBCYCLE_SHARE_DIR
#define WEBCYCLE_SHARE_DIR "/usr/local/share/webcycle/"
#endif
#ifndef WEBCYCLE_PREFIX
#define WEBCYCLE_PREFIX "/usr/local/webcycle/"
#endif

namespace {

constexpr const char* kUsage =
    "usage: webcycle <command> [options]\n"
    "\n"
    "commands:\n"
    "  web       the web server (nginx's role): static files, logs, signals\n"
    "  app       the application server (gunicorn's role): runs a Python WSGI application\n"
    "  help CMD  show a command's help\n"
    "\n"
    "  webcycle --version   print the version\n";

constexpr const char* kWebUsage =
    "usage: webcycle web [-c FILE] [-p PREFIX] [-t] [-T] [-q] [-s SIGNAL] [-g DIRECTIVES]\n"
    "\n"
    "Runs the web server in the foreground: one master process and worker_processes workers.\n"
    "\n"
    "options:\n"
    "  -c FILE        configuration file (default: PREFIX/conf/webcycle.conf)\n"
    "  -p PREFIX      prefix path for relative paths in the config (default: " WEBCYCLE_PREFIX ")\n"
    "  -t             test the configuration and exit (0: ok, 1: error)\n"
    "  -T             test the configuration, dump it to stdout and exit\n"
    "  -q             suppress non-error messages during -t\n"
    "  -s SIGNAL      send SIGNAL to the running master via its pid file:\n"
    "                 reload (HUP), reopen (USR1), stop (TERM), quit (QUIT)\n"
    "  -g DIRECTIVES  main-context directives, e.g. -g 'worker_processes 2;'\n"
    "  -h, --help     this help\n"
    "\n"
    "signals: HUP reload, USR1 reopen logs, QUIT graceful stop, TERM/INT fast stop.\n";

// Where `include mime.types;` falls back to when the config's directory has none: the share
// folder beside the running binary (PREFIX/bin/webcycle -> PREFIX/share/webcycle/, so an install
// with any --prefix works), else the configured install path, else the source tree's share/ (a
// binary run from its build folder).
std::string share_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path() / "share" / "webcycle";
    if (fs::exists(beside / "mime.types", ec)) return beside.string() + "/";
  }
  if (fs::exists(fs::path(WEBCYCLE_SHARE_DIR) / "mime.types", ec)) return WEBCYCLE_SHARE_DIR;
  return WEBCYCLE_SOURCE_SHARE_DIR;
}

int bad_usage(const std::string& message) {
  std::fprintf(stderr, "webcycle: %s (see 'webcycle help web')\n", message.c_str());
  return 2;
}

// nginx's flag grammar: single-letter flags, a value either attached (-cFILE) or next (-c FILE).
int web_command(int argc, char** argv) {
  wc::web::WebOptions options;
  std::string prefix;
  std::string conf;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      std::fputs(kWebUsage, stdout);
      return 0;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') {
      return bad_usage("web: invalid option \"" + std::string(arg) + "\"");
    }
    for (size_t j = 1; j < arg.size(); ++j) {
      char flag = arg[j];
      switch (flag) {
        case 't':
          options.test_only = true;
          continue;
        case 'T':
          options.test_only = true;
          options.dump = true;
          continue;
        case 'q':
          options.quiet = true;
          continue;
        case 'c':
        case 'p':
        case 'g':
        case 's': {
          std::string value;
          if (j + 1 < arg.size()) {
            value = std::string(arg.substr(j + 1));
          } else if (i + 1 < argc) {
            value = argv[++i];
          } else {
            return bad_usage(std::string("web: option \"-") + flag + "\" requires a value");
          }
          if (flag == 'c') conf = value;
          if (flag == 'p') prefix = value;
          if (flag == 'g') options.g_directives = value;
          if (flag == 's') {
            if (value != "reload" && value != "reopen" && value != "stop" && value != "quit") {
              return bad_usage("web: invalid value \"" + value +
                               "\" for option \"-s\" (reload, reopen, stop or quit)");
            }
            options.signal = value;
          }
          j = arg.size();
          break;
        }
        default:
          return bad_usage(std::string("web: invalid option \"-") + flag + "\"");
      }
    }
  }
  if (prefix.empty()) prefix = WEBCYCLE_PREFIX;
  if (prefix.back() != '/') prefix += '/';
  if (prefix[0] != '/') {
    // nginx resolves a relative -p against the working directory.
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) != nullptr) prefix = std::string(cwd) + "/" + prefix;
  }
  if (conf.empty()) conf = "conf/webcycle.conf";
  if (conf[0] != '/') conf = prefix + conf;
  options.prefix = prefix;
  options.share_dir = share_dir();
  options.conf_file = conf;
  return wc::web::run_web(options);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "--version" || command == "-v" || command == "version") {
    std::printf("webcycle %s\n", WEBCYCLE_VERSION);
    return 0;
  }
  if (command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "help") {
    if (argc < 3) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::string_view topic = argv[2];
    if (topic == "web") {
      std::fputs(kWebUsage, stdout);
      return 0;
    }
    if (topic == "app") {
      std::fputs(wc::app::app_usage().c_str(), stdout);
      return 0;
    }
    return bad_usage("help: unknown command \"" + std::string(topic) + "\"");
  }
  if (command == "web") return web_command(argc - 2, argv + 2);
  if (command == "app") {
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return wc::app::app_main(args);
  }
  return bad_usage("unknown command \"" + std::string(command) + "\"");
}
