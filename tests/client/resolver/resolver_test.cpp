// The resolver on a real event loop against FakeServer (fake_server.h): what it asks, in which
// order, of which server, and what it makes of each kind of reply.
#include "client/resolver/resolver.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fake_server.h"

namespace wc::client {
namespace {

using testing::a_record;
using testing::cname_record;
using testing::FakeServer;
using testing::make_reply;
using testing::Reply;
using testing::soa_record;

std::string qname(const dns::Message& q) { return dns::name_to_text(q.questions.at(0).name); }
dns::Type qtype(const dns::Message& q) { return q.questions.at(0).type; }

// name -> records; anything else NXDOMAIN.
FakeServer::Respond zone(std::vector<dns::Record> records) {
  return [records](const dns::Message& q, bool) {
    std::vector<dns::Record> out;
    bool exists = false;
    for (const dns::Record& r : records) {
      if (!dns::name_equal(r.name, q.questions[0].name)) continue;
      exists = true;
      if (r.type == q.questions[0].type) out.push_back(r);
    }
    return std::vector<Reply>{
        {make_reply(q, exists ? dns::kRcodeNoError : dns::kRcodeNXDomain, out)}};
  };
}

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = core::EventLoop::create();
    ASSERT_TRUE(l.has_value());
    loop = std::move(*l);
  }

  ResolverConfig config(const std::vector<FakeServer*>& servers, std::string extra = "",
                        std::string hosts = "") {
    ResolverConfig c;
    std::string text = "options timeout:1 attempts:1\n" + extra;
    for (FakeServer* s : servers) text += "nameserver " + s->address().to_string() + "\n";
    c.resolv_conf = dns::ResolvConf::parse(text, "test-resolv.conf");
    if (!hosts.empty()) {
      c.hosts_path = "test-hosts";
      c.hosts = dns::HostsFile::parse(hosts, "test-hosts");
    }
    return c;
  }

  LookupResult run(Resolver& r, const std::string& name, Family f = Family::kAny) {
    LookupResult result;
    bool done = false;
    r.lookup(
        name, f,
        [&](LookupResult res) {
          result = std::move(res);
          done = true;
        },
        [this](uint64_t, std::string_view line) { trace.emplace_back(line); });
    for (int i = 0; i < 10000 && !done; ++i) loop->run_once(100);
    EXPECT_TRUE(done);
    return result;
  }

  bool traced(std::string_view part) const {
    for (const std::string& t : trace) {
      if (t.find(part) != std::string::npos) return true;
    }
    return false;
  }

  std::string trace_text() const {
    std::string all;
    for (const std::string& t : trace) all += t + "\n";
    return all;
  }

  std::unique_ptr<core::EventLoop> loop;
  std::vector<std::string> trace;
};

std::vector<std::string> texts(const std::vector<dns::IpAddress>& a) {
  std::vector<std::string> out;
  for (const auto& x : a) out.push_back(x.to_string());
  return out;
}

TEST_F(ResolverTest, HostsFileWinsAndDnsIsNotAsked) {
  FakeServer dns(*loop, zone({a_record("www.mysite.test", "192.0.2.1")}));
  Resolver r(*loop, config({&dns}, "", "127.0.0.5 www.mysite.test www\n::5 www.mysite.test\n"));
  LookupResult res = run(r, "WWW.mysite.test");
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_TRUE(res.from_hosts);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"127.0.0.5", "::5"}));
  EXPECT_EQ(res.canonical_name, "www.mysite.test");
  EXPECT_TRUE(dns.received().empty());
  EXPECT_TRUE(traced("hosts file test-hosts: WWW.mysite.test is 127.0.0.5, ::5"));
}

TEST_F(ResolverTest, HostsFileHitIsPerFamily) {
  FakeServer dns(*loop, zone({a_record("www.mysite.test", "2001:db8::1")}));
  Resolver r(*loop, config({&dns}, "", "127.0.0.5 www.mysite.test\n"));
  LookupResult res = run(r, "www.mysite.test", Family::kV6);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_FALSE(res.from_hosts);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"2001:db8::1"}));
  ASSERT_EQ(dns.received().size(), 1u);
  EXPECT_EQ(qtype(dns.received()[0].query), dns::Type::kAAAA);
}

