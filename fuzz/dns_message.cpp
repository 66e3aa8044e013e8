// Fuzzes the DNS message parser and writer: parsing arbitrary bytes never reads outside them; a
// message that parses is written back with MessageWriter, parses again, and holds the same
// records (names compared case-insensitively: a compression pointer keeps the first writer's
// case); every name survives name_to_text -> name_from_text, and every record prints.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.h"
#include "fuzz_util.h"

namespace {

using namespace wc::dns;

bool fold_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

bool has_names(Type t) {
  return t == Type::kNS || t == Type::kCNAME || t == Type::kPTR || t == Type::kSOA ||
         t == Type::kMX;
}

void check_name(const std::string& wire) {
  FUZZ_CHECK(is_valid_name(wire));
  auto back = name_from_text(name_to_text(wire));
  FUZZ_CHECK(back && *back == wire);
}

void check_same(const std::vector<Record>& a, const std::vector<Record>& b) {
  FUZZ_CHECK(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    FUZZ_CHECK(name_equal(a[i].name, b[i].name));
    FUZZ_CHECK(a[i].type == b[i].type && a[i].klass == b[i].klass && a[i].ttl == b[i].ttl);
    if (has_names(a[i].type)) {
      FUZZ_CHECK(fold_equal(a[i].rdata, b[i].rdata));
    } else {
      FUZZ_CHECK(a[i].rdata == b[i].rdata);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  auto m = parse_message(in.view());
  if (!m) {
    FUZZ_CHECK(!m.error().reason.empty());
    return 0;
  }
  for (const auto& q : m->questions) check_name(q.name);
  for (const auto* sec : {&m->answers, &m->authority, &m->additional}) {
    for (const auto& r : *sec) {
      check_name(r.name);
      FUZZ_CHECK(!record_to_text(r).empty());
    }
  }

  MessageWriter w(65535);
  w.set_header(m->header);
  bool all = true;
  if (m->edns) all = w.set_edns(*m->edns);
  for (const auto& q : m->questions) all = all && w.add_question(q);
  using S = MessageWriter::Section;
  for (const auto& r : m->answers) all = all && w.add_record(S::kAnswer, r);
  for (const auto& r : m->authority) all = all && w.add_record(S::kAuthority, r);
  for (const auto& r : m->additional) all = all && w.add_record(S::kAdditional, r);
  const std::string out = w.finish();
  FUZZ_CHECK(out.size() <= 65535);
  if (!all) return 0;  // did not fit in 64 KiB once decompressed: nothing more to compare

  auto again = parse_message(out);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->header.id == m->header.id && again->header.rcode == m->header.rcode);
  FUZZ_CHECK(again->header.opcode == m->header.opcode && again->header.tc == m->header.tc);
  FUZZ_CHECK(again->questions.size() == m->questions.size());
  for (size_t i = 0; i < m->questions.size(); ++i) {
    FUZZ_CHECK(name_equal(again->questions[i].name, m->questions[i].name));
    FUZZ_CHECK(again->questions[i].type == m->questions[i].type);
    FUZZ_CHECK(again->questions[i].klass == m->questions[i].klass);
  }
  check_same(m->answers, again->answers);
  check_same(m->authority, again->authority);
  check_same(m->additional, again->additional);
  FUZZ_CHECK(m->edns.has_value() == again->edns.has_value());
  if (m->edns) {
    FUZZ_CHECK(again->edns->udp_size == m->edns->udp_size && again->edns->do_bit == m->edns->do_bit);
    FUZZ_CHECK(again->edns->options == m->edns->options && again->rcode() == m->rcode());
  }
  return 0;
}
