#include "dns/zone_file.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <expected>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/ascii.h"

namespace wc::dns {
namespace {

// Internal results carry the reason alone; the caller puts "FILE:LINE: " in front.
template <class T>
using Local = std::expected<T, std::string>;
std::unexpected<std::string> bad(std::string reason) { return std::unexpected(std::move(reason)); }

struct Token {
  std::string text;  // raw: escapes are kept, each reader decodes what it expects
  bool quoted = false;
  int line = 0;
};

// One logical line: parentheses join physical lines, so its tokens may span several.
struct Entry {
  std::vector<Token> tokens;
  bool indented = false;  // the physical line began with a blank: the previous owner holds
  int line = 0;
};

std::string where(std::string_view file, int line) {
  std::string s(file);
  s += ':';
  s += std::to_string(line);
  s += ": ";
  return s;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

using core::iequals;

Result<std::vector<Entry>> lex(std::string_view text, std::string_view file) {
  std::vector<Entry> entries;
  Entry cur;
  int line = 1;
  int paren = 0;
  int paren_line = 0;
  bool line_start = true;
  size_t i = 0;
  const size_t n = text.size();
  auto flush = [&] {
    if (!cur.tokens.empty()) entries.push_back(std::move(cur));
    cur = Entry{};
  };
  while (i < n) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
      if (paren == 0) {
        flush();
        line_start = true;
      }
      continue;
    }
    if (line_start) {
      line_start = false;
      if (cur.tokens.empty()) cur.indented = is_blank(c);
    }
    if (is_blank(c)) {
      ++i;
      continue;
    }
    if (c == ';') {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (c == '(') {
      if (paren++ == 0) paren_line = line;
      ++i;
      continue;
    }
    if (c == ')') {
      if (paren == 0) return fail(where(file, line) + "unbalanced parentheses");
      --paren;
      ++i;
      continue;
    }
    Token tok;
    tok.line = line;
    if (cur.tokens.empty()) cur.line = line;
    if (c == '"') {
      tok.quoted = true;
      ++i;
      while (i < n && text[i] != '"') {
        if (text[i] == '\n') ++line;
        if (text[i] == '\\' && i + 1 < n) {
          if (text[i + 1] == '\n') ++line;
          tok.text += text[i];
          ++i;
        }
        tok.text += text[i];
        ++i;
      }
      if (i >= n) return fail(where(file, tok.line) + "unterminated quoted string");
      ++i;  // the closing quote
    } else {
      while (i < n) {
        const char d = text[i];
        if (is_blank(d) || d == '\n' || d == ';' || d == '(' || d == ')' || d == '"') break;
        if (d == '\\' && i + 1 < n) {
          if (text[i + 1] == '\n') ++line;
          tok.text += d;
          ++i;
        }
        tok.text += text[i];
        ++i;
      }
    }
    cur.tokens.push_back(std::move(tok));
  }
  if (paren != 0) return fail(where(file, paren_line) + "unbalanced parentheses");
  flush();
  return entries;
}

// Decodes "\X" and "\DDD" at s[i] (s[i] == '\\'); advances i past the escape.
Local<char> unescape(std::string_view s, size_t& i) {
  if (i + 1 >= s.size()) return bad("bad escape: '\\' at the end");
  if (!is_digit(s[i + 1])) {
    i += 2;
    return s[i - 1];
  }
  if (i + 3 >= s.size() || !is_digit(s[i + 2]) || !is_digit(s[i + 3])) {
    return bad("bad escape: \\DDD needs three digits");
  }
  const int v = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
  if (v > 255) return bad("bad escape: \\" + std::string(s.substr(i + 1, 3)) + " is above 255");
  i += 4;
  return static_cast<char>(v);
}

// Text -> wire form. `origin` (wire form) is appended to a relative name and stands for "@".
Local<std::string> name_from_text(std::string_view text, const std::string& origin) {
  if (text == "@") return origin;
  if (text == ".") return std::string(1, '\0');
  if (text.empty()) return bad("empty name");
  std::string wire;
  std::string label;
  bool absolute = false;
  auto add_label = [&]() -> Local<bool> {
    if (label.empty()) return bad("empty label in name '" + std::string(text) + "'");
    if (label.size() > 63) return bad("label longer than 63 bytes in '" + std::string(text) + "'");
    wire += static_cast<char>(label.size());
    wire += label;
    label.clear();
    return true;
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\\') {
      auto ch = unescape(text, i);
      if (!ch) return bad(ch.error());
      label += *ch;
    } else if (c == '.') {
      if (auto ok = add_label(); !ok) return bad(ok.error());
      ++i;
      if (i == text.size()) absolute = true;
    } else {
      label += c;
      ++i;
    }
    if (label.size() > 63) return bad("label longer than 63 bytes in '" + std::string(text) + "'");
  }
  if (!absolute) {
    if (auto ok = add_label(); !ok) return bad(ok.error());
    wire += origin;
  } else {
    wire += '\0';
  }
  if (wire.size() > 255) return bad("name longer than 255 bytes: '" + std::string(text) + "'");
  return wire;
}

// Wire -> text, for messages only ("www.mysite.test.").
std::string name_to_text(std::string_view wire) {
  std::string out;
  size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const size_t len = static_cast<unsigned char>(wire[i]);
    for (size_t j = i + 1; j <= i + len && j < wire.size(); ++j) {
      const unsigned char c = static_cast<unsigned char>(wire[j]);
      if (c == '.' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= 32 || c >= 127) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
    i += len + 1;
  }
  return out.empty() ? "." : out;
}

// Is `name` at or below `apex`? Both wire form, compared by whole labels, ASCII case-insensitive.
bool in_zone(std::string_view name, std::string_view apex) {
  if (name.size() < apex.size()) return false;
  size_t i = 0;
  while (name.size() - i > apex.size()) i += static_cast<unsigned char>(name[i]) + 1;
  return name.size() - i == apex.size() && name_equal(name.substr(i), apex);
}

std::string lower_name(std::string_view wire) {
  std::string s(wire);
  for (char& c : s) c = lower(c);  // length bytes are <= 63, below 'A'
  return s;
}

Local<uint32_t> parse_uint(std::string_view s, uint64_t max, std::string_view what) {
  if (s.empty() || s.size() > 20)
    return bad("bad " + std::string(what) + " '" + std::string(s) + "'");
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return bad("bad " + std::string(what) + " '" + std::string(s) + "'");
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return bad(std::string(what) + " out of range: '" + std::string(s) + "'");
  }
  return static_cast<uint32_t>(v);
}