TEST_F(ResolverTest, CallbackNeverRunsInsideLookup) {
  Resolver r(*loop, config({}, "", "127.0.0.5 a.test\n"));
  bool done = false;
  r.lookup("a.test", Family::kAny, [&](LookupResult) { done = true; });
  EXPECT_FALSE(done);
  r.lookup("127.0.0.1", Family::kAny, [&](LookupResult) { done = true; });
  EXPECT_FALSE(done);
  loop->run_once(0);
  EXPECT_TRUE(done);
}

TEST_F(ResolverTest, IpLiteralsAreTheirOwnAnswer) {
  Resolver r(*loop, config({}));
  LookupResult res = run(r, "192.0.2.7");
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"192.0.2.7"}));
  res = run(r, "2001:db8::7", Family::kV6);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"2001:db8::7"}));
  res = run(r, "192.0.2.7", Family::kV6);
  EXPECT_EQ(res.status, LookupStatus::kNotFound);
}

TEST_F(ResolverTest, LocalhostWithoutHostsEntryIsLoopback) {
  FakeServer dns(*loop, zone({}));
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "localhost");
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"127.0.0.1", "::1"}));
  res = run(r, "shop.localhost.", Family::kV4);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_TRUE(dns.received().empty());
}

TEST_F(ResolverTest, AThenAaaaIPv4First) {
  FakeServer dns(*loop, zone({a_record("www.mysite.test", "2001:db8::1"),
                              a_record("www.mysite.test", "192.0.2.1"),
                              a_record("www.mysite.test", "192.0.2.2")}));
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "www.mysite.test");
  EXPECT_EQ(res.status, LookupStatus::kFound) << trace_text();
  EXPECT_EQ(texts(res.addresses),
            (std::vector<std::string>{"192.0.2.1", "192.0.2.2", "2001:db8::1"}));
  ASSERT_EQ(dns.received().size(), 2u);
  EXPECT_EQ(qtype(dns.received()[0].query), dns::Type::kA);
  EXPECT_EQ(qtype(dns.received()[1].query), dns::Type::kAAAA);
  const dns::Message& q = dns.received()[0].query;
  EXPECT_TRUE(q.header.rd);
  ASSERT_TRUE(q.edns.has_value());
  EXPECT_EQ(q.edns->udp_size, 1232);
  EXPECT_NE(dns.received()[0].query.header.id, dns.received()[1].query.header.id);
  EXPECT_TRUE(
      traced("asking " + dns.address().to_string() + " over UDP: www.mysite.test. IN A (id "));
  EXPECT_TRUE(traced("  www.mysite.test.\t300\tIN\tA\t192.0.2.1"));
}

TEST_F(ResolverTest, NxdomainIsNotFound) {
  FakeServer dns(*loop, zone({}));
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "nosuch.mysite.test");
  EXPECT_EQ(res.status, LookupStatus::kNotFound);
  // NXDOMAIN for A: the name does not exist, AAAA is not asked.
  EXPECT_EQ(dns.received().size(), 1u);
}

TEST_F(ResolverTest, NodataIsNotFoundAfterBothTypes) {
  FakeServer dns(*loop, zone({cname_record("x.test", "y.test"), a_record("y.test", "192.0.2.9")}));
  Resolver r(*loop, config({&dns}));
  dns.set_respond([](const dns::Message& q, bool) {
    return std::vector<Reply>{{make_reply(q, dns::kRcodeNoError, {}, {soa_record("test")})}};
  });
  LookupResult res = run(r, "www.mysite.test");
  EXPECT_EQ(res.status, LookupStatus::kNotFound);
  EXPECT_EQ(dns.received().size(), 2u);
  EXPECT_TRUE(traced("no address (NODATA)"));
}

