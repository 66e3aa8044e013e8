#include "dnsserver/responder.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "dnsserver/resolution.h"

namespace wc::dnsserver {

namespace {

using dns::Edns;
using dns::Header;
using dns::Message;
using dns::MessageWriter;
using dns::Question;
using dns::Type;

constexpr uint8_t kExtRcodeBadVers = 1;  // RCODE 16 = 1 << 4 (RFC 6891 9)
constexpr uint16_t kOptionEde = 15;      // Extended DNS Errors (RFC 8914)
constexpr uint16_t kEdeNotAuthoritative = 20;
constexpr uint16_t kEdeNotSupported = 21;

uint16_t get16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) << 8 | static_cast<uint8_t>(s[at + 1]));
}

void set16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v >> 8);
  s[at + 1] = static_cast<char>(v & 0xFF);
}

std::string ede_option(uint16_t code) {
  std::string o;
  o.push_back(0);
  o.push_back(static_cast<char>(kOptionEde));
  o.push_back(0);
  o.push_back(2);
  o.push_back(static_cast<char>(code >> 8));
  o.push_back(static_cast<char>(code & 0xFF));
  return o;
}

Header response_header(const Header& q) {
  Header h;
  h.id = q.id;
  h.qr = true;
  h.opcode = q.opcode;
  h.rd = q.rd;  // CD is not copied: NSD leaves it clear (it does no DNSSEC checking to skip)
  return h;
}

Edns response_edns(const Edns& q) {
  Edns e;
  e.udp_size = kServerUdpSize;
  e.do_bit = q.do_bit;
  return e;
}

// An error response: the header (ID, opcode, RD of the query) with `rcode`, the first question
// when it can be read and the whole stays within the query's size, nothing else.
void error_response(std::string_view query, uint8_t rcode, std::string& out) {
  out.assign(query.substr(0, dns::kHeaderSize));
  out[2] = static_cast<char>(0x80 | (query[2] & 0x79));  // QR, opcode, RD; AA and TC off
  out[3] = static_cast<char>(rcode);                     // RA, AD, CD off
  for (size_t i = 4; i < 12; ++i) out[i] = 0;
  if (get16(query, 4) == 0) return;
  size_t pos = dns::kHeaderSize;
  auto name = dns::read_name(query, pos, query.size());
  if (!name || pos + 4 > query.size()) return;
  if (dns::kHeaderSize + name->size() + 4 > query.size()) return;  // never amplify
  out += *name;
  out.append(query.substr(pos, 4));
  set16(out, 4, 1);
}

struct FastQuery {
  size_t name_end = 0;  // offset just past the question's name
  uint16_t qtype = 0;
  bool edns = false;
  uint16_t udp_size = 0;
  bool do_bit = false;
};

