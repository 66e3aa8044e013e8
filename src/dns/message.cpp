#include "dns/message.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace wc::dns {

namespace {

uint8_t byte_at(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

uint16_t get16(std::string_view s, size_t i) {
  return static_cast<uint16_t>(byte_at(s, i) << 8 | byte_at(s, i + 1));
}

uint32_t get32(std::string_view s, size_t i) {
  return static_cast<uint32_t>(get16(s, i)) << 16 | get16(s, i + 2);
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}

void set16(std::string& out, size_t at, uint16_t v) {
  out[at] = static_cast<char>(v >> 8);
  out[at + 1] = static_cast<char>(v & 0xff);
}

std::unexpected<MessageError> error(MessageProblem p, std::string reason) {
  return std::unexpected<MessageError>(MessageError{p, std::move(reason)});
}

// Length of the uncompressed wire-form name starting at `pos` of `s` (root byte included), or 0
// when there is none: a pointer, a label type other than 00, past the end, over 255 bytes.
size_t plain_name_length(std::string_view s, size_t pos) {
  size_t p = pos;
  while (p < s.size()) {
    const uint8_t len = byte_at(s, p);
    if (len > kMaxLabelLength) return 0;
    if (p - pos + 1 + len + (len ? 1 : 0) > kMaxNameLength) return 0;
    if (len == 0) return p - pos + 1;
    p += 1 + len;
  }
  return 0;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Prepends "answer 2: " to a problem found inside a record, so the log line says where.
MessageError at(MessageError e, std::string_view where) {
  e.reason = std::string(where) + ": " + e.reason;
  return e;
}

// RDATA of the types whose names may be compressed on the wire is rebuilt with them
// decompressed; A, AAAA and TXT are checked for their shape; the rest is copied.
MessageResult<std::string> decode_rdata(std::string_view msg, size_t start, size_t len,
                                        Type type) {
  const size_t end = start + len;
  std::string out;
  size_t p = start;
  auto name = [&]() -> MessageResult<void> {
    auto n = read_name(msg, p, end);
    if (!n) return std::unexpected(n.error());
    out += *n;
    return {};
  };
  auto fixed = [&](size_t n) -> bool {
    if (end - p < n) return false;
    out.append(msg.substr(p, n));
    p += n;
    return true;
  };
  switch (type) {
    case Type::kA:
      if (len != 4) return error(MessageProblem::kBadRdata, "A RDATA is " + std::to_string(len) + " bytes");
      return std::string(msg.substr(start, len));
    case Type::kAAAA:
      if (len != 16) return error(MessageProblem::kBadRdata, "AAAA RDATA is " + std::to_string(len) + " bytes");
      return std::string(msg.substr(start, len));
    case Type::kTXT: {
      // One or more <character-string>s filling the RDATA exactly (RFC 1035 3.3.14).
      if (len == 0) return error(MessageProblem::kBadRdata, "empty TXT RDATA");
      while (p < end) {
        const size_t n = byte_at(msg, p);
        if (end - p < 1 + n) return error(MessageProblem::kBadRdata, "TXT string runs past its RDATA");
        p += 1 + n;
      }
      return std::string(msg.substr(start, len));
    }
    case Type::kNS:
    case Type::kCNAME:
    case Type::kPTR:
      if (auto r = name(); !r) return std::unexpected(r.error());
      break;
    case Type::kSOA:
      if (auto r = name(); !r) return std::unexpected(r.error());
      if (auto r = name(); !r) return std::unexpected(r.error());
      if (!fixed(20)) return error(MessageProblem::kBadRdata, "SOA RDATA too short");
      break;
    case Type::kMX:
      if (!fixed(2)) return error(MessageProblem::kBadRdata, "MX RDATA too short");
      if (auto r = name(); !r) return std::unexpected(r.error());
      break;
    case Type::kSRV:
      // Senders must not compress the target (RFC 2782), but some do: reading it costs nothing.
      if (!fixed(6)) return error(MessageProblem::kBadRdata, "SRV RDATA too short");
      if (auto r = name(); !r) return std::unexpected(r.error());
      break;
    default:
      return std::string(msg.substr(start, len));
  }
  if (p != end) {
    return error(MessageProblem::kBadRdata, type_to_text(type) + " RDATA has " + std::to_string(end - p) +
                                                " bytes after its fields");
  }
  return out;
}

}  // namespace

bool is_valid_name(std::string_view wire) noexcept {
  return !wire.empty() && plain_name_length(wire, 0) == wire.size();
}

MessageResult<std::string> read_name(std::string_view msg, size_t& pos, size_t end) {
  std::string out;
  size_t p = pos;
  size_t run_start = pos;  // where the current run of labels began
  size_t lim = std::min(end, msg.size());
  bool jumped = false;
  int hops = 0;
  for (;;) {
    if (p >= lim) return error(MessageProblem::kTruncated, "name runs past the end");
    const uint8_t len = byte_at(msg, p);
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= lim) return error(MessageProblem::kTruncated, "name runs past the end");
      const size_t target = static_cast<size_t>(len & 0x3F) << 8 | byte_at(msg, p + 1);
      // Only strictly before the run that holds the pointer: each hop then starts lower, so a
      // chain always ends (the hop limit is a second guard).
      if (target >= run_start) {
        return error(MessageProblem::kBadPointer,
                     "compression pointer at " + std::to_string(p) + " to " +
                         std::to_string(target) + " does not point backwards");
      }
      if (++hops > kMaxPointerHops) return error(MessageProblem::kBadPointer, "too many compression pointers");
      if (!jumped) pos = p + 2;
      jumped = true;
      p = run_start = target;
      lim = msg.size();
      continue;
    }
    if (len & 0xC0) {
      return error(MessageProblem::kBadLabel, "label type 0x" +
                                                  std::string(1, "0123456789abcdef"[len >> 4]) +
                                                  "0 at " + std::to_string(p));
    }
    if (out.size() + 1 + len + (len ? 1 : 0) > kMaxNameLength) {
      return error(MessageProblem::kNameTooLong, "name longer than 255 bytes");
    }
    if (len == 0) {
      out.push_back('\0');
      if (!jumped) pos = p + 1;
      return out;
    }
    if (lim - p < 1u + len) return error(MessageProblem::kTruncated, "label runs past the end");
    out.append(msg.substr(p, 1 + len));
    p += 1 + len;
  }
}

