// nginx's lexer (ngx_conf_read_token) rebuilt as a small recursive-descent parser. The rules that
// matter for compatibility: quotes and comments only start at the start of a word; inside a word
// `}` is plain text and `{` is text right after `$` (so `${var}` survives); a quoted word must be
// followed by space, `;` or `{`; the line reported is where the directive ends.
#include "core/conf_parser.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/io.h"

namespace wc::core {

std::string conf_where(std::string_view file, int line) {
  std::string out = "in ";
  out += file;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  return out;
}

namespace {

enum class Token { kSemicolon, kBlockStart, kBlockEnd, kEof };

class Parser {
 public:
  Parser(std::string_view text, const std::string& file, bool count_lines,
         const ParseOptions& options, ConfTree* tree, int depth)
      : text_(text),
        file_(file),
        count_lines_(count_lines),
        options_(options),
        tree_(tree),
        depth_(depth) {}

  // Parses directives until `}` (in_block) or end of text (top level of a file).
  Status parse_block(std::vector<ConfNode>* out, bool in_block) {
    for (;;) {
      std::vector<std::string> args;
      std::vector<bool> quoted;
      auto token = read_directive(&args, &quoted);
      if (!token) return std::unexpected(token.error());
      switch (*token) {
        case Token::kEof:
          if (in_block) return error("unexpected end of file, expecting \"}\"");
          return {};
        case Token::kBlockEnd:
          if (!in_block) return error("unexpected \"}\"");
          return {};
        case Token::kSemicolon:
        case Token::kBlockStart:
          break;
      }
      ConfNode node;
      node.name = std::move(args.front());
      args.erase(args.begin());
      quoted.erase(quoted.begin());
      node.args = std::move(args);
      node.quoted = std::move(quoted);
      node.file = file_;
      node.line = line();
      node.block = *token == Token::kBlockStart;
      if (node.name == "include" && !node.block) {
        auto st = include(node, out);
        if (!st) return st;
        continue;
      }
      if (node.block) {
        auto st = parse_block(&node.children, true);
        if (!st) return st;
        node.end_line = line();
      }
      out->push_back(std::move(node));
    }
  }

 private:
  int line() const { return count_lines_ ? line_ : 0; }

  std::unexpected<Error> error(std::string message) const {
    message += ' ';
    message += conf_where(file_, line());
    return fail(std::move(message));
  }

  int get() {
    if (pos_ >= text_.size()) return -1;
    char ch = text_[pos_++];
    if (ch == '\n') ++line_;
    return static_cast<unsigned char>(ch);
  }

  static bool is_space(int ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

  // Copies a raw word, undoing nginx's escapes: \" \' \\ -> the char, \t \r \n -> control chars,
  // any other backslash pair kept as written.
  static std::string unescape(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 1 < raw.size()) {
        char n = raw[i + 1];
        switch (n) {
          case '"':
          case '\'':
          case '\\':
            out += n;
            ++i;
            continue;
          case 't':
            out += '\t';
            ++i;
            continue;
          case 'r':
            out += '\r';
            ++i;
            continue;
          case 'n':
            out += '\n';
            ++i;
            continue;
          default:
            break;
        }
      }
      out += c;
    }
    return out;
  }

  // One directive's words, up to and including its terminator.
  Result<Token> read_directive(std::vector<std::string>* args, std::vector<bool>* quoted) {
    bool last_space = true, need_space = false, comment = false;
    bool escaped = false, variable = false, d_quoted = false, s_quoted = false;
    size_t start = 0;
    for (;;) {
      int ch = get();
      if (ch < 0) {
        if (!args->empty() || !last_space) {
          // -g text (no lines) is worded as nginx's ngx_conf_param does.
          if (!count_lines_) return error("unexpected end of parameter, expecting \";\"");
          return error("unexpected end of file, expecting \";\" or \"}\"");
        }
        return Token::kEof;
      }
      if (ch == '\n' && comment) {
        comment = false;
        continue;
      }
      if (comment) continue;
      if (escaped) {
        escaped = false;
        continue;
      }
      if (need_space) {
        if (is_space(ch)) {
          last_space = true;
          need_space = false;
          continue;
        }
        if (ch == ';') return Token::kSemicolon;
        if (ch == '{') return Token::kBlockStart;
        if (ch == ')') {
          last_space = true;
          need_space = false;
        } else {
          return error(std::string("unexpected \"") + static_cast<char>(ch) + "\"");
        }
      }
      if (last_space) {
        start = pos_ - 1;
        if (is_space(ch)) continue;
        switch (ch) {
          case ';':
          case '{':
            if (args->empty()) {
              return error(std::string("unexpected \"") + static_cast<char>(ch) + "\"");
            }
            return ch == '{' ? Token::kBlockStart : Token::kSemicolon;
          case '}':
            if (!args->empty()) return error("unexpected \"}\"");
            return Token::kBlockEnd;
          case '#':
            comment = true;
            continue;
          case '\\':
            escaped = true;
            last_space = false;
            continue;
          case '"':
            ++start;
            d_quoted = true;
            last_space = false;
            continue;
          case '\'':
            ++start;
            s_quoted = true;
            last_space = false;
            continue;
          case '$':
            variable = true;
            last_space = false;
            continue;
          default:
            last_space = false;
            continue;
        }
      }
      if (ch == '{' && variable) continue;
      variable = false;
      if (ch == '\\') {
        escaped = true;
        continue;
      }
      if (ch == '$') {
        variable = true;
        continue;
      }
      bool found = false, was_quoted = false;
      if (d_quoted) {
        if (ch == '"') {
          d_quoted = false;
          need_space = true;
          found = was_quoted = true;
        }
      } else if (s_quoted) {
        if (ch == '\'') {
          s_quoted = false;
          need_space = true;
          found = was_quoted = true;
        }
      } else if (is_space(ch) || ch == ';' || ch == '{') {
        last_space = true;
        found = true;
      }
      if (found) {
        args->push_back(unescape(text_.substr(start, pos_ - 1 - start)));
        quoted->push_back(was_quoted);
        if (ch == ';') return Token::kSemicolon;
        if (ch == '{') return Token::kBlockStart;
      }
    }
  }

