// Fuzzes the stub resolver's judgement of replies (client/resolver/answer.h) on whatever parses
// as a DNS message: a reply is always taken as the answer to its own ID and question; following
// its CNAME chain ends (within the hop limit, or at a loop) with addresses of the asked family
// only, at a valid name.
#include <cstdint>
#include <string>
#include <vector>

#include "client/resolver/answer.h"
#include "client/resolver/resolver.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  auto m = wc::dns::parse_message(in.view());
  if (!m || m->questions.size() != 1) return 0;
  const wc::dns::Question& q = m->questions.front();
  if (m->header.qr && m->header.opcode == wc::dns::kOpcodeQuery) {
    FUZZ_CHECK(!wc::client::reply_mismatch(*m, m->header.id, q).has_value());
  }
  FUZZ_CHECK(wc::client::reply_mismatch(*m, static_cast<uint16_t>(m->header.id + 1), q));
  for (wc::dns::Type t : {wc::dns::Type::kA, wc::dns::Type::kAAAA}) {
    std::vector<std::string> seen;
    wc::client::AnswerChain c =
        wc::client::follow_answer(*m, q.name, t, wc::client::kMaxCnameHops, seen);
    FUZZ_CHECK(c.hops <= wc::client::kMaxCnameHops);
    FUZZ_CHECK(wc::dns::is_valid_name(c.end_name));
    for (const wc::dns::IpAddress& a : c.addresses) FUZZ_CHECK(a.v6 == (t == wc::dns::Type::kAAAA));
    FUZZ_CHECK(!(c.loop && c.too_long));
  }
  return 0;
}
