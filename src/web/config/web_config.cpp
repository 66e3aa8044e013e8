#include "web/config/web_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "web/config/directives.h"

namespace wc::web::config {

namespace {

std::string with_slash(std::string dir) {
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir;
}

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return path;
  std::string out = cwd;
  if (out.back() != '/') out += '/';
  if (path.rfind("./", 0) == 0) return out + path.substr(2);
  return out + path;
}

std::string dirname_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "./";
  return path.substr(0, slash + 1);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  static constexpr std::string_view kNames[] = {"emerg", "alert",  "crit", "error",
                                                "warn",  "notice", "info", "debug"};
  return kNames[static_cast<int>(level)];
}

const std::string& ServerConf::primary_name() const {
  static const std::string kEmpty;
  return names.empty() ? kEmpty : names.front().name;
}

const LogFormat* HttpConf::find_log_format(std::string_view name) const {
  for (const auto& f : log_formats) {
    if (f->name == name) return f.get();
  }
  return nullptr;
}

Result<std::unique_ptr<WebConfig>> load_config(const LoadOptions& options) {
  auto config = std::make_unique<WebConfig>();
  std::string prefix = options.prefix;
  std::string conf = options.conf_file;
  if (!prefix.empty()) prefix = with_slash(absolute(prefix));
  if (!conf.empty() && conf[0] != '/') {
    // nginx resolves -c against the prefix; a path that only exists from the current directory
    // is taken from there, since that is what a user typing `-c site.conf` means.
    std::string from_prefix = prefix + conf;
    if (!prefix.empty() && (options.text != nullptr || exists(from_prefix) || !exists(conf))) {
      conf = from_prefix;
    } else {
      conf = absolute(conf);
    }
  }
  config->conf_file = conf;
  config->conf_dir = dirname_of(conf);
  if (prefix.empty()) {
    // No -p: the parent of the config's directory (PREFIX/conf/webcycle.conf -> PREFIX/).
    std::string dir = config->conf_dir;
    if (dir.size() > 1) dir.pop_back();
    size_t slash = dir.rfind('/');
    prefix = slash == std::string::npos ? "./" : dir.substr(0, slash + 1);
  }
  config->prefix = prefix;

  ParseOptions parse;
  parse.include_base = config->conf_dir;
  parse.allow_include = options.allow_include;
  parse.include_fallback = options.share_dir.empty() ? "" : with_slash(options.share_dir);
  ConfTree tree;
  Status st = options.text != nullptr ? parse_conf_text(*options.text, conf, parse, &tree)
                                      : parse_conf_file(conf, parse, &tree);
  if (!st) return std::unexpected(st.error());
  if (options.text != nullptr) {
    tree.files.insert(tree.files.begin(), ConfFile{conf, *options.text});
  }
  ConfTree g_tree;
  if (!options.g_directives.empty()) {
    st = parse_conf_text(options.g_directives, "command line", parse, &g_tree, false);
    if (!st) return std::unexpected(st.error());
  }
  config->files = std::move(tree.files);
  st = build_config(config.get(), g_tree.nodes, tree.nodes,
                    options.resolve_names && options.allow_include);
  if (!st) return std::unexpected(st.error());
  for (auto& server : config->http.servers) {
    st = index_locations(server.get());
    if (!st) return std::unexpected(st.error());
  }
  st = check_proxy_variables(*config);
  if (!st) return std::unexpected(st.error());
  st = build_listen_groups(config.get());
  if (!st) return std::unexpected(st.error());
  return config;
}

Result<std::unique_ptr<WebConfig>> load_config(const std::string& conf_file,
                                               const std::string& prefix,
                                               std::string_view g_directives) {
  LoadOptions options;
  options.conf_file = conf_file;
  options.prefix = prefix;
  options.g_directives = std::string(g_directives);
  return load_config(options);
}

std::string dump_config(const WebConfig& config) {
  std::string out;
  for (const ConfFile& f : config.files) {
    out += "# configuration file ";
    out += f.path;
    out += ":\n";
    out += f.text;
    out += '\n';
  }
  return out;
}

