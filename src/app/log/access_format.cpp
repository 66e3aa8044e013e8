#include "app/log/access_format.h"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace wc::app {

namespace {

using Atom = AccessFormat::Atom;

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `lname` is lower case already.
bool iequals_lower(std::string_view s, std::string_view lname) noexcept {
  if (s.size() != lname.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != lname[i]) return false;
  }
  return true;
}

bool is_numeric_atom(Atom a) noexcept {
  return a == Atom::kSeconds || a == Atom::kMillis || a == Atom::kMicros || a == Atom::kBytesB;
}

// Appends a string value as gunicorn's log writes it: '"' -> '\"' (SafeAtoms), and when the
// value is latin-1 (request bytes), each byte >= 0x80 as its UTF-8 form. (Control characters are
// escaped afterwards, per piece: see escape_controls.)
void append_value(std::string& out, std::string_view v, bool latin1 = true) {
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && v[j] != '"' && (!latin1 || static_cast<unsigned char>(v[j]) < 0x80)) ++j;
    out.append(v.data() + i, j - i);
    if (j == v.size()) break;
    const auto c = static_cast<unsigned char>(v[j]);
    if (c == '"') {
      out.append("\\\"", 2);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
    i = j + 1;
  }
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

// The last header named `lname` (gunicorn's atoms dict keeps the last of repeated names).
bool last_header(const AccessHeaders& headers, std::string_view lname, std::string_view& value) {
  bool found = false;
  for (size_t i = 0; i < headers.size(); ++i) {
    const AccessHeader h = headers[i];
    if (iequals_lower(h.first, lname)) {
      value = h.second;
      found = true;
    }
  }
  return found;
}

// Header name `name` as a WSGI environ key HTTP_<NAME with '-' -> '_'>, against the lower-case
// `suffix` (what follows "http_").
bool http_key_matches(std::string_view name, std::string_view suffix) noexcept {
  if (name.size() != suffix.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = lower(name[i]);
    if (c == '-') c = '_';
    if (c != suffix[i]) return false;
  }
  return true;
}

// Appends the environ's HTTP_<suffix> value: every header with that key, joined with ','
// (gunicorn's environ); '-' when there is none. Content-Type and Content-Length never become
// HTTP_ variables.
void append_joined(std::string& out, const AccessHeaders& headers, std::string_view suffix) {
  if (suffix == "content_type" || suffix == "content_length") {
    out.push_back('-');
    return;
  }
  bool any = false;
  for (size_t i = 0; i < headers.size(); ++i) {
    const AccessHeader h = headers[i];
    if (!http_key_matches(h.first, suffix)) continue;
    if (any) out.push_back(',');
    append_value(out, h.second);
    any = true;
  }
  if (!any) out.push_back('-');
}

