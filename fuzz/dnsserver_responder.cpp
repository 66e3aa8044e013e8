// Fuzzes the DNS server's responder (src/dnsserver/responder.h) with arbitrary packets, over UDP
// and over TCP, against a small zone with every kind of answer (data, CNAME chain, wildcard,
// referral, a name too big for 512 bytes). Invariants: fewer than 12 bytes or QR set get no
// answer; every answer parses, is a response with the query's ID, fits the transport's limit
// (512 without EDNS, 1232 with it over UDP); a packet that does not parse as a message is never
// answered with more bytes than it had (no amplification); the cached path gives the same bytes
// as the first, uncached, answer (round robin off); with round robin on, the same bytes but for
// the order of the answer's records.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.h"
#include "dns/zone_file.h"
#include "dnsserver/responder.h"
#include "dnsserver/zone_db.h"
#include "fuzz_util.h"

namespace {

using namespace wc::dnsserver;

constexpr const char* kZone = R"($TTL 300
@     IN SOA ns1 hostmaster 1 3600 900 604800 60
      IN NS ns1
      IN MX 10 mail
ns1   IN A 192.0.2.53
mail  IN A 192.0.2.25
www   IN A 192.0.2.1
      IN AAAA 2001:db8::1
rr    IN A 192.0.2.11
      IN A 192.0.2.12
      IN A 192.0.2.13
alias IN CNAME www
chain IN CNAME alias
*.w   IN A 192.0.2.77
sub   IN NS ns.sub
ns.sub IN A 192.0.2.60
big   IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
      IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
      IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

std::shared_ptr<const ZoneDb> database() {
  static const std::shared_ptr<const ZoneDb> db = [] {
    auto records = wc::dns::parse_zone_file(kZone, "f.test", "f.test.zone");
    FUZZ_CHECK(records.has_value());
    auto zone = ZoneDb::build_zone("f.test", std::move(*records), "f.test.zone");
    FUZZ_CHECK(zone.has_value());
    std::vector<Zone> zones;
    zones.push_back(std::move(*zone));
    return ZoneDb::from(std::move(zones),
                        wc::dns::HostsFile::parse("127.0.0.5 h.test\n::5 h.test\n", "hosts"));
  }();
  return db;
}

void check(std::string_view q, Transport t, Responder& responder, std::string& first) {
  std::string out;
  const Verdict v = responder.respond(q, t, out);
  if (q.size() < 12 || (static_cast<uint8_t>(q[2]) & 0x80)) {
    FUZZ_CHECK(v == Verdict::kDrop);
    return;
  }
  FUZZ_CHECK(v != Verdict::kForward);  // forwarding is off here
  if (v != Verdict::kReply) return;
  auto r = wc::dns::parse_message(out);
  FUZZ_CHECK(r.has_value());
  FUZZ_CHECK(r->header.qr);
  FUZZ_CHECK(out[0] == q[0] && out[1] == q[1]);
  auto parsed = wc::dns::parse_message(q);
  if (!parsed) {
    FUZZ_CHECK(out.size() <= q.size());
  } else if (t == Transport::kUdp) {
    FUZZ_CHECK(out.size() <= wc::dns::udp_response_limit(*parsed, kServerUdpSize));
  }
  // The second time the same query comes, the cache may answer: the same bytes.
  if (first.empty()) {
    first = out;
  } else {
    FUZZ_CHECK(out == first);
  }
}

// Round robin: each answer is the zone-order one with its records in another order.
void check_rotated(std::string_view q, Transport t, Responder& rotating, const std::string& plain) {
  for (int i = 0; i < 3; ++i) {
    std::string out;
    const Verdict v = rotating.respond(q, t, out);
    if (plain.empty()) {
      FUZZ_CHECK(v != Verdict::kReply);  // no answer in zone order: none rotated either
      continue;
    }
    FUZZ_CHECK(v == Verdict::kReply);
    FUZZ_CHECK(out.size() == plain.size());
    auto a = wc::dns::parse_message(out);
    auto b = wc::dns::parse_message(plain);
    FUZZ_CHECK(a.has_value() && b.has_value());
    FUZZ_CHECK(a->answers.size() == b->answers.size());
    std::vector<std::string> x, y;
    for (const auto& r : a->answers) x.push_back(wc::dns::record_to_text(r));
    for (const auto& r : b->answers) y.push_back(wc::dns::record_to_text(r));
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    FUZZ_CHECK(x == y);
    FUZZ_CHECK(a->authority.size() == b->authority.size());
    FUZZ_CHECK(a->additional.size() == b->additional.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string_view q = in.view();
  for (Transport t : {Transport::kUdp, Transport::kTcp}) {
    Responder responder(database(), false, false);
    std::string first;
    check(q, t, responder, first);
    check(q, t, responder, first);
    Responder rotating(database(), false, true);
    check_rotated(q, t, rotating, first);
  }
  return 0;
}