MessageResult<Message> parse_message(std::string_view msg) {
  if (msg.size() < kHeaderSize) {
    return error(MessageProblem::kTruncated, "message of " + std::to_string(msg.size()) + " bytes");
  }
  Message m;
  Header& h = m.header;
  h.id = get16(msg, 0);
  const uint8_t f1 = byte_at(msg, 2), f2 = byte_at(msg, 3);
  h.qr = f1 & 0x80;
  h.opcode = (f1 >> 3) & 0x0F;
  h.aa = f1 & 0x04;
  h.tc = f1 & 0x02;
  h.rd = f1 & 0x01;
  h.ra = f2 & 0x80;
  h.ad = f2 & 0x20;
  h.cd = f2 & 0x10;
  h.rcode = f2 & 0x0F;
  h.qdcount = get16(msg, 4);
  h.ancount = get16(msg, 6);
  h.nscount = get16(msg, 8);
  h.arcount = get16(msg, 10);

  size_t pos = kHeaderSize;
  // A section that ends exactly where the message does, while its count wants more, is a count
  // too high -- except under TC, where a server may have cut the message at a record boundary.
  auto ran_out = [&](std::string_view what, size_t i, size_t count) -> std::optional<MessageError> {
    if (pos < msg.size()) return std::nullopt;
    return MessageError{MessageProblem::kBadCount,
                        std::string(what) + " count " + std::to_string(count) +
                            ", the message ends after " + std::to_string(i)};
  };

  for (size_t i = 0; i < h.qdcount; ++i) {
    if (auto e = ran_out("question", i, h.qdcount)) {
      if (h.tc) return m;
      return std::unexpected(*e);
    }
    const std::string where = "question " + std::to_string(i + 1);
    auto name = read_name(msg, pos, msg.size());
    if (!name) return std::unexpected(at(name.error(), where));
    if (msg.size() - pos < 4) return error(MessageProblem::kTruncated, where + ": ends in its type or class");
    m.questions.push_back(Question{std::move(*name), static_cast<Type>(get16(msg, pos)), get16(msg, pos + 2)});
    pos += 4;
  }

  struct Sec {
    const char* what;
    uint16_t count;
    std::vector<Record>* out;
  };
  const std::array<Sec, 3> secs{{{"answer", h.ancount, &m.answers},
                                 {"authority", h.nscount, &m.authority},
                                 {"additional", h.arcount, &m.additional}}};
  for (size_t s = 0; s < secs.size(); ++s) {
    for (size_t i = 0; i < secs[s].count; ++i) {
      if (auto e = ran_out(secs[s].what, i, secs[s].count)) {
        if (h.tc) return m;
        return std::unexpected(*e);
      }
      const std::string where = std::string(secs[s].what) + " " + std::to_string(i + 1);
      Record r;
      auto name = read_name(msg, pos, msg.size());
      if (!name) return std::unexpected(at(name.error(), where));
      r.name = std::move(*name);
      if (msg.size() - pos < 10) return error(MessageProblem::kTruncated, where + ": ends in its fixed fields");
      r.type = static_cast<Type>(get16(msg, pos));
      r.klass = get16(msg, pos + 2);
      r.ttl = get32(msg, pos + 4);
      const size_t rdlen = get16(msg, pos + 8);
      pos += 10;
      if (msg.size() - pos < rdlen) return error(MessageProblem::kTruncated, where + ": RDATA runs past the end");
      if (r.type == Type::kOPT) {
        // RFC 6891 6.1.1: one OPT at most, in the additional section, owned by the root.
        if (s != 2) return error(MessageProblem::kBadOpt, where + ": OPT outside the additional section");
        if (m.edns) return error(MessageProblem::kBadOpt, where + ": a second OPT record");
        if (r.name.size() != 1) return error(MessageProblem::kBadOpt, where + ": OPT not owned by the root");
        Edns e;
        e.udp_size = r.klass;
        e.ext_rcode = static_cast<uint8_t>(r.ttl >> 24);
        e.version = static_cast<uint8_t>(r.ttl >> 16);
        e.do_bit = r.ttl & 0x8000;
        e.options.assign(msg.substr(pos, rdlen));
        m.edns = std::move(e);
        pos += rdlen;
        continue;
      }
      auto rdata = decode_rdata(msg, pos, rdlen, r.type);
      if (!rdata) return std::unexpected(at(rdata.error(), where));
      r.rdata = std::move(*rdata);
      pos += rdlen;
      secs[s].out->push_back(std::move(r));
    }
  }
  if (pos != msg.size()) {
    return error(MessageProblem::kBadCount,
                 std::to_string(msg.size() - pos) + " bytes after the counted records");
  }
  return m;
}

