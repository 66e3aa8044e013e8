// What `webcycle web` was asked to do on its command line (SPEC.md, nginx's meanings).
#pragma once

#include <string>

namespace wc::web {

struct WebOptions {
  std::string prefix;        // -p; ends with '/'; relative paths in the config resolve against it
  std::string conf_file;     // -c; absolute after resolution against the prefix
  std::string g_directives;  // -g, main-context directives applied with the file
  std::string share_dir;     // installed share/webcycle: where `include mime.types` falls back to
  std::string signal;        // -s: reload | reopen | stop | quit (empty: run the server)
  bool test_only = false;    // -t
  bool dump = false;         // -T (implies -t)
  bool quiet = false;        // -q: suppress non-error messages during -t
};

// Runs `webcycle web` with parsed options; returns the process exit code (0 ok, 1 failure).
// Start-up failures print nginx's kind of message ("webcycle: [emerg] ...") on stderr.
[[nodiscard]] int run_web(const WebOptions& options);

}  // namespace wc::web
