#include "client/input_classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace wc::client {
namespace {

struct Case {
  std::string_view input;
  InputKind kind;
  std::string_view text;  // the URL for an address, the query for a search
};

constexpr InputKind A = InputKind::kAddress;
constexpr InputKind S = InputKind::kSearch;

// Each rule of input_classifier.h, and the inputs on either side of its edges.
constexpr Case kCases[] = {
    // Scheme URLs are taken as typed, whatever follows.
    {"http://www.mysite.test/", A, "http://www.mysite.test/"},
    {"http://www.mysite.test", A, "http://www.mysite.test"},
    {"HTTP://WWW.MYSITE.TEST/A", A, "HTTP://WWW.MYSITE.TEST/A"},
    {"https://example.com/", A, "https://example.com/"},
    {"ftp://example.com/file", A, "ftp://example.com/file"},
    {"http://x/a b", A, "http://x/a b"},
    {"http://", A, "http://"},
    {"http:example.com", A, "http:example.com"},
    {"https:/example.com", A, "https:/example.com"},
    {"  http://example.com  ", A, "http://example.com"},
    {"svn+ssh://host/repo", A, "svn+ssh://host/repo"},
    // Dotted host names.
    {"www.mysite.test", A, "http://www.mysite.test"},
    {"mysite.test", A, "http://mysite.test"},
    {"mysite.test/path", A, "http://mysite.test/path"},
    {"mysite.test/path?q=1#top", A, "http://mysite.test/path?q=1#top"},
    {"mysite.test?q=1", A, "http://mysite.test?q=1"},
    {"mysite.test#frag", A, "http://mysite.test#frag"},
    {"example.com.", A, "http://example.com."},
    {"Example.COM", A, "http://Example.COM"},
    {"www.mysite.test:8080", A, "http://www.mysite.test:8080"},
    {"www.mysite.test:8080/a/b", A, "http://www.mysite.test:8080/a/b"},
    {"a-b.c_d.example", A, "http://a-b.c_d.example"},
    {"xn--bcher-kva.example", A, "http://xn--bcher-kva.example"},
    {"file.txt", A, "http://file.txt"},
    {"a.b", A, "http://a.b"},
    {"1.example", A, "http://1.example"},
    // localhost.
    {"localhost", A, "http://localhost"},
    {"LOCALHOST", A, "http://LOCALHOST"},
    {"localhost:8080", A, "http://localhost:8080"},
    {"localhost/admin", A, "http://localhost/admin"},
    {"localhost.", A, "http://localhost."},
    {"app.localhost", A, "http://app.localhost"},
    {"app.localhost:3000/x", A, "http://app.localhost:3000/x"},
    // IP literals.
    {"127.0.0.1", A, "http://127.0.0.1"},
    {"127.0.0.1:8080", A, "http://127.0.0.1:8080"},
    {"127.0.0.1/index.html", A, "http://127.0.0.1/index.html"},
    {"10.0.0.255:1/x?y", A, "http://10.0.0.255:1/x?y"},
    {"[::1]", A, "http://[::1]"},
    {"[::1]:8080", A, "http://[::1]:8080"},
    {"[::1]:8080/path", A, "http://[::1]:8080/path"},
    {"[2001:db8::1]/", A, "http://[2001:db8::1]/"},
    {"::1", A, "http://[::1]"},
    {"2001:db8::5", A, "http://[2001:db8::5]"},
    {"[::1", S, "[::1"},
    {"[nope]", S, "[nope]"},
    {"[::1]x", S, "[::1]x"},
    {"[::1]:port", S, "[::1]:port"},
    // Single labels: an address only with a port.
    {"intranet:8080", A, "http://intranet:8080"},
    {"intranet:8080/wiki", A, "http://intranet:8080/wiki"},
    {"intranet", S, "intranet"},
    {"weather", S, "weather"},
    {"intranet/wiki", S, "intranet/wiki"},
    {"dns", S, "dns"},
    // Ports must be digits (1-5 of them).
    {"note:to", S, "note:to"},
    {"a:b", S, "a:b"},
    {"example.com:http", S, "example.com:http"},
    {"example.com:123456", S, "example.com:123456"},
    {"example.com:", S, "example.com:"},
    // Spaces make a search, even around something address-like.
    {"what is dns", S, "what is dns"},
    {"cheap flights", S, "cheap flights"},
    {"www.mysite.test is down", S, "www.mysite.test is down"},
    {"  padded words  ", S, "padded words"},
    {"tab\tseparated", S, "tab\tseparated"},
    {"mysite.test/a b", S, "mysite.test/a b"},
    // A leading '?' forces a search.
    {"?example.com", S, "example.com"},
    {"? localhost", S, "localhost"},
    {"?", S, ""},
    // Not host names.
    {"3.14", S, "3.14"},
    {"1.2.3", S, "1.2.3"},
    {"v1.2", S, "v1.2"},
    {"1.2.3.4.5", S, "1.2.3.4.5"},
    {"256.1.1.1", S, "256.1.1.1"},
    {"-bad.example", S, "-bad.example"},
    {"bad-.example", S, "bad-.example"},
    {"a..b", S, "a..b"},
    {".example", S, ".example"},
    {"caf\xc3\xa9", S, "caf\xc3\xa9"},
    {"caf\xc3\xa9.example", S, "caf\xc3\xa9.example"},
    {"user@example.com", S, "user@example.com"},
    {"c++", S, "c++"},
    {"C#", S, "C#"},
    {"/etc/passwd", S, "/etc/passwd"},
    {"#hashtag", S, "#hashtag"},
    {"100%", S, "100%"},
    {"x=1", S, "x=1"},
    {"", S, ""},
    {"   ", S, ""},
};

TEST(ClassifyInput, Table) {
  for (const Case& c : kCases) {
    Classified got = classify_input(c.input);
    EXPECT_EQ(got.kind, c.kind) << "input \"" << c.input << "\" (" << got.why << ")";
    EXPECT_EQ(got.text, c.text) << "input \"" << c.input << "\"";
    EXPECT_FALSE(got.why.empty()) << "input \"" << c.input << "\"";
  }
}

TEST(ClassifyInput, LongLabelsAreNotHostNames) {
  std::string label63(63, 'a');
  std::string label64(64, 'a');
  EXPECT_EQ(classify_input(label63 + ".example").kind, InputKind::kAddress);
  EXPECT_EQ(classify_input(label64 + ".example").kind, InputKind::kSearch);
  std::string long_name;
  while (long_name.size() < 260) long_name += "abcdefgh.";
  long_name += "example";
  EXPECT_EQ(classify_input(long_name).kind, InputKind::kSearch);
}

}  // namespace
}  // namespace wc::client
