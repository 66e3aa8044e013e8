#include "dnsserver/options.h"

#include <arpa/inet.h>

#include "core/conf_parser.h"

namespace wc::dnsserver {

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string relative_to(const std::string& folder, const std::string& path) {
  if (path.empty() || path[0] == '/' || path == "-") return path;
  return folder + path;
}

Status apply(const std::vector<core::ConfNode>& nodes, const std::string& folder,
             DnsOptions& options, bool top) {
  for (const core::ConfNode& node : nodes) {
    const std::string where = core::conf_where(node.file, node.line);
    auto args = [&](size_t n) -> Status {
      if (node.block || node.args.size() != n) {
        return fail("invalid number of arguments in \"" + node.name + "\" directive " + where);
      }
      return {};
    };
    if (node.name == "dns" && top && node.block) {
      if (!node.args.empty()) {
        return fail("invalid number of arguments in \"dns\" directive " + where);
      }
      if (auto s = apply(node.children, folder, options, false); !s) return s;
    } else if (node.name == "listen") {
      if (auto s = args(1); !s) return s;
      options.listen.push_back(node.args[0]);
    } else if (node.name == "zone") {
      if (auto s = args(2); !s) return s;
      options.zones.push_back(ZoneSource{node.args[0], relative_to(folder, node.args[1])});
    } else if (node.name == "hosts") {
      if (auto s = args(1); !s) return s;
      options.hosts = relative_to(folder, node.args[0]);
    } else if (node.name == "forward") {
      if (auto s = args(1); !s) return s;
      options.forward = node.args[0];
    } else if (node.name == "query_log") {
      if (auto s = args(1); !s) return s;
      options.query_log = node.args[0] == "off" ? "" : relative_to(folder, node.args[0]);
    } else if (node.name == "error_log") {
      if (auto s = args(1); !s) return s;
      options.error_log = node.args[0] == "stderr" ? "" : relative_to(folder, node.args[0]);
    } else if (node.name == "round_robin") {
      if (auto s = args(1); !s) return s;
      auto v = parse_on_off(node.args[0]);
      if (!v)
        return fail("invalid value \"" + node.args[0] + "\" in \"round_robin\" directive " + where);
      options.round_robin = *v;
    } else if (node.name == "pid") {
      if (auto s = args(1); !s) return s;
      options.pid_file = relative_to(folder, node.args[0]);
    } else {
      return fail("unknown directive \"" + node.name + "\" " + where);
    }
  }
  return {};
}

}  // namespace

Status read_config_file(const std::string& path, DnsOptions& options) {
  core::ConfTree tree;
  core::ParseOptions parse_options;
  parse_options.include_base = folder_of(path);
  if (auto s = core::parse_conf_file(path, parse_options, &tree); !s) return s;
  return apply(tree.nodes, folder_of(path), options, true);
}

std::optional<bool> parse_on_off(std::string_view text) {
  if (text == "on") return true;
  if (text == "off") return false;
  return std::nullopt;
}

Result<ZoneSource> parse_zone_flag(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return fail("invalid zone \"" + text + "\": expected ORIGIN=FILE");
  }
  return ZoneSource{text.substr(0, eq), text.substr(eq + 1)};
}

Result<core::SocketAddress> parse_forward(const std::string& text) {
  in6_addr v6{};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return core::SocketAddress::parse(text + ":" + std::to_string(kDefaultForwardPort));
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return core::SocketAddress::parse("[" + text + "]:" + std::to_string(kDefaultForwardPort));
  }
  auto addr = core::SocketAddress::parse(text);
  if (!addr) return fail("invalid forward address \"" + text + "\": " + addr.error().message);
  if (addr->port() == 0) return fail("invalid forward address \"" + text + "\": port 0");
  return addr;
}

Result<core::SocketAddress> parse_listen(const std::string& text) {
  auto addr = core::SocketAddress::parse(text);
  if (!addr) return fail("invalid listen address \"" + text + "\": " + addr.error().message);
  return addr;
}

}  // namespace wc::dnsserver