// The common shape of a query, read without allocating: one question, uncompressed, class IN, at
// most an OPT (version 0, no options) after it, nothing else. `key` gets the lowercased name and
// the type bytes. False: take the general path.
bool read_fast(std::string_view q, FastQuery& f, char* key, size_t& key_len) {
  if (q.size() < dns::kHeaderSize) return false;
  const auto b2 = static_cast<uint8_t>(q[2]);
  if ((b2 & 0x80) || (b2 & 0x78) != 0) return false;  // QR, or opcode != QUERY
  if (get16(q, 4) != 1 || get16(q, 6) != 0 || get16(q, 8) != 0) return false;
  const uint16_t ar = get16(q, 10);
  if (ar > 1) return false;
  size_t pos = dns::kHeaderSize;
  size_t k = 0;
  for (;;) {
    if (pos >= q.size()) return false;
    const auto len = static_cast<uint8_t>(q[pos]);
    if (len > dns::kMaxLabelLength) return false;  // a pointer or a bad label type
    if (pos + 1 + len > q.size() || k + 1 + len > dns::kMaxNameLength) return false;
    key[k++] = static_cast<char>(len);
    for (size_t i = 1; i <= len; ++i) {
      char c = q[pos + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      key[k++] = c;
    }
    pos += 1 + len;
    if (len == 0) break;
  }
  f.name_end = pos;
  if (pos + 4 > q.size()) return false;
  f.qtype = get16(q, pos);
  if (get16(q, pos + 2) != dns::kClassIN) return false;
  switch (f.qtype) {
    case 0:
    case 41:   // OPT
    case 251:  // IXFR
    case 252:  // AXFR
    case 253:
    case 254:
      return false;
    default:
      break;
  }
  key[k++] = q[pos];
  key[k++] = q[pos + 1];
  key_len = k;
  pos += 4;
  if (ar == 1) {
    if (pos + 11 != q.size()) return false;  // an OPT with no options, and nothing after it
    if (q[pos] != 0 || get16(q, pos + 1) != 41) return false;
    if (q[pos + 5] != 0 || q[pos + 6] != 0) return false;  // extended RCODE, version 0
    if (get16(q, pos + 9) != 0) return false;              // RDLENGTH 0: no options
    f.edns = true;
    f.udp_size = get16(q, pos + 3);
    f.do_bit = (static_cast<uint8_t>(q[pos + 7]) & 0x80) != 0;
    return true;
  }
  return pos == q.size();
}

// Turns the cached canonical response into the answer to `q`; false when it does not fit `limit`.
bool patch_cached(std::string_view cached, std::string_view q, const FastQuery& f, size_t limit,
                  std::string& out) {
  const size_t need = cached.size() + (f.edns ? 11 : 0);
  if (need > limit) return false;
  out.assign(cached);
  out[0] = q[0];
  out[1] = q[1];
  out[2] = static_cast<char>((cached[2] & ~0x01) | (q[2] & 0x01));
  std::memcpy(out.data() + dns::kHeaderSize, q.data() + dns::kHeaderSize,
              f.name_end - dns::kHeaderSize);
  if (f.edns) {
    static constexpr char kOpt[11] = {0,
                                      0,
                                      41,
                                      static_cast<char>(kServerUdpSize >> 8),
                                      static_cast<char>(kServerUdpSize & 0xFF),
                                      0,
                                      0,
                                      0,
                                      0,
                                      0,
                                      0};
    out.append(kOpt, sizeof kOpt);
    if (f.do_bit) out[out.size() - 4] = static_cast<char>(0x80);
    set16(out, 10, static_cast<uint16_t>(get16(out, 10) + 1));
  }
  return true;
}

std::string write_message(const Message& query, const Resolution& res, size_t limit, int stage) {
  // stage 0: everything; 1: the answer alone (optional data dropped); 2: TC, the question alone.
  MessageWriter w(limit);
  Header h = response_header(query.header);
  h.aa = res.aa;
  h.rcode = res.rcode;
  h.tc = stage == 2;
  w.set_header(h);
  if (query.edns) (void)w.set_edns(response_edns(*query.edns));
  (void)w.add_question(query.questions.front());
  if (stage == 2) return w.finish();
  for (const dns::Record& r : res.answer) (void)w.add_record(MessageWriter::Section::kAnswer, r);
  if (stage == 0) {
    for (const dns::Record& r : res.authority) {
      (void)w.add_record(MessageWriter::Section::kAuthority, r);
    }
    for (const dns::Record& r : res.additional) {
      (void)w.add_record(MessageWriter::Section::kAdditional, r);
    }
  }
  if (w.truncated()) return {};
  return w.finish();
}

size_t udp_limit(bool edns, uint16_t size) {
  if (!edns) return dns::kClassicUdpSize;
  return std::clamp<size_t>(size, dns::kClassicUdpSize, kServerUdpSize);
}

}  // namespace

AddressRun find_address_run(std::string_view msg) noexcept {
  AddressRun best;
  if (msg.size() < dns::kHeaderSize) return best;
  size_t pos = dns::kHeaderSize;
  // Past the questions: names (labels, or a pointer that ends them), type and class.
  auto skip_name = [&]() {
    while (pos < msg.size()) {
      const auto len = static_cast<uint8_t>(msg[pos]);
      if ((len & 0xC0) == 0xC0) {
        pos += 2;
        return pos <= msg.size();
      }
      if (len > dns::kMaxLabelLength) return false;
      pos += 1 + static_cast<size_t>(len);
      if (len == 0) return pos <= msg.size();
    }
    return false;
  };
  for (uint16_t q = get16(msg, 4); q > 0; --q) {
    if (!skip_name() || pos + 4 > msg.size()) return best;
    pos += 4;
  }
  AddressRun run;
  uint16_t owner = 0;
  uint16_t type = 0;
  for (uint16_t a = get16(msg, 6); a > 0; --a) {
    const size_t start = pos;
    const bool pointer = pos < msg.size() && (static_cast<uint8_t>(msg[pos]) & 0xC0) == 0xC0;
    if (!skip_name() || pos + 10 > msg.size()) return best;
    const uint16_t rtype = get16(msg, pos);
    const uint16_t rdlen = get16(msg, pos + 8);
    pos += 10 + static_cast<size_t>(rdlen);
    if (pos > msg.size()) return best;
    const bool address = pointer && ((rtype == 1 && rdlen == 4) || (rtype == 28 && rdlen == 16));
    const uint16_t this_owner = address ? get16(msg, start) : 0;
    if (address && run.count > 0 && rtype == type && this_owner == owner) {
      ++run.count;
    } else {
      if (run.count >= 2) best = run;
      run = AddressRun{};
      if (address) {
        run.at = static_cast<uint16_t>(start);
        run.size = static_cast<uint16_t>(pos - start);
        run.count = 1;
        owner = this_owner;
        type = rtype;
      }
    }
  }
  if (run.count >= 2) best = run;
  return best;
}

void rotate_run(std::string& msg, const AddressRun& run, uint32_t turn) noexcept {
  if (run.count < 2) return;
  const size_t k = turn % run.count;
  if (k == 0) return;
  char* first = msg.data() + run.at;
  std::rotate(first, first + k * run.size, first + static_cast<size_t>(run.count) * run.size);
}

