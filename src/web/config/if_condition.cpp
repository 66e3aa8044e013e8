#include "web/config/if_condition.h"

#include "web/config/map.h"

namespace wc::web::config {

namespace {

std::unexpected<Error> err(const ConfNode& n, const std::string& message) {
  return fail(message + " " + conf_where(n.file, n.line));
}

}  // namespace

Result<IfCondition> parse_if_condition(const ConfNode& n, vars::VarRegistry& registry) {
  std::vector<std::string> args = n.args;
  const auto invalid = [&](const std::string& a) {
    return err(n, "invalid condition \"" + a + "\"");
  };
  if (args.empty() || args.front().empty() || args.front()[0] != '(') {
    return invalid(args.empty() ? std::string() : args.front());
  }
  if (args.front().size() == 1) {
    args.erase(args.begin());
  } else {
    args.front().erase(0, 1);
  }
  if (args.empty() || args.back().empty() || args.back().back() != ')') {
    return invalid(args.empty() ? std::string(")") : args.back());
  }
  if (args.back().size() == 1) {
    args.pop_back();
  } else {
    args.back().pop_back();
  }
  if (args.empty()) return invalid(")");

  const std::string where = conf_where(n.file, n.line);
  auto use = [&](const std::string& source) -> Status {
    auto t = vars::Template::compile_collecting(source, registry, where);
    if (!t) return err(n, t.error().message);
    return {};
  };

  IfCondition c;
  const std::string& first = args[0];
  if (first.size() > 1 && first[0] == '$') {
    if (args.size() != 1 && args.size() != 3) return invalid(first);
    c.subject = first;
    if (auto st = use(c.subject); !st) return std::unexpected(st.error());
    if (args.size() == 1) return c;
    const std::string& op = args[1];
    const std::string& operand = args[2];
    if (op == "=" || op == "!=") {
      c.op = op == "=" ? IfCondition::Op::kEqual : IfCondition::Op::kNotEqual;
      c.operand = operand;
      if (auto st = use(c.operand); !st) return std::unexpected(st.error());
      return c;
    }
    if (op == "~" || op == "~*" || op == "!~" || op == "!~*") {
      c.op = op[0] == '!' ? IfCondition::Op::kNotMatch : IfCondition::Op::kMatch;
      auto re = Regex::compile(operand, op.back() == '*');
      if (!re) return err(n, re.error().message);
      c.regex = std::move(*re);
      c.named = declare_captures(*c.regex, registry);
      return c;
    }
    return err(n, "unexpected \"" + op + "\" in condition");
  }
  const bool negate = first.size() == 3 && first[0] == '!' && first[1] == '-';
  if ((first.size() == 2 && first[0] == '-') || negate) {
    if (args.size() != 2) return invalid(first);
    const char op = first.back();
    if (op == 'f') {
      c.file = IfCondition::File::kPlain;
    } else if (op == 'd') {
      c.file = IfCondition::File::kDir;
    } else if (op == 'e') {
      c.file = IfCondition::File::kExists;
    } else if (op == 'x') {
      c.file = IfCondition::File::kExec;
    } else {
      return invalid(first);
    }
    c.op = IfCondition::Op::kFile;
    c.negate_file = negate;
    c.subject = args[1];
    if (auto st = use(c.subject); !st) return std::unexpected(st.error());
    return c;
  }
  return invalid(first);
}

}  // namespace wc::web::config