TEST_F(ResolverTest, SearchListAndNdots) {
  FakeServer dns(*loop, zone({a_record("www.mysite.test", "192.0.2.1")}));
  Resolver r(*loop, config({&dns}, "search example.test mysite.test\noptions ndots:2\n"));
  LookupResult res = run(r, "www", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound) << trace_text();
  EXPECT_EQ(res.canonical_name, "www.mysite.test");
  ASSERT_EQ(dns.received().size(), 2u);
  EXPECT_EQ(qname(dns.received()[0].query), "www.example.test.");
  EXPECT_EQ(qname(dns.received()[1].query), "www.mysite.test.");

  // One dot < ndots 2: the search list first, the name as is last.
  res = run(r, "www.mysite", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kNotFound);
  ASSERT_EQ(dns.received().size(), 5u);
  EXPECT_EQ(qname(dns.received()[2].query), "www.mysite.example.test.");
  EXPECT_EQ(qname(dns.received()[3].query), "www.mysite.mysite.test.");
  EXPECT_EQ(qname(dns.received()[4].query), "www.mysite.");

  // A trailing dot: absolute, no search list.
  res = run(r, "www.", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kNotFound);
  ASSERT_EQ(dns.received().size(), 6u);
  EXPECT_EQ(qname(dns.received()[5].query), "www.");
}

TEST_F(ResolverTest, ServfailTriesTheNextServer) {
  FakeServer bad(*loop, [](const dns::Message& q, bool) {
    return std::vector<Reply>{{make_reply(q, dns::kRcodeServFail, {})}};
  });
  FakeServer good(*loop, zone({a_record("www.mysite.test", "192.0.2.1")}));
  Resolver r(*loop, config({&bad, &good}));
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_EQ(bad.received().size(), 1u);
  EXPECT_EQ(good.received().size(), 1u);
}

TEST_F(ResolverTest, EveryServerFailingIsServfail) {
  FakeServer bad(*loop, [](const dns::Message& q, bool) {
    return std::vector<Reply>{{make_reply(q, dns::kRcodeServFail, {})}};
  });
  FakeServer refusing(*loop, [](const dns::Message& q, bool) {
    return std::vector<Reply>{{make_reply(q, dns::kRcodeRefused, {})}};
  });
  Resolver r(*loop, config({&bad, &refusing}, "options attempts:2\n"));
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kServFail);
  EXPECT_EQ(res.detail, bad.address().to_string() + ": SERVFAIL; " +
                            refusing.address().to_string() + ": REFUSED");
  // attempts rounds over the servers, in order.
  EXPECT_EQ(bad.received().size(), 2u);
  EXPECT_EQ(refusing.received().size(), 2u);
}

// As glibc's res_search: the name as given decides between "not found" and "server failure".
TEST_F(ResolverTest, TheNameItselfDecidesBetweenNotFoundAndServfail) {
  FakeServer dns(*loop, [](const dns::Message& q, bool) {
    const bool search_name = qname(q).ends_with(".mysite.test.") && qname(q) != "www.mysite.test.";
    const bool bare = qname(q) == "shop.";
    if (search_name) return std::vector<Reply>{{make_reply(q, dns::kRcodeNXDomain, {})}};
    return std::vector<Reply>{{make_reply(q, bare ? dns::kRcodeRefused : dns::kRcodeServFail, {})}};
  });
  Resolver r(*loop, config({&dns}, "search mysite.test\n"));
  // www.mysite.test itself: SERVFAIL; www.mysite.test.mysite.test: NXDOMAIN.
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kServFail) << trace_text();
  EXPECT_EQ(res.detail, dns.address().to_string() + ": SERVFAIL");
  // shop.mysite.test: NXDOMAIN; "shop" itself: REFUSED (no server serves the root here).
  res = run(r, "shop", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kServFail) << trace_text();
  EXPECT_EQ(res.detail, dns.address().to_string() + ": REFUSED");
  // The name itself NXDOMAIN, a search-list name failing: not found.
  dns.set_respond([](const dns::Message& q, bool) {
    const bool itself = qname(q) == "shop.mysite.test.";
    return std::vector<Reply>{
        {make_reply(q, itself ? dns::kRcodeNXDomain : dns::kRcodeServFail, {})}};
  });
  res = run(r, "shop.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kNotFound) << trace_text();
  EXPECT_EQ(dns.received().size(), 6u);
}

