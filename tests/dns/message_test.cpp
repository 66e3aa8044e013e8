// Tests of src/dns/message: parsing real packets, every FORMERR path, the writer's compression
// and truncation, and the presentation helpers.
#include "dns/message.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace wc::dns {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string name(std::string_view text) { return *name_from_text(text); }

Record rec(std::string_view owner, Type t, std::string rdata, uint32_t ttl = 300) {
  return Record{name(owner), t, kClassIN, ttl, std::move(rdata)};
}

std::string a_rdata(int a, int b, int c, int d) { return bytes({a, b, c, d}); }

// dig www.example.com A: RD+AD, EDNS0 1232 with a client COOKIE option.
const std::string kDigQuery = bytes({
    0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,                                   // A IN
    0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,     // OPT 1232, DO
    0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8});  // COOKIE

// The answer: www.example.com CNAME web.example.com (pointer into the question), and web's A,
// owned by a pointer into the CNAME's RDATA.
const std::string kAnswer = bytes({
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,  //
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,  // question ends at 33
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06,  // CNAME, RDATA at 45
    3, 'w', 'e', 'b', 0xc0, 0x10,                                              // web + example.com
    0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04,  // A
    93, 184, 216, 34});

TEST(DnsMessage, ParsesDigQueryWithEdns) {
  auto m = parse_message(kDigQuery);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_EQ(m->header.id, 0x1234);
  EXPECT_FALSE(m->header.qr);
  EXPECT_TRUE(m->header.rd);
  EXPECT_TRUE(m->header.ad);
  EXPECT_EQ(m->header.opcode, kOpcodeQuery);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, name("www.example.com."));
  EXPECT_EQ(m->questions[0].type, Type::kA);
  EXPECT_TRUE(m->additional.empty());  // the OPT went into edns
  ASSERT_TRUE(m->edns);
  EXPECT_EQ(m->edns->udp_size, 1232);
  EXPECT_TRUE(m->edns->do_bit);
  EXPECT_EQ(m->edns->version, 0);
  EXPECT_EQ(m->edns->options.size(), 12u);
}

TEST(DnsMessage, ParsesCompressedAnswer) {
  auto m = parse_message(kAnswer);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_TRUE(m->header.qr);
  EXPECT_TRUE(m->header.ra);
  EXPECT_EQ(m->rcode(), kRcodeNoError);
  ASSERT_EQ(m->answers.size(), 2u);
  EXPECT_EQ(m->answers[0].name, name("www.example.com"));
  EXPECT_EQ(m->answers[0].type, Type::kCNAME);
  EXPECT_EQ(m->answers[0].ttl, 3600u);
  EXPECT_EQ(m->answers[0].rdata, name("web.example.com"));  // decompressed
  EXPECT_EQ(m->answers[1].name, name("web.example.com"));
  EXPECT_EQ(record_to_text(m->answers[1]), "web.example.com.\t3600\tIN\tA\t93.184.216.34");
  EXPECT_EQ(record_to_text(m->answers[0]), "www.example.com.\t3600\tIN\tCNAME\tweb.example.com.");
}

TEST(DnsMessage, RoundTripsDigQueryByteForByte) {
  auto m = parse_message(kDigQuery);
  ASSERT_TRUE(m);
  MessageWriter w(512);
  w.set_header(m->header);
  ASSERT_TRUE(w.set_edns(*m->edns));
  ASSERT_TRUE(w.add_question(m->questions[0]));
  EXPECT_EQ(w.finish(), kDigQuery);
}

TEST(DnsMessage, RoundTripsAnswerWithSameCompression) {
  auto m = parse_message(kAnswer);
  ASSERT_TRUE(m);
  MessageWriter w(512);
  w.set_header(m->header);
  ASSERT_TRUE(w.add_question(m->questions[0]));
  for (const auto& r : m->answers) ASSERT_TRUE(w.add_record(MessageWriter::Section::kAnswer, r));
  EXPECT_EQ(w.finish(), kAnswer);  // the same pointers a real server wrote
}

