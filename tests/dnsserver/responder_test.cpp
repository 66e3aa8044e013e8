// The responder and the resolution rules on a zone held in memory: answers, negative answers,
// CNAME chains, wildcards, referrals, hosts names, truncation, malformed queries, and the cached
// hot path against the general one (they must give the same bytes).
#include "dnsserver/responder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dns/hosts_file.h"
#include "dns/message.h"
#include "dns/zone_file.h"
#include "dnsserver/resolution.h"
#include "dnsserver/zone_db.h"

namespace wc::dnsserver {
namespace {

using dns::Message;
using dns::Type;

constexpr const char* kZone = R"($TTL 300
@       IN SOA ns1 hostmaster 7 3600 900 604800 60
        IN NS  ns1
        IN MX  10 mail
ns1     IN A   192.0.2.53
mail    IN A   192.0.2.25
www     IN A   192.0.2.1
        IN AAAA 2001:db8::1
alias   IN CNAME www
chain   IN CNAME alias
out     IN CNAME www.example.net.
loop1   IN CNAME loop2
loop2   IN CNAME loop1
a.b.deep IN A  192.0.2.9
*.wild  IN A   192.0.2.77
sub     IN NS  ns.sub
ns.sub  IN A   192.0.2.60
many    IN A 10.0.0.1
        IN A 10.0.0.2
        IN A 10.0.0.3
        IN A 10.0.0.4
        IN A 10.0.0.5
        IN A 10.0.0.6
        IN A 10.0.0.7
        IN A 10.0.0.8
        IN A 10.0.0.9
        IN A 10.0.0.10
        IN A 10.0.0.11
        IN A 10.0.0.12
        IN A 10.0.0.13
        IN A 10.0.0.14
        IN A 10.0.0.15
        IN A 10.0.0.16
        IN A 10.0.0.17
        IN A 10.0.0.18
        IN A 10.0.0.19
        IN A 10.0.0.20
        IN A 10.0.0.21
        IN A 10.0.0.22
        IN A 10.0.0.23
        IN A 10.0.0.24
        IN A 10.0.0.25
        IN A 10.0.0.26
        IN A 10.0.0.27
        IN A 10.0.0.28
        IN A 10.0.0.29
        IN A 10.0.0.30
)";

std::shared_ptr<const ZoneDb> make_db(bool with_hosts = false) {
  auto records = dns::parse_zone_file(kZone, "example.test", "example.test.zone");
  EXPECT_TRUE(records) << records.error().message;
  auto zone = ZoneDb::build_zone("example.test", std::move(*records), "example.test.zone");
  EXPECT_TRUE(zone) << zone.error().message;
  std::vector<Zone> zones;
  zones.push_back(std::move(*zone));
  std::optional<dns::HostsFile> hosts;
  if (with_hosts) {
    hosts = dns::HostsFile::parse("127.0.0.5 hosty.test\n::5 hosty.test\n", "hosts");
  }
  return ZoneDb::from(std::move(zones), std::move(hosts));
}

std::string wire(const char* text) { return *dns::name_from_text(text); }

std::string query(const char* name, Type type, uint16_t id = 0x1234,
                  std::optional<dns::Edns> edns = std::nullopt) {
  return dns::build_query(id, dns::Question{wire(name), type, dns::kClassIN}, false, edns);
}

Message ask(Responder& r, const std::string& q, Transport t = Transport::kUdp) {
  std::string out;
  EXPECT_EQ(r.respond(q, t, out), Verdict::kReply);
  auto m = dns::parse_message(out);
  EXPECT_TRUE(m) << m.error().reason;
  return *m;
}

std::vector<std::string> texts(const std::vector<dns::Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(dns::record_to_text(r));
  return out;
}

TEST(Resolution, PositiveAnswerCarriesNsAndGlue) {
  auto db = make_db();
  Resolution res = resolve(*db, wire("www.example.test"), Type::kA);
  EXPECT_EQ(res.rcode, 0);
  EXPECT_TRUE(res.aa);
  EXPECT_EQ(texts(res.answer),
            std::vector<std::string>{"www.example.test.\t300\tIN\tA\t192.0.2.1"});
  EXPECT_EQ(texts(res.authority),
            std::vector<std::string>{"example.test.\t300\tIN\tNS\tns1.example.test."});
  EXPECT_EQ(texts(res.additional),
            std::vector<std::string>{"ns1.example.test.\t300\tIN\tA\t192.0.2.53"});
}

TEST(Resolution, MxTargetsComeFirstInAdditional) {
  auto db = make_db();
  Resolution res = resolve(*db, wire("example.test"), Type::kMX);
  ASSERT_EQ(res.additional.size(), 2u);
  EXPECT_EQ(dns::name_to_text(res.additional[0].name), "mail.example.test.");
}

TEST(Resolution, NegativeAnswersCarryTheSoaWithTheNegativeTtl) {
  auto db = make_db();
  Resolution nx = resolve(*db, wire("nope.example.test"), Type::kA);
  EXPECT_EQ(nx.rcode, dns::kRcodeNXDomain);
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].type, Type::kSOA);
  EXPECT_EQ(nx.authority[0].ttl, 60u);
  Resolution nodata = resolve(*db, wire("www.example.test"), Type::kMX);
  EXPECT_EQ(nodata.rcode, 0);
  EXPECT_TRUE(nodata.answer.empty());
  ASSERT_EQ(nodata.authority.size(), 1u);
  EXPECT_EQ(nodata.authority[0].type, Type::kSOA);
  Resolution ent = resolve(*db, wire("b.deep.example.test"), Type::kA);  // empty non-terminal
  EXPECT_EQ(ent.rcode, 0);
  EXPECT_EQ(ent.authority.size(), 1u);
}

