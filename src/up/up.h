// `webcycle up [STACK.conf]` (SPEC.md "webcycle up"): reads the stack file, lays out the runtime
// folder, and supervises the DNS server, the application servers and the web server.
//
// Runtime folder (--runtime-dir, else $XDG_RUNTIME_DIR/webcycle-up/NAME, else
// /tmp/webcycle-up-UID/NAME, NAME = the stack file's folder name, e.g. "demo"):
//   conf/webcycle.conf   the web server's part of the stack file (`web -c`, `-p` = the folder)
//   logs/                access.log, error.log (web, unless the stack says otherwise),
//                        app-NAME.access.log, app-NAME.error.log, dns-query.log, and each
//                        child's stdout+stderr as NAME.out
//   resolv.conf          `nameserver ADDR:PORT` naming the dns block's first listen
//   hosts                when the stack's client block names none (knows localhost only)
//   ca.pem, conf/tls/    HTTPS: the stack's own CA (browse --cacert ca.pem) and the certificate
//                        (demo.crt, demo.key) `ssl_certificate tls/demo.crt` names
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "up/stack_file.h"
#include "up/web_conf.h"

namespace wc::up {

struct UpOptions {
  std::string stack_path;   // empty: share_dir + "demo/stack.conf"
  std::string share_dir;    // the installed share/webcycle/ (mime.types, the demo), trailing '/'
  std::string runtime_dir;  // empty: the default above
  std::optional<uint16_t> web_port;  // --port: replaces the stack's `listen 80`
  std::optional<uint16_t> dns_port;  // --dns-port: replaces the port of each dns listen
  std::optional<uint16_t> tls_port;  // --tls-port: replaces the stack's `listen 443` (HTTPS)
  int grace_ms = 10000;              // --grace
  bool check_only = false;           // -t/--check: read the stack file, say whether it is ok
};

// Everything `up` derives from the stack before it starts anything (built by plan_stack, printed by
// the start-up table; tests check it).
struct Plan {
  std::string stack_path;
  std::string runtime_dir;
  std::string web_conf;  // runtime/conf/webcycle.conf
  std::string web_conf_text;
  std::vector<SourceLine> web_lines;  // web_conf_text's line kWebConfFirstLine + i came from here
  bool has_web = true;                // the stack has an http block (else no web server is run)
  uint16_t web_port = 0;              // 0: the stack listens on ports of its own
  bool port_fell_back = false;
  std::string web_listen;             // first listen, as a client connects to it ("127.0.0.1:8080")
  std::string access_log, error_log;  // the web server's, absolute
  std::string resolv_conf;            // written by up; empty without a dns block
  std::string hosts;                  // the client's hosts file
  std::string search;                 // the client's search template, with the web port
  std::string dns_query_log;
  // HTTPS: the stack's `listen 443 ... ssl` moved to tls_port (0: none). `up` makes a CA of its
  // own (ca_file, the --cacert for browse and curl; its key beside the certificate) and a
  // certificate for tls_names (every server_name, localhost, 127.0.0.1) in tls_dir, which the
  // stack's `ssl_certificate tls/demo.crt` names (relative to conf/). Made at start, never shipped.
  uint16_t tls_port = 0;
  std::string ca_file;                 // runtime/ca.pem
  std::string tls_dir;                 // runtime/conf/tls
  std::vector<std::string> tls_names;  // the certificate's subjectAltNames
  Stack stack;                         // with dns and app log paths filled in
};

// The generated web config's first directive line (after its two comment lines).
inline constexpr int kWebConfFirstLine = 3;

// Default runtime folder for a stack file (see above).
[[nodiscard]] std::string default_runtime_dir(const std::string& stack_path);

// Adds ":PORT" to the host of `url` when port != 80 and the URL names none:
// ("http://search.mysite.test/search?q=%s", 8080) -> "http://search.mysite.test:8080/search?q=%s".
[[nodiscard]] std::string url_with_port(const std::string& url, uint16_t port);

// Reads the stack and decides ports, paths and the generated web config (no files written).
// `try_bind`: port_choice's can_bind (tests pass a fake). Errors: the stack file's.
[[nodiscard]] Result<Plan> plan_stack(const UpOptions& options,
                                      const std::function<bool(const std::string&)>& try_bind);

// Runs `up`: returns its exit code (0 after Ctrl-C/TERM, 1 when the stack file is wrong or a child
// cannot start).
[[nodiscard]] int run_up(const UpOptions& options);

}  // namespace wc::up
