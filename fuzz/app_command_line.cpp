// Fuzzes `webcycle app`'s option parsing (app/options/app_options.h). The input is a list of
// items, split on NUL when it holds one (so an item may hold '\n'), else on '\n':
//   - leading items "PORT=...", "WEB_CONCURRENCY=...", "FORWARDED_ALLOW_IPS=...",
//     "GUNICORN_CMD_ARGS=...", "CONFIG=..." (the default config file) make the AppEnvironment;
//   - the rest is argv (after "app") for parse_app_command_line;
//   - every item is also tried as a --bind value (parse_bind), the argv joined with ' ' as
//     GUNICORN_CMD_ARGS text (split_shell_words), and every argv item "name=value" with a
//     lower-case name as a config-file setting (apply_config_setting), the value's kind chosen by
//     its first byte: '"' string, '[' list (split on ','), 'T'/'F' bool, 'N' None, '<' callable,
//     a digit or '-' int, '.' float, anything else the Python repr of some other object.
// Invariants: every error is one non-empty line (no '\n'); a successful parse keeps gunicorn's
// limits (1 <= workers, limit_request_line <= 8190, 1 <= limit_request_fields <= 32768), has at
// least one bind, each bind valid (unix: a path; else a lower-case host), an access log format
// that compiles, setting names in `given` once each, and the default config file unless -c was
// given; a setting named in `given` is left alone by apply_config_setting; split_shell_words
// gives back the same words for its words quoted as shlex.quote does; parse_bind keeps the
// stripped text and refuses with "--bind: invalid address '...".
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/log/access_format.h"
#include "app/options/app_options.h"
#include "fuzz_util.h"