TEST_F(ResolverTest, SilentServerTimesOutAfterTimeoutTimesAttempts) {
  FakeServer silent(*loop, [](const dns::Message&, bool) { return std::vector<Reply>{}; });
  Resolver r(*loop, config({&silent}, "options attempts:2\n"));
  LookupResult res = run(r, "www.mysite.test");
  EXPECT_EQ(res.status, LookupStatus::kTimeout);
  EXPECT_EQ(silent.received().size(), 2u);  // A only: the lookup stops at the first timeout
  EXPECT_NE(res.detail.find("no answer from " + silent.address().to_string() + " after 2."),
            std::string::npos)
      << res.detail;
  EXPECT_NE(res.detail.find("(2 queries)"), std::string::npos) << res.detail;
}

TEST_F(ResolverTest, PortUnreachableMovesOnAtOnce) {
  dns::NameServer closed;
  {
    FakeServer gone(*loop, zone({}));
    closed = gone.address();
  }
  FakeServer good(*loop, zone({a_record("www.mysite.test", "192.0.2.1")}));
  ResolverConfig c = config({&good});
  c.resolv_conf.nameservers.insert(c.resolv_conf.nameservers.begin(), closed);
  Resolver r(*loop, c);
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_TRUE(traced(closed.to_string() + ": connection refused"));

  ResolverConfig only_closed = config({});
  only_closed.resolv_conf.nameservers = {closed};
  Resolver r2(*loop, only_closed);
  res = run(r2, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kTimeout);
  EXPECT_NE(res.detail.find("refused"), std::string::npos) << res.detail;
}

TEST_F(ResolverTest, StrayRepliesAreDroppedAndTheRightOneTaken) {
  FakeServer dns(*loop, [](const dns::Message& q, bool) {
    dns::Message wrong_id = q;
    wrong_id.header.id = static_cast<uint16_t>(q.header.id + 1);
    dns::Message other_name = q;
    other_name.questions[0].name = *dns::name_from_text("evil.test");
    dns::Message other_type = q;
    other_type.questions[0].type = dns::Type::kMX;
    std::vector<Reply> out;
    out.push_back({make_reply(wrong_id, 0, {a_record("www.mysite.test", "203.0.113.1")})});
    out.push_back({make_reply(other_name, 0, {a_record("evil.test", "203.0.113.2")})});
    out.push_back({make_reply(other_type, 0, {})});
    out.push_back({make_reply(q, 0, {a_record("www.mysite.test", "203.0.113.3")}), true});
    out.push_back({std::string("\x01\x02\x03", 3)});
    // The name in another case is still the same name (RFC 4343).
    dns::Message upper = q;
    upper.questions[0].name = *dns::name_from_text("WWW.MySite.TEST");
    out.push_back({make_reply(upper, 0, {a_record("www.mysite.test", "192.0.2.1")})});
    return out;
  });
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"192.0.2.1"})) << trace_text();
  EXPECT_TRUE(traced("dropped a reply from " + dns.address().to_string() + ": id "));
  EXPECT_TRUE(traced(": question evil.test. IN A, expected www.mysite.test. IN A"));
  EXPECT_TRUE(traced(": question www.mysite.test. IN MX, expected"));
  EXPECT_TRUE(traced("3 bytes, no header"));
}

TEST_F(ResolverTest, TruncatedAnswerIsAskedAgainOverTcp) {
  std::vector<dns::Record> many;
  for (int i = 1; i <= 100; ++i) {
    many.push_back(a_record("big.test", "10.0.0." + std::to_string(i)));
  }
  FakeServer dns(*loop, [many](const dns::Message& q, bool tcp) {
    return std::vector<Reply>{{make_reply(q, 0, many, {}, tcp ? 65535 : 512)}};
  });
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "big.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound) << trace_text();
  EXPECT_EQ(res.addresses.size(), 100u);
  ASSERT_EQ(dns.received().size(), 2u);
  EXPECT_FALSE(dns.received()[0].tcp);
  EXPECT_TRUE(dns.received()[1].tcp);
  EXPECT_TRUE(traced("truncated (TC): asking " + dns.address().to_string() + " again over TCP"));
}

