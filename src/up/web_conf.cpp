#include "up/web_conf.h"

#include <charconv>

#include "up/stack_file.h"

namespace wc::up {
namespace {

using core::ConfNode;

void write_nodes(const std::vector<ConfNode>& nodes, int depth, std::string* out,
                 std::vector<SourceLine>* lines) {
  for (const ConfNode& n : nodes) {
    if (lines != nullptr) lines->push_back({n.file, n.line});
    out->append(static_cast<size_t>(depth) * 4, ' ');
    out->append(quote_arg(n.name));
    for (size_t i = 0; i < n.args.size(); ++i) {
      out->push_back(' ');
      out->append(quote_arg(n.args[i], i < n.quoted.size() && n.quoted[i]));
    }
    if (n.block) {
      out->append(" {\n");
      write_nodes(n.children, depth + 1, out, lines);
      if (lines != nullptr) lines->push_back({n.file, n.end_line});
      out->append(static_cast<size_t>(depth) * 4, ' ');
      out->append("}\n");
    } else {
      out->append(";\n");
    }
  }
}

template <class F>
void for_each_node(std::vector<ConfNode>& nodes, const F& f) {
  for (ConfNode& n : nodes) {
    f(n);
    for_each_node(n.children, f);
  }
}

}  // namespace

std::string quote_arg(std::string_view arg, bool was_quoted) {
  bool quote = was_quoted || arg.empty();
  for (char c : arg) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '{' || c == '}' ||
        c == '#' || c == '"' || c == '\'') {
      quote = true;
    }
  }
  std::string out;
  out.reserve(arg.size() + 2);
  if (quote) out.push_back('"');
  for (char c : arg) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
  if (quote) out.push_back('"');
  return out;
}

std::string serialize_conf(const std::vector<ConfNode>& nodes, std::vector<SourceLine>* lines) {
  std::string out;
  write_nodes(nodes, 0, &out, lines);
  return out;
}

std::string annotate_lines(const std::string& text, const std::string& written,
                           const std::vector<SourceLine>& lines, int first_line) {
  const std::string needle = " in " + written + ":";
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t at = text.find(needle, pos);
    if (at == std::string::npos) break;
    size_t digits = at + needle.size();
    size_t end = digits;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    out.append(text, pos, end - pos);
    int n = 0;
    auto [p, ec] = std::from_chars(text.data() + digits, text.data() + end, n);
    (void)p;
    const int index = n - first_line;
    if (ec == std::errc() && index >= 0 && static_cast<size_t>(index) < lines.size() &&
        lines[static_cast<size_t>(index)].line > 0) {
      const SourceLine& src = lines[static_cast<size_t>(index)];
      out += " (from " + src.file + ":" + std::to_string(src.line) + ")";
    }
    pos = end;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

void absolutize_paths(std::vector<ConfNode>& nodes, const std::string& base_dir) {
  for_each_node(nodes, [&](ConfNode& n) {
    if ((n.name == "root" || n.name == "alias") && !n.block && n.args.size() == 1 &&
        !n.args[0].empty() && n.args[0][0] != '$') {
      n.args[0] = resolve_path(n.args[0], base_dir);
    }
  });
}

uint16_t listen_port(std::string_view arg) {
  if (arg.starts_with("unix:")) return 0;
  std::string_view digits = arg;
  size_t bracket = arg.rfind(']');
  size_t colon = arg.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    digits = arg.substr(colon + 1);
  } else if (arg.find_first_not_of("0123456789") != std::string_view::npos) {
    return 0;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value > 65535) return 0;
  return static_cast<uint16_t>(value);
}

std::string with_port(std::string_view arg, uint16_t port) {
  size_t bracket = arg.rfind(']');
  size_t colon = arg.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    return std::string(arg.substr(0, colon + 1)) + std::to_string(port);
  }
  return std::to_string(port);
}

std::vector<std::string> listen_args(const std::vector<ConfNode>& nodes) {
  std::vector<std::string> out;
  auto walk = [&](auto& self, const std::vector<ConfNode>& level, bool in_server) -> void {
    for (const ConfNode& n : level) {
      if (in_server && n.name == "listen" && !n.args.empty()) out.push_back(n.args[0]);
      if (n.block) self(self, n.children, n.name == "server");
    }
  };
  walk(walk, nodes, false);
  return out;
}

int move_listen_port(std::vector<ConfNode>& nodes, uint16_t from, uint16_t to) {
  int changed = 0;
  for_each_node(nodes, [&](ConfNode& n) {
    if (n.name != "server" || !n.block) return;
    bool has_listen = false;
    for (ConfNode& child : n.children) {
      if (child.name != "listen" || child.args.empty()) continue;
      has_listen = true;
      if (listen_port(child.args[0]) == from) {
        child.args[0] = with_port(child.args[0], to);
        ++changed;
      }
    }
    if (!has_listen && from == 80) {
      ConfNode listen;
      listen.name = "listen";
      listen.args = {std::to_string(to)};
      listen.quoted = {false};
      listen.file = n.file;
      listen.line = n.line;
      n.children.insert(n.children.begin(), std::move(listen));
      ++changed;
    }
  });
  return changed;
}

}  // namespace wc::up