  static bool has_glob(std::string_view s) { return s.find_first_of("*?[") != s.npos; }

  Status include(const ConfNode& node, std::vector<ConfNode>* out) {
    if (node.args.size() != 1) {
      return fail("invalid number of arguments in \"include\" directive " +
                  conf_where(node.file, node.line));
    }
    if (!options_.allow_include) {
      return fail("\"include\" directive is not allowed here " + conf_where(node.file, node.line));
    }
    if (depth_ >= options_.max_include_depth) {
      return fail("include nesting too deep (an include loop?) " +
                  conf_where(node.file, node.line));
    }
    const std::string& arg = node.args[0];
    std::string path = arg;
    if (arg.empty() || arg[0] != '/') path = options_.include_base + arg;
    if (!has_glob(path)) {
      if (arg[0] != '/' && !options_.include_fallback.empty()) {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
          std::string alt = options_.include_fallback + arg;
          if (::stat(alt.c_str(), &st) == 0) path = std::move(alt);
        }
      }
      return include_file(path, node, out);
    }
    glob_t g{};
    int rc = ::glob(path.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&g);
      return {};
    }
    if (rc != 0) {
      ::globfree(&g);
      return fail("glob() \"" + path + "\" failed " + conf_where(node.file, node.line));
    }
    std::vector<std::string> paths(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    ::globfree(&g);
    for (const auto& p : paths) {
      struct stat st;
      // nginx skips directories that a glob matches.
      if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      auto s = include_file(p, node, out);
      if (!s) return s;
    }
    return {};
  }

  Status include_file(const std::string& path, const ConfNode& node, std::vector<ConfNode>* out) {
    auto text = core::read_file(path);
    if (!text) {
      return fail(text.error().code, text.error().message + " " + conf_where(node.file, node.line));
    }
    return parse_into(path, std::move(*text), options_, tree_, depth_ + 1, out);
  }

 public:
  static Status parse_into(const std::string& path, std::string text, const ParseOptions& options,
                           ConfTree* tree, int depth, std::vector<ConfNode>* out) {
    bool seen = false;
    for (const auto& f : tree->files) seen = seen || f.path == path;
    // The text must outlive the parse: keep it in the tree (also what -T prints).
    std::string local;
    std::string_view view;
    if (!seen) {
      tree->files.push_back(ConfFile{path, std::move(text)});
      // Re-find: push_back may have moved earlier strings, but only this one is used below and
      // parse_into calls for nested includes may push more; copy to a local to be safe.
      local = tree->files.back().text;
    } else {
      local = std::move(text);
    }
    view = local;
    Parser parser(view, path, true, options, tree, depth);
    return parser.parse_block(out, false);
  }

 private:
  std::string_view text_;
  const std::string& file_;
  bool count_lines_;
  const ParseOptions& options_;
  ConfTree* tree_;
  int depth_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Status parse_conf_file(const std::string& path, const ParseOptions& options, ConfTree* tree) {
  auto text = core::read_file(path);
  if (!text) return std::unexpected(text.error());
  return Parser::parse_into(path, std::move(*text), options, tree, 0, &tree->nodes);
}

Status parse_conf_text(std::string_view text, const std::string& file_name,
                       const ParseOptions& options, ConfTree* tree, bool count_lines) {
  Parser parser(text, file_name, count_lines, options, tree, 0);
  return parser.parse_block(&tree->nodes, false);
}

}  // namespace wc::core
