// tls::Stream and the contexts over a socketpair: handshakes driven by hand (both ends
// non-blocking, one thread), SNI, ALPN, verification failures, protocols, resumption.
#include "tls/stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fd.h"
#include "tls/context.h"
#include "tls/issuer.h"

namespace wc::tls {
namespace {

// A temp dir with a CA and server certificates for a.test (also "localhost", 127.0.0.1) and
// b.test, made once for the whole suite.
struct Pki {
  std::string dir;
  std::string ca, a_cert, a_key, b_cert, b_key, other_ca;
  Pki() {
    char tmpl[] = "/tmp/wc-tls-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto ca_pem = make_ca("webcycle test CA");
    EXPECT_TRUE(ca_pem.has_value());
    const std::vector<std::string> a_names = {"a.test", "localhost", "127.0.0.1"};
    const std::vector<std::string> b_names = {"b.test"};
    auto a = make_certificate(*ca_pem, a_names);
    auto b = make_certificate(*ca_pem, b_names);
    auto other = make_ca("another CA");
    EXPECT_TRUE(a && b && other);
    ca = put("ca.pem", ca_pem->certificate);
    a_cert = put("a.pem", a->certificate);
    a_key = put("a.key", a->key);
    b_cert = put("b.pem", b->certificate);
    b_key = put("b.key", b->key);
    other_ca = put("other.pem", other->certificate);
  }
  ~Pki() { std::filesystem::remove_all(dir); }
  std::string put(const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

Pki& pki() {
  static Pki p;
  return p;
}

struct Pair {
  core::Fd server, client;
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    server.reset(fds[0]);
    client.reset(fds[1]);
  }
};

struct Hooks final : ServerHooks {
  std::vector<std::pair<std::string, const ServerContext*>> names;
  std::string offer = "\x08http/1.1";
  std::string asked;
  const ServerContext* context_for_name(std::string_view name) override {
    asked = std::string(name);
    for (auto& [n, ctx] : names) {
      if (n == name) return ctx;
    }
    return nullptr;
  }
  std::string_view alpn_offer() const override { return offer; }
};

ServerContext server_ctx(const std::string& cert, const std::string& key,
                         ServerOptions options = {}) {
  options.certificates = {cert};
  options.keys = {key};
  auto ctx = ServerContext::create(options);
  EXPECT_TRUE(ctx.has_value()) << (ctx ? "" : ctx.error().message);
  return std::move(*ctx);
}

ClientContext client_ctx(ClientOptions options) {
  auto ctx = ClientContext::create(options);
  EXPECT_TRUE(ctx.has_value()) << (ctx ? "" : ctx.error().message);
  return std::move(*ctx);
}

// Steps both handshakes until neither can move. Returns {server, client} outcomes.
std::pair<IoResult, IoResult> pump(Stream& s, Stream& c) {
  IoResult rs{IoStatus::kWantRead, 0};
  IoResult rc{IoStatus::kWantRead, 0};
  for (int i = 0; i < 50; ++i) {
    if (rc.wants()) rc = c.handshake();
    if (rs.wants()) rs = s.handshake();
    if (!rs.wants() && !rc.wants()) break;
  }
  return {rs, rc};
}

TEST(TlsStream, HandshakeThenDataBothWaysOverASocketpair) {
  Pair p;
  Hooks hooks;
  ServerContext sctx = server_ctx(pki().a_cert, pki().a_key);
  ClientContext cctx = client_ctx({.verify = true, .ca_file = pki().ca, .alpn = {}});
  auto s = Stream::accept(sctx, p.server.get(), &hooks);
  auto c = Stream::connect(cctx, p.client.get(), "a.test");
  ASSERT_TRUE(s && c);
  // Nothing arrived yet: the server waits for the ClientHello, without blocking.
  EXPECT_EQ(s->handshake().status, IoStatus::kWantRead);
  auto [rs, rc] = pump(*s, *c);
  ASSERT_TRUE(rs.ok()) << s->error_text();
  ASSERT_TRUE(rc.ok()) << c->error_text();
  EXPECT_EQ(s->protocol(), "TLSv1.3");
  EXPECT_EQ(c->protocol(), "TLSv1.3");
  EXPECT_FALSE(s->cipher().empty());
  EXPECT_EQ(s->server_name(), "a.test");
  EXPECT_EQ(c->verify_result(), X509_V_OK);
  EXPECT_NE(c->peer_subject().find("CN=a.test"), std::string::npos) << c->peer_subject();
  EXPECT_NE(c->peer_issuer().find("webcycle test CA"), std::string::npos) << c->peer_issuer();

  ASSERT_TRUE(c->write("GET / HTTP/1.1\r\n\r\n").ok());
  char buf[64];
  IoResult r = s->read(buf);
  ASSERT_TRUE(r.ok()) << s->error_text();
  EXPECT_EQ(std::string_view(buf, r.bytes), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(s->read(buf).status, IoStatus::kWantRead);
  const std::string a = "HTTP/1.1 200 OK\r\n";
  const std::string b(40000, 'x');
  const std::string_view pieces[] = {a, b};
  size_t sent = 0;
  std::string got;
  while (sent < a.size() + b.size()) {
    std::string rest = (a + b).substr(sent);
    const std::string_view one[] = {rest};
    IoResult w = sent == 0 ? s->write_gather(pieces) : s->write_gather(one);
    if (w.ok()) sent += w.bytes;
    char rb[20000];
    IoResult rr = c->read(rb);
    if (rr.ok()) got.append(rb, rr.bytes);
  }
  for (;;) {
    char rb[20000];
    IoResult rr = c->read(rb);
    if (!rr.ok()) break;
    got.append(rb, rr.bytes);
  }
  EXPECT_EQ(got, a + b);
  // close_notify reads as the end of the stream.
  EXPECT_TRUE(s->shutdown().ok());
  EXPECT_EQ(c->read(buf).status, IoStatus::kEof);
}

TEST(TlsStream, SniPicksTheNamedServersCertificate) {
  Pair p;
  ServerContext a = server_ctx(pki().a_cert, pki().a_key);
  ServerContext b = server_ctx(pki().b_cert, pki().b_key);
  Hooks hooks;
  hooks.names = {{"a.test", &a}, {"b.test", &b}};
  ClientContext cctx = client_ctx({.verify = true, .ca_file = pki().ca, .alpn = {}});
  auto s = Stream::accept(a, p.server.get(), &hooks);
  auto c = Stream::connect(cctx, p.client.get(), "b.test");
  ASSERT_TRUE(s && c);
  auto [rs, rc] = pump(*s, *c);
  ASSERT_TRUE(rs.ok()) << s->error_text();
  ASSERT_TRUE(rc.ok()) << c->error_text();
  EXPECT_EQ(hooks.asked, "b.test");
  EXPECT_NE(c->peer_subject().find("CN=b.test"), std::string::npos) << c->peer_subject();
}

TEST(TlsStream, AlpnFollowsTheListensOffer) {
  ServerContext sctx = server_ctx(pki().a_cert, pki().a_key);
  struct Case {
    std::string offer;
    std::vector<std::string> client;
    std::string want;
  } cases[] = {
      {std::string("\x02h2\x08http/1.1", 12), {"h2", "http/1.1"}, "h2"},
      {"\x08http/1.1", {"h2", "http/1.1"}, "http/1.1"},
      {"\x08http/1.1", {"h2"}, ""},  // nothing in common: no ALPN, the handshake goes on
      {"", {"http/1.1"}, ""},
  };
  for (const Case& k : cases) {
    Pair p;
    Hooks hooks;
    hooks.offer = k.offer;
    ClientContext cctx = client_ctx({.verify = true, .ca_file = pki().ca, .alpn = k.client});
    auto s = Stream::accept(sctx, p.server.get(), &hooks);
    auto c = Stream::connect(cctx, p.client.get(), "localhost");
    ASSERT_TRUE(s && c);
    auto [rs, rc] = pump(*s, *c);
    ASSERT_TRUE(rs.ok() && rc.ok()) << s->error_text() << c->error_text();
    EXPECT_EQ(s->alpn(), k.want);
    EXPECT_EQ(c->alpn(), k.want);
  }
}

TEST(TlsStream, VerificationFailuresSayWhy) {
  ServerContext sctx = server_ctx(pki().a_cert, pki().a_key);
  struct Case {
    std::string ca;
    std::string host;
    long want;
  } cases[] = {
      {pki().other_ca, "a.test", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {pki().ca, "wrong.test", X509_V_ERR_HOSTNAME_MISMATCH},
      {pki().ca, "127.0.0.2", X509_V_ERR_IP_ADDRESS_MISMATCH},
  };
  for (const Case& k : cases) {
    Pair p;
    Hooks hooks;
    ClientContext cctx = client_ctx({.verify = true, .ca_file = k.ca, .alpn = {}});
    auto s = Stream::accept(sctx, p.server.get(), &hooks);
    auto c = Stream::connect(cctx, p.client.get(), k.host);
    ASSERT_TRUE(s && c);
    auto [rs, rc] = pump(*s, *c);
    EXPECT_EQ(rc.status, IoStatus::kError) << k.host;
    EXPECT_NE(c->error_text().find("certificate verify failed"), std::string::npos)
        << c->error_text();
    EXPECT_EQ(c->verify_result(), k.want) << c->verify_error_text();
  }
  // -k: the same mismatch goes through.
  Pair p;
  Hooks hooks;
  ClientContext insecure = client_ctx({.verify = false, .ca_file = {}, .alpn = {}});
  auto s = Stream::accept(sctx, p.server.get(), &hooks);
  auto c = Stream::connect(insecure, p.client.get(), "wrong.test");
  ASSERT_TRUE(s && c);
  auto [rs, rc] = pump(*s, *c);
  EXPECT_TRUE(rs.ok() && rc.ok()) << c->error_text();
}

TEST(TlsStream, ProtocolsOutsideTheServersListAreRefused) {
  ServerOptions only13;
  only13.protocols = kTlsV1_3;
  ServerContext sctx = server_ctx(pki().a_cert, pki().a_key, only13);
  ClientContext cctx = client_ctx({.verify = true, .ca_file = pki().ca, .alpn = {}});
  SSL_CTX_set_max_proto_version(cctx.get(), TLS1_2_VERSION);
  Pair p;
  Hooks hooks;
  auto s = Stream::accept(sctx, p.server.get(), &hooks);
  auto c = Stream::connect(cctx, p.client.get(), "a.test");
  ASSERT_TRUE(s && c);
  auto [rs, rc] = pump(*s, *c);
  EXPECT_EQ(rs.status, IoStatus::kError);
  EXPECT_NE(s->error_text().find("SSL_do_handshake() failed (SSL: error:"), std::string::npos)
      << s->error_text();
  EXPECT_NE(s->error_text().find("unsupported protocol"), std::string::npos) << s->error_text();
}

TEST(TlsStream, GarbageInsteadOfAClientHelloIsAnError) {
  ServerContext sctx = server_ctx(pki().a_cert, pki().a_key);
  Pair p;
  Hooks hooks;
  auto s = Stream::accept(sctx, p.server.get(), &hooks);
  ASSERT_TRUE(s);
  ASSERT_EQ(::write(p.client.get(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27), 27);
  const IoResult r = s->handshake();
  EXPECT_EQ(r.status, IoStatus::kError);
  EXPECT_NE(s->error_text().find("http request"), std::string::npos) << s->error_text();
}

TEST(TlsContext, LoadErrorsNameTheFileAndOpenSslsReason) {
  ServerOptions options;
  options.certificates = {pki().dir + "/missing.pem"};
  options.keys = {pki().a_key};
  auto ctx = ServerContext::create(options);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("cannot load certificate \"" + pki().dir +
                                     "/missing.pem\": BIO_new_file() failed (SSL: error:"),
            std::string::npos)
      << ctx.error().message;
  options.certificates = {pki().a_cert};
  options.keys = {pki().b_key};
  ctx = ServerContext::create(options);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("key values mismatch"), std::string::npos)
      << ctx.error().message;
  options.keys = {pki().a_key};
  options.ciphers = "NOSUCHCIPHER";
  ctx = ServerContext::create(options);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("SSL_CTX_set_cipher_list(\"NOSUCHCIPHER\") failed"),
            std::string::npos)
      << ctx.error().message;
}

}  // namespace
}  // namespace wc::tls