TEST(Resolution, CnameChainsEndAtDataOutsideOrALoop) {
  auto db = make_db();
  Resolution chain = resolve(*db, wire("chain.example.test"), Type::kA);
  ASSERT_EQ(chain.answer.size(), 3u);
  EXPECT_EQ(chain.answer[2].type, Type::kA);
  EXPECT_FALSE(chain.authority.empty());
  Resolution out = resolve(*db, wire("out.example.test"), Type::kA);
  EXPECT_EQ(out.answer.size(), 1u);
  EXPECT_TRUE(out.authority.empty());
  EXPECT_EQ(out.kind, Resolution::Kind::kAnswer);
  Resolution loop = resolve(*db, wire("loop1.example.test"), Type::kA);
  EXPECT_EQ(loop.answer.size(), 2u);
}

TEST(Resolution, WildcardSynthesisesTheOwner) {
  auto db = make_db();
  Resolution res = resolve(*db, wire("x.y.wild.example.test"), Type::kA);
  ASSERT_EQ(res.answer.size(), 1u);
  EXPECT_EQ(dns::name_to_text(res.answer[0].name), "x.y.wild.example.test.");
}

TEST(Resolution, ReferralBelowACut) {
  auto db = make_db();
  Resolution res = resolve(*db, wire("host.sub.example.test"), Type::kA);
  EXPECT_FALSE(res.aa);
  EXPECT_TRUE(res.answer.empty());
  ASSERT_EQ(res.authority.size(), 1u);
  EXPECT_EQ(res.authority[0].type, Type::kNS);
  EXPECT_EQ(texts(res.additional),
            std::vector<std::string>{"ns.sub.example.test.\t300\tIN\tA\t192.0.2.60"});
}

TEST(Resolution, OutsideAndHosts) {
  auto db = make_db(true);
  EXPECT_EQ(resolve(*db, wire("www.example.com"), Type::kA).kind, Resolution::Kind::kOutside);
  Resolution a = resolve(*db, wire("HOSTY.test"), Type::kA);
  ASSERT_EQ(a.answer.size(), 1u);
  EXPECT_EQ(dns::record_to_text(a.answer[0]), "HOSTY.test.\t0\tIN\tA\t127.0.0.5");
  Resolution ptr = resolve(*db, wire("5.0.0.127.in-addr.arpa"), Type::kPTR);
  ASSERT_EQ(ptr.answer.size(), 1u);
  EXPECT_EQ(dns::rdata_to_text(Type::kPTR, ptr.answer[0].rdata), "hosty.test.");
  Resolution mx = resolve(*db, wire("hosty.test"), Type::kMX);
  EXPECT_EQ(mx.kind, Resolution::Kind::kAnswer);
  EXPECT_TRUE(mx.answer.empty());
}

TEST(Responder, AnswerHasTheQuestionsIdAndCase) {
  Responder r(make_db(), false);
  Message m = ask(r, query("WWW.Example.TEST", Type::kA, 0xABCD));
  EXPECT_EQ(m.header.id, 0xABCD);
  EXPECT_TRUE(m.header.qr);
  EXPECT_TRUE(m.header.aa);
  ASSERT_EQ(m.answers.size(), 1u);
  EXPECT_EQ(dns::name_to_text(m.questions[0].name), "WWW.Example.TEST.");
  EXPECT_EQ(dns::name_to_text(m.answers[0].name), "WWW.Example.TEST.");
  // Asked again (from the cache) with another case and ID.
  m = ask(r, query("www.example.test", Type::kA, 0x0101));
  EXPECT_EQ(m.header.id, 0x0101);
  EXPECT_EQ(dns::name_to_text(m.answers[0].name), "www.example.test.");
  EXPECT_EQ(r.cached(), 1u);
}