// ---- MessageWriter ----

namespace {
constexpr size_t kMaxTable = 256;  // name suffixes remembered for compression; plenty for 64 KiB
constexpr size_t kOptFixed = 11;   // root name, type, class, TTL, RDLENGTH
}  // namespace

MessageWriter::MessageWriter(size_t limit) : limit_(std::clamp<size_t>(limit, kClassicUdpSize, 65535)) {
  out_.assign(kHeaderSize, '\0');
}

bool MessageWriter::set_edns(const Edns& edns) {
  if (done_ || stage_ > 0 || edns.options.size() > 65535) return false;
  const size_t need = kOptFixed + edns.options.size();
  if (out_.size() + need > limit_) return false;
  reserve_ = need;
  edns_ = edns;
  return true;
}

bool MessageWriter::suffix_at(size_t offset, std::string_view suffix) const noexcept {
  size_t p = offset, i = 0;
  int hops = 0;
  for (;;) {
    if (p >= out_.size() || i >= suffix.size()) return false;
    const uint8_t len = byte_at(out_, p);
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= out_.size() || ++hops > kMaxPointerHops) return false;
      p = static_cast<size_t>(len & 0x3F) << 8 | byte_at(out_, p + 1);
      continue;
    }
    if (len != byte_at(suffix, i)) return false;
    if (len == 0) return true;
    if (p + 1 + len > out_.size() || i + 1 + len > suffix.size()) return false;
    for (size_t k = 1; k <= len; ++k) {
      if (lower(out_[p + k]) != lower(suffix[i + k])) return false;
    }
    p += 1 + len;
    i += 1 + len;
  }
}