TEST(DnsMessage, RoundTripsEveryType) {
  std::string soa = name("ns1.mysite.test") + name("hostmaster.mysite.test") +
                    bytes({0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 3, 0x84, 0, 0x09, 0x3a, 0x80, 0, 0, 1, 0x2c});
  std::string aaaa(16, '\0');
  aaaa[0] = 0x20, aaaa[1] = 0x01, aaaa[2] = 0x0d, aaaa[3] = static_cast<char>(0xb8), aaaa[15] = 1;
  std::vector<Record> rs = {
      rec("mysite.test", Type::kSOA, soa),
      rec("mysite.test", Type::kNS, name("ns1.mysite.test")),
      rec("mysite.test", Type::kMX, bytes({0, 10}) + name("mail.mysite.test")),
      rec("www.mysite.test", Type::kA, a_rdata(192, 0, 2, 1)),
      rec("www.mysite.test", Type::kAAAA, aaaa),
      rec("www.mysite.test", Type::kTXT, bytes({6}) + "v=spf1" + bytes({4}) + "-all"),
      rec("alias.mysite.test", Type::kCNAME, name("www.mysite.test")),
      rec("1.2.0.192.in-addr.arpa", Type::kPTR, name("www.mysite.test")),
      rec("_http._tcp.mysite.test", Type::kSRV, bytes({0, 1, 0, 5, 0, 80}) + name("www.mysite.test")),
      rec("x.mysite.test", static_cast<Type>(65280), "opaque"),
  };
  MessageWriter w(65535);
  Header h;
  h.id = 7;
  h.qr = h.aa = true;
  w.set_header(h);
  ASSERT_TRUE(w.set_edns(Edns{4096, 0, 0, false, {}}));
  ASSERT_TRUE(w.add_question(Question{name("mysite.test"), Type::kANY, kClassIN}));
  for (const auto& r : rs) ASSERT_TRUE(w.add_record(MessageWriter::Section::kAnswer, r));
  const std::string wire = w.finish();
  auto m = parse_message(wire);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_TRUE(m->header.aa);
  ASSERT_EQ(m->answers.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(m->answers[i].name, rs[i].name) << i;
    EXPECT_EQ(m->answers[i].type, rs[i].type) << i;
    EXPECT_EQ(m->answers[i].rdata, rs[i].rdata) << i;
  }
  ASSERT_TRUE(m->edns);
  EXPECT_EQ(m->edns->udp_size, 4096);
  EXPECT_EQ(rdata_to_text(Type::kSOA, soa),
            "ns1.mysite.test. hostmaster.mysite.test. 1 3600 900 604800 300");
  EXPECT_EQ(rdata_to_text(Type::kMX, rs[2].rdata), "10 mail.mysite.test.");
  EXPECT_EQ(rdata_to_text(Type::kAAAA, aaaa), "2001:db8::1");
  EXPECT_EQ(rdata_to_text(Type::kTXT, rs[5].rdata), "\"v=spf1\" \"-all\"");
  EXPECT_EQ(rdata_to_text(Type::kSRV, rs[8].rdata), "1 5 80 www.mysite.test.");
  EXPECT_EQ(rdata_to_text(static_cast<Type>(65280), "ab"), "\\# 2 6162");
  // The SRV target is written whole (RFC 2782), the names before it were compressed.
  EXPECT_NE(wire.find(bytes({0, 80}) + name("www.mysite.test")), std::string::npos);
}