namespace {

using namespace wc::app;

void check_error(const std::string& m) {
  FUZZ_CHECK(!m.empty());
  FUZZ_CHECK(m.find('\n') == std::string::npos);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

void check_options(const AppOptions& o) {
  FUZZ_CHECK(o.workers >= 1);
  FUZZ_CHECK(o.limit_request_line <= 8190);
  FUZZ_CHECK(o.limit_request_fields >= 1 && o.limit_request_fields <= 32768);
  for (const BindAddress& b : o.binds) {
    if (b.is_unix) {
      FUZZ_CHECK(!b.path.empty());
    } else {
      FUZZ_CHECK(!b.host.empty());
      FUZZ_CHECK(
          std::none_of(b.host.begin(), b.host.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    }
  }
  FUZZ_CHECK(AccessFormat::compile(o.access_log_format).has_value());
}

// shlex.quote: safe words as they are, others in single quotes ("'" as '"'"').
std::string shell_quote(std::string_view w) {
  const bool safe = !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(w);
  std::string q = "'";
  for (char c : w) {
    if (c == '\'') {
      q += "'\"'\"'";
    } else {
      q += c;
    }
  }
  return q + "'";
}

ConfigValue config_value(std::string_view v) {
  ConfigValue cv;
  using Kind = ConfigValue::Kind;
  const char c = v.empty() ? '"' : v[0];
  if (c == '"') {
    cv.kind = Kind::kString;
    cv.values.emplace_back(v.empty() ? v : v.substr(1));
  } else if (c == '[') {
    cv.kind = Kind::kList;
    std::string_view rest = v.substr(1);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      cv.values.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (c == 'T' || c == 'F') {
    cv.kind = Kind::kBool;
    cv.values.emplace_back(c == 'T' ? "True" : "False");
  } else if (c == 'N') {
    cv.kind = Kind::kNone;
  } else if (c == '<') {
    cv.kind = Kind::kCallable;
  } else if ((c >= '0' && c <= '9') || c == '-') {
    cv.kind = Kind::kInt;
    cv.values.emplace_back(v);
  } else if (c == '.') {
    cv.kind = Kind::kFloat;
    cv.values.emplace_back(v.substr(1));
  } else {
    cv.kind = Kind::kOther;
    cv.values.emplace_back(v);
  }
  return cv;
}

bool config_name(std::string_view n) {
  return !n.empty() &&
         std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const char sep = input.find('\0') != std::string_view::npos ? '\0' : '\n';
  // Each item in its own exactly-sized block (fuzz_util.h).
  std::vector<fuzz::Owned> items;
  {
    std::string_view rest = input;
    while (true) {
      const size_t at = rest.find(sep);
      items.emplace_back(rest.substr(0, at));
      if (at == std::string_view::npos) break;
      rest.remove_prefix(at + 1);
    }
    if (size == 0) items.clear();
  }

  AppEnvironment env;
  size_t first_arg = 0;
  for (; first_arg < items.size(); ++first_arg) {
    const std::string_view it = items[first_arg].view();
    auto value = [&](std::string_view key) -> std::optional<std::string> {
      if (it.starts_with(key)) return std::string(it.substr(key.size()));
      return std::nullopt;
    };
    if (auto v = value("PORT=")) {
      env.port = v;
    } else if (auto v = value("WEB_CONCURRENCY=")) {
      env.web_concurrency = v;
    } else if (auto v = value("FORWARDED_ALLOW_IPS=")) {
      env.forwarded_allow_ips = v;
    } else if (auto v = value("GUNICORN_CMD_ARGS=")) {
      env.cmd_args = v;
    } else if (auto v = value("CONFIG=")) {
      env.default_config_file = *v;
    } else {
      break;
    }
  }
  std::vector<std::string_view> args;
  for (size_t i = first_arg; i < items.size(); ++i) args.push_back(items[i].view());

  // 1. The command line.
  auto cl = parse_app_command_line(args, env);
  std::vector<std::string> given;
  if (!cl) {
    check_error(cl.error().message);
  } else {
    check_options(cl->options);
    if (!cl->help && !cl->version) FUZZ_CHECK(!cl->options.binds.empty());
    for (size_t i = 0; i < cl->given.size(); ++i) {
      FUZZ_CHECK(!cl->given[i].empty());
      for (size_t k = 0; k < i; ++k) FUZZ_CHECK(cl->given[k] != cl->given[i]);
    }
    const bool config_given =
        std::find(cl->given.begin(), cl->given.end(), "config") != cl->given.end();
    if (!config_given && !cl->help && !cl->version) {
      FUZZ_CHECK(cl->options.config_file == env.default_config_file);
    }
    given = cl->given;
  }

  // 2. Every item as a --bind value.
  for (const fuzz::Owned& it : items) {
    auto b = parse_bind(it.view());
    if (!b) {
      check_error(b.error().message);
      FUZZ_CHECK(b.error().message.starts_with("--bind: invalid address '"));
    } else {
      FUZZ_CHECK(b->text == strip(it.view()));
      if (b->is_unix) {
        FUZZ_CHECK(!b->path.empty() && b->port == 0);
      } else {
        FUZZ_CHECK(!b->host.empty());
      }
    }
  }

  // 3. The argv as GUNICORN_CMD_ARGS text: split, quote, split again.
  {
    std::string text;
    for (std::string_view a : args) {
      if (!text.empty()) text += ' ';
      text += a;
    }
    auto words = split_shell_words(text);
    if (!words) {
      check_error(words.error().message);
      FUZZ_CHECK(words.error().message == "No closing quotation" ||
                 words.error().message == "No escaped character");
    } else {
      std::string quoted;
      for (const std::string& w : *words) {
        FUZZ_CHECK(!w.empty() || text.find_first_of("'\"") != std::string::npos);
        if (!quoted.empty()) quoted += ' ';
        quoted += shell_quote(w);
      }
      auto again = split_shell_words(quoted);
      FUZZ_CHECK(again.has_value() && *again == *words);
    }
  }

  // 4. "name=value" items as config-file settings, on the defaults and on the command line's
  // options with its `given`.
  AppOptions from_defaults;
  AppOptions from_cl = cl ? cl->options : AppOptions();
  std::vector<std::string> warnings;
  for (std::string_view a : args) {
    const size_t eq = a.find('=');
    if (eq == std::string_view::npos || !config_name(a.substr(0, eq))) continue;
    const std::string_view name = a.substr(0, eq);
    const ConfigValue cv = config_value(a.substr(eq + 1));
    auto st = apply_config_setting(name, cv, {}, from_defaults, warnings);
    if (!st) check_error(st.error().message);
    check_options(from_defaults);
    const std::string before = print_config_text(from_cl);
    st = apply_config_setting(name, cv, given, from_cl, warnings);
    if (!st) check_error(st.error().message);
    check_options(from_cl);
    if (std::find(given.begin(), given.end(), name) != given.end()) {
      FUZZ_CHECK(st.has_value() && print_config_text(from_cl) == before);
    }
  }
  for (const std::string& w : warnings) check_error(w);
  return 0;
}
