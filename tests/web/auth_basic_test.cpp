#include "web/auth_basic.h"

#include <gtest/gtest.h>

namespace wc::web {
namespace {

TEST(AuthBasic, AuthorizationHeader) {
  BasicCredentials c;
  ASSERT_TRUE(parse_basic_authorization("Basic dXNlcjpwYTpzcw==", c));  // user:pa:ss
  EXPECT_EQ(c.user, "user");
  EXPECT_EQ(c.password, "pa:ss");
  ASSERT_TRUE(parse_basic_authorization("bAsIc   dXNlcjo=", c));  // scheme case, no password
  EXPECT_EQ(c.user, "user");
  EXPECT_EQ(c.password, "");
  EXPECT_FALSE(parse_basic_authorization("Bearer dXNlcjpwYXNz", c));
  EXPECT_FALSE(parse_basic_authorization("Basic bm9jb2xvbg==", c));  // "nocolon"
  EXPECT_FALSE(parse_basic_authorization("Basic !!!", c));
  EXPECT_FALSE(parse_basic_authorization("Basic ", c));
}

TEST(AuthBasic, HashFormats) {
  EXPECT_TRUE(verify_password("{PLAIN}secret", "secret"));
  EXPECT_FALSE(verify_password("{PLAIN}secret", "secreT"));
  EXPECT_TRUE(verify_password("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "password"));
  // openssl passwd -apr1 -salt abcdefgh secret
  EXPECT_TRUE(verify_password("$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/", "secret"));
  EXPECT_FALSE(verify_password("$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/", "secrets"));
  // openssl passwd -1 -salt abcdefgh secret (crypt(3)'s MD5)
  EXPECT_TRUE(verify_password("$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1", "secret"));
  EXPECT_FALSE(verify_password("$9$unknown", "x"));
  EXPECT_FALSE(verify_password("", ""));
}

TEST(AuthBasic, HtpasswdFile) {
  const std::string file =
      "# comment\n\nalice:{PLAIN}a1\r\nbob:{PLAIN}b1:comment\nalice:{PLAIN}second\n";
  EXPECT_EQ(check_htpasswd(file, "alice", "a1"), HtpasswdCheck::kMatch);
  EXPECT_EQ(check_htpasswd(file, "alice", "second"), HtpasswdCheck::kMismatch);  // first line
  EXPECT_EQ(check_htpasswd(file, "bob", "b1"), HtpasswdCheck::kMatch);
  EXPECT_EQ(check_htpasswd(file, "carol", "x"), HtpasswdCheck::kNoUser);
  EXPECT_EQ(check_htpasswd(file, "# comment", ""), HtpasswdCheck::kNoUser);
}

}  // namespace
}  // namespace wc::web