TEST(DnsMessage, CompressionShrinksRepeatedNames) {
  MessageWriter w(65535);
  ASSERT_TRUE(w.add_question(Question{name("www.mysite.test"), Type::kA, kClassIN}));
  const size_t after_q = w.size();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(w.add_record(MessageWriter::Section::kAnswer, rec("www.mysite.test", Type::kA, a_rdata(10, 0, 0, i))));
  }
  // Each record: a 2-byte pointer + 10 fixed + 4 RDATA, instead of 17 + 14.
  EXPECT_EQ(w.size() - after_q, 3u * 16);
  ASSERT_TRUE(w.add_record(MessageWriter::Section::kAuthority, rec("mysite.test", Type::kNS, name("ns.MYSITE.test"))));
  // "mysite.test" is a suffix already written: owner is a pointer, the NS target "ns" + pointer
  // (case-insensitive match).
  EXPECT_EQ(w.size() - after_q, 3u * 16 + 2 + 10 + 3 + 2);
  auto m = parse_message(w.finish());
  ASSERT_TRUE(m) << m.error().reason;
  // The suffix's case is the first writer's: a pointer can't keep "MYSITE" (as in every server).
  EXPECT_TRUE(name_equal(m->authority[0].rdata, name("ns.MYSITE.test")));
  EXPECT_EQ(m->authority[0].name, name("mysite.test"));
}

TEST(DnsMessage, TruncatesAt512WithTc) {
  MessageWriter w;  // 512
  ASSERT_TRUE(w.add_question(Question{name("many.mysite.test"), Type::kA, kClassIN}));
  int added = 0;
  while (w.add_record(MessageWriter::Section::kAnswer, rec("many.mysite.test", Type::kA, a_rdata(10, 0, 0, added & 0xff)))) {
    ++added;
  }
  EXPECT_TRUE(w.truncated());
  EXPECT_FALSE(w.add_record(MessageWriter::Section::kAdditional, rec("x.test", Type::kA, a_rdata(1, 2, 3, 4))));
  const std::string wire = w.finish();
  EXPECT_LE(wire.size(), 512u);
  EXPECT_GT(wire.size(), 512u - 16);
  auto m = parse_message(wire);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_TRUE(m->header.tc);
  EXPECT_EQ(m->answers.size(), static_cast<size_t>(added));
  EXPECT_EQ(added, (512 - 12 - 22) / 16);
}

TEST(DnsMessage, EdnsLimitAndAdditionalDroppedWithoutTc) {
  MessageWriter w(1232);
  ASSERT_TRUE(w.set_edns(Edns{1232, 0, 0, false, {}}));
  ASSERT_TRUE(w.add_question(Question{name("many.mysite.test"), Type::kA, kClassIN}));
  for (int i = 0; i < 60; ++i) {  // 60 * 16 = 960 bytes: fit
    ASSERT_TRUE(w.add_record(MessageWriter::Section::kAnswer, rec("many.mysite.test", Type::kA, a_rdata(10, 0, 0, i))));
  }
  int extra = 0;
  while (w.add_record(MessageWriter::Section::kAdditional, rec("many.mysite.test", Type::kA, a_rdata(10, 1, 0, extra)))) {
    ++extra;
  }
  EXPECT_FALSE(w.truncated());  // additional data left out is no truncation (RFC 2181 9)
  const std::string wire = w.finish();
  EXPECT_LE(wire.size(), 1232u);
  EXPECT_GT(wire.size(), 1232u - 16);
  auto m = parse_message(wire);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_FALSE(m->header.tc);
  ASSERT_TRUE(m->edns);  // room for OPT was kept
  EXPECT_EQ(m->additional.size(), static_cast<size_t>(extra));
}

TEST(DnsMessage, WriterRefusesOutOfOrderAndBadNames) {
  MessageWriter w;
  ASSERT_TRUE(w.add_record(MessageWriter::Section::kAuthority, rec("a.test", Type::kA, a_rdata(1, 2, 3, 4))));
  EXPECT_FALSE(w.add_record(MessageWriter::Section::kAnswer, rec("a.test", Type::kA, a_rdata(1, 2, 3, 4))));
  EXPECT_FALSE(w.add_question(Question{name("a.test"), Type::kA, kClassIN}));
  EXPECT_FALSE(w.add_record(MessageWriter::Section::kAdditional, Record{"\3abc", Type::kA, 1, 0, a_rdata(1, 2, 3, 4)}));
  EXPECT_FALSE(w.truncated());
}

