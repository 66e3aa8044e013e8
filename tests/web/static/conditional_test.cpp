#include "web/static/conditional.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace wc::web::static_files {
namespace {

constexpr int64_t kMtime = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::string_view kDate = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr std::string_view kEarlier = "Sun, 06 Nov 1994 08:49:36 GMT";
constexpr std::string_view kLater = "Sun, 06 Nov 1994 08:49:38 GMT";
constexpr std::string_view kEtag = "\"2ebc98a1-400\"";

struct Case {
  const char* what;
  std::optional<std::string_view> if_match, if_unmodified_since, if_none_match, if_modified_since;
  Conditional expected;
  IfModifiedSince mode = IfModifiedSince::exact;
};

using enum Conditional;
const Case kCases[] = {
    {"no headers", {}, {}, {}, {}, proceed},
    // If-None-Match (weak comparison, lists, "*").
    {"INM equal", {}, {}, kEtag, {}, not_modified},
    {"INM weak form of ours", {}, {}, "W/\"2ebc98a1-400\"", {}, not_modified},
    {"INM other", {}, {}, "\"1-1\"", {}, proceed},
    {"INM list, ours second", {}, {}, "\"1-1\", \"2ebc98a1-400\"", {}, not_modified},
    {"INM list with tabs and W/", {}, {}, "\"1-1\",\tW/\"2ebc98a1-400\"\t", {}, not_modified},
    {"INM star", {}, {}, "*", {}, not_modified},
    {"INM prefix of ours is no match", {}, {}, "\"2ebc98a1-40\"", {}, proceed},
    {"INM ours plus junk", {}, {}, "\"2ebc98a1-400\"x", {}, proceed},
    {"INM unquoted", {}, {}, "2ebc98a1-400", {}, proceed},
    // If-Modified-Since: exact by default.
    {"IMS equal", {}, {}, {}, kDate, not_modified},
    {"IMS later (exact)", {}, {}, {}, kLater, proceed},
    {"IMS earlier", {}, {}, {}, kEarlier, proceed},
    {"IMS garbage", {}, {}, {}, "garbage", proceed},
    {"IMS rfc850 equal", {}, {}, {}, "Sunday, 06-Nov-94 08:49:37 GMT", not_modified},
    {"IMS asctime equal", {}, {}, {}, "Sun Nov  6 08:49:37 1994", not_modified},
    {"IMS later (before)", {}, {}, {}, kLater, not_modified, IfModifiedSince::before},
    {"IMS earlier (before)", {}, {}, {}, kEarlier, proceed, IfModifiedSince::before},
    {"IMS equal (off)", {}, {}, {}, kDate, proceed, IfModifiedSince::off},
    // Both: each present one must say "not modified".
    {"INM match, IMS equal", {}, {}, kEtag, kDate, not_modified},
    {"INM match, IMS older", {}, {}, kEtag, kEarlier, proceed},
    {"INM mismatch, IMS equal", {}, {}, "\"1-1\"", kDate, proceed},
    // If-Match (strong comparison) and If-Unmodified-Since -> 412.
    {"IM equal", kEtag, {}, {}, {}, proceed},
    {"IM star", "*", {}, {}, {}, proceed},
    {"IM other", "\"1-1\"", {}, {}, {}, precondition_failed},
    {"IM weak form is not strong", "W/\"2ebc98a1-400\"", {}, {}, {}, precondition_failed},
    {"IM list", "\"1-1\", \"2ebc98a1-400\"", {}, {}, {}, proceed},
    {"IUS equal", {}, kDate, {}, {}, proceed},
    {"IUS later", {}, kLater, {}, {}, proceed},
    {"IUS earlier", {}, kEarlier, {}, {}, precondition_failed},
    {"IUS garbage", {}, "garbage", {}, {}, precondition_failed},
    // 412 wins over 304.
    {"IM fails, INM matches", "\"1-1\"", {}, kEtag, {}, precondition_failed},
    {"IUS fails, IMS equal", {}, kEarlier, {}, kDate, precondition_failed},
    {"IM ok, INM matches", kEtag, {}, kEtag, {}, not_modified},
};

TEST(Conditional, MatchesNginxNotModifiedFilter) {
  for (const Case& c : kCases) {
    ConditionalHeaders h{c.if_match, c.if_unmodified_since, c.if_none_match, c.if_modified_since};
    EXPECT_EQ(evaluate_conditionals(h, kEtag, kMtime, c.mode), c.expected) << c.what;
  }
}

TEST(Conditional, WithoutEtagOrMtime) {
  ConditionalHeaders inm{{}, {}, kEtag, {}};
  EXPECT_EQ(evaluate_conditionals(inm, "", kMtime), Conditional::proceed);
  ConditionalHeaders star{{}, {}, "*", {}};
  EXPECT_EQ(evaluate_conditionals(star, "", kMtime), Conditional::not_modified);
  ConditionalHeaders ims{{}, {}, {}, kDate};
  EXPECT_EQ(evaluate_conditionals(ims, kEtag, -1), Conditional::proceed);
  ConditionalHeaders ius{{}, kLater, {}, {}};
  EXPECT_EQ(evaluate_conditionals(ius, kEtag, -1), Conditional::precondition_failed);
  ConditionalHeaders im{"\"x\"", {}, {}, {}};
  EXPECT_EQ(evaluate_conditionals(im, "", kMtime), Conditional::precondition_failed);
}

}  // namespace
}  // namespace wc::web::static_files