TEST_F(ResolverTest, CnameChainInTheAnswerIsFollowed) {
  FakeServer dns(*loop, [](const dns::Message& q, bool) {
    return std::vector<Reply>{{make_reply(
        q, 0,
        {cname_record("www.mysite.test", "a.mysite.test"),
         cname_record("a.mysite.test", "b.mysite.test"), a_record("b.mysite.test", "192.0.2.3")})}};
  });
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"192.0.2.3"}));
  EXPECT_EQ(res.canonical_name, "b.mysite.test");
  EXPECT_EQ(dns.received().size(), 1u);
}

TEST_F(ResolverTest, DanglingAliasIsAskedFor) {
  FakeServer dns(*loop, [](const dns::Message& q, bool) {
    if (qname(q) == "www.mysite.test.") {
      return std::vector<Reply>{
          {make_reply(q, 0, {cname_record("www.mysite.test", "cdn.other.test")})}};
    }
    return std::vector<Reply>{{make_reply(q, 0, {a_record("cdn.other.test", "192.0.2.4")})}};
  });
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "www.mysite.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kFound) << trace_text();
  EXPECT_EQ(texts(res.addresses), (std::vector<std::string>{"192.0.2.4"}));
  ASSERT_EQ(dns.received().size(), 2u);
  EXPECT_EQ(qname(dns.received()[1].query), "cdn.other.test.");
}

TEST_F(ResolverTest, CnameLoopIsAServerFailure) {
  FakeServer dns(*loop, [](const dns::Message& q, bool) {
    // a -> b in one answer, b -> a when b is asked: a loop across two questions.
    if (qname(q) == "a.test.")
      return std::vector<Reply>{{make_reply(q, 0, {cname_record("a.test", "b.test")})}};
    return std::vector<Reply>{{make_reply(q, 0, {cname_record("b.test", "a.test")})}};
  });
  Resolver r(*loop, config({&dns}));
  LookupResult res = run(r, "a.test", Family::kV4);
  EXPECT_EQ(res.status, LookupStatus::kServFail) << trace_text();
  EXPECT_NE(res.detail.find("CNAME loop"), std::string::npos);
  EXPECT_EQ(dns.received().size(), 2u);
}

TEST_F(ResolverTest, RotateSpreadsQuestionsOverTheServers) {
  FakeServer one(
      *loop, zone({a_record("www.mysite.test", "192.0.2.1"), a_record("www.mysite.test", "::1")}));
  FakeServer two(
      *loop, zone({a_record("www.mysite.test", "192.0.2.1"), a_record("www.mysite.test", "::1")}));
  Resolver plain(*loop, config({&one, &two}));
  EXPECT_EQ(run(plain, "www.mysite.test").status, LookupStatus::kFound);
  EXPECT_EQ(one.received().size(), 2u);
  EXPECT_EQ(two.received().size(), 0u);
  Resolver rotating(*loop, config({&one, &two}, "options rotate\n"));
  EXPECT_EQ(run(rotating, "www.mysite.test").status, LookupStatus::kFound);
  EXPECT_EQ(one.received().size(), 3u);
  EXPECT_EQ(two.received().size(), 1u);
}

TEST_F(ResolverTest, CancelAndDestroyNeverCallBack) {
  FakeServer silent(*loop, [](const dns::Message&, bool) { return std::vector<Reply>{}; });
  bool called = false;
  {
    Resolver r(*loop, config({&silent}));
    uint64_t id = r.lookup("www.mysite.test", Family::kAny, [&](LookupResult) { called = true; });
    for (int i = 0; i < 5; ++i) loop->run_once(10);
    EXPECT_EQ(silent.received().size(), 1u);
    r.cancel(id);
    r.lookup("www.mysite.test", Family::kAny, [&](LookupResult) { called = true; });
    for (int i = 0; i < 5; ++i) loop->run_once(10);
  }
  for (int i = 0; i < 5; ++i) loop->run_once(10);
  EXPECT_FALSE(called);
  EXPECT_EQ(loop->armed_timers(), 0u);
}