void MessageWriter::write_name(std::string_view wire, bool compress) {
  size_t i = 0;
  while (i < wire.size()) {
    const uint8_t len = byte_at(wire, i);
    if (len == 0) break;
    if (compress) {
      const std::string_view suffix = wire.substr(i);
      for (uint16_t off : table_) {
        if (suffix_at(off, suffix)) {
          put16(out_, static_cast<uint16_t>(0xC000 | off));
          return;
        }
      }
      if (out_.size() < 0x4000 && table_.size() < kMaxTable) {
        table_.push_back(static_cast<uint16_t>(out_.size()));
      }
    }
    out_.append(wire.substr(i, 1 + len));
    i += 1 + len;
  }
  out_.push_back('\0');
}

void MessageWriter::write_rdata(Type type, std::string_view rd) {
  switch (type) {
    case Type::kNS:
    case Type::kCNAME:
    case Type::kPTR:
      if (is_valid_name(rd)) return write_name(rd, true);
      break;
    case Type::kMX:
      if (rd.size() > 2 && is_valid_name(rd.substr(2))) {
        out_.append(rd.substr(0, 2));
        return write_name(rd.substr(2), true);
      }
      break;
    case Type::kSOA: {
      const size_t n1 = plain_name_length(rd, 0);
      const size_t n2 = n1 ? plain_name_length(rd, n1) : 0;
      if (n1 && n2 && rd.size() == n1 + n2 + 20) {
        write_name(rd.substr(0, n1), true);
        write_name(rd.substr(n1, n2), true);
        out_.append(rd.substr(n1 + n2));
        return;
      }
      break;
    }
    default:  // SRV included: its target is never compressed (RFC 2782)
      break;
  }
  out_.append(rd);
}

bool MessageWriter::add_question(const Question& q) {
  if (done_ || stage_ > 0 || counts_[0] == 0xFFFF || !is_valid_name(q.name)) return false;
  const size_t mark = out_.size(), tmark = table_.size();
  write_name(q.name, true);
  put16(out_, static_cast<uint16_t>(q.type));
  put16(out_, q.klass);
  if (out_.size() + reserve_ > limit_) {
    out_.resize(mark);
    table_.resize(tmark);
    header_.tc = true;
    done_ = true;
    return false;
  }
  ++counts_[0];
  return true;
}

bool MessageWriter::add_record(Section section, const Record& r) {
  const int s = 1 + static_cast<int>(section);
  if (done_ || s < stage_ || counts_[s] == 0xFFFF || r.type == Type::kOPT || !is_valid_name(r.name)) {
    return false;
  }
  stage_ = s;
  const size_t mark = out_.size(), tmark = table_.size();
  write_name(r.name, true);
  put16(out_, static_cast<uint16_t>(r.type));
  put16(out_, r.klass);
  put32(out_, r.ttl);
  const size_t len_at = out_.size();
  put16(out_, 0);
  write_rdata(r.type, r.rdata);
  const size_t rdlen = out_.size() - len_at - 2;
  if (rdlen > 0xFFFF || out_.size() + reserve_ > limit_) {
    out_.resize(mark);
    table_.resize(tmark);
    if (rdlen <= 0xFFFF && section != Section::kAdditional) {
      // RFC 2181 9: TC only when the answer itself is incomplete; the requester retries over TCP.
      header_.tc = true;
      done_ = true;
    }
    return false;
  }
  set16(out_, len_at, static_cast<uint16_t>(rdlen));
  ++counts_[s];
  return true;
}

