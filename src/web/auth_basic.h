// HTTP Basic authentication (RFC 7617) as nginx's auth_basic module checks it: the credentials
// of an Authorization header, and a password file in htpasswd's formats. Pure: no I/O (the router
// reads the file, per request, as nginx does, so an edit takes effect at once).
//
// Password formats (nginx's ngx_crypt): "{PLAIN}text", "{SHA}base64(sha1)", "{SSHA}base64(sha1 +
// salt)", "$apr1$salt$hash" (Apache's MD5), and everything the system's crypt(3) knows (libxcrypt
// on Debian: bcrypt "$2y$"/"$2b$", "$1$", "$5$", "$6$", yescrypt "$y$", DES).
#pragma once

#include <string>
#include <string_view>

namespace wc::web {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// "Basic BASE64(user:password)" (scheme case-insensitive). False when the header is not Basic,
// the base64 is bad, or there is no ':' (nginx answers 401 to all of those).
[[nodiscard]] bool parse_basic_authorization(std::string_view header, BasicCredentials& out);

enum class HtpasswdCheck : unsigned char { kMatch, kMismatch, kNoUser };

// Finds `user` in the htpasswd text (lines "user:hash[:comment]", '#' comments, the first line
// with the user decides, as nginx) and checks `password` against its hash.
[[nodiscard]] HtpasswdCheck check_htpasswd(std::string_view file_text, std::string_view user,
                                           std::string_view password);

// One hash against one password. False for a format that is not known.
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password);

}  // namespace wc::web