// Python's binascii.a2b_base64 in its default (non-strict) mode, fed one character at a time:
// characters outside the alphabet are skipped, a complete pad sequence ends the input, and at the
// end a partial quad is an error.
class Base64Decoder {
 public:
  // Returns false once no more input is wanted (done or failed).
  bool feed(unsigned char c) {
    if (done_) return false;
    if (c == '=') {
      if (quad_pos_ >= 2 && quad_pos_ + ++pads_ >= 4) {
        done_ = true;
        finished_by_pad_ = true;
        return false;
      }
      return true;
    }
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return true;
    }
    pads_ = 0;
    switch (quad_pos_) {
      case 0:
        left_ = v;
        quad_pos_ = 1;
        break;
      case 1:
        emit(static_cast<unsigned char>((left_ << 2) | (v >> 4)));
        left_ = v & 0x0f;
        quad_pos_ = 2;
        break;
      case 2:
        emit(static_cast<unsigned char>((left_ << 4) | (v >> 2)));
        left_ = v & 0x03;
        quad_pos_ = 3;
        break;
      default:
        emit(static_cast<unsigned char>((left_ << 6) | v));
        quad_pos_ = 0;
        break;
    }
    return true;
  }

  // True when the input decoded (what Python returns without raising).
  [[nodiscard]] bool ok() const noexcept { return finished_by_pad_ || quad_pos_ == 0; }

  // The decoded bytes before the first ':' (the user name), whether a ':' was seen, and whether
  // all of the output is valid UTF-8 (Python's strict decoder).
  [[nodiscard]] std::string_view user() const noexcept { return {user_, user_len_}; }
  [[nodiscard]] bool colon() const noexcept { return colon_; }
  [[nodiscard]] bool utf8_ok() const noexcept { return utf8_ok_ && utf8_need_ == 0; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

 private:
  void emit(unsigned char b) {
    check_utf8(b);
    if (colon_) return;
    if (b == ':') {
      colon_ = true;
      return;
    }
    if (user_len_ < sizeof user_) {
      user_[user_len_++] = static_cast<char>(b);
    } else {
      overflow_ = true;
    }
  }

  // Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
  void check_utf8(unsigned char b) {
    if (!utf8_ok_) return;
    if (utf8_need_ == 0) {
      if (b < 0x80) return;
      if (b >= 0xC2 && b <= 0xDF) {
        utf8_need_ = 1;
        lo_ = 0x80, hi_ = 0xBF;
      } else if (b == 0xE0) {
        utf8_need_ = 2;
        lo_ = 0xA0, hi_ = 0xBF;
      } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        utf8_need_ = 2;
        lo_ = 0x80, hi_ = 0xBF;
      } else if (b == 0xED) {
        utf8_need_ = 2;
        lo_ = 0x80, hi_ = 0x9F;
      } else if (b == 0xF0) {
        utf8_need_ = 3;
        lo_ = 0x90, hi_ = 0xBF;
      } else if (b >= 0xF1 && b <= 0xF3) {
        utf8_need_ = 3;
        lo_ = 0x80, hi_ = 0xBF;
      } else if (b == 0xF4) {
        utf8_need_ = 3;
        lo_ = 0x80, hi_ = 0x8F;
      } else {
        utf8_ok_ = false;
      }
      return;
    }
    if (b < lo_ || b > hi_) {
      utf8_ok_ = false;
      return;
    }
    lo_ = 0x80, hi_ = 0xBF;
    --utf8_need_;
  }

  int left_ = 0;
  int quad_pos_ = 0;
  int pads_ = 0;
  bool done_ = false;
  bool finished_by_pad_ = false;
  bool colon_ = false;
  bool overflow_ = false;
  bool utf8_ok_ = true;
  int utf8_need_ = 0;
  unsigned char lo_ = 0x80, hi_ = 0xBF;
  char user_[4096];
  size_t user_len_ = 0;
};

// gunicorn's Logger._get_user on HTTP_AUTHORIZATION (the Authorization headers joined with ','):
// "basic" prefix (any case), split at the first space, base64 (non-strict), UTF-8, split at the
// first ':'. Appends the user, or '-' (also for an empty user: `_get_user(environ) or '-'`).
void append_user(std::string& out, const AccessHeaders& headers) {
  constexpr std::string_view kBasic = "basic";
  size_t seen = 0;     // characters of the joined value looked at
  bool split = false;  // past the first space
  bool any = false;
  Base64Decoder dec;
  bool stop = false;
  for (size_t i = 0; i < headers.size() && !stop; ++i) {
    const AccessHeader h = headers[i];
    if (!http_key_matches(h.first, "authorization")) continue;
    auto take = [&](unsigned char c) {
      if (seen < kBasic.size()) {
        if (lower(static_cast<char>(c)) != kBasic[seen]) {
          stop = true;
          return;
        }
      } else if (!split) {
        if (c == ' ') split = true;
        ++seen;
        return;
      } else if (!dec.feed(c)) {
        stop = true;
        return;
      }
      ++seen;
    };
    if (any) take(',');
    any = true;
    for (size_t k = 0; k < h.second.size() && !stop; ++k)
      take(static_cast<unsigned char>(h.second[k]));
  }
  if (!any || seen < kBasic.size() || !split || !dec.ok() || !dec.utf8_ok() || !dec.colon() ||
      dec.overflow() || dec.user().empty()) {
    out.push_back('-');
    return;
  }
  append_value(out, dec.user(), /*latin1=*/false);
}

// Characters (code points) in UTF-8 text.
size_t char_count(std::string_view s) noexcept {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Byte length of the first `chars` characters of UTF-8 text.
size_t prefix_bytes(std::string_view s, size_t chars) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == 0) break;
      --chars;
    }
    ++i;
  }
  return i;
}

