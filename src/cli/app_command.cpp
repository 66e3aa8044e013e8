// `webcycle app`: gunicorn's command line (SPEC.md "webcycle app"); the parsing lives in
// src/app/options, shared with the app's own tests.
#include <string>
#include <string_view>
#include <vector>

#include "app/app_main.h"
#include "app/options/app_options.h"
#include "cli/command.h"

namespace {

int app_command(int argc, char** argv) {
  std::vector<std::string_view> args(argv, argv + argc);
  return wc::app::app_main(args);
}

const wc::cli::CommandRegistration kRegistration({
    .name = "app",
    .summary = "the application server (gunicorn's role): runs a Python WSGI application",
    .order = 50,
    .run = app_command,
    .usage = [] { return wc::app::app_usage(); },
});

}  // namespace