// BIND's TTL text (lib/dns/ttl.c): a number of seconds, or numbers each with a unit.
Local<uint32_t> parse_ttl_value(std::string_view s) {
  const std::string err = "bad TTL '" + std::string(s) + "'";
  if (s.empty()) return bad(err);
  uint64_t total = 0;
  size_t i = 0;
  bool any_unit = false;
  while (i < s.size()) {
    uint64_t v = 0;
    const size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > 0xFFFFFFFFull) return bad(err);
      ++i;
    }
    if (i == start) return bad(err);
    if (i == s.size()) {
      if (any_unit) return bad(err);  // "1h30": BIND wants a unit on every part
      total = v;
      break;
    }
    uint64_t mult = 0;
    switch (lower(s[i])) {
      case 'w':
        mult = 7 * 86400;
        break;
      case 'd':
        mult = 86400;
        break;
      case 'h':
        mult = 3600;
        break;
      case 'm':
        mult = 60;
        break;
      case 's':
        mult = 1;
        break;
      default:
        return bad(err);
    }
    ++i;
    any_unit = true;
    total += v * mult;
    if (total > 0xFFFFFFFFull) return bad(err);
  }
  return static_cast<uint32_t>(total);
}

void put16(std::string& out, uint32_t v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xFFFF);
}

Local<std::string> character_string(const Token& t) {
  std::string out;
  size_t i = 0;
  while (i < t.text.size()) {
    if (t.text[i] == '\\') {
      auto ch = unescape(t.text, i);
      if (!ch) return bad(ch.error());
      out += *ch;
    } else {
      out += t.text[i++];
    }
  }
  if (out.size() > 255) return bad("character-string longer than 255 bytes");
  return out;
}

struct TypeName {
  std::string_view name;
  Type type;
};
constexpr TypeName kTypes[] = {
    {"A", Type::kA},     {"NS", Type::kNS},     {"CNAME", Type::kCNAME},
    {"SOA", Type::kSOA}, {"PTR", Type::kPTR},   {"MX", Type::kMX},
    {"TXT", Type::kTXT}, {"AAAA", Type::kAAAA}, {"SRV", Type::kSRV},
};

std::optional<Type> type_from_text(std::string_view s) {
  for (const auto& t : kTypes) {
    if (iequals(s, t.name)) return t.type;
  }
  return std::nullopt;
}