// Unlike gunicorn, control characters in a value are written as nginx writes them, "\x0A": a
// client must not be able to forge a second log line with a "%0A" in its path or a newline in
// its Basic-auth user name. (A %r piece needs nothing: repr() escapes them already.)
void escape_controls(std::string& out, size_t start) {
  size_t i = start;
  while (i < out.size()) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c >= 0x20 && c != 0x7f) {
      ++i;
      continue;
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    out.replace(i, 1, esc, 4);
    i += 4;
  }
}

// Replaces out[start..] (UTF-8 text) by Python's repr() of it.
void repr_in_place(std::string& out, size_t start) {
  const size_t end = out.size();
  bool has_single = false, has_double = false;
  for (size_t i = start; i < end; ++i) {
    has_single |= out[i] == '\'';
    has_double |= out[i] == '"';
  }
  const char quote = has_single && !has_double ? '"' : '\'';
  out.push_back(quote);
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = start; i < end;) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      if (c == '\\' || c == static_cast<unsigned char>(quote)) {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c < 0x20 || c == 0x7f) {
        out.append("\\x");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // Two-byte forms of U+0080..U+00FF: the C1 controls, NBSP and SHY are not printable.
    if ((c == 0xC2 || c == 0xC3) && i + 1 < end) {
      const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(out[i + 1]) & 0x3Fu);
      if (cp <= 0xA0 || cp == 0xAD) {
        out.append("\\x");
        out.push_back(kHex[cp >> 4]);
        out.push_back(kHex[cp & 15]);
        i += 2;
        continue;
      }
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  out.push_back(quote);
  out.erase(start, end - start);
}

}  // namespace

