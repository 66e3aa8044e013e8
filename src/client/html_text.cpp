#include "client/html_text.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include "client/url.h"
#include "core/ascii.h"

namespace wc::client {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

using core::iequals;

void append_utf8(uint32_t cp, std::string& out) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The named references pages commonly use (HTML 4's Latin-1, symbols and punctuation subset).
const std::unordered_map<std::string_view, uint32_t>& named_references() {
  static const std::unordered_map<std::string_view, uint32_t> table = {
      {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
      {"apos", '\''},     {"nbsp", 0xA0},     {"iexcl", 0xA1},    {"cent", 0xA2},
      {"pound", 0xA3},    {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
      {"sect", 0xA7},     {"uml", 0xA8},      {"copy", 0xA9},     {"ordf", 0xAA},
      {"laquo", 0xAB},    {"not", 0xAC},      {"shy", 0xAD},      {"reg", 0xAE},
      {"macr", 0xAF},     {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
      {"sup3", 0xB3},     {"acute", 0xB4},    {"micro", 0xB5},    {"para", 0xB6},
      {"middot", 0xB7},   {"cedil", 0xB8},    {"sup1", 0xB9},     {"ordm", 0xBA},
      {"raquo", 0xBB},    {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
      {"iquest", 0xBF},   {"Agrave", 0xC0},   {"Aacute", 0xC1},   {"Acirc", 0xC2},
      {"Atilde", 0xC3},   {"Auml", 0xC4},     {"Aring", 0xC5},    {"AElig", 0xC6},
      {"Ccedil", 0xC7},   {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},
      {"Euml", 0xCB},     {"Igrave", 0xCC},   {"Iacute", 0xCD},   {"Icirc", 0xCE},
      {"Iuml", 0xCF},     {"ETH", 0xD0},      {"Ntilde", 0xD1},   {"Ograve", 0xD2},
      {"Oacute", 0xD3},   {"Ocirc", 0xD4},    {"Otilde", 0xD5},   {"Ouml", 0xD6},
      {"times", 0xD7},    {"Oslash", 0xD8},   {"Ugrave", 0xD9},   {"Uacute", 0xDA},
      {"Ucirc", 0xDB},    {"Uuml", 0xDC},     {"Yacute", 0xDD},   {"THORN", 0xDE},
      {"szlig", 0xDF},    {"agrave", 0xE0},   {"aacute", 0xE1},   {"acirc", 0xE2},
      {"atilde", 0xE3},   {"auml", 0xE4},     {"aring", 0xE5},    {"aelig", 0xE6},
      {"ccedil", 0xE7},   {"egrave", 0xE8},   {"eacute", 0xE9},   {"ecirc", 0xEA},
      {"euml", 0xEB},     {"igrave", 0xEC},   {"iacute", 0xED},   {"icirc", 0xEE},
      {"iuml", 0xEF},     {"eth", 0xF0},      {"ntilde", 0xF1},   {"ograve", 0xF2},
      {"oacute", 0xF3},   {"ocirc", 0xF4},    {"otilde", 0xF5},   {"ouml", 0xF6},
      {"divide", 0xF7},   {"oslash", 0xF8},   {"ugrave", 0xF9},   {"uacute", 0xFA},
      {"ucirc", 0xFB},    {"uuml", 0xFC},     {"yacute", 0xFD},   {"thorn", 0xFE},
      {"yuml", 0xFF},     {"OElig", 0x152},   {"oelig", 0x153},   {"Scaron", 0x160},
      {"scaron", 0x161},  {"fnof", 0x192},    {"circ", 0x2C6},    {"tilde", 0x2DC},
      {"Alpha", 0x391},   {"Beta", 0x392},    {"Gamma", 0x393},   {"Delta", 0x394},
      {"Omega", 0x3A9},   {"alpha", 0x3B1},   {"beta", 0x3B2},    {"gamma", 0x3B3},
      {"delta", 0x3B4},   {"lambda", 0x3BB},  {"mu", 0x3BC},      {"pi", 0x3C0},
      {"sigma", 0x3C3},   {"omega", 0x3C9},   {"ensp", 0x2002},   {"emsp", 0x2003},
      {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},    {"ndash", 0x2013},
      {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},  {"sbquo", 0x201A},
      {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"dagger", 0x2020},
      {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026}, {"permil", 0x2030},
      {"prime", 0x2032},  {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC},
      {"trade", 0x2122},  {"larr", 0x2190},   {"uarr", 0x2191},   {"rarr", 0x2192},
      {"darr", 0x2193},   {"harr", 0x2194},   {"rArr", 0x21D2},   {"hArr", 0x21D4},
      {"minus", 0x2212},  {"infin", 0x221E},  {"ne", 0x2260},     {"le", 0x2264},
      {"ge", 0x2265},     {"hearts", 0x2665}, {"check", 0x2713},
  };
  return table;
}

struct Attribute {
  std::string_view name;
  std::string value;  // references decoded
};

struct Tag {
  std::string name;  // lower-cased
  bool end = false;
  bool self_closing = false;
  std::vector<Attribute> attributes;

  [[nodiscard]] const std::string* attr(std::string_view n) const {
    for (const Attribute& a : attributes) {
      if (iequals(a.name, n)) return &a.value;
    }
    return nullptr;
  }
};

// Elements whose content is text up to their own end tag (HTML's raw text and RCDATA elements).
bool is_raw_text(std::string_view name) {
  return name == "script" || name == "style" || name == "title" || name == "textarea" ||
         name == "xmp" || name == "noembed" || name == "noframes";
}

// Elements whose content is not shown.
bool is_dropped(std::string_view name) {
  return name == "script" || name == "style" || name == "template" || name == "svg" ||
         name == "math" || name == "noembed" || name == "noframes";
}

// Blocks separated from what is around them by a blank line.
bool is_paragraph_block(std::string_view n) {
  return n == "p" || n == "pre" || n == "blockquote" || n == "table" || n == "dl" || n == "form" ||
         n == "fieldset" || n == "figure" || n == "address" || n == "details" || n == "h1" ||
         n == "h2" || n == "h3" || n == "h4" || n == "h5" || n == "h6";
}

// Blocks that start on a line of their own.
bool is_line_block(std::string_view n) {
  return n == "div" || n == "section" || n == "article" || n == "header" || n == "footer" ||
         n == "nav" || n == "main" || n == "aside" || n == "figcaption" || n == "summary" ||
         n == "center" || n == "legend" || n == "dt" || n == "dd" || n == "tr" || n == "caption" ||
         n == "option" || n == "body" || n == "html" || n == "li" || n == "ul" || n == "ol" ||
         n == "menu" || n == "hr" || n == "label";
}

class Renderer {
 public:
  explicit Renderer(std::string_view page_url) : base_(page_url) {}

  TextPage run(std::string_view html) {
    size_t pos = 0;
    while (pos < html.size()) {
      if (html[pos] != '<') {
        size_t next = html.find('<', pos);
        if (next == std::string_view::npos) next = html.size();
        text(html.substr(pos, next - pos));
        pos = next;
        continue;
      }
      pos = markup(html, pos);
    }
    close_link();
    TextPage page;
    page.title = std::move(title_);
    // Trailing blank lines and spaces go; one '\n' ends the text.
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    if (!out_.empty()) out_ += '\n';
    page.body = std::move(out_);
    page.links = std::move(links_);
    return page;
  }

 private:
  struct List {
    bool ordered = false;
    long counter = 1;
    std::string indent;  // where this list's markers start
  };

  // Returns the position after the markup that starts at html[pos] == '<'.
  size_t markup(std::string_view html, size_t pos) {
    std::string_view rest = html.substr(pos);
    if (rest.starts_with("<!--")) {
      size_t end = html.find("-->", pos + 4);
      return end == std::string_view::npos ? html.size() : end + 3;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      size_t end = html.find('>', pos + 2);
      return end == std::string_view::npos ? html.size() : end + 1;
    }
    bool end_tag = rest.size() >= 2 && rest[1] == '/';
    size_t name_at = pos + (end_tag ? 2 : 1);
    if (name_at >= html.size() || !is_alpha(html[name_at])) {
      text(html.substr(pos, 1));  // a '<' that starts no tag is text
      return pos + 1;
    }
    Tag tag;
    tag.end = end_tag;
    size_t i = name_at;
    while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') {
      tag.name += lower(html[i]);
      ++i;
    }
    i = attributes(html, i, tag);
    if (tag.end) {
      end_element(tag.name);
      return i;
    }
    start_element(tag);
    if (is_raw_text(tag.name) && !tag.self_closing) {
      size_t end = find_end_tag(html, i, tag.name);
      raw_text(tag.name, html.substr(i, end - i));
      if (end >= html.size()) return html.size();
      size_t close = html.find('>', end);
      end_element(tag.name);
      return close == std::string_view::npos ? html.size() : close + 1;
    }
    return i;
  }

  // Reads attributes up to and including the tag's '>'; returns the position after it.
  static size_t attributes(std::string_view html, size_t i, Tag& tag) {
    while (i < html.size()) {
      while (i < html.size() && (is_space(html[i]) || html[i] == '/')) {
        if (html[i] == '/' && i + 1 < html.size() && html[i + 1] == '>') tag.self_closing = true;
        ++i;
      }
      if (i >= html.size()) return i;
      if (html[i] == '>') return i + 1;
      size_t name_start = i;
      while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/' &&
             (html[i] != '=' || i == name_start)) {
        ++i;
      }
      std::string_view name = html.substr(name_start, i - name_start);
      while (i < html.size() && is_space(html[i])) ++i;
      std::string_view raw_value;
      if (i < html.size() && html[i] == '=') {
        ++i;
        while (i < html.size() && is_space(html[i])) ++i;
        if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
          char quote = html[i++];
          size_t end = html.find(quote, i);
          if (end == std::string_view::npos) end = html.size();
          raw_value = html.substr(i, end - i);
          i = end < html.size() ? end + 1 : end;
        } else {
          size_t start = i;
          while (i < html.size() && !is_space(html[i]) && html[i] != '>') ++i;
          raw_value = html.substr(start, i - start);
        }
      }
      if (!tag.end && tag.attributes.size() < 64) {
        Attribute a{name, {}};
        decode_entities(raw_value, a.value);
        tag.attributes.push_back(std::move(a));
      }
    }
    return i;
  }

  // Where "</name" starts after `from`, or html.size().
  static size_t find_end_tag(std::string_view html, size_t from, std::string_view name) {
    size_t i = from;
    while (true) {
      i = html.find("</", i);
      if (i == std::string_view::npos) return html.size();
      std::string_view candidate = html.substr(i + 2, name.size());
      size_t after = i + 2 + name.size();
      if (iequals(candidate, name) && (after >= html.size() || is_space(html[after]) ||
                                       html[after] == '>' || html[after] == '/')) {
        return i;
      }
      i += 2;
    }
  }

  void raw_text(std::string_view element, std::string_view content) {
    if (element == "title") {
      if (!title_seen_) {
        std::string decoded;
        decode_entities(content, decoded);
        title_ = collapse(decoded);
        title_seen_ = true;
      }
      return;
    }
    if (element == "textarea") {
      std::string decoded;
      decode_entities(content, decoded);
      std::string shown = collapse(decoded);
      space_ = !at_line_start_;
      inline_text("[" + textarea_name_ + (textarea_name_.empty() ? "" : ": ") +
                  (shown.empty() ? "____" : shown) + "]");
      space_ = true;
      return;
    }
    // script, style, xmp...: dropped, except xmp, which is preformatted text.
    if (element == "xmp") {
      ++pre_;
      text(content, /*decode=*/false);
      --pre_;
    }
  }

  static std::string collapse(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
      if (is_space(c)) {
        space = !out.empty();
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += c;
    }
    return out;
  }

  void start_element(const Tag& tag) {
    const std::string& n = tag.name;
    if (is_dropped(n)) {
      if (!tag.self_closing && !is_raw_text(n)) ++dropped_[n];
      return;
    }
    if (n == "base") {
      if (const std::string* href = tag.attr("href"); href && !base_set_) {
        base_ = resolve_reference(base_, *href);
        base_set_ = true;
      }
      return;
    }
    if (n == "textarea") {
      const std::string* name = tag.attr("name");
      textarea_name_ = name ? *name : std::string();
      return;
    }
    if (is_paragraph_block(n)) block(2);
    if (is_line_block(n)) block(1);
    if (n.size() == 2 && n[0] == 'h' && n[1] >= '1' && n[1] <= '6') {
      marker_ = std::string(static_cast<size_t>(n[1] - '0'), '#') + " ";
    } else if (n == "br") {
      line_break();
    } else if (n == "hr") {
      block(1);
      inline_text("----------------------------------------");
      block(1);
    } else if (n == "pre" || n == "listing" || n == "plaintext") {
      ++pre_;
      skip_newline_ = true;
    } else if (n == "ul" || n == "ol" || n == "menu") {
      if (lists_.empty()) block(2);
      List list;
      list.ordered = n == "ol";
      if (const std::string* start = tag.attr("start"); start && list.ordered) {
        list.counter = parse_long(*start, 1);
      }
      list.indent = lists_.empty() ? indent_ + "  " : indent_;
      lists_.push_back(std::move(list));
    } else if (n == "li") {
      if (lists_.empty()) lists_.push_back(List{false, 1, indent_ + "  "});
      List& list = lists_.back();
      std::string mark = list.ordered ? std::to_string(list.counter++) + ". " : "* ";
      if (const std::string* value = tag.attr("value"); value && list.ordered) {
        list.counter = parse_long(*value, list.counter) + 1;
        mark = std::to_string(list.counter - 1) + ". ";
      }
      indent_ = list.indent + std::string(mark.size(), ' ');
      marker_ = mark;
      marker_indent_ = list.indent;
    } else if (n == "dt") {
      indent_ = dl_indent();
    } else if (n == "dd") {
      indent_ = dl_indent() + "    ";
    } else if (n == "blockquote") {
      indents_.push_back(indent_);
      indent_ += "    ";
    } else if (n == "tr") {
      cell_ = 0;
    } else if (n == "td" || n == "th") {
      if (cell_++ > 0) {
        space_ = !at_line_start_;
        inline_text("|");
        space_ = true;
      }
    } else if (n == "a") {
      close_link();
      const std::string* href = tag.attr("href");
      if (href && !href->empty() && !starts_with_javascript(*href)) {
        link_ = number_for(resolve_reference(base_, *href));
      }
    } else if (n == "img") {
      const std::string* alt = tag.attr("alt");
      if (alt && !collapse(*alt).empty()) inline_text("[image: " + collapse(*alt) + "]");
    } else if (n == "input") {
      space_ = !at_line_start_;
      input(tag);
      space_ = true;
    } else if (n == "button" || n == "select") {
      space_ = !at_line_start_;
      inline_text("[");
      glue_ = true;
    }
  }

  void end_element(const std::string& n) {
    if (is_dropped(n)) {
      auto it = dropped_.find(n);
      if (it != dropped_.end() && --it->second == 0) dropped_.erase(it);
      return;
    }
    if (n == "a") {
      close_link();
    } else if (n == "pre" || n == "listing") {
      if (pre_ > 0) --pre_;
    } else if (n == "ul" || n == "ol" || n == "menu") {
      if (!lists_.empty()) {
        indent_ = lists_.back().indent;
        lists_.pop_back();
        if (lists_.empty()) indent_ = indents_.empty() ? std::string() : indents_.back();
      }
      block(lists_.empty() ? 2 : 1);
      return;
    } else if (n == "dl") {
      indent_ = dl_indent();
    } else if (n == "blockquote") {
      if (!indents_.empty()) {
        indent_ = indents_.back();
        indents_.pop_back();
      }
    } else if (n == "button" || n == "select") {
      glue_ = true;
      inline_text("]");
      space_ = true;
    } else if (n.size() == 2 && n[0] == 'h' && n[1] >= '1' && n[1] <= '6') {
      marker_.clear();
    }
    if (is_paragraph_block(n)) block(2);
    if (is_line_block(n)) block(1);
  }

  std::string dl_indent() const {
    return lists_.empty() ? (indents_.empty() ? std::string() : indents_.back())
                          : lists_.back().indent;
  }

  void input(const Tag& tag) {
    const std::string* type = tag.attr("type");
    std::string t = type ? collapse(*type) : "text";
    for (char& c : t) c = lower(c);
    const std::string* value = tag.attr("value");
    const std::string* name = tag.attr("name");
    if (t == "hidden") return;
    if (t == "submit" || t == "button" || t == "reset" || t == "image") {
      std::string label = value ? collapse(*value) : (t == "reset" ? "Reset" : "Submit");
      inline_text("[ " + label + " ]");
    } else if (t == "checkbox") {
      inline_text(tag.attr("checked") ? "[x]" : "[ ]");
    } else if (t == "radio") {
      inline_text(tag.attr("checked") ? "(*)" : "( )");
    } else {
      std::string shown = value && !value->empty() ? collapse(*value) : "____";
      if (t == "password" && value) shown = std::string(value->size(), '*');
      inline_text("[" + (name ? *name + ": " : std::string()) + shown + "]");
    }
  }

  static bool starts_with_javascript(std::string_view href) {
    while (!href.empty() && is_space(href.front())) href.remove_prefix(1);
    return href.size() >= 11 && iequals(href.substr(0, 11), "javascript:");
  }

  static long parse_long(std::string_view s, long fallback) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    bool negative = !s.empty() && s[0] == '-';
    if (negative) s.remove_prefix(1);
    if (s.empty() || !is_digit(s[0])) return fallback;
    long v = 0;
    for (char c : s) {
      if (!is_digit(c) || v > 100000000) break;
      v = v * 10 + (c - '0');
    }
    return negative ? -v : v;
  }

  size_t number_for(std::string url) {
    auto it = numbers_.find(url);
    if (it != numbers_.end()) return it->second;
    links_.push_back(url);
    numbers_.emplace(std::move(url), links_.size());
    return links_.size();
  }

  void close_link() {
    if (link_ == 0) return;
    size_t n = link_;
    link_ = 0;
    glue_ = true;  // "[N]" sticks to the link's text
    inline_text("[" + std::to_string(n) + "]");
  }

  // ---- output ----------------------------------------------------------------------------------

  // At least `n` line ends before the next text (1: a new line, 2: a blank line between).
  void block(int n) {
    if (n > breaks_) breaks_ = n;
    space_ = false;
  }

  void line_break() {
    // <br> always ends a line, even an empty one (two <br> make a blank line).
    if (out_.empty()) return;
    out_ += '\n';
    at_line_start_ = true;
    space_ = false;
    breaks_ = 0;
  }

  // Writes pending line ends and the indent (or the list marker) before the next visible byte.
  void start_output() {
    if (breaks_ > 0 && !out_.empty()) {
      int have = 0;
      for (size_t i = out_.size(); i > 0 && out_[i - 1] == '\n' && have < 2; --i) ++have;
      if (!at_line_start_ || have == 0) {
        while (!out_.empty() && out_.back() == ' ') out_.pop_back();
      }
      for (int i = have; i < breaks_; ++i) out_ += '\n';
      at_line_start_ = true;
      space_ = false;
    }
    breaks_ = 0;
    if (at_line_start_) {
      if (!marker_.empty() && !marker_indent_.empty()) {
        out_ += marker_indent_;
        out_ += marker_;
        marker_.clear();
        marker_indent_.clear();
      } else {
        out_ += indent_;
        if (!marker_.empty()) {
          out_ += marker_;
          marker_.clear();
        }
      }
      at_line_start_ = false;
      space_ = false;
      glue_ = false;
    }
    if (space_ && !glue_) out_ += ' ';
    space_ = false;
    glue_ = false;
  }

  // Text made by the renderer itself ("[1]", "[image: x]"): one word-like run.
  void inline_text(std::string_view s) {
    if (!dropped_.empty()) return;
    start_output();
    out_ += s;
  }

  void text(std::string_view raw, bool decode = true) {
    if (!dropped_.empty() || raw.empty()) return;
    std::string decoded;
    if (decode) {
      decode_entities(raw, decoded);
      raw = decoded;
    }
    if (pre_ > 0) {
      for (char c : raw) {
        if (skip_newline_) {
          skip_newline_ = false;
          if (c == '\n') continue;
        }
        if (c == '\r') continue;
        if (c == '\n') {
          start_output();
          out_ += '\n';
          at_line_start_ = true;
          continue;
        }
        if (at_line_start_ || breaks_ > 0) start_output();
        out_ += c;
      }
      return;
    }
    skip_newline_ = false;
    for (char c : raw) {
      if (is_space(c)) {
        if (!at_line_start_) space_ = true;
        glue_ = false;
        continue;
      }
      if (at_line_start_ || breaks_ > 0 || space_) start_output();
      glue_ = false;
      out_ += c;
    }
  }

  std::string base_;
  bool base_set_ = false;
  std::string out_;
  std::string title_;
  bool title_seen_ = false;
  std::vector<std::string> links_;
  std::unordered_map<std::string, size_t> numbers_;
  size_t link_ = 0;  // the open <a>'s number, 0 = none
  std::unordered_map<std::string, int> dropped_;
  std::vector<List> lists_;
  std::vector<std::string> indents_;  // blockquote nesting
  std::string indent_;
  std::string marker_;         // "# ", "* ", "3. ": written before the next text
  std::string marker_indent_;  // a list marker's own indent (less than its text's)
  std::string textarea_name_;
  int breaks_ = 0;
  int pre_ = 0;
  int cell_ = 0;
  bool at_line_start_ = true;
  bool space_ = false;
  bool glue_ = false;
  bool skip_newline_ = false;
};

}  // namespace

void decode_entities(std::string_view text, std::string& out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      return;
    }
    out.append(text.substr(i, amp - i));
    i = amp;
    std::string_view rest = text.substr(amp + 1);
    if (rest.starts_with('#')) {
      size_t j = 1;
      bool hex = j < rest.size() && (rest[j] == 'x' || rest[j] == 'X');
      if (hex) ++j;
      size_t digits_start = j;
      uint32_t cp = 0;
      while (j < rest.size() && j - digits_start < 8) {
        char c = rest[j];
        int d = is_digit(c)                                   ? c - '0'
                : (hex && lower(c) >= 'a' && lower(c) <= 'f') ? lower(c) - 'a' + 10
                                                              : -1;
        if (d < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        ++j;
      }
      if (j > digits_start) {
        append_utf8(cp, out);
        i = amp + 1 + j + (j < rest.size() && rest[j] == ';' ? 1 : 0);
        continue;
      }
    } else {
      size_t j = 0;
      while (j < rest.size() && j < 10 && (is_alpha(rest[j]) || is_digit(rest[j]))) ++j;
      if (j > 0 && j < rest.size() && rest[j] == ';') {
        const auto& table = named_references();
        auto it = table.find(rest.substr(0, j));
        if (it != table.end()) {
          append_utf8(it->second, out);
          i = amp + 1 + j + 1;
          continue;
        }
      }
    }
    out += '&';
    i = amp + 1;
  }
}

TextPage render_html(std::string_view html, std::string_view page_url) {
  return Renderer(page_url).run(html);
}

std::string format_text_page(const TextPage& page) {
  std::string out;
  if (!page.title.empty()) {
    out += page.title;
    out += '\n';
    // Underlined as wide as the title looks: UTF-8 continuation bytes take no column.
    size_t columns = 0;
    for (char c : page.title) {
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++columns;
    }
    out.append(columns, '=');
    out += "\n\n";
  }
  out += page.body;
  if (!page.links.empty()) {
    if (!page.body.empty()) out += '\n';
    out += "Links:\n";
    for (size_t i = 0; i < page.links.size(); ++i) {
      out += "  [" + std::to_string(i + 1) + "] " + page.links[i] + "\n";
    }
  }
  return out;
}

}  // namespace wc::client