std::string MessageWriter::finish() {
  if (edns_) {
    out_.push_back('\0');
    put16(out_, static_cast<uint16_t>(Type::kOPT));
    put16(out_, edns_->udp_size);
    put32(out_, static_cast<uint32_t>(edns_->ext_rcode) << 24 |
                    static_cast<uint32_t>(edns_->version) << 16 | (edns_->do_bit ? 0x8000u : 0u));
    put16(out_, static_cast<uint16_t>(edns_->options.size()));
    out_.append(edns_->options);
    ++counts_[3];
  }
  const Header& h = header_;
  set16(out_, 0, h.id);
  out_[2] = static_cast<char>((h.qr ? 0x80 : 0) | (h.opcode & 0x0F) << 3 | (h.aa ? 0x04 : 0) |
                              (h.tc ? 0x02 : 0) | (h.rd ? 0x01 : 0));
  out_[3] = static_cast<char>((h.ra ? 0x80 : 0) | (h.ad ? 0x20 : 0) | (h.cd ? 0x10 : 0) |
                              (h.rcode & 0x0F));
  for (int i = 0; i < 4; ++i) set16(out_, 4 + 2 * static_cast<size_t>(i), counts_[i]);
  done_ = true;
  return std::move(out_);
}

size_t udp_response_limit(const Message& query, size_t server_max) noexcept {
  if (!query.edns) return kClassicUdpSize;
  const size_t want = std::max<size_t>(query.edns->udp_size, kClassicUdpSize);
  return std::max(std::min(want, server_max), kClassicUdpSize);
}

std::string build_query(uint16_t id, const Question& q, bool rd, const std::optional<Edns>& edns) {
  MessageWriter w(65535);
  Header h;
  h.id = id;
  h.rd = rd;
  w.set_header(h);
  if (edns) (void)w.set_edns(*edns);
  (void)w.add_question(q);
  return w.finish();
}

// ---- Presentation ----

Result<std::string> name_from_text(std::string_view text) {
  if (text == ".") return std::string(1, '\0');
  if (text.empty()) return fail("empty name");
  std::string out;
  std::string label;
  auto end_label = [&]() -> Status {
    if (label.empty()) return fail("empty label in \"" + std::string(text) + "\"");
    if (label.size() > kMaxLabelLength) return fail("label longer than 63 bytes in \"" + std::string(text) + "\"");
    out.push_back(static_cast<char>(label.size()));
    out += label;
    label.clear();
    return {};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return fail("name ends in a backslash");
      const auto digit = [&](size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
      if (digit(i + 1)) {
        if (!digit(i + 2) || !digit(i + 3)) return fail("\\DDD needs three digits");
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return fail("\\DDD over 255");
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(text[++i]);
      }
    } else if (c == '.') {
      if (auto s = end_label(); !s) return std::unexpected(s.error());
    } else {
      label.push_back(c);
    }
  }
  if (!label.empty()) {
    if (auto s = end_label(); !s) return std::unexpected(s.error());
  }
  out.push_back('\0');
  if (out.size() > kMaxNameLength) return fail("name longer than 255 bytes");
  return out;
}

namespace {

void escape_byte(std::string& out, uint8_t c, std::string_view specials) {
  if (c < 0x21 || c > 0x7E) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
    out += buf;
  } else {
    if (specials.find(static_cast<char>(c)) != std::string_view::npos) out.push_back('\\');
    out.push_back(static_cast<char>(c));
  }
}

std::string hex_rdata(std::string_view rd) {
  std::string out = "\\# " + std::to_string(rd.size());
  if (!rd.empty()) out.push_back(' ');
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : rd) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