int64_t access_clock_usec() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Result<AccessFormat> AccessFormat::compile(std::string_view format) {
  AccessFormat f;
  f.source_ = std::string(format);
  auto add_literal = [&f](std::string_view text) {
    if (text.empty()) return;
    if (!f.pieces_.empty() && f.pieces_.back().atom == Atom::kLiteral &&
        f.pieces_.back().offset + f.pieces_.back().length == f.text_.size()) {
      f.pieces_.back().length += static_cast<uint32_t>(text.size());
    } else {
      Piece p;
      p.atom = Atom::kLiteral;
      p.offset = static_cast<uint32_t>(f.text_.size());
      p.length = static_cast<uint32_t>(text.size());
      f.pieces_.push_back(p);
    }
    f.text_.append(text);
  };
  auto at = [](size_t i) { return " at index " + std::to_string(i); };

  const size_t n = format.size();
  size_t i = 0;
  while (i < n) {
    const size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) {
      add_literal(format.substr(i));
      break;
    }
    add_literal(format.substr(i, pct - i));
    size_t k = pct + 1;
    if (k == n) return fail("incomplete format");
    if (format[k] == '%') {
      add_literal("%");
      i = k + 1;
      continue;
    }
    if (format[k] != '(') {
      return fail("format requires a mapping key" + at(pct) + " (write %(name)s)");
    }
    // The key, with nested parentheses as Python counts them.
    int depth = 1;
    const size_t key_start = k + 1;
    ++k;
    while (k < n && depth > 0) {
      if (format[k] == '(') ++depth;
      if (format[k] == ')') --depth;
      ++k;
    }
    if (depth > 0) return fail("incomplete format key" + at(pct));
    const std::string_view key = format.substr(key_start, k - 1 - key_start);

    Piece p;
    while (k < n) {
      const char c = format[k];
      if (c == '-') {
        p.left = true;
      } else if (c == '+') {
        p.plus = true;
      } else if (c == ' ') {
        p.space = true;
      } else if (c == '#') {
        p.alt = true;
      } else if (c == '0') {
        p.zero = true;
      } else {
        break;
      }
      ++k;
    }
    auto digits = [&](int& value) -> Status {
      if (k < n && format[k] == '*') return fail("* wants int" + at(k));
      long v = -1;
      const size_t first = k;
      while (k < n && format[k] >= '0' && format[k] <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (format[k] - '0');
        if (v > 4096) return fail("width or precision too large" + at(first));
        ++k;
      }
      value = static_cast<int>(v);
      return {};
    };
    if (auto st = digits(p.width); !st) return std::unexpected(st.error());
    if (k < n && format[k] == '.') {
      ++k;
      if (auto st = digits(p.precision); !st) return std::unexpected(st.error());
      if (p.precision < 0) p.precision = 0;
    }
    while (k < n && (format[k] == 'h' || format[k] == 'l' || format[k] == 'L')) ++k;
    if (k == n) return fail("incomplete format");
    const char conv = format[k];
    if (std::string_view("srdiuxXo").find(conv) == std::string_view::npos) {
      char buf[96];
      if (std::string_view("aceEfFgG").find(conv) != std::string_view::npos) {
        std::snprintf(buf, sizeof buf, "format character '%c' is not supported by webcycle app",
                      conv);
        return fail(buf + at(k));
      }
      // Python shows a character outside ' '..'~' as '?' (so the message stays one line).
      const auto c = static_cast<unsigned char>(conv);
      std::snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x)",
                    c >= 31 && c <= 126 ? conv : '?', c);
      return fail(buf + at(k));
    }
    p.conv = conv;

    // The atom.
    if (key.size() == 1) {
      switch (key[0]) {
        case 'h':
          p.atom = Atom::kRemoteAddr;
          break;
        case 'l':
          p.atom = Atom::kDash;
          break;
        case 'u':
          p.atom = Atom::kUser;
          break;
        case 't':
          p.atom = Atom::kTime;
          break;
        case 'r':
          p.atom = Atom::kRequestLine;
          break;
        case 'm':
          p.atom = Atom::kMethod;
          break;
        case 'U':
          p.atom = Atom::kPath;
          break;
        case 'q':
          p.atom = Atom::kQuery;
          break;
        case 'H':
          p.atom = Atom::kProtocol;
          break;
        case 's':
          p.atom = Atom::kStatus;
          break;
        case 'B':
          p.atom = Atom::kBytesB;
          break;
        case 'b':
          p.atom = Atom::kBytesb;
          break;
        case 'f':
          p.atom = Atom::kReferer;
          break;
        case 'a':
          p.atom = Atom::kUserAgent;
          break;
        case 'T':
          p.atom = Atom::kSeconds;
          break;
        case 'M':
          p.atom = Atom::kMillis;
          break;
        case 'D':
          p.atom = Atom::kMicros;
          break;
        case 'L':
          p.atom = Atom::kDecimalSeconds;
          break;
        case 'p':
          p.atom = Atom::kPid;
          break;
        default:
          p.atom = Atom::kDash;
          break;
      }
    } else if (key.size() >= 3 && key.front() == '{' && key[key.size() - 2] == '}') {
      const char kind = lower(key.back());
      p.atom = kind == 'i'   ? Atom::kRequestHeader
               : kind == 'o' ? Atom::kResponseHeader
               : kind == 'e' ? Atom::kEnviron
                             : Atom::kDash;
      if (p.atom != Atom::kDash) {
        const std::string_view name = key.substr(1, key.size() - 3);
        p.offset = static_cast<uint32_t>(f.text_.size());
        p.length = static_cast<uint32_t>(name.size());
        for (char c : name) f.text_.push_back(lower(c));
        f.uses_request_headers_ |= p.atom == Atom::kRequestHeader;
        f.uses_response_headers_ |= p.atom == Atom::kResponseHeader;
        f.uses_environ_ |= p.atom == Atom::kEnviron;
      }
    } else {
      p.atom = Atom::kDash;
    }
    if (p.atom == Atom::kUser || p.atom == Atom::kReferer || p.atom == Atom::kUserAgent) {
      f.uses_request_headers_ = true;
    }
    if (p.atom == Atom::kEnviron) f.uses_request_headers_ = true;  // HTTP_* come from them
    const bool numeric_conv = conv != 's' && conv != 'r';
    if (numeric_conv && !is_numeric_atom(p.atom)) {
      // The key as written, at most 40 bytes, control characters as '?' (one line).
      std::string shown_key(key.substr(0, 40));
      for (char& c : shown_key) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
      }
      char buf[128];
      std::snprintf(buf, sizeof buf, "%%%c format: a real number is required, not str (%%(%s)%c)",
                    conv, shown_key.c_str(), conv);
      return fail(buf + at(pct));
    }
    f.pieces_.push_back(p);
    i = k + 1;
  }
  return f;
}

