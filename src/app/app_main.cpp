#include "app/app_main.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app/log/app_log.h"
#include "app/master.h"
#include "app/options/app_options.h"
#include "app/python/application.h"
#include "app/python/interpreter.h"
#include "app/worker.h"

namespace wc::app {

namespace {

int bad_usage(const std::string& message) {
  std::fprintf(stderr, "webcycle: app: %s (see 'webcycle help app')\n", message.c_str());
  return 2;
}

// Command line, then the config file (-c) under it: gunicorn's precedence.
Result<AppOptions> load_options(const std::vector<std::string>& argv) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  auto cl = parse_app_command_line(args);
  if (!cl) return std::unexpected(cl.error());
  AppOptions options = std::move(cl->options);
  if (!options.config_file.empty()) {
    auto settings = python::read_config_file(options.config_file);
    if (!settings) return std::unexpected(settings.error());
    std::vector<std::string> warnings;
    for (const python::ConfigSetting& s : *settings) {
      ConfigValue v;
      v.kind = static_cast<ConfigValue::Kind>(s.kind);
      v.values = s.values;
      if (auto st = apply_config_setting(s.name, v, cl->given, options, warnings); !st) {
        return std::unexpected(st.error());
      }
    }
    for (const std::string& w : warnings) app_log().log(AppLogLevel::warning, w);
  }
  if (auto st = finalize(options); !st) return std::unexpected(st.error());
  if (options.chdir.empty()) {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) options.chdir = cwd;
  }
  return options;
}

}  // namespace

int app_main(std::span<const std::string_view> args) {
  const std::vector<std::string> argv(args.begin(), args.end());
  {
    std::vector<std::string_view> views(argv.begin(), argv.end());
    auto cl = parse_app_command_line(views);
    if (!cl) return bad_usage(cl.error().message);
    if (cl->help) {
      std::fputs(app_usage().c_str(), stdout);
      return 0;
    }
    if (cl->version) {
      std::printf("webcycle app %s\n", WEBCYCLE_VERSION);
      return 0;
    }
  }
  auto options = load_options(argv);
  if (!options) {
    std::fprintf(stderr, "Error: %s\n", options.error().message.c_str());
    return 1;
  }
  // gunicorn changes directory before anything is imported; the workers inherit it.
  if (::chdir(options->chdir.c_str()) != 0) {
    std::fprintf(stderr, "Error: can't chdir to '%s'\n", options->chdir.c_str());
    return 1;
  }
  if (auto s = app_log().open(options->error_logfile, options->log_level); !s) {
    std::fprintf(stderr, "Error: %s\n", s.error().message.c_str());
    return 1;
  }
  if (options->print_config) {
    // gunicorn prints the settings, then checks the application as --check-config does.
    std::fputs(print_config_text(*options).c_str(), stdout);
    std::fflush(stdout);
  }
  if (options->check_config || options->print_config) {
    auto app = import_application(*options, {});
    if (!app) {
      std::fprintf(stderr, "%s\n", app.error().message.c_str());
      return 1;  // gunicorn's --check-config exits 1 when the application does not load
    }
    return 0;
  }
  AppMaster master([argv] { return load_options(argv); });
  return master.run(std::move(*options));
}

}  // namespace wc::app
