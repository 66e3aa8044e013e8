#include "web/vars/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wc::web::vars {
namespace {

bool lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(RequestId, ThirtyTwoLowercaseHexAndUnique) {
  RequestIdGenerator gen;
  std::set<std::string> seen;
  char buf[RequestIdGenerator::kLength];
  for (int i = 0; i < 10000; ++i) {
    std::string_view id = gen.next(buf);
    ASSERT_EQ(id.size(), 32u);
    ASSERT_TRUE(lower_hex(id)) << id;
    seen.emplace(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(RequestId, SeededIsDeterministicAndRandomSeedsDiffer) {
  char a[32], b[32];
  RequestIdGenerator s1(42), s2(42);
  EXPECT_EQ(s1.next(a), s2.next(b));
  RequestIdGenerator r1, r2;
  EXPECT_NE(r1.next(a), r2.next(b));
}

}  // namespace
}  // namespace wc::web::vars
