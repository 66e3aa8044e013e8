// A stack file (SPEC.md "webcycle up"): the web server's config in nginx syntax plus two more
// kinds of top-level block, `dns { ... }` and `app NAME { ... }`. read_stack() splits the parsed
// tree (core/conf_parser.h, the one nginx-syntax parser) into what each child of `up` runs:
//
//   dns { listen ADDR:PORT; zone ORIGIN FILE; hosts FILE; query_log FILE; }
//   app NAME { module M:APP; chdir DIR; bind ADDR:PORT; workers N;
//              access_log FILE; error_log FILE; env KEY=VALUE; }
//   client { hosts FILE; search URL_TEMPLATE; try INPUT...; }
//
// `client` (webcycle's addition to SPEC.md's two) says what the client side should use: the hosts
// file and search template `up` exports as WEBCYCLE_HOSTS / WEBCYCLE_SEARCH (the resolv.conf is
// always the one `up` writes, naming the dns block's first listen), and the `browse` inputs to
// print as things to try. A dns block's own `hosts` is the DNS server's (`dns --hosts`).
//
// Everything else (main-context directives, `events`, `http`) is the web server's and is kept as
// ConfNodes, untouched, for web_conf.h to write out. Relative paths in dns and app blocks are made
// absolute against the stack file's folder; log paths left unset are filled in by `up` (its
// runtime folder). Pure: a tree in, a Stack out, no I/O.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/conf_parser.h"
#include "core/result.h"

namespace wc::up {

struct DnsSpec {
  bool present = false;
  std::vector<std::string> listen;                         // "127.0.0.1:5353", at least one
  std::vector<std::pair<std::string, std::string>> zones;  // origin, absolute zone file path
  std::string hosts;                                       // absolute, or empty
  std::string query_log;                                   // absolute, or empty (up's default)
  std::string file;                                        // where the block is, for messages
  int line = 0;
};

struct AppSpec {
  std::string name;
  std::string module;  // "demo_app:app"
  std::string chdir;   // absolute
  std::string bind;    // "127.0.0.1:8001"
  int workers = 1;
  std::string access_log;        // absolute, or empty (up's default)
  std::string error_log;         // absolute, or empty (up's default)
  std::vector<std::string> env;  // "KEY=VALUE", passed as `app -e`
  std::string file;
  int line = 0;
};

struct ClientSpec {
  std::string hosts;   // absolute, or empty (up writes one that knows localhost)
  std::string search;  // "http://search.mysite.test/search?q=%s", or empty
  std::vector<std::vector<std::string>> tries;  // browse args, e.g. {"-v", "www.mysite.test"}
};

struct Stack {
  DnsSpec dns;
  ClientSpec client;
  std::vector<AppSpec> apps;
  std::vector<core::ConfNode> web;  // every other top-level directive, in file order
};

// Splits `nodes` (a parsed stack file) against `base_dir` (the stack file's folder, with or without
// a trailing '/'). Errors, each ending with conf_where()'s " in FILE:LINE":
//   unknown directive "x" in "dns" block / in "app" block
//   invalid number of arguments in "zone" directive
//   "dns" directive is duplicate (also "client"); duplicate app "shop"
//   "dns" directive has no opening "{" (a dns/app line without a block)
//   "module" directive is missing in app "shop" (also "bind"; "listen" for dns)
//   invalid value "x" in "workers" directive
//   invalid value "x" in "bind" directive (not ADDR:PORT)
[[nodiscard]] Result<Stack> read_stack(const std::vector<core::ConfNode>& nodes,
                                       const std::string& base_dir);

// Parses the file at `path` (includes resolved against its folder, then `include_fallback`, the
// installed share folder, so `include mime.types;` works) and read_stack()s it.
[[nodiscard]] Result<Stack> load_stack_file(const std::string& path,
                                            const std::string& include_fallback);

// `path` made absolute against `base_dir` (kept as is when it is absolute already).
[[nodiscard]] std::string resolve_path(const std::string& path, const std::string& base_dir);

}  // namespace wc::up
