// The web server's part of a stack file, turned back into a config file for `webcycle web -c`:
// nginx text written from the ConfNode tree (serialize_conf), read paths made absolute against the
// stack file's folder (absolutize_paths), and `listen 80` moved to the port `up` chose
// (port_choice.h). Pure: trees and strings in and out, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/conf_parser.h"

namespace wc::up {

// One argument as nginx's parser reads it back to the same bytes: bare when it can be, else in
// double quotes; `\`, `"`, newline, tab and CR escaped either way. `was_quoted` keeps a quoted
// argument quoted (a few directives, e.g. `location`, care).
[[nodiscard]] std::string quote_arg(std::string_view arg, bool was_quoted = false);

// Where a line of the written text came from: the stack file (or an included file) and its line.
struct SourceLine {
  std::string file;
  int line = 0;
};

// The directives as nginx text, one per line (arguments never span lines: newlines are escaped),
// blocks indented by four spaces. Parsing the result with core::parse_conf_text gives the same
// names, args and block structure. `lines`, when given, gets one entry per written line: where
// that directive (or closing brace) was in the source, so the web server's messages about the
// written file can name the stack file's line.
[[nodiscard]] std::string serialize_conf(const std::vector<core::ConfNode>& nodes,
                                         std::vector<SourceLine>* lines = nullptr);

// `text` (a child's output) with each " in WRITTEN:N" also naming the source line:
// " in WRITTEN:N (from STACK:M)". `first_line`: the written file's line holding lines[0].
[[nodiscard]] std::string annotate_lines(const std::string& text, const std::string& written,
                                         const std::vector<SourceLine>& lines, int first_line);

// Makes the file-system paths the web server reads (`root`, `alias`) absolute against `base_dir`,
// in every block. Paths it writes (logs, pid, temp folders) are left relative, so they land under
// the runtime prefix `up` passes with -p. Variables in a path are left alone.
void absolutize_paths(std::vector<core::ConfNode>& nodes, const std::string& base_dir);

// The port of a `listen` argument ("80", "*:80", "127.0.0.1:80", "[::]:80"); 0 for unix: sockets
// and for text without a port (nginx's default 80 is not assumed here).
[[nodiscard]] uint16_t listen_port(std::string_view arg);
// The same argument with its port replaced ("127.0.0.1:80" -> "127.0.0.1:8080", "80" -> "8080").
[[nodiscard]] std::string with_port(std::string_view arg, uint16_t port);

// Every `listen` argument of every `server` (in http), in file order.
[[nodiscard]] std::vector<std::string> listen_args(const std::vector<core::ConfNode>& nodes);

// Moves every `listen` on port `from` to port `to`, and gives a server with no `listen` at all
// (nginx's implicit `listen 80`) an explicit `listen to` when from == 80. Returns how many were
// changed or added.
int move_listen_port(std::vector<core::ConfNode>& nodes, uint16_t from, uint16_t to);

}  // namespace wc::up
