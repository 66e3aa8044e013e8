// `webcycle web`: nginx's command line (SPEC.md "webcycle web").
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "web/options.h"

#ifndef WEBCYCLE_PREFIX
#define WEBCYCLE_PREFIX "/usr/local/webcycle/"
#endif

namespace {

using wc::cli::bad_usage;

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
      return bad_usage("web", "web: invalid option \"" + std::string(arg) + "\"");
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
            return bad_usage("web", std::string("web: option \"-") + flag + "\" requires a value");
          }
          if (flag == 'c') conf = value;
          if (flag == 'p') prefix = value;
          if (flag == 'g') options.g_directives = value;
          if (flag == 's') {
            if (value != "reload" && value != "reopen" && value != "stop" && value != "quit") {
              return bad_usage("web", "web: invalid value \"" + value +
                               "\" for option \"-s\" (reload, reopen, stop or quit)");
            }
            options.signal = value;
          }
          j = arg.size();
          break;
        }
        default:
          return bad_usage("web", std::string("web: invalid option \"-") + flag + "\"");
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
  options.share_dir = wc::cli::share_dir();
  options.conf_file = conf;
  return wc::web::run_web(options);
}


const wc::cli::CommandRegistration kRegistration({
    .name = "web",
    .summary = "the web server (nginx's role): static files, reverse proxy, logs, signals",
    .order = 40,
    .run = web_command,
    .usage = [] { return std::string(kWebUsage); },
});

}  // namespace
