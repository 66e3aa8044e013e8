#include "web/config/map.h"

#include <algorithm>

#include "core/ascii.h"
#include "core/conf_parser.h"

namespace wc::web::config {

namespace {

std::unexpected<Error> err(const ConfNode& n, const std::string& message) {
  return fail(message + " " + conf_where(n.file, n.line));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A template's variables are referenced in the registry (any unknown name is checked once the
// whole configuration is read, as nginx does).
Status reference(std::string_view source, vars::VarRegistry& registry, const ConfNode& n) {
  auto t = vars::Template::compile_collecting(source, registry, conf_where(n.file, n.line));
  if (!t) return err(n, t.error().message);
  return {};
}

// ngx_hash_add_key's wildcard check: "*." only at the start, ".*" only at the end, one of them.
enum class Wild { kNone, kLeading, kTrailing, kInvalid };
Wild wildcard_kind(std::string_view key) {
  const size_t stars = static_cast<size_t>(std::count(key.begin(), key.end(), '*'));
  if (stars == 0) return key.size() > 1 && key.front() == '.' ? Wild::kLeading : Wild::kNone;
  if (stars > 1) return Wild::kInvalid;
  if (key.size() > 2 && key.starts_with("*.")) return Wild::kLeading;
  if (key.size() > 2 && key.ends_with(".*")) return Wild::kTrailing;
  return Wild::kInvalid;
}

}  // namespace

NamedCaptures declare_captures(const Regex& regex, vars::VarRegistry& registry) {
  NamedCaptures named;
  for (const auto& [name, group] : regex.named_groups()) {
    named.emplace_back(registry.declare(name), group);
  }
  return named;
}

Result<std::unique_ptr<MapConf>> parse_map(const ConfNode& node, vars::VarRegistry& registry) {
  auto map = std::make_unique<MapConf>();
  map->file = node.file;
  map->line = node.line;
  map->source = node.args[0];
  if (auto st = reference(map->source, registry, node); !st) return std::unexpected(st.error());
  const std::string& target = node.args[1];
  if (target.size() < 2 || target[0] != '$') {
    return err(node, "invalid variable name \"" + target + "\"");
  }
  if (auto builtin = vars::Template::compile(target); builtin) {
    return err(node, "the duplicate \"" + target.substr(1) + "\" variable");
  }
  map->var = registry.declare(std::string_view(target).substr(1));

  // Values are shared between keys that give the same text (nginx keeps one copy too).
  auto value_index = [&](const std::string& text) -> size_t {
    for (size_t i = 0; i < map->values.size(); ++i) {
      if (map->values[i] == text) return i;
    }
    map->values.push_back(text);
    return map->values.size() - 1;
  };
  for (const ConfNode& e : node.children) {
    if (e.block) return err(e, "unexpected \"{\"");
    if (e.args.empty() && e.name == "hostnames") {
      map->hostnames = true;
      continue;
    }
    if (e.args.empty() && e.name == "volatile") {
      map->is_volatile = true;
      continue;
    }
    if (e.args.size() != 1) return err(e, "invalid number of the map parameters");
    const std::string& value = e.args[0];
    if (auto st = reference(value, registry, e); !st) return std::unexpected(st.error());
    if (e.name == "default") {
      if (map->default_value != SIZE_MAX) return err(e, "duplicate default map parameter");
      map->default_value = value_index(value);
      continue;
    }
    std::string_view key = e.name;
    if (!key.empty() && key[0] == '\\')
      key.remove_prefix(1);  // "\default", "\~x": literal
    else if (!key.empty() && key[0] == '~') {
      const bool caseless = key.size() > 1 && key[1] == '*';
      auto re = Regex::compile(key.substr(caseless ? 2 : 1), caseless);
      if (!re) return err(e, re.error().message);
      NamedCaptures named = declare_captures(**re, registry);
      map->regexes.push_back({std::move(*re), value_index(value), std::move(named)});
      continue;
    }
    std::string k = lower(key);
    if (map->hostnames) {
      if (!k.empty() && k.back() == '.' && k.size() > 1 && k[k.size() - 2] != '*') k.pop_back();
      const Wild w = wildcard_kind(k);
      if (w == Wild::kInvalid) return err(e, "invalid hostname or wildcard \"" + e.name + "\"");
      if (w == Wild::kLeading) {
        std::string wk = k[0] == '*' ? k.substr(1) : k;  // ".example.com"
        const bool bare = k[0] == '.';                   // also example.com itself
        for (const auto& l : map->leading) {
          if (l.key == wk) return err(e, "conflicting parameter \"" + e.name + "\"");
        }
        map->leading.push_back({wk, value_index(value)});
        if (bare) {
          auto [it, inserted] = map->exact.try_emplace(k.substr(1), map->leading.back().value);
          if (!inserted) return err(e, "conflicting parameter \"" + e.name + "\"");
        }
        continue;
      }
      if (w == Wild::kTrailing) {
        std::string wk = k.substr(0, k.size() - 1);  // "www.example."
        for (const auto& t : map->trailing) {
          if (t.key == wk) return err(e, "conflicting parameter \"" + e.name + "\"");
        }
        map->trailing.push_back({wk, value_index(value)});
        continue;
      }
    }
    auto [it, inserted] = map->exact.try_emplace(k, value_index(value));
    if (!inserted) return err(e, "conflicting parameter \"" + e.name + "\"");
  }
  auto longest_first = [](const MapConf::Wildcard& a, const MapConf::Wildcard& b) {
    return a.key.size() > b.key.size();
  };
  std::stable_sort(map->leading.begin(), map->leading.end(), longest_first);
  std::stable_sort(map->trailing.begin(), map->trailing.end(), longest_first);
  return map;
}

Status compile_map(MapConf& map, vars::VarRegistry& registry) {
  auto where = [&] { return " in map " + conf_where(map.file, map.line); };
  auto source = vars::Template::compile(map.source, &registry);
  if (!source) return fail(source.error().message + where());
  map.source_template = std::move(*source);
  map.value_templates.clear();
  for (const std::string& v : map.values) {
    auto t = vars::Template::compile(v, &registry);
    if (!t) return fail(t.error().message + where());
    map.value_templates.push_back(std::move(*t));
  }
  vars::VarRegistry::Entry& e = registry.entry(map.var);
  e.lazy_def = &map;
  e.lazy = &evaluate_map;
  e.is_volatile = map.is_volatile;
  return {};
}

void evaluate_map(const void* def, const vars::RequestVars& v, vars::UserVars& user,
                  std::string& out) {
  const MapConf& map = *static_cast<const MapConf*>(def);
  std::string subject;
  map.source_template.append(v, subject);
  std::string_view key = subject;
  if (map.hostnames && !key.empty() && key.back() == '.') key.remove_suffix(1);
  std::string low = lower(key);
  size_t found = SIZE_MAX;
  if (auto it = map.exact.find(low); it != map.exact.end()) {
    found = it->second;
  } else if (map.hostnames) {
    for (const MapConf::Wildcard& l : map.leading) {
      if (low.size() > l.key.size() && low.ends_with(l.key)) {
        found = l.value;
        break;
      }
    }
    if (found == SIZE_MAX) {
      for (const MapConf::Wildcard& t : map.trailing) {
        if (low.size() > t.key.size() && low.starts_with(t.key)) {
          found = t.value;
          break;
        }
      }
    }
  }
  if (found != SIZE_MAX) {
    map.value_templates[found].append(v, out);
    return;
  }
  // nginx tries the regexes only for a non-empty value.
  if (!key.empty()) {
    for (const MapConf::RegexEntry& r : map.regexes) {
      Captures caps;
      if (!r.regex->match(key, &caps)) continue;
      for (const auto& [var, group] : r.named) user.set(var, caps.group(group));
      std::string_view groups[Captures::kMaxGroups];
      const int n = std::min(caps.count, Captures::kMaxGroups);
      for (int i = 0; i < n; ++i) groups[i] = caps.group(i);
      map.value_templates[r.value].append(v, out, vars::Escape::none,
                                          {groups, static_cast<size_t>(n)});
      return;
    }
  }
  if (map.default_value != SIZE_MAX) map.value_templates[map.default_value].append(v, out);
}

}  // namespace wc::web::config