TEST(Responder, CachedAnswerIsTheGeneralAnswer) {
  // A query with an EDNS option takes the general path; the same without the option takes the
  // cached one. Both must produce the same bytes.
  const char* names[] = {"www.example.test",   "example.test",        "nope.example.test",
                         "chain.example.test", "a.wild.example.test", "x.sub.example.test",
                         "loop1.example.test", "many.example.test"};
  const Type types[] = {Type::kA, Type::kAAAA, Type::kMX, Type::kNS, Type::kANY, Type::kSOA};
  for (bool edns : {false, true}) {
    for (Transport t : {Transport::kUdp, Transport::kTcp}) {
      // Zone-file order on both paths (round robin is RoundRobinRotatesAddresses's).
      Responder fast(make_db(), false, false);
      Responder slow(make_db(), false, false);
      for (const char* name : names) {
        for (Type type : types) {
          std::optional<dns::Edns> e;
          if (edns) e = dns::Edns{};
          const std::string plain = query(name, type, 7, e);
          std::string a, b;
          ASSERT_EQ(fast.respond(plain, t, a), Verdict::kReply);
          ASSERT_EQ(fast.respond(plain, t, a), Verdict::kReply);  // from the cache
          if (!edns) {
            // Without EDNS the general path is build_response() on the parsed query.
            auto parsed = dns::parse_message(plain);
            ASSERT_TRUE(parsed);
            const size_t limit = t == Transport::kTcp ? 65535 : 512;
            b = build_response(*parsed, resolve(slow.db(), parsed->questions[0].name, type), limit);
            EXPECT_EQ(a, b) << name << " " << dns::type_to_text(type);
            continue;
          }
          e->options = std::string("\x00\x03\x00\x00", 4);  // NSID, empty: not the fast path
          ASSERT_EQ(slow.respond(query(name, type, 7, e), t, b), Verdict::kReply);
          EXPECT_EQ(a, b) << name << " " << dns::type_to_text(type);
        }
      }
    }
  }
}

TEST(Responder, TruncationOverUdpFullOverTcp) {
  Responder r(make_db(), false);
  Message udp = ask(r, query("many.example.test", Type::kA));
  EXPECT_TRUE(udp.header.tc);
  EXPECT_TRUE(udp.answers.empty());
  Message tcp = ask(r, query("many.example.test", Type::kA), Transport::kTcp);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_EQ(tcp.answers.size(), 30u);
  dns::Edns e;
  e.udp_size = 1232;
  Message big = ask(r, query("many.example.test", Type::kA, 1, e));
  EXPECT_FALSE(big.header.tc);
  EXPECT_EQ(big.answers.size(), 30u);
}

TEST(Responder, RefusedOrForwardOutside) {
  Responder refuse(make_db(), false);
  Message m = ask(refuse, query("www.example.com", Type::kA));
  EXPECT_EQ(m.header.rcode, dns::kRcodeRefused);
  EXPECT_FALSE(m.header.aa);
  Responder forward(make_db(), true);
  std::string out;
  EXPECT_EQ(forward.respond(query("www.example.com", Type::kA), Transport::kUdp, out),
            Verdict::kForward);
  EXPECT_EQ(forward.respond(query("www.example.test", Type::kA), Transport::kUdp, out),
            Verdict::kReply);
}

TEST(Responder, BadVersion) {
  Responder r(make_db(), false);
  dns::Edns e;
  e.version = 1;
  Message m = ask(r, query("www.example.test", Type::kA, 1, e));
  EXPECT_EQ(m.rcode(), 16);
  EXPECT_TRUE(m.answers.empty());
}

