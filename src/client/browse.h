// `webcycle browse`: the address bar, the lookup, the request, the page (SPEC.md "webcycle
// browse"). run_browse() is the whole command after its flags are parsed (src/cli/
// browse_command.cpp): it classifies the input (input_classifier.h), turns a search into the
// search template's URL (search.h), loads the resolver's files, and runs the session on its own
// event loop (session.h: lookup, each address in turn, the request (request.h), the response
// (response_reader.h), redirects, the body or the page as text (html_text.h)). With `verbose`
// every step goes to stderr with its time since the start (trace.h).
//
// Exit codes are curl's (docs in /tmp/notes/browse-docs.md): 0 ok; 1 unsupported protocol
// (not http or https); 3 malformed URL; 6 site not found ("webcycle: site not found: NAME");
// 7 cannot connect; 8 weird server reply; 18 partial body; 22 status >= 400 with `fail`;
// 23 cannot write the output; 26 cannot read -d @FILE; 28 timeout; 35 TLS handshake failure;
// 47 too many redirects; 52 empty reply; 55 send failure; 56 receive failure; 60 certificate
// not trusted or not for the host; 61 bad content encoding; 77 unreadable --cacert file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/resolver/resolver.h"

namespace wc::client {

struct BrowseOptions {
  std::string input;                 // what was typed (several words already joined with spaces)
  bool verbose = false;              // -v
  bool include = false;              // -i: response heads before the body
  bool head = false;                 // -I: HEAD, print the heads
  bool fail = false;                 // -f: exit 22 for status >= 400, print no body
  bool text = false;                 // --text: HTML rendered as text
  bool compressed = false;           // --compressed: Accept-Encoding: deflate, gzip, and decode
  std::string output;                // -o FILE; empty = stdout
  std::string method;                // -X; empty = GET, HEAD with -I, POST with -d
  std::optional<std::string> data;   // -d, already read (@FILE) and joined with '&'
  std::vector<std::string> headers;  // -H
  long max_redirs = 50;              // --max-redirs, curl's default; -1 = no limit
  double connect_timeout_s = 0;      // --connect-timeout; 0 = curl's 300 s
  double max_time_s = 0;             // --max-time; 0 = none
  std::optional<std::string> hosts;  // --hosts (else WEBCYCLE_HOSTS, else /etc/hosts)
  std::optional<std::string> resolv_conf;  // --resolv-conf (else WEBCYCLE_RESOLV_CONF, ...)
  std::optional<std::string> search;       // --search (else WEBCYCLE_SEARCH, else the demo's)
  Family family = Family::kAny;            // -4 / -6
  std::string cacert;                      // --cacert FILE; empty = the system store
  bool insecure = false;                   // -k / --insecure: no certificate checks
};

// Runs one browse to the end; returns the exit code. Writes the body to stdout (or the -o file),
// messages and the -v trace to stderr.
[[nodiscard]] int run_browse(const BrowseOptions& options);

}  // namespace wc::client
