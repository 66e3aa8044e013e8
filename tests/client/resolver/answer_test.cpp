// The pure judgement of replies (answer.h): which are ours, and what their CNAME chains hold.
#include "client/resolver/answer.h"

#include <gtest/gtest.h>

#include "fake_server.h"

namespace wc::client {
namespace {

using testing::a_record;
using testing::cname_record;
using testing::soa_record;

dns::Question question(const std::string& name, dns::Type t = dns::Type::kA) {
  return dns::Question{*dns::name_from_text(name), t, dns::kClassIN};
}

dns::Message reply_to(const dns::Question& q, uint16_t id) {
  dns::Message m;
  m.header.id = id;
  m.header.qr = true;
  m.questions.push_back(q);
  return m;
}

TEST(ReplyMismatch, TakesOnlyTheReplyToTheQuestion) {
  const dns::Question q = question("www.mysite.test");
  dns::Message m = reply_to(question("WWW.MYSITE.test"), 7);
  EXPECT_EQ(reply_mismatch(m, 7, q), std::nullopt);
  EXPECT_EQ(reply_mismatch(m, 8, q), "id 7, expected 8");
  m.header.qr = false;
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());
  m.header.qr = true;
  m.header.opcode = 2;
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());
  m.header.opcode = 0;
  m.questions[0].klass = 3;
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());
  m.questions[0].klass = 1;
  m.questions[0].type = dns::Type::kAAAA;
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());
  m.questions.clear();
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());  // NOERROR without a question
  m.header.rcode = dns::kRcodeRefused;
  EXPECT_EQ(reply_mismatch(m, 7, q), std::nullopt);
  m.questions = {q, q};
  EXPECT_TRUE(reply_mismatch(m, 7, q).has_value());
}

TEST(FollowAnswer, ChainsAndTheirEnds) {
  dns::Message m;
  m.answers = {cname_record("www.a.test", "b.test"), a_record("b.test", "192.0.2.1"),
               a_record("b.test", "2001:db8::1"), a_record("other.test", "192.0.2.9")};
  std::vector<std::string> seen;
  AnswerChain c = follow_answer(m, *dns::name_from_text("WWW.a.test"), dns::Type::kA, 16, seen);
  ASSERT_EQ(c.addresses.size(), 1u);
  EXPECT_EQ(c.addresses[0].to_string(), "192.0.2.1");
  EXPECT_EQ(c.hops, 1);
  EXPECT_EQ(dns::name_to_text(c.end_name), "b.test.");
  EXPECT_FALSE(c.dangling);

  seen.clear();
  c = follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kAAAA, 16, seen);
  ASSERT_EQ(c.addresses.size(), 1u);
  EXPECT_TRUE(c.addresses[0].v6);
}

TEST(FollowAnswer, TtlIsTheLeastOfTheRecordsFollowed) {
  // What a `resolve` upstream keeps the addresses for (RFC 2181 5.2: the least TTL of the set;
  // a CNAME on the way counts too).
  dns::Message m;
  dns::Record alias = cname_record("www.a.test", "b.test");
  alias.ttl = 120;
  m.answers = {alias, a_record("b.test", "192.0.2.1", 60), a_record("b.test", "192.0.2.2", 30),
               a_record("other.test", "192.0.2.9", 1)};
  std::vector<std::string> seen;
  AnswerChain c = follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen);
  ASSERT_EQ(c.addresses.size(), 2u);
  EXPECT_EQ(c.ttl, 30u);
  m.answers[0].ttl = 5;
  seen.clear();
  EXPECT_EQ(follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen).ttl, 5u);
}

TEST(FollowAnswer, DanglingUnlessAnSoaSaysNodata) {
  dns::Message m;
  m.answers = {cname_record("www.a.test", "cdn.b.test")};
  std::vector<std::string> seen;
  AnswerChain c = follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen);
  EXPECT_TRUE(c.dangling);
  EXPECT_EQ(dns::name_to_text(c.end_name), "cdn.b.test.");
  m.authority = {soa_record("b.test")};
  seen.clear();
  c = follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen);
  EXPECT_FALSE(c.dangling);
  m.authority = {soa_record("a.test")};  // not the target's zone
  seen.clear();
  c = follow_answer(m, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen);
  EXPECT_TRUE(c.dangling);
  // No CNAME and nothing: plain NODATA, never dangling.
  dns::Message empty;
  seen.clear();
  c = follow_answer(empty, *dns::name_from_text("www.a.test"), dns::Type::kA, 16, seen);
  EXPECT_FALSE(c.dangling);
  EXPECT_TRUE(c.addresses.empty());
}

TEST(FollowAnswer, LoopsAndLongChains) {
  dns::Message m;
  m.answers = {cname_record("a.test", "b.test"), cname_record("b.test", "A.test")};
  std::vector<std::string> seen;
  AnswerChain c = follow_answer(m, *dns::name_from_text("a.test"), dns::Type::kA, 16, seen);
  EXPECT_TRUE(c.loop);

  dns::Message longer;
  for (int i = 0; i < 20; ++i) {
    longer.answers.push_back(
        cname_record("n" + std::to_string(i) + ".test", "n" + std::to_string(i + 1) + ".test"));
  }
  seen.clear();
  c = follow_answer(longer, *dns::name_from_text("n0.test"), dns::Type::kA, 16, seen);
  EXPECT_TRUE(c.too_long);
  EXPECT_EQ(c.hops, 16);
}

TEST(NameWithin, LabelBoundaries) {
  auto n = [](const char* t) { return *dns::name_from_text(t); };
  EXPECT_TRUE(name_within(n("a.b.test"), n("b.test")));
  EXPECT_TRUE(name_within(n("b.test"), n("B.TEST")));
  EXPECT_TRUE(name_within(n("b.test"), n(".")));
  EXPECT_FALSE(name_within(n("ab.test"), n("b.test")));
  EXPECT_FALSE(name_within(n("test"), n("b.test")));
}

}  // namespace
}  // namespace wc::client
