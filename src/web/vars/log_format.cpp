#include "web/vars/log_format.h"

namespace wc::web::vars {

Result<LogFormat> LogFormat::compile(std::string_view format, Escape escape,
                                     const VarRegistry* known) {
  auto t = Template::compile(format, known);
  if (!t) return std::unexpected(std::move(t.error()));
  LogFormat f;
  f.template_ = std::move(*t);
  f.escape_ = escape;
  return f;
}

Result<LogFormat> LogFormat::compile(std::span<const std::string_view> args) {
  Escape escape = Escape::log;
  if (!args.empty() && args.front().starts_with("escape=")) {
    std::string_view value = args.front().substr(7);
    if (value == "default") {
      escape = Escape::log;
    } else if (value == "json") {
      escape = Escape::json;
    } else if (value == "none") {
      escape = Escape::none;
    } else {
      return fail("unknown log format escaping \"" + std::string(value) + "\"");
    }
    args = args.subspan(1);
  }
  std::string joined;
  for (std::string_view a : args) joined.append(a);
  return compile(joined, escape);
}

const LogFormat& LogFormat::combined() {
  static const LogFormat kCombined = *compile(
      "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
      "\"$http_referer\" \"$http_user_agent\"");
  return kCombined;
}

void LogFormat::append_line(const RequestVars& v, std::string& out) const {
  template_.append(v, out, escape_);
  out.push_back('\n');
}

}  // namespace wc::web::vars