TEST(DnsMessage, BuildQuery) {
  auto q = build_query(0x1234, Question{name("www.example.com"), Type::kA, kClassIN}, true,
                       Edns{1232, 0, 0, true, bytes({0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8})});
  std::string expect = kDigQuery;
  expect[3] = 0;  // build_query sets no AD
  EXPECT_EQ(q, expect);
}

TEST(DnsMessage, UdpResponseLimit) {
  Message q;
  EXPECT_EQ(udp_response_limit(q), 512u);
  q.edns = Edns{};
  q.edns->udp_size = 4096;
  EXPECT_EQ(udp_response_limit(q), 1232u);
  EXPECT_EQ(udp_response_limit(q, 4096), 4096u);
  q.edns->udp_size = 100;  // below 512 means 512 (RFC 6891 6.2.5)
  EXPECT_EQ(udp_response_limit(q), 512u);
  q.edns->udp_size = 1000;
  EXPECT_EQ(udp_response_limit(q), 1000u);
}

// ---- errors ----

std::string header(int qd, int an, int ns = 0, int ar = 0, int flags = 0x0100) {
  return bytes({0, 1, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar});
}

MessageProblem problem(const std::string& wire) {
  auto m = parse_message(wire);
  EXPECT_FALSE(m);
  return m ? MessageProblem::kTruncated : m.error().problem;
}

TEST(DnsMessageErrors, ShortHeader) {
  EXPECT_EQ(problem(bytes({0, 1, 0})), MessageProblem::kTruncated);
  EXPECT_EQ(problem(""), MessageProblem::kTruncated);
}

TEST(DnsMessageErrors, PointerLoop) {
  // A pointer to itself, and two pointers to each other.
  EXPECT_EQ(problem(header(1, 0) + bytes({0xc0, 12, 0, 1, 0, 1})), MessageProblem::kBadPointer);
  auto m = parse_message(header(1, 0) + bytes({1, 'a', 0xc0, 12, 0, 1, 0, 1}));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().problem, MessageProblem::kBadPointer);
  EXPECT_NE(m.error().reason.find("question 1"), std::string::npos) << m.error().reason;
}

TEST(DnsMessageErrors, ForwardPointer) {
  EXPECT_EQ(problem(header(1, 0) + bytes({0xc0, 18, 0, 1, 0, 1, 1, 'a', 0})), MessageProblem::kBadPointer);
}

TEST(DnsMessageErrors, PointerPastEnd) {
  EXPECT_EQ(problem(header(1, 0) + bytes({0xc0})), MessageProblem::kTruncated);
  EXPECT_EQ(problem(header(1, 0) + bytes({3, 'w', 'w'})), MessageProblem::kTruncated);
  EXPECT_EQ(problem(header(1, 0) + bytes({3, 'w', 'w', 'w'})), MessageProblem::kTruncated);
  EXPECT_EQ(problem(header(1, 0) + bytes({0, 0, 1})), MessageProblem::kTruncated);
  // RDATA longer than what is left.
  EXPECT_EQ(problem(header(0, 1) + bytes({0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2})), MessageProblem::kTruncated);
}

TEST(DnsMessageErrors, LabelOver63) {
  EXPECT_EQ(problem(header(1, 0) + bytes({0x40}) + std::string(64, 'a') + bytes({0, 0, 1, 0, 1})),
            MessageProblem::kBadLabel);
  EXPECT_EQ(problem(header(1, 0) + bytes({0x80, 0, 0, 1, 0, 1})), MessageProblem::kBadLabel);
}

