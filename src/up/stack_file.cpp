#include "up/stack_file.h"

#include <charconv>
#include <set>
#include <string_view>

namespace wc::up {
namespace {

using core::conf_where;
using core::ConfNode;

std::unexpected<Error> node_error(const ConfNode& n, std::string message) {
  return fail(message + " " + conf_where(n.file, n.line));
}

std::unexpected<Error> bad_args(const ConfNode& n) {
  return node_error(n, "invalid number of arguments in \"" + n.name + "\" directive");
}

std::unexpected<Error> bad_value(const ConfNode& n, const std::string& value) {
  return node_error(n, "invalid value \"" + value + "\" in \"" + n.name + "\" directive");
}

// ADDR:PORT with a port 1..65535 (nginx's `listen` forms are richer; `up` needs a TCP/UDP address
// it can probe, so the address part is required).
bool valid_host_port(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view port = text.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

Status check_leaf(const ConfNode& n, const char* block) {
  if (n.block)
    return node_error(n, "\"" + n.name + "\" directive is not a block in \"" + block + "\" block");
  return {};
}

Result<DnsSpec> read_dns(const ConfNode& block, const std::string& base) {
  DnsSpec dns;
  dns.present = true;
  dns.file = block.file;
  dns.line = block.line;
  for (const ConfNode& n : block.children) {
    if (n.name != "listen" && n.name != "zone" && n.name != "hosts" && n.name != "query_log") {
      return node_error(n, "unknown directive \"" + n.name + "\" in \"dns\" block");
    }
    if (auto s = check_leaf(n, "dns"); !s) return std::unexpected(s.error());
    if (n.name == "listen") {
      if (n.args.size() != 1) return bad_args(n);
      if (!valid_host_port(n.args[0])) return bad_value(n, n.args[0]);
      dns.listen.push_back(n.args[0]);
    } else if (n.name == "zone") {
      if (n.args.size() != 2) return bad_args(n);
      dns.zones.emplace_back(n.args[0], resolve_path(n.args[1], base));
    } else if (n.name == "hosts") {
      if (n.args.size() != 1) return bad_args(n);
      dns.hosts = resolve_path(n.args[0], base);
    } else {
      if (n.args.size() != 1) return bad_args(n);
      dns.query_log = resolve_path(n.args[0], base);
    }
  }
  if (dns.listen.empty()) {
    return fail("\"listen\" directive is missing in \"dns\" block " +
                conf_where(block.file, block.line));
  }
  return dns;
}

Result<AppSpec> read_app(const ConfNode& block, const std::string& base) {
  AppSpec app;
  app.name = block.args[0];
  app.file = block.file;
  app.line = block.line;
  app.chdir = resolve_path(".", base);
  for (const ConfNode& n : block.children) {
    static const std::set<std::string_view> known = {"module",     "chdir",     "bind", "workers",
                                                     "access_log", "error_log", "env"};
    if (!known.contains(n.name)) {
      return node_error(n, "unknown directive \"" + n.name + "\" in \"app\" block");
    }
    if (auto s = check_leaf(n, "app"); !s) return std::unexpected(s.error());
    if (n.args.size() != 1) return bad_args(n);
    const std::string& v = n.args[0];
    if (n.name == "module") {
      if (v.empty() || v[0] == ':') return bad_value(n, v);
      app.module = v;
    } else if (n.name == "chdir") {
      app.chdir = resolve_path(v, base);
    } else if (n.name == "bind") {
      if (!valid_host_port(v)) return bad_value(n, v);
      app.bind = v;
    } else if (n.name == "workers") {
      int w = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), w);
      if (ec != std::errc() || end != v.data() + v.size() || w < 1 || w > 256) {
        return bad_value(n, v);
      }
      app.workers = w;
    } else if (n.name == "access_log") {
      app.access_log = resolve_path(v, base);
    } else if (n.name == "error_log") {
      app.error_log = resolve_path(v, base);
    } else {
      if (v.find('=') == std::string::npos || v[0] == '=') return bad_value(n, v);
      app.env.push_back(v);
    }
  }
  for (const char* required : {"module", "bind"}) {
    const std::string& value = std::string_view(required) == "module" ? app.module : app.bind;
    if (value.empty()) {
      return fail("\"" + std::string(required) + "\" directive is missing in app \"" + app.name +
                  "\" " + conf_where(block.file, block.line));
    }
  }
  return app;
}

Result<ClientSpec> read_client(const ConfNode& block, const std::string& base) {
  ClientSpec client;
  for (const ConfNode& n : block.children) {
    if (n.name != "hosts" && n.name != "search" && n.name != "try") {
      return node_error(n, "unknown directive \"" + n.name + "\" in \"client\" block");
    }
    if (auto s = check_leaf(n, "client"); !s) return std::unexpected(s.error());
    if (n.name == "try") {
      if (n.args.empty()) return bad_args(n);
      client.tries.push_back(n.args);
      continue;
    }
    if (n.args.size() != 1) return bad_args(n);
    if (n.name == "hosts") {
      client.hosts = resolve_path(n.args[0], base);
    } else {
      if (n.args[0].find("%s") == std::string::npos) return bad_value(n, n.args[0]);
      client.search = n.args[0];
    }
  }
  return client;
}

}  // namespace

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (!path.empty() && path[0] == '/') return path;
  std::string base = base_dir.empty() ? "." : base_dir;
  if (base.back() != '/') base += '/';
  if (path == "." || path.empty()) {
    base.pop_back();
    return base;
  }
  return base + path;
}

Result<Stack> read_stack(const std::vector<ConfNode>& nodes, const std::string& base_dir) {
  Stack stack;
  std::set<std::string> app_names;
  bool seen_client = false;
  for (const ConfNode& n : nodes) {
    if (n.name == "dns") {
      if (!n.block) return node_error(n, "\"dns\" directive has no opening \"{\"");
      if (!n.args.empty()) return bad_args(n);
      if (stack.dns.present) return node_error(n, "\"dns\" directive is duplicate");
      auto dns = read_dns(n, base_dir);
      if (!dns) return std::unexpected(dns.error());
      stack.dns = std::move(*dns);
    } else if (n.name == "client") {
      if (!n.block) return node_error(n, "\"client\" directive has no opening \"{\"");
      if (!n.args.empty()) return bad_args(n);
      if (seen_client) return node_error(n, "\"client\" directive is duplicate");
      seen_client = true;
      auto client = read_client(n, base_dir);
      if (!client) return std::unexpected(client.error());
      stack.client = std::move(*client);
    } else if (n.name == "app") {
      if (!n.block) return node_error(n, "\"app\" directive has no opening \"{\"");
      if (n.args.size() != 1 || n.args[0].empty()) return bad_args(n);
      if (!app_names.insert(n.args[0]).second) {
        return node_error(n, "duplicate app \"" + n.args[0] + "\"");
      }
      auto app = read_app(n, base_dir);
      if (!app) return std::unexpected(app.error());
      stack.apps.push_back(std::move(*app));
    } else {
      stack.web.push_back(n);
    }
  }
  return stack;
}

Result<Stack> load_stack_file(const std::string& path, const std::string& include_fallback) {
  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  core::ParseOptions options;
  options.include_base = dir.back() == '/' ? dir : dir + "/";
  options.include_fallback = include_fallback;
  core::ConfTree tree;
  if (auto s = core::parse_conf_file(path, options, &tree); !s) {
    return std::unexpected(s.error());
  }
  return read_stack(tree.nodes, dir);
}

}  // namespace wc::up