std::string build_response(const Message& query, const Resolution& res, size_t limit) {
  std::string out = write_message(query, res, limit, 0);
  if (out.empty() && res.authority_optional) out = write_message(query, res, limit, 1);
  if (out.empty()) out = write_message(query, res, limit, 2);
  return out;
}

Responder::Responder(std::shared_ptr<const ZoneDb> db, bool forwarding, bool round_robin)
    : db_(std::move(db)), forwarding_(forwarding), round_robin_(round_robin) {}

Verdict Responder::respond(std::string_view query, Transport transport, std::string& out) {
  FastQuery f;
  char key[dns::kMaxNameLength + 2];
  size_t key_len = 0;
  if (read_fast(query, f, key, key_len)) {
    const size_t limit = transport == Transport::kTcp ? 65535 : udp_limit(f.edns, f.udp_size);
    const std::string_view k(key, key_len);
    auto it = cache_.find(k);
    if (it == cache_.end() && cache_.size() < kMaxCachedAnswers) {
      const std::string_view name(key, key_len - 2);
      const Resolution res = resolve(*db_, name, static_cast<Type>(f.qtype));
      if (res.kind == Resolution::Kind::kAnswer) {
        Message canonical;
        canonical.questions.push_back(
            Question{std::string(name), static_cast<Type>(f.qtype), dns::kClassIN});
        Cached c;
        c.bytes = build_response(canonical, res, 65535);
        if (round_robin_) c.run = find_address_run(c.bytes);
        it = cache_.emplace(std::string(k), std::move(c)).first;
      }
    }
    if (it != cache_.end() && patch_cached(it->second.bytes, query, f, limit, out)) {
      if (it->second.run.count > 1) rotate_run(out, it->second.run, it->second.turn++);
      return Verdict::kReply;
    }
  }
  return general(query, transport, out);
}

Verdict Responder::general(std::string_view query, Transport transport, std::string& out) {
  if (query.size() < dns::kHeaderSize) return Verdict::kDrop;        // not even a header: silence
  if (static_cast<uint8_t>(query[2]) & 0x80) return Verdict::kDrop;  // a response: never answer
  auto parsed = dns::parse_message(query);
  if (!parsed) {
    error_response(query, dns::kRcodeFormErr, out);
    return Verdict::kReply;
  }
  const Message& q = *parsed;
  if (q.header.opcode != dns::kOpcodeQuery) {
    error_response(query, dns::kRcodeNotImp, out);
    return Verdict::kReply;
  }
  if (q.questions.size() != 1) {
    error_response(query, dns::kRcodeFormErr, out);
    return Verdict::kReply;
  }
  const size_t limit =
      transport == Transport::kTcp ? 65535 : dns::udp_response_limit(q, kServerUdpSize);
  const Question& question = q.questions.front();
  auto simple = [&](uint8_t rcode, uint8_t ext_rcode, uint16_t ede) {
    MessageWriter w(limit);
    Header h = response_header(q.header);
    h.rcode = rcode;
    w.set_header(h);
    if (q.edns) {
      Edns e = response_edns(*q.edns);
      e.ext_rcode = ext_rcode;
      if (ede) e.options = ede_option(ede);
      (void)w.set_edns(e);
    }
    (void)w.add_question(question);
    out = w.finish();
    return Verdict::kReply;
  };
  if (q.edns && q.edns->version != 0) return simple(0, kExtRcodeBadVers, 0);
  if (question.klass != dns::kClassIN) return simple(dns::kRcodeRefused, 0, kEdeNotSupported);
  const auto qtype = static_cast<uint16_t>(question.type);
  if (qtype == 251 || qtype == 252) {
    // No zone transfers: NOTIMP over UDP, REFUSED over TCP, as NSD answers without provide-xfr.
    return simple(transport == Transport::kUdp ? dns::kRcodeNotImp : dns::kRcodeRefused, 0, 0);
  }
  const Resolution res = resolve(*db_, question.name, question.type);
  if (res.kind == Resolution::Kind::kOutside) {
    if (forwarding_) return Verdict::kForward;
    return simple(dns::kRcodeRefused, 0, kEdeNotAuthoritative);
  }
  out = build_response(q, res, limit);
  if (round_robin_) rotate_run(out, find_address_run(out), general_turn_++);
  return Verdict::kReply;
}

void Responder::servfail(std::string_view query, std::string& out) {
  auto parsed = dns::parse_message(query);
  if (!parsed || parsed->questions.empty()) {
    error_response(query, dns::kRcodeServFail, out);
    return;
  }
  MessageWriter w(65535);
  Header h = response_header(parsed->header);
  h.rcode = dns::kRcodeServFail;
  w.set_header(h);
  if (parsed->edns) (void)w.set_edns(response_edns(*parsed->edns));
  (void)w.add_question(parsed->questions.front());
  out = w.finish();
}

}  // namespace wc::dnsserver
