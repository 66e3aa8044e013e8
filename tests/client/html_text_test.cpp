#include "client/html_text.h"

#include <gtest/gtest.h>

#include <string>

namespace wc::client {
namespace {

std::string text(std::string_view html, std::string_view url = "http://h/dir/page.html") {
  return format_text_page(render_html(html, url));
}

TEST(HtmlText, TitleHeadingsParagraphs) {
  EXPECT_EQ(text("<html><head><title> My  Site </title></head><body><h1>Welcome</h1>"
                 "<p>First   paragraph\nwraps.</p><p>Second.</p><h2>More</h2>text</body></html>"),
            "My Site\n=======\n\n# Welcome\n\nFirst paragraph wraps.\n\nSecond.\n\n## More\n\n"
            "text\n");
}

TEST(HtmlText, LinksAreNumberedAndListedAbsolute) {
  TextPage p = render_html(
      "<p>See <a href=\"/a\">A</a>, <a href='b.html'>B</a> and <a href=\"/a\">A again</a>."
      " <a href=\"javascript:void(0)\">js</a> <a href=\"http://other.test/\">out</a></p>",
      "http://h/dir/page.html");
  EXPECT_EQ(p.body, "See A[1], B[2] and A again[1]. js out[3]\n");
  ASSERT_EQ(p.links.size(), 3u);
  EXPECT_EQ(p.links[0], "http://h/a");
  EXPECT_EQ(p.links[1], "http://h/dir/b.html");
  EXPECT_EQ(p.links[2], "http://other.test/");
  EXPECT_EQ(format_text_page(p),
            "See A[1], B[2] and A again[1]. js out[3]\n\nLinks:\n  [1] http://h/a\n"
            "  [2] http://h/dir/b.html\n  [3] http://other.test/\n");
}

TEST(HtmlText, BaseHrefChangesResolution) {
  TextPage p = render_html("<base href=\"http://cdn.test/x/\"><a href=\"y\">y</a>", "http://h/");
  ASSERT_EQ(p.links.size(), 1u);
  EXPECT_EQ(p.links[0], "http://cdn.test/x/y");
}

TEST(HtmlText, Lists) {
  EXPECT_EQ(text("<ul><li>one</li><li>two<ul><li>deep</li></ul></li><li>three</ul>after"),
            "  * one\n  * two\n    * deep\n  * three\n\nafter\n");
  EXPECT_EQ(text("<ol><li>a<li>b</ol>"), "  1. a\n  2. b\n");
  EXPECT_EQ(text("<ol start=\"5\"><li>a<li>b</ol>"), "  5. a\n  6. b\n");
}

TEST(HtmlText, SearchResultsPage) {
  std::string page =
      "<html><head><title>Search: dns</title></head><body><h1>Results for dns</h1><ol>"
      "<li><a href=\"http://www.mysite.test/dns.html\">How DNS works</a> - www.mysite.test</li>"
      "<li><a href=\"http://app.mysite.test/\">The app</a></li></ol></body></html>";
  EXPECT_EQ(text(page, "http://search.mysite.test/search?q=dns"),
            "Search: dns\n===========\n\n# Results for dns\n\n"
            "  1. How DNS works[1] - www.mysite.test\n  2. The app[2]\n\nLinks:\n"
            "  [1] http://www.mysite.test/dns.html\n  [2] http://app.mysite.test/\n");
}

TEST(HtmlText, PreKeepsWhitespace) {
  EXPECT_EQ(text("<p>x</p><pre>\n  a  b\n    c\n</pre><p>y</p>"), "x\n\n  a  b\n    c\n\ny\n");
}

TEST(HtmlText, LineBreaksAndRules) {
  EXPECT_EQ(text("a<br>b<br/>c"), "a\nb\nc\n");
  EXPECT_EQ(text("a<hr>b"), "a\n----------------------------------------\nb\n");
}

TEST(HtmlText, ScriptStyleAndCommentsDropped) {
  EXPECT_EQ(text("<style>p{color:red}</style><script>if (a < b) { x = '</p>'; }</script>"
                 "<p>shown<!-- hidden <p>no</p> --></p><template><p>no</p></template>"
                 "<svg><text>no</text></svg>end"),
            "shown\n\nend\n");
}

TEST(HtmlText, Entities) {
  EXPECT_EQ(text("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#233; &#xE9; &eacute; &copy; &unknown; "
                 "&amp</p>"),
            "a & b <c> \"d\" \xc3\xa9 \xc3\xa9 \xc3\xa9 \xc2\xa9 &unknown; &amp\n");
  std::string out;
  decode_entities("&#0; &#xD800; &#x110000; &#128512;", out);
  EXPECT_EQ(out, "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xf0\x9f\x98\x80");
}

TEST(HtmlText, ImagesAndForms) {
  EXPECT_EQ(text("<img src=x.png alt=\"A cat\"><img src=y.png>"), "[image: A cat]\n");
  EXPECT_EQ(text("<form><input type=hidden name=t value=1><input name=q>"
                 "<input type=submit value=Go><textarea name=msg>hi</textarea>"
                 "<button>Send</button></form>"),
            "[q: ____] [ Go ] [msg: hi] [Send]\n");
}

TEST(HtmlText, Tables) {
  EXPECT_EQ(text("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"),
            "a | b\n1 | 2\n");
}

TEST(HtmlText, BrokenMarkupStillRenders) {
  // "<d" starts a tag, as in a browser; one never closed swallows the rest (HTML's EOF-in-tag).
  EXPECT_EQ(text("a < b and c<d"), "a < b and c\n");
  EXPECT_EQ(text("1 <2 and 3> 2"), "1 <2 and 3> 2\n");
  EXPECT_EQ(text("<p>unclosed <b>bold"), "unclosed bold\n");
  EXPECT_EQ(text("<a href=\"/x\">never closed"), "never closed[1]\n\nLinks:\n  [1] http://h/x\n");
  EXPECT_EQ(text("<p title=\"a > b\">q</p>"), "q\n");
  EXPECT_EQ(text("<script>never closed"), "");
  EXPECT_EQ(text(""), "");
  EXPECT_EQ(text("plain text"), "plain text\n");
}

TEST(HtmlText, TitleUnderlineCountsCharactersNotBytes) {
  EXPECT_EQ(text("<title>Caf\xc3\xa9</title>"), "Caf\xc3\xa9\n====\n\n");
}

}  // namespace
}  // namespace wc::client