std::string_view AccessFormat::time_text(int64_t end_usec) const {
  if (end_usec <= 0) end_usec = access_clock_usec();
  const time_t second = static_cast<time_t>(end_usec / 1000000);
  if (second != time_second_) {
    time_second_ = second;
    tm local;
    localtime_r(&second, &local);
    long offset_min = local.tm_gmtoff / 60;
    const char sign = offset_min < 0 ? '-' : '+';
    if (offset_min < 0) offset_min = -offset_min;
    const int n =
        std::snprintf(time_, sizeof time_, "[%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld]",
                      local.tm_mday, kMonths[local.tm_mon], local.tm_year + 1900, local.tm_hour,
                      local.tm_min, local.tm_sec, sign, offset_min / 60, offset_min % 60);
    time_len_ = static_cast<unsigned char>(
        n < 0 ? 0 : (static_cast<size_t>(n) < sizeof time_ ? n : sizeof time_ - 1));
  }
  return {time_, time_len_};
}

void AccessFormat::render(const AccessFacts& facts, std::string& out) const {
  for (const Piece& p : pieces_) {
    if (p.atom == Atom::kLiteral) {
      out.append(text_.data() + p.offset, p.length);
    } else {
      render_piece(p, facts, out);
    }
  }
  out.push_back('\n');
}

std::string AccessFormat::render(const AccessFacts& facts) const {
  std::string out;
  render(facts, out);
  return out;
}

namespace {

// Request time as a Python timedelta gives it to gunicorn: `seconds` is the part within a day.
struct RequestTime {
  uint64_t seconds;
  uint64_t micros;
};

RequestTime request_time(const AccessFacts& facts) {
  int64_t total = facts.end_usec - facts.start_usec;
  if (total < 0) total = 0;
  return {static_cast<uint64_t>(total / 1000000) % 86400, static_cast<uint64_t>(total % 1000000)};
}

uint64_t numeric_value(Atom atom, const AccessFacts& facts) {
  const RequestTime t = request_time(facts);
  switch (atom) {
    case Atom::kSeconds:
      return t.seconds;
    case Atom::kMillis:
      return t.seconds * 1000 + t.micros / 1000;
    case Atom::kMicros:
      return t.seconds * 1000000 + t.micros;
    default:
      return facts.sent;
  }
}

}  // namespace

void AccessFormat::render_value(const Piece& p, const AccessFacts& facts, std::string& out) const {
  const std::string_view name(text_.data() + p.offset, p.length);
  switch (p.atom) {
    case Atom::kLiteral:
      break;
    case Atom::kDash:
      out.push_back('-');
      break;
    case Atom::kRemoteAddr:
      append_value(out, facts.remote_addr);
      break;
    case Atom::kUser:
      append_user(out, facts.request_headers);
      break;
    case Atom::kTime:
      out.append(time_text(facts.end_usec));
      break;
    case Atom::kRequestLine:
      append_value(out, facts.method);
      out.push_back(' ');
      append_value(out, facts.raw_uri);
      out.push_back(' ');
      append_value(out, facts.protocol);
      break;
    case Atom::kMethod:
      append_value(out, facts.method);
      break;
    case Atom::kPath:
      append_value(out, facts.path_info);
      break;
    case Atom::kQuery:
      append_value(out, facts.query);
      break;
    case Atom::kProtocol:
      append_value(out, facts.protocol);
      break;
    case Atom::kStatus:
      append_uint(out, facts.status);
      break;
    case Atom::kBytesB:
    case Atom::kBytesb:
      append_uint(out, facts.sent);
      break;
    case Atom::kReferer:
      append_joined(out, facts.request_headers, "referer");
      break;
    case Atom::kUserAgent:
      append_joined(out, facts.request_headers, "user_agent");
      break;
    case Atom::kSeconds:
    case Atom::kMillis:
    case Atom::kMicros:
      append_uint(out, numeric_value(p.atom, facts));
      break;
    case Atom::kDecimalSeconds: {
      const RequestTime t = request_time(facts);
      append_uint(out, t.seconds);
      char frac[8];
      frac[0] = '.';
      uint64_t us = t.micros;
      for (int d = 6; d >= 1; --d) {
        frac[d] = static_cast<char>('0' + us % 10);
        us /= 10;
      }
      out.append(frac, 7);
      break;
    }
    case Atom::kPid:
      out.push_back('<');
      if (facts.pid < 0) {
        out.push_back('-');
        append_uint(out, static_cast<uint64_t>(-static_cast<int64_t>(facts.pid)));
      } else {
        append_uint(out, static_cast<uint64_t>(facts.pid));
      }
      out.push_back('>');
      break;
    case Atom::kRequestHeader:
    case Atom::kResponseHeader: {
      std::string_view v;
      if (last_header(
              p.atom == Atom::kRequestHeader ? facts.request_headers : facts.response_headers, name,
              v)) {
        append_value(out, v);
      } else {
        out.push_back('-');
      }
      break;
    }
    case Atom::kEnviron: {
      std::string_view v;
      if (last_header(facts.environ, name, v)) {
        append_value(out, v);
      } else if (name == "request_method") {
        append_value(out, facts.method);
      } else if (name == "raw_uri") {
        append_value(out, facts.raw_uri);
      } else if (name == "path_info") {
        append_value(out, facts.path_info);
      } else if (name == "query_string") {
        append_value(out, facts.query);
      } else if (name == "server_protocol") {
        append_value(out, facts.protocol);
      } else if (name == "remote_addr") {
        append_value(out, facts.remote_addr);
      } else if (name == "content_type" || name == "content_length") {
        if (last_header(facts.request_headers,
                        name == "content_type" ? "content-type" : "content-length", v)) {
          append_value(out, v);
        } else {
          out.push_back('-');
        }
      } else if (name.starts_with("http_")) {
        append_joined(out, facts.request_headers, name.substr(5));
      } else {
        out.push_back('-');
      }
      break;
    }
  }
}