bool is_class_name(std::string_view s) {
  return iequals(s, "IN") || iequals(s, "CH") || iequals(s, "CHAOS") || iequals(s, "HS") ||
         iequals(s, "CS") || iequals(s, "NONE") || iequals(s, "ANY");
}

class ZoneReader {
 public:
  ZoneReader(std::string apex, const ZoneIncludeLoader& loader)
      : apex_(std::move(apex)), loader_(loader) {}

  Status read(std::string_view text, std::string_view file, const std::string& origin, int depth) {
    auto entries = lex(text, file);
    if (!entries) return std::unexpected(std::move(entries.error()));
    std::string cur_origin = origin;
    std::optional<std::string> prev_owner;
    for (const Entry& e : *entries) {
      const Token& first = e.tokens[0];
      if (!e.indented && !first.quoted && first.text.starts_with('$')) {
        if (auto st = directive(e, file, cur_origin, depth); !st) return st;
        continue;
      }
      if (auto st = record(e, file, cur_origin, prev_owner); !st) return st;
    }
    return {};
  }

  Result<std::vector<Record>> finish(std::string_view file) {
    // Exactly one SOA, at the apex.
    int soas = 0;
    for (size_t i = 0; i < records_.size(); ++i) {
      if (records_[i].type != Type::kSOA) continue;
      if (!name_equal(records_[i].name, apex_)) {
        return fail(where(files_[where_[i].first], where_[i].second) +
                    "SOA record not at top of zone (" + name_to_text(records_[i].name) + ")");
      }
      if (++soas > 1) {
        return fail(where(files_[where_[i].first], where_[i].second) + "multiple SOA records");
      }
    }
    if (soas == 0) {
      const std::string at =
          records_.empty() ? where(file, 1) : where(files_[where_[0].first], where_[0].second);
      return fail(at + "no SOA record at the zone apex " + name_to_text(apex_));
    }
    // CNAME and other data (RFC 1034 3.6.2), reported at the later of the two records.
    struct Seen {
      bool cname = false;
      bool other = false;
    };
    std::unordered_map<std::string, Seen> seen;
    for (size_t i = 0; i < records_.size(); ++i) {
      Seen& s = seen[lower_name(records_[i].name)];
      const bool cname = records_[i].type == Type::kCNAME;
      const char* problem = nullptr;
      if (cname && s.cname)
        problem = "multiple CNAME records at ";
      else if ((cname && s.other) || (!cname && s.cname))
        problem = "CNAME and other data at ";
      if (problem) {
        return fail(where(files_[where_[i].first], where_[i].second) + problem +
                    name_to_text(records_[i].name));
      }
      (cname ? s.cname : s.other) = true;
    }
    return std::move(records_);
  }

 private:
  Status directive(const Entry& e, std::string_view file, std::string& origin, int depth) {
    const Token& d = e.tokens[0];
    const size_t args = e.tokens.size() - 1;
    auto err = [&](int line, std::string reason) { return fail(where(file, line) + reason); };
    if (iequals(d.text, "$ORIGIN")) {
      if (args != 1) return err(d.line, "$ORIGIN takes one name");
      auto n = name_from_text(e.tokens[1].text, origin);
      if (!n || e.tokens[1].quoted) return err(e.tokens[1].line, n ? "quoted name" : n.error());
      origin = *n;
      return {};
    }
    if (iequals(d.text, "$TTL")) {
      if (args != 1) return err(d.line, "$TTL takes one TTL");
      auto t = parse_ttl_value(e.tokens[1].text);
      if (!t) return err(e.tokens[1].line, t.error());
      default_ttl_ = clamp(*t);
      return {};
    }
    if (iequals(d.text, "$INCLUDE")) {
      if (args < 1 || args > 2)
        return err(d.line, "$INCLUDE takes a file name and an optional origin");
      if (!loader_) return err(d.line, "$INCLUDE is not allowed here");
      if (depth + 1 > kMaxIncludeDepth) {
        return err(d.line,
                   "$INCLUDE nested more than " + std::to_string(kMaxIncludeDepth) + " deep");
      }
      // Depth alone lets a file that includes itself on every line multiply: cap the total too.
      if (++includes_ > kMaxIncludes) {
        return err(d.line, "more than " + std::to_string(kMaxIncludes) + " $INCLUDEs");
      }
      std::string inc_origin = origin;
      if (args == 2) {
        auto n = name_from_text(e.tokens[2].text, origin);
        if (!n || e.tokens[2].quoted) return err(e.tokens[2].line, n ? "quoted name" : n.error());
        inc_origin = *n;
      }
      const std::string& path = e.tokens[1].text;
      auto text = loader_(path);
      if (!text) return err(e.tokens[1].line, "$INCLUDE \"" + path + "\": " + text.error().message);
      files_.push_back(path);
      const size_t saved = file_index_;
      file_index_ = files_.size() - 1;
      auto st = read(*text, files_.back(), inc_origin, depth + 1);
      file_index_ = saved;
      return st;
    }
    return err(d.line, "unknown directive " + d.text);
  }

