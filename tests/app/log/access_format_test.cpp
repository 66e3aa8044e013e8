// Expected lines come from gunicorn 20.1 itself: glogging.Logger.atoms() + SafeAtoms with the
// same request, formatted by Python and encoded as its log file is (UTF-8).
#include "app/log/access_format.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <ctime>
#include <string>
#include <vector>

namespace wc::app {
namespace {

// TZ for one test, restored after.
class TzGuard {
 public:
  explicit TzGuard(const char* tz) {
    const char* old = getenv("TZ");
    had_ = old != nullptr;
    if (old) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~TzGuard() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

constexpr int64_t kEnd = 1795479422LL * 1000000 + 250000;  // 2026-11-24 00:17:02.25 UTC

// The request of gen.py's defaults: GET /p?q=1 HTTP/1.1 from 127.0.0.1, 200, 1234 bytes, 1.234567s.
struct Request {
  std::vector<AccessHeader> headers;
  std::vector<AccessHeader> response_headers;
  std::vector<AccessHeader> environ;
  AccessFacts facts;
  Request() {
    facts.remote_addr = "127.0.0.1";
    facts.method = "GET";
    facts.raw_uri = "/p?q=1";
    facts.path_info = "/p";
    facts.query = "q=1";
    facts.protocol = "HTTP/1.1";
    facts.status = 200;
    facts.sent = 1234;
    facts.end_usec = kEnd;
    facts.start_usec = kEnd - 1234567;
    facts.pid = 4242;
  }
  AccessFacts& f() {
    facts.request_headers = headers;
    facts.response_headers = response_headers;
    facts.environ = environ;
    return facts;
  }
};

std::string render(std::string_view format, Request& r) {
  auto f = AccessFormat::compile(format);
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  if (!f) return "<error>";
  std::string line = f->render(r.f());
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  return line;
}

std::string compile_error(std::string_view format) {
  auto f = AccessFormat::compile(format);
  EXPECT_FALSE(f) << format;
  return f ? "" : f.error().message;
}

TEST(AccessFormat, DefaultFormatCombined) {
  TzGuard tz("UTC");
  Request r;
  r.headers = {{"Host", "x"},
               {"Referer", "http://r/"},
               {"User-Agent", "curl/8"},
               {"Authorization", "Basic dXNlcjpwYXNz"}};
  EXPECT_EQ(
      render(AccessFormat::kDefault, r),
      R"(127.0.0.1 - user [24/Nov/2026:00:17:02 +0000] "GET /p?q=1 HTTP/1.1" 200 1234 "http://r/" "curl/8")");
}

TEST(AccessFormat, DefaultFormatWithoutHeadersPrintsDashes) {
  TzGuard tz("UTC");
  Request r;
  r.headers = {{"Host", "x"}};
  EXPECT_EQ(render(AccessFormat::kDefault, r),
            R"(127.0.0.1 - - [24/Nov/2026:00:17:02 +0000] "GET /p?q=1 HTTP/1.1" 200 1234 "-" "-")");
}

TEST(AccessFormat, EverySimpleAtom) {
  Request r;
  EXPECT_EQ(
      render("%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(T)s|%(M)s|%(D)s|%(L)s|%(p)s|%(zz)s|%(l)s",
             r),
      "GET|/p|q=1|HTTP/1.1|200|1234|1234|1|1234|1234567|1.234567|<4242>|-|-");
}

TEST(AccessFormat, EachAtomAlone) {
  TzGuard tz("UTC");
  Request r;
  r.headers = {{"Referer", "http://r/"}, {"User-Agent", "curl/8"}};
  EXPECT_EQ(render("%(h)s", r), "127.0.0.1");
  EXPECT_EQ(render("%(l)s", r), "-");
  EXPECT_EQ(render("%(u)s", r), "-");
  EXPECT_EQ(render("%(t)s", r), "[24/Nov/2026:00:17:02 +0000]");
  EXPECT_EQ(render("%(r)s", r), "GET /p?q=1 HTTP/1.1");
  EXPECT_EQ(render("%(m)s", r), "GET");
  EXPECT_EQ(render("%(U)s", r), "/p");
  EXPECT_EQ(render("%(q)s", r), "q=1");
  EXPECT_EQ(render("%(H)s", r), "HTTP/1.1");
  EXPECT_EQ(render("%(s)s", r), "200");
  EXPECT_EQ(render("%(B)s", r), "1234");
  EXPECT_EQ(render("%(b)s", r), "1234");
  EXPECT_EQ(render("%(f)s", r), "http://r/");
  EXPECT_EQ(render("%(a)s", r), "curl/8");
  EXPECT_EQ(render("%(T)s", r), "1");
  EXPECT_EQ(render("%(M)s", r), "1234");
  EXPECT_EQ(render("%(D)s", r), "1234567");
  EXPECT_EQ(render("%(L)s", r), "1.234567");
  EXPECT_EQ(render("%(p)s", r), "<4242>");
}

TEST(AccessFormat, EmptyQueryIsEmptyAndZeroBytesIsZero) {
  Request r;
  r.facts.query = "";
  r.facts.sent = 0;
  r.facts.remote_addr = "";  // a unix socket: gunicorn's REMOTE_ADDR is ''
  EXPECT_EQ(render("[%(q)s][%(b)s][%(B)s][%(h)s]", r), "[][0][0][]");
}

TEST(AccessFormat, TimeIsLocalWithOffset) {
  Request r;
  {
    TzGuard tz("Asia/Kolkata");
    EXPECT_EQ(render("%(t)s", r), "[24/Nov/2026:05:47:02 +0530]");
  }
  {
    TzGuard tz("America/New_York");
    EXPECT_EQ(render("%(t)s", r), "[23/Nov/2026:19:17:02 -0500]");
  }
}

TEST(AccessFormat, TimeIsCachedPerSecondButFollowsTheSecond) {
  TzGuard tz("UTC");
  Request r;
  auto f = AccessFormat::compile("%(t)s");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->render(r.f()), "[24/Nov/2026:00:17:02 +0000]\n");
  r.facts.end_usec = kEnd + 500000;  // same second
  EXPECT_EQ(f->render(r.f()), "[24/Nov/2026:00:17:02 +0000]\n");
  r.facts.end_usec = kEnd + 61 * 1000000LL;
  EXPECT_EQ(f->render(r.f()), "[24/Nov/2026:00:18:03 +0000]\n");
}

TEST(AccessFormat, NoEndTimeMeansNow) {
  TzGuard tz("UTC");
  Request r;
  r.facts.end_usec = 0;
  r.facts.start_usec = 0;
  const time_t now = time(nullptr);
  tm utc;
  gmtime_r(&now, &utc);
  char year[8];
  strftime(year, sizeof year, "%Y", &utc);
  const std::string line = render("%(t)s %(D)s", r);
  EXPECT_NE(line.find(year), std::string::npos) << line;
}

TEST(AccessFormat, HeadersResponseHeadersAndEnviron) {
  Request r;
  r.headers = {
      {"X-Forwarded-For", "1.1.1.1"}, {"X-A", "1"}, {"x-a", "2"}, {"X-Forwarded-For", "2.2.2.2"}};
  r.response_headers = {{"Content-Type", "text/html"}, {"Content-Type", "text/plain"}};
  r.environ = {{"SCRIPT_NAME", "/app"}};
  EXPECT_EQ(render("%({x-forwarded-for}i)s|%({X-Forwarded-For}I)s|%({content-type}o)s|"
                   "%({missing}i)s|%({remote_addr}e)s|%({HTTP_X_A}e)s|%({script_name}e)s|"
                   "%({nope}e)s|%({x}z)s",
                   r),
            "2.2.2.2|2.2.2.2|text/plain|-|127.0.0.1|1,2|/app|-|-");
}

TEST(AccessFormat, EnvironDerivedVariables) {
  Request r;
  r.headers = {{"Content-Type", "a/b"}, {"Content-Length", "5"}, {"Content-Type", "c/d"}};
  EXPECT_EQ(render("%({request_method}e)s %({raw_uri}e)s %({path_info}e)s %({query_string}e)s "
                   "%({server_protocol}e)s %({CONTENT_TYPE}e)s %({content_length}e)s "
                   "%({http_content_type}e)s",
                   r),
            "GET /p?q=1 /p q=1 HTTP/1.1 c/d 5 -");
  r.environ = {{"REQUEST_METHOD", "POST"}};  // the given environ wins over the derived value
  EXPECT_EQ(render("%({request_method}e)s", r), "POST");
}

TEST(AccessFormat, ResponseHeadersFromAnyNameValueStruct) {
  struct Header {
    std::string name;
    std::string value;
  };
  const std::vector<Header> headers = {{"X-Id", "42"}, {"Content-Length", "3"}};
  auto f = AccessFormat::compile("%({x-id}o)s %({content-length}o)s %({x-none}o)s");
  ASSERT_TRUE(f);
  AccessFacts facts;
  facts.response_headers = headers;
  EXPECT_EQ(f->render(facts), "42 3 -\n");
  EXPECT_TRUE(f->uses_response_headers());
  EXPECT_FALSE(f->uses_environ());
}

TEST(AccessFormat, QuotesEscapedAndLatin1BytesBecomeUtf8) {
  Request r;
  r.headers = {{"User-Agent", "say \"hi\""}, {"Referer", "a"}, {"Referer", "b"}};
  r.facts.status = 404;
  r.facts.sent = 0;
  r.facts.raw_uri = "/caf\xc3\xa9";
  r.facts.path_info = "/caf\xc3\xa9";
  r.facts.query = "";
  r.facts.protocol = "HTTP/1.0";
  EXPECT_EQ(render(R"("%(a)s" "%(f)s" %(U)s %(r)s)", r),
            "\"say \\\"hi\\\"\" \"a,b\" /caf\xc3\x83\xc2\xa9 GET /caf\xc3\x83\xc2\xa9 HTTP/1.0");
}

TEST(AccessFormat, ControlCharactersCannotForgeALine) {
  // gunicorn writes these raw; a "%0A" in the path or a newline in the Basic user would start a
  // forged log line. They come out as nginx writes them.
  Request r;
  // "eve\n127.0.0.1 - admin:pw" in base64
  r.headers = {{"Authorization", "Basic ZXZlCjEyNy4wLjAuMSAtIGFkbWluOnB3"},
               {"User-Agent", "a\tb\x7f"}};
  r.facts.path_info = "/a\nb\r";
  EXPECT_EQ(render("%(u)s %(U)s %(a)s", r), "eve\\x0A127.0.0.1 - admin /a\\x0Ab\\x0D a\\x09b\\x7F");
}

TEST(AccessFormat, PythonWidthsPrecisionsAndConversions) {
  Request r;
  r.headers = {{"User-Agent", "it's"}};
  EXPECT_EQ(render("[%(h)20s][%(h)-20s][%(h).3s][%(T)05d][%(D)-8d|][%(M)+d][%(B)x][%(B)#X]"
                   "[%(B)#o][%(a)r][%(T)r][%(D).8d][%(h)10.3s]",
                   r),
            "[           127.0.0.1][127.0.0.1           ][127][00001][1234567 |][+1234][4d2]"
            "[0X4D2][0o2322][\"it's\"][1][01234567][       127]");
}

TEST(AccessFormat, ReprEscapes) {
  Request r;
  r.headers = {{"User-Agent", "q\"x\\y\t\x01\x85\xa0\xad\xe9"}, {"Referer", "'\""}};
  EXPECT_EQ(render("%(a)r %(f)r", r), "'q\\\\\"x\\\\y\\t\\x01\\x85\\xa0\\xad\xc3\xa9' '\\'\\\\\"'");
}

TEST(AccessFormat, WidthCountsCharactersNotBytes) {
  Request r;
  r.facts.path_info = "/\xe9";  // one latin-1 byte: two UTF-8 bytes, one character
  EXPECT_EQ(render("[%(U)4s][%(U).1s][%(U)-3s]", r), "[  /\xc3\xa9][/][/\xc3\xa9 ]");
}

struct UserCase {
  std::vector<AccessHeader> headers;
  const char* expected;
};

TEST(AccessFormat, UserFromBasicAuthorizationAsGunicorn) {
  const UserCase cases[] = {
      {{{"Authorization", "Basic dXNlcjpwYXNz"}}, "user"},
      {{{"Authorization", "basic dXNlcjpwYX==garbage"}}, "user"},  // pad sequence ends input
      {{{"Authorization", "Basic dXNlcjpwYX="}}, "-"},             // incorrect padding
      {{{"Authorization", "Basic dXNlcjpwY"}}, "-"},               // 1 more than a multiple of 4
      {{{"Authorization", "Basic dXNl cjpw YXNz"}}, "user"},       // spaces skipped
      {{{"Authorization", "Bearer xyz"}}, "-"},
      {{{"Authorization", "Basic OnBhc3M="}}, "-"},          // ":pass": empty user is '-'
      {{{"Authorization", "Basic /w=="}}, "-"},              // 0xff: not UTF-8
      {{{"Authorization", "Basic w6k6cA=="}}, "\xc3\xa9"},   // "é:p"
      {{{"Authorization", "Basic InEiOnA="}}, "\\\"q\\\""},  // "\"q\":p"
      {{{"Authorization", "Basic"}, {"Authorization", "dXNlcjpwYXNz"}},
       "-"},                                                 // "Basic,..." no space
      {{{"Authorization", "Basicx dXNlcjpwYXNz"}}, "user"},  // startswith('basic')
      {{{"Authorization", "Basic dXNlcg=="}}, "-"},          // "user": no ':'
      {{{"Authorization", "Basic 7aCAOng="}}, "-"},          // a UTF-16 surrogate: not UTF-8
      {{{"Authorization", ""}}, "-"},
      {{}, "-"},
  };
  for (const UserCase& c : cases) {
    Request r;
    r.headers = c.headers;
    EXPECT_EQ(render("%(u)s", r), c.expected)
        << (c.headers.empty() ? "(none)" : std::string(c.headers[0].second));
  }
}

TEST(AccessFormat, RequestTimeAsTimedelta) {
  Request r;
  r.facts.start_usec = kEnd - (90061LL * 1000000 + 5);  // 1 day 1:01:01.000005
  // timedelta.seconds drops the days, as gunicorn's T, M, D and L do.
  EXPECT_EQ(render("%(L)s %(T)s %(M)s %(D)s", r), "3661.000005 3661 3661000 3661000005");
  r.facts.start_usec = kEnd + 10;  // the clock went back: no negative times
  EXPECT_EQ(render("%(L)s %(T)s %(M)s %(D)s", r), "0.000000 0 0 0");
  r.facts.start_usec = kEnd - 999;
  EXPECT_EQ(render("%(L)s %(T)s %(M)s %(D)s", r), "0.000999 0 0 999");
}

TEST(AccessFormat, PercentLiteralsAndNestedKeys) {
  Request r;
  EXPECT_EQ(render("100%% %(s)s%%", r), "100% 200%");
  EXPECT_EQ(render("%(a(b))s", r), "-");
  EXPECT_EQ(render("plain text", r), "plain text");
  EXPECT_EQ(render("", r), "");
}

TEST(AccessFormat, CompileErrors) {
  EXPECT_EQ(compile_error("%(h"), "incomplete format key at index 0");
  EXPECT_EQ(compile_error("ab %(h)s %(a(b)s"), "incomplete format key at index 9");
  EXPECT_EQ(compile_error("%"), "incomplete format");
  EXPECT_EQ(compile_error("x %(h)"), "incomplete format");
  EXPECT_EQ(compile_error("%(h)-5"), "incomplete format");
  EXPECT_EQ(compile_error("%(a)z"), "unsupported format character 'z' (0x7a) at index 4");
  EXPECT_EQ(compile_error("%(s)%"), "unsupported format character '%' (0x25) at index 4");
  EXPECT_EQ(compile_error("%s"), "format requires a mapping key at index 0 (write %(name)s)");
  EXPECT_EQ(compile_error("%(h)s %d"), "format requires a mapping key at index 6 (write %(name)s)");
  EXPECT_EQ(compile_error("%(h)*s"), "* wants int at index 4");
  EXPECT_EQ(compile_error("%(s)d"),
            "%d format: a real number is required, not str (%(s)d) at index 0");
  EXPECT_EQ(compile_error("%({x}i)x"),
            "%x format: a real number is required, not str (%({x}i)x) at index 0");
  EXPECT_EQ(compile_error("%(T)f"),
            "format character 'f' is not supported by webcycle app at index 4");
  EXPECT_EQ(compile_error("%(h)99999s"), "width or precision too large at index 4");
}

TEST(AccessFormat, RenderAppendsToOut) {
  Request r;
  auto f = AccessFormat::compile("%(s)s %(m)s");
  ASSERT_TRUE(f);
  std::string out = "before\n";
  f->render(r.f(), out);
  f->render(r.f(), out);
  EXPECT_EQ(out, "before\n200 GET\n200 GET\n");
  EXPECT_EQ(f->source(), "%(s)s %(m)s");
  EXPECT_FALSE(f->uses_request_headers());
}

TEST(AccessFormat, CopiesRenderAlike) {
  Request r;
  auto f = AccessFormat::compile("a %(m)s b %({x}i)s c");
  ASSERT_TRUE(f);
  AccessFormat copy = *f;
  AccessFormat moved = std::move(*f);
  r.headers = {{"X", "1"}};
  EXPECT_EQ(copy.render(r.f()), "a GET b 1 c\n");
  EXPECT_EQ(moved.render(r.f()), "a GET b 1 c\n");
  EXPECT_EQ(AccessFormat().render(r.f()), "\n");
}

TEST(AccessFormat, RenderDoesNotAllocateOnceOutHasRoom) {
  Request r;
  r.headers = {
      {"Referer", "http://r/"}, {"User-Agent", "curl/8"}, {"Authorization", "Basic dXNlcjpwYXNz"}};
  auto f =
      AccessFormat::compile(std::string(AccessFormat::kDefault) + " %(L)s %({x}i)s %(a)r %(h)20s");
  ASSERT_TRUE(f);
  std::string out;
  out.reserve(4096);
  const char* data = out.data();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    f->render(r.f(), out);
  }
  EXPECT_EQ(out.data(), data);  // no reallocation of `out` (and the renderer owns no buffers)
}

TEST(AccessFormat, ClockIsRealtimeMicroseconds) {
  const int64_t a = access_clock_usec();
  const int64_t now = static_cast<int64_t>(time(nullptr)) * 1000000;
  EXPECT_LT(std::llabs(a - now), 2000000);
}

}  // namespace
}  // namespace wc::app