TEST_F(ResolverTest, ResolverMayBeDestroyedInsideItsCallback) {
  FakeServer dns(*loop, zone({a_record("www.mysite.test", "192.0.2.1")}));
  auto r = std::make_unique<Resolver>(*loop, config({&dns}));
  bool done = false;
  r->lookup("www.mysite.test", Family::kV4, [&](LookupResult res) {
    EXPECT_EQ(res.status, LookupStatus::kFound);
    r.reset();
    done = true;
  });
  for (int i = 0; i < 100 && !done; ++i) loop->run_once(100);
  loop->run_once(0);
  EXPECT_TRUE(done);
}

TEST(ResolveBlocking, RunsItsOwnLoop) {
  ResolverConfig c;
  c.hosts_path = "h";
  c.hosts = dns::HostsFile::parse("192.0.2.8 blocking.test\n", "h");
  LookupResult res = resolve_blocking(c, "blocking.test", Family::kAny);
  EXPECT_EQ(res.status, LookupStatus::kFound);
  EXPECT_TRUE(res.from_hosts);
}

TEST(FormatTraceLine, MillisecondsWithMicroseconds) {
  EXPECT_EQ(format_trace_line(512, "x"), "[0.512 ms] x");
  EXPECT_EQ(format_trace_line(1234567, "y"), "[1234.567 ms] y");
}

class LoadConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resolver-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    write("hosts-a", "192.0.2.1 a.test\n582.33.96.77 www.mysite.com\n");
    write("hosts-b", "192.0.2.2 b.test\n");
    write("resolv-a", "nameserver 127.0.0.1:5301\n");
    write("resolv-b", "nameserver 127.0.0.1:5302\n");
    saved_hosts = env("WEBCYCLE_HOSTS");
    saved_resolv = env("WEBCYCLE_RESOLV_CONF");
  }
  void TearDown() override {
    restore("WEBCYCLE_HOSTS", saved_hosts);
    restore("WEBCYCLE_RESOLV_CONF", saved_resolv);
    std::system(("rm -rf " + dir).c_str());
  }
  static std::optional<std::string> env(const char* n) {
    const char* v = std::getenv(n);
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  static void restore(const char* n, const std::optional<std::string>& v) {
    if (v) {
      ::setenv(n, v->c_str(), 1);
    } else {
      ::unsetenv(n);
    }
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
  }
  std::string dir;
  std::optional<std::string> saved_hosts, saved_resolv;
};

TEST_F(LoadConfigTest, FlagsOverrideTheEnvironment) {
  ::setenv("WEBCYCLE_HOSTS", (dir + "/hosts-a").c_str(), 1);
  ::setenv("WEBCYCLE_RESOLV_CONF", (dir + "/resolv-a").c_str(), 1);
  auto c = load_resolver_config(std::nullopt, std::nullopt);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->hosts_path, dir + "/hosts-a");
  EXPECT_EQ(c->resolv_conf.nameservers.at(0).port, 5301);
  ASSERT_EQ(c->hosts.diagnostics().size(), 1u);
  EXPECT_EQ(c->hosts.diagnostics()[0].rfind(dir + "/hosts-a:2: ", 0), 0u)
      << c->hosts.diagnostics()[0];

  c = load_resolver_config(dir + "/hosts-b", dir + "/resolv-b");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->hosts.lookup("b.test").size(), 1u);
  EXPECT_TRUE(c->hosts.lookup("a.test").empty());
  EXPECT_EQ(c->resolv_conf.nameservers.at(0).port, 5302);
}

TEST_F(LoadConfigTest, ANamedFileThatCannotBeReadIsAnError) {
  auto c = load_resolver_config(dir + "/nosuch", dir + "/resolv-a");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find(dir + "/nosuch"), std::string::npos);
  ::setenv("WEBCYCLE_RESOLV_CONF", (dir + "/nosuch-resolv").c_str(), 1);
  c = load_resolver_config(dir + "/hosts-a", std::nullopt);
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("nosuch-resolv"), std::string::npos);
  c = load_resolver_config(dir, dir + "/resolv-a");  // a directory
  EXPECT_FALSE(c.has_value());
}

}  // namespace
}  // namespace wc::client