void AccessFormat::render_piece(const Piece& p, const AccessFacts& facts, std::string& out) const {
  const size_t start = out.size();
  if (p.conv != 's' && p.conv != 'r') {
    // A number conversion (compile() allows it on the numeric atoms only).
    const uint64_t v = numeric_value(p.atom, facts);
    char digits[32];
    const int base = p.conv == 'x' || p.conv == 'X' ? 16 : p.conv == 'o' ? 8 : 10;
    auto r = std::to_chars(digits, digits + sizeof digits, v, base);
    size_t len = static_cast<size_t>(r.ptr - digits);
    if (p.conv == 'X') {
      for (size_t i = 0; i < len; ++i) {
        if (digits[i] >= 'a' && digits[i] <= 'f') digits[i] = static_cast<char>(digits[i] - 32);
      }
    }
    char prefix[4];
    size_t prefix_len = 0;
    if (p.plus) {
      prefix[prefix_len++] = '+';
    } else if (p.space) {
      prefix[prefix_len++] = ' ';
    }
    if (p.alt && base != 10) {
      prefix[prefix_len++] = '0';
      prefix[prefix_len++] = p.conv == 'X' ? 'X' : p.conv == 'x' ? 'x' : 'o';
    }
    const size_t precision_zeros =
        p.precision > 0 && static_cast<size_t>(p.precision) > len ? p.precision - len : 0;
    const size_t body = prefix_len + precision_zeros + len;
    const size_t pad = p.width > 0 && static_cast<size_t>(p.width) > body ? p.width - body : 0;
    if (pad && !p.left && !p.zero) out.append(pad, ' ');
    out.append(prefix, prefix_len);
    if (pad && !p.left && p.zero) out.append(pad, '0');
    out.append(precision_zeros, '0');
    out.append(digits, len);
    if (pad && p.left) out.append(pad, ' ');
    return;
  }
  render_value(p, facts, out);
  if (p.conv == 'r' && !is_numeric_atom(p.atom)) {
    repr_in_place(out, start);
  } else {
    escape_controls(out, start);
  }
  if (p.width < 0 && p.precision < 0) return;
  std::string_view value(out.data() + start, out.size() - start);
  if (p.precision >= 0) {
    const size_t keep = prefix_bytes(value, static_cast<size_t>(p.precision));
    out.resize(start + keep);
    value = std::string_view(out.data() + start, keep);
  }
  const size_t chars = char_count(value);
  if (p.width > 0 && static_cast<size_t>(p.width) > chars) {
    const size_t pad = static_cast<size_t>(p.width) - chars;
    if (p.left) {
      out.append(pad, ' ');
    } else {
      out.insert(start, pad, ' ');
    }
  }
}

}  // namespace wc::app
