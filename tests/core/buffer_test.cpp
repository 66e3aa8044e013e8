#include "core/buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace wc::core {
namespace {

TEST(Buffer, StartsEmptyWithoutStorage) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.readable(), "");
}

TEST(Buffer, AppendConsumeKeepsOrder) {
  Buffer b;
  b.append("GET / HTTP/1.1\r\n");
  b.append("Host: x\r\n");
  EXPECT_EQ(b.readable(), "GET / HTTP/1.1\r\nHost: x\r\n");
  b.consume(4);
  EXPECT_EQ(b.readable(), "/ HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(b.size(), 21u);
}

TEST(Buffer, WritePtrCommit) {
  Buffer b;
  b.reserve(10);
  ASSERT_GE(b.writable(), 10u);
  std::memcpy(b.write_ptr(), "hello", 5);
  b.commit(5);
  EXPECT_EQ(b.readable(), "hello");
  std::memcpy(b.write_ptr(), " you", 4);
  b.commit(4);
  EXPECT_EQ(b.readable(), "hello you");
}

TEST(Buffer, DrainingResetsPositionsSoSpaceIsReused) {
  Buffer b(16);
  b.append("0123456789");
  b.consume(10);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.writable(), 16u);  // back at the start, not 6 left
}

TEST(Buffer, ReserveCompactsBeforeGrowing) {
  Buffer b(16);
  b.append("0123456789abcdef");
  b.consume(12);
  EXPECT_EQ(b.writable(), 0u);
  b.reserve(10);  // 4 unread + 10 fit in 16: compact, no growth
  EXPECT_EQ(b.capacity(), 16u);
  EXPECT_GE(b.writable(), 10u);
  EXPECT_EQ(b.readable(), "cdef");
}

TEST(Buffer, ReserveGrowsAndKeepsContents) {
  Buffer b(8);
  b.append("abcdefgh");
  b.consume(2);
  b.reserve(100);
  EXPECT_GE(b.writable(), 100u);
  EXPECT_EQ(b.readable(), "cdefgh");
  std::string big(5000, 'x');
  b.append(big);
  EXPECT_EQ(b.size(), 6u + 5000u);
  EXPECT_EQ(b.readable().substr(0, 6), "cdefgh");
  EXPECT_EQ(b.readable().substr(6), big);
}

TEST(Buffer, ClearKeepsStorage) {
  Buffer b;
  b.append("xyz");
  size_t cap = b.capacity();
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), cap);
}

TEST(Buffer, ShrinkIfIdleFreesOnlyWhenEmpty) {
  Buffer b(4096);
  b.append("pending");
  b.shrink_if_idle();
  EXPECT_EQ(b.capacity(), 4096u);  // data still unread: kept
  EXPECT_EQ(b.readable(), "pending");
  b.consume(7);
  b.shrink_if_idle(8192);
  EXPECT_EQ(b.capacity(), 4096u);  // under the keep threshold
  b.shrink_if_idle();
  EXPECT_EQ(b.capacity(), 0u);
  b.append("again");  // usable after shrinking
  EXPECT_EQ(b.readable(), "again");
}

TEST(Buffer, MoveTransfersContents) {
  Buffer a;
  a.append("moved");
  Buffer b = std::move(a);
  EXPECT_EQ(b.readable(), "moved");
}

}  // namespace
}  // namespace wc::core