  static uint32_t clamp(uint32_t ttl) { return ttl > 0x7FFFFFFFu ? 0 : ttl; }

  Status record(const Entry& e, std::string_view file, const std::string& origin,
                std::optional<std::string>& prev_owner) {
    const auto& t = e.tokens;
    auto err = [&](int line, std::string reason) { return fail(where(file, line) + reason); };
    size_t k = 0;
    Record r;
    if (e.indented) {
      if (!prev_owner) return err(t[0].line, "no previous owner name");
      r.name = *prev_owner;
    } else {
      if (t[0].quoted) return err(t[0].line, "quoted owner name");
      auto n = name_from_text(t[0].text, origin);
      if (!n) return err(t[0].line, n.error());
      r.name = std::move(*n);
      k = 1;
    }
    prev_owner = r.name;
    if (!in_zone(r.name, apex_)) {
      return err(e.line, name_to_text(r.name) + " is out of zone " + name_to_text(apex_));
    }
    std::optional<uint32_t> ttl;
    bool klass = false;
    while (k < t.size() && !t[k].quoted) {
      if (is_digit(t[k].text[0]) && !ttl) {
        auto v = parse_ttl_value(t[k].text);
        if (!v) return err(t[k].line, v.error());
        ttl = clamp(*v);
      } else if (is_class_name(t[k].text) && !klass) {
        if (!iequals(t[k].text, "IN"))
          return err(t[k].line, "class " + t[k].text + " not supported (IN only)");
        klass = true;
      } else {
        break;
      }
      ++k;
    }
    if (k >= t.size()) return err(t.back().line, "missing record type");
    auto type = t[k].quoted ? std::nullopt : type_from_text(t[k].text);
    if (!type) return err(t[k].line, "unknown or unsupported record type '" + t[k].text + "'");
    r.type = *type;
    const int type_line = t[k].line;
    ++k;
    if (auto st = rdata(r, t, k, origin, file, type_line); !st) return st;
    if (k < t.size()) return err(t[k].line, "extra input text '" + t[k].text + "'");

    if (ttl) {
      last_ttl_ = *ttl;
      r.ttl = *ttl;
    } else if (default_ttl_) {
      r.ttl = *default_ttl_;
    } else if (last_ttl_) {
      r.ttl = *last_ttl_;
    } else if (r.type == Type::kSOA) {
      // BIND: "no TTL specified; using SOA MINTTL instead", which becomes the default.
      const std::string_view m = std::string_view(r.rdata).substr(r.rdata.size() - 4);
      r.ttl = clamp((static_cast<uint32_t>(static_cast<unsigned char>(m[0])) << 24) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(m[1])) << 16) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(m[2])) << 8) |
                    static_cast<uint32_t>(static_cast<unsigned char>(m[3])));
      default_ttl_ = r.ttl;
    } else {
      return err(e.line, "no TTL specified; zone rejected");
    }
    records_.push_back(std::move(r));
    where_.emplace_back(file_index_, e.line);
    return {};
  }

  // Reads the RDATA fields of r.type from t[k...] into r.rdata; k ends past the last one read.
  static Status rdata(Record& r, const std::vector<Token>& t, size_t& k, const std::string& origin,
                      std::string_view file, int type_line) {
    auto need = [&](std::string_view what) -> Local<const Token*> {
      if (k >= t.size()) return bad("missing " + std::string(what));
      const Token* tok = &t[k++];
      if (tok->quoted && what != "character-string") return bad("quoted " + std::string(what));
      return tok;
    };
    // An error is reported on the line of the last field read (the type's, before any).
    const size_t first_field = k;
    auto err = [&](std::string reason) {
      const int line = k > first_field ? t[k - 1].line : type_line;
      return fail(where(file, line) + reason);
    };
    auto name = [&](std::string_view what) -> Local<std::string> {
      auto tok = need(what);
      if (!tok) return bad(tok.error());
      return name_from_text((*tok)->text, origin);
    };
    auto number = [&](std::string_view what, uint64_t max) -> Local<uint32_t> {
      auto tok = need(what);
      if (!tok) return bad(tok.error());
      return parse_uint((*tok)->text, max, what);
    };
    auto ttl_field = [&](std::string_view what) -> Local<uint32_t> {
      auto tok = need(what);
      if (!tok) return bad(tok.error());
      return parse_ttl_value((*tok)->text);
    };
    std::string& out = r.rdata;
    switch (r.type) {
      case Type::kA:
      case Type::kAAAA: {
        const bool v4 = r.type == Type::kA;
        auto tok = need(v4 ? "IPv4 address" : "IPv6 address");
        if (!tok) return err(tok.error());
        unsigned char buf[16];
        if (inet_pton(v4 ? AF_INET : AF_INET6, (*tok)->text.c_str(), buf) != 1) {
          return err(std::string(v4 ? "bad IPv4 address '" : "bad IPv6 address '") + (*tok)->text +
                     "'");
        }
        out.assign(reinterpret_cast<const char*>(buf), v4 ? 4 : 16);
        return {};
      }
      case Type::kNS:
      case Type::kCNAME:
      case Type::kPTR: {
        auto n = name("target name");
        if (!n) return err(n.error());
        out = std::move(*n);
        return {};
      }
      case Type::kMX: {
        auto pref = number("MX preference", 0xFFFF);
        if (!pref) return err(pref.error());
        auto n = name("MX exchange");
        if (!n) return err(n.error());
        put16(out, *pref);
        out += *n;
        return {};
      }
      case Type::kSRV: {
        for (const char* what : {"SRV priority", "SRV weight", "SRV port"}) {
          auto v = number(what, 0xFFFF);
          if (!v) return err(v.error());
          put16(out, *v);
        }
        auto n = name("SRV target");
        if (!n) return err(n.error());
        out += *n;
        return {};
      }
      case Type::kTXT: {
        if (k >= t.size()) return err("missing TXT character-string");
        while (k < t.size()) {
          auto s = character_string(t[k++]);
          if (!s) return err(s.error());
          out += static_cast<char>(s->size());
          out += *s;
        }
        return {};
      }
      case Type::kSOA: {
        auto mname = name("SOA MNAME");
        if (!mname) return err(mname.error());
        auto rname = name("SOA RNAME");
        if (!rname) return err(rname.error());
        out = *mname + *rname;
        auto serial = number("SOA serial", 0xFFFFFFFFull);
        if (!serial) return err(serial.error());
        put32(out, *serial);
        for (const char* what : {"SOA refresh", "SOA retry", "SOA expire", "SOA minimum"}) {
          auto v = ttl_field(what);
          if (!v) return err(v.error());
          put32(out, *v);
        }
        return {};
      }
      default:
        return err("unsupported record type");
    }
  }

  std::string apex_;
  const ZoneIncludeLoader& loader_;
  std::vector<Record> records_;
  std::vector<std::pair<size_t, int>> where_;  // per record: index into files_, line
  std::deque<std::string> files_;  // a deque: read() holds views of these across push_back
  size_t file_index_ = 0;
  int includes_ = 0;
  std::optional<uint32_t> default_ttl_;  // $TTL, or the SOA's minimum when it had to stand in
  std::optional<uint32_t> last_ttl_;     // the last TTL written on a record (RFC 1035)

 public:
  void set_top_file(std::string_view file) { files_.assign(1, std::string(file)); }
};

}  // namespace

Result<std::vector<Record>> parse_zone_file(std::string_view text, std::string_view origin,
                                            std::string_view file_name,
                                            const ZoneIncludeLoader& loader) {
  // Relative to the root, so "mysite.test" and "mysite.test." name the same apex.
  auto apex = name_from_text(origin.empty() ? std::string_view(".") : origin, std::string(1, '\0'));
  if (!apex) return fail(where(file_name, 0) + "bad zone origin: " + apex.error());
  ZoneReader reader(*apex, loader);
  reader.set_top_file(file_name);
  if (auto st = reader.read(text, file_name, *apex, 0); !st) return std::unexpected(st.error());
  return reader.finish(file_name);
}

}  // namespace wc::dns
