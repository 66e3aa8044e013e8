// Shared vocabulary of src/dns (RFC 1035, 3596, 2782, 6891): record types, classes, and a
// resource record as the parsers produce it and the message writer consumes it.
//
// Names are kept in WIRE form without compression: length-prefixed labels ending with the root's
// zero byte ("\3www\6mysite\4test\0"), case preserved as written (compare with
// name_equal(), which is ASCII case-insensitive as RFC 4343 says). RDATA is kept in wire form
// too, with any names in it uncompressed, so a record can be written into any message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wc::dns {

enum class Type : uint16_t {
  kA = 1,
  kNS = 2,
  kCNAME = 5,
  kSOA = 6,
  kPTR = 12,
  kMX = 15,
  kTXT = 16,
  kAAAA = 28,
  kSRV = 33,
  kOPT = 41,
  kANY = 255,
};

inline constexpr uint16_t kClassIN = 1;

struct Record {
  std::string name;  // owner, wire form (uncompressed)
  Type type = Type::kA;
  uint16_t klass = kClassIN;
  uint32_t ttl = 0;
  std::string rdata;  // wire form, names inside uncompressed
};

// ASCII case-insensitive comparison of two wire-form names.
[[nodiscard]] bool name_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace wc::dns