TEST(DnsMessageErrors, NameOver255) {
  std::string n;
  for (int i = 0; i < 4; ++i) n += bytes({63}) + std::string(63, 'a');  // 256 + root
  EXPECT_EQ(problem(header(1, 0) + n + bytes({0, 0, 1, 0, 1})), MessageProblem::kNameTooLong);
  // 255 exactly is fine: 3 * 64 + 62 + root.
  std::string ok;
  for (int i = 0; i < 3; ++i) ok += bytes({63}) + std::string(63, 'a');
  ok += bytes({61}) + std::string(61, 'b') + bytes({0});
  ASSERT_EQ(ok.size(), 255u);
  EXPECT_TRUE(parse_message(header(1, 0) + ok + bytes({0, 1, 0, 1})));
  // Too long through a pointer: 4 labels of 63 written, then "x" + pointer to them.
  std::string four;
  for (int i = 0; i < 4; ++i) four += bytes({63}) + std::string(63, 'a');
  // First name: 3 labels of 63 + root = 193 (ok). Second: 63-label + 63-label + pointer = 128+193.
  std::string three = four.substr(0, 192) + bytes({0});
  std::string wire = header(2, 0) + three + bytes({0, 1, 0, 1}) + four.substr(0, 128) +
                     bytes({0xc0, 12, 0, 1, 0, 1});
  EXPECT_EQ(problem(wire), MessageProblem::kNameTooLong);
}

TEST(DnsMessageErrors, CountsTooHighOrTooLow) {
  const std::string q = bytes({1, 'a', 0, 0, 1, 0, 1});
  EXPECT_EQ(problem(header(2, 0) + q), MessageProblem::kBadCount);
  EXPECT_EQ(problem(header(1, 1) + q), MessageProblem::kBadCount);
  EXPECT_EQ(problem(header(0, 0) + q), MessageProblem::kBadCount);  // bytes after the counted
  // With TC a server may cut at a record boundary: what is there is kept.
  auto m = parse_message(header(1, 3, 0, 0, 0x8300) + q);
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_TRUE(m->header.tc);
  EXPECT_EQ(m->questions.size(), 1u);
}

TEST(DnsMessageErrors, BadRdata) {
  auto rr = [](int type, std::string rdata) {
    return header(0, 1) + bytes({0, 0, type, 0, 1, 0, 0, 0, 0, 0, static_cast<int>(rdata.size())}) + rdata;
  };
  EXPECT_EQ(problem(rr(1, "abcde")), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(28, "abcd")), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(16, "")), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(16, bytes({5}) + "abc")), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(2, bytes({1, 'a', 0, 'x'}))), MessageProblem::kBadRdata);  // after the name
  EXPECT_EQ(problem(rr(15, bytes({0}))), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(6, bytes({0, 0, 1, 2}))), MessageProblem::kBadRdata);
  EXPECT_EQ(problem(rr(2, bytes({1, 'a'}))), MessageProblem::kTruncated);  // name past the RDATA
  EXPECT_TRUE(parse_message(rr(99, "")));  // unknown types are opaque
}