TEST(Responder, MalformedQueries) {
  Responder r(make_db(), false);
  std::string out;
  EXPECT_EQ(r.respond("", Transport::kUdp, out), Verdict::kDrop);
  EXPECT_EQ(r.respond(std::string(11, '\0'), Transport::kUdp, out), Verdict::kDrop);
  std::string response = query("www.example.test", Type::kA);
  response[2] = static_cast<char>(0x80);
  EXPECT_EQ(r.respond(response, Transport::kUdp, out), Verdict::kDrop);
  // A question whose name points at itself: FORMERR, the header only.
  std::string loop("\x12\x34\0\0\0\x01\0\0\0\0\0\0\xc0\x0c\0\x01\0\x01", 18);
  ASSERT_EQ(r.respond(loop, Transport::kUdp, out), Verdict::kReply);
  EXPECT_EQ(out.size(), 12u);
  EXPECT_EQ(out[3] & 0x0F, dns::kRcodeFormErr);
  // A short compressed question that would expand beyond the query: the header only.
  std::string q = query("www.example.test", Type::kA);
  q[5] = 2;  // QDCOUNT 2, the second question missing
  ASSERT_EQ(r.respond(q, Transport::kUdp, out), Verdict::kReply);
  EXPECT_EQ(out[3] & 0x0F, dns::kRcodeFormErr);
  EXPECT_LE(out.size(), q.size());
  // An OPT whose RDLENGTH runs past the end (found by the fuzzer): FORMERR, not an answer.
  q = query("www.example.test", Type::kA, 1, dns::Edns{});
  q[q.size() - 1] = 4;
  ASSERT_EQ(r.respond(q, Transport::kUdp, out), Verdict::kReply);
  EXPECT_EQ(out[3] & 0x0F, dns::kRcodeFormErr);
  EXPECT_LE(out.size(), q.size());
  // NOTIFY: NOTIMP with the question echoed.
  q = query("www.example.test", Type::kA);
  q[2] = static_cast<char>(4 << 3);
  ASSERT_EQ(r.respond(q, Transport::kUdp, out), Verdict::kReply);
  EXPECT_EQ(out[3] & 0x0F, dns::kRcodeNotImp);
  EXPECT_EQ(out.size(), q.size());
}

TEST(Responder, ServfailEchoesTheQuestion) {
  std::string out;
  Responder::servfail(query("www.example.com", Type::kA, 0x4242), out);
  auto m = dns::parse_message(out);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.id, 0x4242);
  EXPECT_EQ(m->header.rcode, dns::kRcodeServFail);
  ASSERT_EQ(m->questions.size(), 1u);
}

TEST(Responder, RoundRobinRotatesAddresses) {
  auto first_addresses = [](const Message& m) {
    std::vector<std::string> out;
    for (const auto& r : m.answers) out.push_back(dns::record_to_text(r));
    return out;
  };
  Responder r(make_db(), false);
  const std::string q = query("many.example.test", Type::kA, 9, dns::Edns{});  // 30 fit in 1232
  const std::vector<std::string> a = first_addresses(ask(r, q));
  const std::vector<std::string> b = first_addresses(ask(r, q));  // cached path
  ASSERT_EQ(a.size(), 30u);
  ASSERT_EQ(b.size(), 30u);
  // One further each time, the same set.
  EXPECT_EQ(b.front(), a[1]);
  EXPECT_EQ(b.back(), a.front());
  std::vector<std::string> sa = a, sb = b;
  std::ranges::sort(sa);
  std::ranges::sort(sb);
  EXPECT_EQ(sa, sb);
  // Over TCP and through the general path (an EDNS option) too.
  EXPECT_EQ(first_addresses(ask(r, q, Transport::kTcp)).front(), a[2]);
  dns::Edns e;
  e.options = std::string("\x00\x03\x00\x00", 4);
  const std::string odd = query("many.example.test", Type::kA, 9, e);
  const auto g1 = first_addresses(ask(r, odd));
  const auto g2 = first_addresses(ask(r, odd));
  EXPECT_NE(g1.front(), g2.front());
  // The rest of the message is untouched: authority and additional still parse the same.
  const Message m = ask(r, q);
  EXPECT_EQ(texts(m.authority),
            std::vector<std::string>{"example.test.\t300\tIN\tNS\tns1.example.test."});
  // A single address does not rotate; round robin off keeps zone-file order.
  EXPECT_EQ(first_addresses(ask(r, query("www.example.test", Type::kA))).size(), 1u);
  Responder off(make_db(), false, false);
  EXPECT_EQ(first_addresses(ask(off, q)), first_addresses(ask(off, q)));
}

TEST(Responder, AddressRunIsFoundOnlyWhereItCanMove) {
  Responder r(make_db(), false, false);
  std::string out;
  ASSERT_EQ(r.respond(query("many.example.test", Type::kA), Transport::kTcp, out), Verdict::kReply);
  const AddressRun run = find_address_run(out);
  EXPECT_EQ(run.count, 30);
  EXPECT_EQ(run.size, 16);  // pointer, type, class, TTL, length, 4 bytes
  ASSERT_EQ(r.respond(query("www.example.test", Type::kA), Transport::kUdp, out), Verdict::kReply);
  EXPECT_EQ(find_address_run(out).count, 0);
  // Cut short or garbage: nothing to rotate, no read past the end.
  EXPECT_EQ(find_address_run(std::string_view(out).substr(0, 20)).count, 0);
  EXPECT_EQ(find_address_run("").count, 0);
}

}  // namespace
}  // namespace wc::dnsserver