struct TypeName {
  uint16_t code;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {1, "A"},       {2, "NS"},      {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},   {13, "HINFO"},
    {15, "MX"},     {16, "TXT"},    {28, "AAAA"},  {33, "SRV"},   {35, "NAPTR"}, {39, "DNAME"},
    {41, "OPT"},    {43, "DS"},     {46, "RRSIG"}, {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"},
    {64, "SVCB"},   {65, "HTTPS"},  {251, "IXFR"}, {252, "AXFR"}, {255, "ANY"},  {257, "CAA"},
};

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string name_to_text(std::string_view wire) {
  std::string out;
  size_t p = 0;
  while (p < wire.size()) {
    const uint8_t len = byte_at(wire, p);
    if (len == 0 || len > kMaxLabelLength) break;
    for (size_t k = 1; k <= len && p + k < wire.size(); ++k) {
      escape_byte(out, byte_at(wire, p + k), ".\\\"();@$");
    }
    out.push_back('.');
    p += 1 + len;
  }
  return out.empty() ? "." : out;
}

std::string type_to_text(Type t) {
  const auto code = static_cast<uint16_t>(t);
  for (const auto& tn : kTypeNames) {
    if (tn.code == code) return tn.name;
  }
  return "TYPE" + std::to_string(code);
}

std::optional<Type> type_from_text(std::string_view text) {
  for (const auto& tn : kTypeNames) {
    if (iequal(text, tn.name)) return static_cast<Type>(tn.code);
  }
  if (text.size() > 4 && text.size() <= 9 && iequal(text.substr(0, 4), "TYPE")) {
    uint32_t v = 0;
    for (char c : text.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v <= 0xFFFF) return static_cast<Type>(v);
  }
  return std::nullopt;
}

std::string class_to_text(uint16_t klass) {
  switch (klass) {
    case 1: return "IN";
    case 3: return "CH";
    case 4: return "HS";
    case 255: return "ANY";
    default: return "CLASS" + std::to_string(klass);
  }
}

std::string rcode_to_text(uint16_t rcode) {
  static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                           "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                           "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < std::size(kNames)) return kNames[rcode];
  if (rcode == 16) return "BADVERS";
  return "RCODE" + std::to_string(rcode);
}

std::string rdata_to_text(Type type, std::string_view rd) {
  switch (type) {
    case Type::kA:
      if (rd.size() == 4) {
        return std::to_string(byte_at(rd, 0)) + "." + std::to_string(byte_at(rd, 1)) + "." +
               std::to_string(byte_at(rd, 2)) + "." + std::to_string(byte_at(rd, 3));
      }
      break;
    case Type::kAAAA:
      if (rd.size() == 16) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, rd.data(), buf, sizeof buf)) return buf;
      }
      break;
    case Type::kNS:
    case Type::kCNAME:
    case Type::kPTR:
      if (is_valid_name(rd)) return name_to_text(rd);
      break;
    case Type::kMX:
      if (rd.size() > 2 && is_valid_name(rd.substr(2))) {
        return std::to_string(get16(rd, 0)) + " " + name_to_text(rd.substr(2));
      }
      break;
    case Type::kSRV:
      if (rd.size() > 6 && is_valid_name(rd.substr(6))) {
        return std::to_string(get16(rd, 0)) + " " + std::to_string(get16(rd, 2)) + " " +
               std::to_string(get16(rd, 4)) + " " + name_to_text(rd.substr(6));
      }
      break;
    case Type::kSOA: {
      const size_t n1 = plain_name_length(rd, 0);
      const size_t n2 = n1 ? plain_name_length(rd, n1) : 0;
      if (n1 && n2 && rd.size() == n1 + n2 + 20) {
        std::string out = name_to_text(rd.substr(0, n1)) + " " + name_to_text(rd.substr(n1, n2));
        for (size_t k = 0; k < 5; ++k) out += " " + std::to_string(get32(rd, n1 + n2 + 4 * k));
        return out;
      }
      break;
    }
    case Type::kTXT: {
      std::string out;
      size_t p = 0;
      bool ok = !rd.empty();
      while (ok && p < rd.size()) {
        const size_t n = byte_at(rd, p);
        if (rd.size() - p < 1 + n) {
          ok = false;
          break;
        }
        if (!out.empty()) out.push_back(' ');
        out.push_back('"');
        for (size_t k = 1; k <= n; ++k) {
          const uint8_t c = byte_at(rd, p + k);
          if (c == ' ') {
            out.push_back(' ');  // inside quotes a space needs no escape
          } else {
            escape_byte(out, c, "\"\\");
          }
        }
        out.push_back('"');
        p += 1 + n;
      }
      if (ok) return out;
      break;
    }
    default:
      break;
  }
  return hex_rdata(rd);
}

std::string record_to_text(const Record& r) {
  return name_to_text(r.name) + "\t" + std::to_string(r.ttl) + "\t" + class_to_text(r.klass) +
         "\t" + type_to_text(r.type) + "\t" + rdata_to_text(r.type, r.rdata);
}

}  // namespace wc::dns
