// Syntax layer of nginx's configuration language: text -> tree of directives, nothing more. Shared
// by everything that reads nginx syntax (the web config, `webcycle dns -c`, stack files). No
// directive is understood here except `include`, which is expanded in place (any context) so that
// the semantic layer sees one tree. Single-threaded, start-up/reload only (not request path).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wc::core {

// One directive: `name args...;` or `name args... { children }`.
struct ConfNode {
  std::string name;
  std::vector<std::string> args;  // unquoted and unescaped; `${var}` and `$var` kept as text
  std::string file;               // file the directive is in ("command line" for -g)
  // 1-based line where the directive ends (its `;` or `{`), which is what nginx reports in
  // messages; 0 for -g text.
  int line = 0;
  bool block = false;  // followed by `{ ... }`
  int end_line = 0;    // a block's closing `}` line (nginx reports some block checks there)
  std::vector<ConfNode> children;
  // Whether each arg was quoted in the source ('...' or "..."), parallel to args. nginx treats
  // a quoted `{`-like word as text; some directives (e.g. `location`) care.
  std::vector<bool> quoted;
};

// A file read while parsing, kept whole for `-T` (dump_config).
struct ConfFile {
  std::string path;
  std::string text;
};

struct ParseOptions {
  // Relative `include` paths are resolved against this directory (nginx's conf prefix: the
  // directory of the main config file). Must end with '/' or be empty (= current directory).
  std::string include_base;
  // A relative plain (non-glob) include that is missing under include_base is tried here next
  // (the installed share/webcycle, so `include mime.types;` works from any config dir).
  std::string include_fallback;
  // false: `include` is an error (fuzzing, untrusted text).
  bool allow_include = true;
  int max_include_depth = 32;
};

struct ConfTree {
  std::vector<ConfNode> nodes;  // top-level (main context) directives, includes expanded
  std::vector<ConfFile> files;  // every file read, in reading order, each path once
};

// "in /x/site.conf:12" or "in command line" (line 0): the suffix of every config message.
[[nodiscard]] std::string conf_where(std::string_view file, int line);

// Reads and parses `path` (and everything it includes) into `tree`, appending to tree->nodes.
// Errors, in nginx's words (without the "[emerg]" prefix the caller adds):
//   open() "/x" failed (2: No such file or directory)          (main file missing)
//   open() "/x" failed (2: No such file or directory) in F:L   (included file missing)
//   unexpected "}" in F:L, unexpected end of file, expecting "}" in F:L,
//   unexpected "{" in F:L, unexpected ";" in F:L, unexpected end of file, expecting ";" or "}",
//   invalid number of arguments in "include" directive in F:L, ...
[[nodiscard]] Status parse_conf_file(const std::string& path, const ParseOptions& options,
                                     ConfTree* tree);

// Parses text held in memory, naming it `file_name` in messages (use "command line" with
// line numbers off for -g text: pass count_lines = false).
[[nodiscard]] Status parse_conf_text(std::string_view text, const std::string& file_name,
                                     const ParseOptions& options, ConfTree* tree,
                                     bool count_lines = true);

}  // namespace wc::core