std::string_view mime_type(const LocationConf& loc, std::string_view path) {
  // The extension is what follows the last '.' of the last path segment (nginx's r->exten).
  size_t i = path.size();
  while (i > 0 && path[i - 1] != '.' && path[i - 1] != '/') --i;
  if (i == 0 || path[i - 1] != '.' || loc.types == nullptr) return loc.default_type;
  std::string_view ext = path.substr(i);
  char buf[64];
  if (ext.empty() || ext.size() > sizeof buf) return loc.default_type;
  for (size_t k = 0; k < ext.size(); ++k) {
    char c = ext[k];
    buf[k] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  auto it = loc.types->find(std::string_view(buf, ext.size()));
  if (it == loc.types->end()) return loc.default_type;
  return it->second;
}

// ---- post-parse passes ---------------------------------------------------------------------

namespace {

Status index_level(LocationConf* level) {
  using Kind = LocationConf::Kind;
  level->exact_locations.clear();
  level->prefix_locations.clear();
  level->regex_locations.clear();
  for (auto& child : level->nested) {
    const LocationConf* c = child.get();
    std::vector<const LocationConf*>* list = nullptr;
    switch (c->kind) {
      case Kind::kExact:
        list = &level->exact_locations;
        break;
      case Kind::kPrefix:
      case Kind::kPrefixNoRegex:
        list = &level->prefix_locations;
        break;
      case Kind::kRegex:
      case Kind::kRegexCaseless:
        level->regex_locations.push_back(c);
        break;
      case Kind::kNamed:
      case Kind::kServer:
        break;
    }
    if (list != nullptr) {
      for (const LocationConf* other : *list) {
        if (other->pattern == c->pattern) {
          return fail("duplicate location \"" + c->pattern + "\" " + conf_where(c->file, c->line));
        }
      }
      list->push_back(c);
    }
    auto st = index_level(child.get());
    if (!st) return st;
  }
  std::stable_sort(level->prefix_locations.begin(), level->prefix_locations.end(),
                   [](const LocationConf* a, const LocationConf* b) {
                     return a->pattern.size() > b->pattern.size();
                   });
  return {};
}

bool same_addr(const ListenConf& a, const ListenConf& b) {
  return a.addr_len == b.addr_len && std::memcmp(&a.addr, &b.addr, a.addr_len) == 0;
}

}  // namespace

Status index_locations(ServerConf* server) { return index_level(&server->loc); }

Status build_listen_groups(WebConfig* config) {
  auto& groups = config->listen_groups;
  groups.clear();
  for (const auto& server : config->http.servers) {
    const SslConf& ssl = server->ssl;
    if (ssl.keys.size() < ssl.certificates.size()) {
      return fail("no \"ssl_certificate_key\" is defined for certificate \"" +
                  ssl.certificates[ssl.keys.size()] + "\" " +
                  conf_where(server->file, server->line));
    }
  }
  // Which group got its `default_server` from a flag (the first server is only the fallback).
  std::vector<bool> explicit_default;
  for (const auto& server : config->http.servers) {
    for (const ListenConf& l : server->listens) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const ListenGroup& g) { return same_addr(g.listen, l); });
      std::string at = conf_where(l.file, l.line);
      if (it == groups.end()) {
        ListenGroup g;
        g.listen = l;
        g.listen.default_server = false;
        g.default_server = server.get();
        groups.push_back(std::move(g));
        explicit_default.push_back(false);
        it = groups.end() - 1;
      } else if (l.options_set) {
        if (it->listen.options_set)
          return fail("duplicate listen options for " + l.addr_text + " " + at);
        bool keep_default = it->listen.default_server;
        it->listen = l;
        it->listen.default_server = keep_default;
      }
      it->listen.ssl = it->listen.ssl || l.ssl;  // nginx ORs it over the address's listens
      it->listen.http2 = it->listen.http2 || l.http2;  // nginx ORs it over the address's listens
      size_t gi = static_cast<size_t>(it - groups.begin());
      if (l.default_server) {
        if (explicit_default[gi])
          return fail("a duplicate default server for " + l.addr_text + " " + at);
        explicit_default[gi] = true;
        it->default_server = server.get();
        it->listen.default_server = true;
      }
      it->servers.push_back(server.get());
    }
  }
  for (ListenGroup& g : groups) {
    // A TLS address needs a certificate in its default server (the one a client without SNI, or
    // with a name no server has, is given), as ngx_http_ssl_init checks.
    if (g.listen.ssl && g.default_server->ssl.certificates.empty()) {
      return fail("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive " +
                  conf_where(g.default_server->file, g.default_server->line));
    }
    // A specific address on a port that also has a wildcard listen is served through the
    // wildcard socket unless it asked for its own (`bind` or an option implying it), as nginx.
    g.bind = true;
    if (!g.listen.wildcard && !g.listen.bind) {
      for (const ListenGroup& w : groups) {
        if (&w != &g && w.listen.wildcard && w.listen.family == g.listen.family &&
            w.listen.port == g.listen.port) {
          g.bind = false;
        }
      }
    }
    for (const ServerConf* server : g.servers) {
      for (const ServerName& name : server->names) {
        switch (name.kind) {
          case ServerName::Kind::kExact: {
            auto [it, inserted] = g.exact_names.try_emplace(name.key, server);
            if (!inserted && it->second != server) {
              config->warnings.push_back("conflicting server name \"" + name.name + "\" on " +
                                         g.listen.addr_text + ", ignored");
            }
            break;
          }
          case ServerName::Kind::kLeadingWildcard:
            if (name.matches_bare) {
              // ngx_hash_add_key: ".example.com" is refused whole when another server has the
              // exact "example.com" already.
              auto it = g.exact_names.find(name.key);
              if (it != g.exact_names.end() && it->second != server) {
                config->warnings.push_back("conflicting server name \"" + name.name + "\" on " +
                                           g.listen.addr_text + ", ignored");
                break;
              }
            }
            g.leading_wildcards.emplace_back(&name, server);
            break;
          case ServerName::Kind::kTrailingWildcard:
            g.trailing_wildcards.emplace_back(&name, server);
            break;
          case ServerName::Kind::kRegex:
            g.regex_names.emplace_back(&name, server);
            break;
        }
      }
    }
    auto longer = [](const auto& a, const auto& b) {
      return a.first->key.size() > b.first->key.size();
    };
    std::stable_sort(g.leading_wildcards.begin(), g.leading_wildcards.end(), longer);
    std::stable_sort(g.trailing_wildcards.begin(), g.trailing_wildcards.end(), longer);
  }
  return {};
}

}  // namespace wc::web::config
