// Output::flush over TLS: memory bytes and file ranges (read with pread into records) arrive in
// order and whole through a real TLS stream on a non-blocking socketpair, across the blocked
// writes a small socket buffer forces (each retried with the same bytes, as OpenSSL requires).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fd.h"
#include "tls/context.h"
#include "tls/issuer.h"
#include "tls/stream.h"
#include "web/output.h"

namespace wc::web {
namespace {

struct NoHooks final : tls::ServerHooks {
  const tls::ServerContext* context_for_name(std::string_view) override { return nullptr; }
  std::string_view alpn_offer() const override { return {}; }
};

TEST(OutputTls, BytesAndFileRangesInOrderAcrossBlockedWrites) {
  char tmpl[] = "/tmp/wc-output-tls-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  auto ca = tls::make_ca("test CA");
  ASSERT_TRUE(ca);
  const std::vector<std::string> names = {"localhost"};
  auto leaf = tls::make_certificate(*ca, names);
  ASSERT_TRUE(leaf);
  std::ofstream(dir + "/c.pem") << leaf->certificate;
  std::ofstream(dir + "/c.key") << leaf->key;
  std::ofstream(dir + "/ca.pem") << ca->certificate;
  tls::ServerOptions so;
  so.certificates = {dir + "/c.pem"};
  so.keys = {dir + "/c.key"};
  auto sctx = tls::ServerContext::create(so);
  ASSERT_TRUE(sctx) << sctx.error().message;
  auto cctx = tls::ClientContext::create({.verify = true, .ca_file = dir + "/ca.pem", .alpn = {}});
  ASSERT_TRUE(cctx) << cctx.error().message;

  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  core::Fd server_fd(sv[0]), client_fd(sv[1]);
  const int small = 8192;  // a small send buffer: many blocked writes
  ::setsockopt(server_fd.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  NoHooks hooks;
  auto s = tls::Stream::accept(*sctx, server_fd.get(), &hooks);
  auto c = tls::Stream::connect(*cctx, client_fd.get(), "localhost");
  ASSERT_TRUE(s && c);
  for (int i = 0; i < 50 && !(s->established() && c->established()); ++i) {
    (void)c->handshake();
    (void)s->handshake();
  }
  ASSERT_TRUE(s->established() && c->established());

  std::string content(300000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 23);
  const std::string path = dir + "/file";
  std::ofstream(path, std::ios::binary) << content;
  const int file = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(file, 0);

  Output out;
  out.bytes() += "HEAD\r\n\r\n";
  out.add_file(FileRange{file, 7, 200000, nullptr});
  out.bytes() += "|middle|";
  out.add_file(FileRange{file, 0, 5, nullptr});
  out.bytes() += "|end";
  const std::string want =
      "HEAD\r\n\r\n" + content.substr(7, 200000) + "|middle|" + content.substr(0, 5) + "|end";

  std::string got;
  int blocked = 0;
  for (int round = 0; round < 100000; ++round) {
    int err = 0;
    const Output::Flush f = out.flush(*s, err);
    ASSERT_NE(f, Output::Flush::kError) << err << " " << s->error_text();
    if (f == Output::Flush::kBlocked) ++blocked;
    char buf[16384];
    for (;;) {
      const tls::IoResult r = c->read(buf);
      if (!r.ok()) break;
      got.append(buf, r.bytes);
    }
    if (f == Output::Flush::kDone && got.size() == want.size()) break;
  }
  EXPECT_GT(blocked, 0);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  ::close(file);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wc::web