TEST(DnsMessageErrors, BadOpt) {
  const std::string opt = bytes({0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(problem(header(0, 0, 0, 2) + opt + opt), MessageProblem::kBadOpt);
  EXPECT_EQ(problem(header(0, 1) + opt), MessageProblem::kBadOpt);
  EXPECT_EQ(problem(header(0, 0, 0, 1) + bytes({1, 'a', 0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0})),
            MessageProblem::kBadOpt);
  auto m = parse_message(header(0, 0, 0, 1) + bytes({0, 0, 41, 2, 0, 1, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rcode(), 16 + 0);  // ext_rcode 1 -> BADVERS
  EXPECT_EQ(rcode_to_text(m->rcode()), "BADVERS");
}

// ---- presentation ----

TEST(DnsPresentation, NameFromText) {
  EXPECT_EQ(*name_from_text("www.mysite.test."), bytes({3, 'w', 'w', 'w', 6, 'm', 'y', 's', 'i', 't', 'e', 4, 't', 'e', 's', 't', 0}));
  EXPECT_EQ(*name_from_text("www.mysite.test"), *name_from_text("www.mysite.test."));
  EXPECT_EQ(*name_from_text("."), bytes({0}));
  EXPECT_EQ(*name_from_text("a\\.b.c"), bytes({3, 'a', '.', 'b', 1, 'c', 0}));
  EXPECT_EQ(*name_from_text("\\065\\\\"), bytes({2, 'A', '\\', 0}));
  EXPECT_FALSE(name_from_text(""));
  EXPECT_FALSE(name_from_text("a..b"));
  EXPECT_FALSE(name_from_text(".a"));
  EXPECT_FALSE(name_from_text("a\\"));
  EXPECT_FALSE(name_from_text("\\256"));
  EXPECT_FALSE(name_from_text("\\12"));
  EXPECT_FALSE(name_from_text(std::string(64, 'a')));
  EXPECT_TRUE(name_from_text(std::string(63, 'a')));
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  EXPECT_FALSE(name_from_text(long_name));  // 4 * 64 + 1 = 257
}

TEST(DnsPresentation, NameToText) {
  EXPECT_EQ(name_to_text(bytes({0})), ".");
  EXPECT_EQ(name_to_text(name("www.mysite.test")), "www.mysite.test.");
  EXPECT_EQ(name_to_text(bytes({3, 'a', '.', 'b', 2, ' ', 1, 0})), "a\\.b.\\032\\001.");
  EXPECT_EQ(name_to_text(*name_from_text("a\\\\b\\\"")), "a\\\\b\\\".");
  EXPECT_EQ(name_to_text(""), ".");
  for (std::string text : {"www.mysite.test.", "a\\.b.c.", "\\000\\255.x.", "_sip._udp.x."}) {
    EXPECT_EQ(name_to_text(*name_from_text(text)), text);
  }
}

TEST(DnsPresentation, TypesAndClasses) {
  EXPECT_EQ(type_to_text(Type::kA), "A");
  EXPECT_EQ(type_to_text(Type::kAAAA), "AAAA");
  EXPECT_EQ(type_to_text(Type::kSRV), "SRV");
  EXPECT_EQ(type_to_text(static_cast<Type>(65535)), "TYPE65535");
  EXPECT_EQ(type_from_text("aaaa"), Type::kAAAA);
  EXPECT_EQ(type_from_text("TYPE65535"), static_cast<Type>(65535));
  EXPECT_EQ(type_from_text("type1"), Type::kA);
  EXPECT_FALSE(type_from_text("TYPE65536"));
  EXPECT_FALSE(type_from_text("BOGUS"));
  EXPECT_FALSE(type_from_text("TYPE"));
  EXPECT_EQ(class_to_text(1), "IN");
  EXPECT_EQ(class_to_text(42), "CLASS42");
  EXPECT_EQ(rcode_to_text(3), "NXDOMAIN");
  EXPECT_EQ(rcode_to_text(5), "REFUSED");
}

TEST(DnsPresentation, RdataOddities) {
  EXPECT_EQ(rdata_to_text(Type::kA, "abc"), "\\# 3 616263");  // wrong shape
  EXPECT_EQ(rdata_to_text(Type::kTXT, bytes({0})), "\"\"");
  EXPECT_EQ(rdata_to_text(Type::kTXT, bytes({5}) + "a \"b\\"), "\"a \\\"b\\\\\"");
  EXPECT_EQ(rdata_to_text(Type::kTXT, bytes({2, 1, 0xff})), "\"\\001\\255\"");
  EXPECT_EQ(rdata_to_text(static_cast<Type>(99), ""), "\\# 0");
}

}  // namespace
}  // namespace wc::dns
