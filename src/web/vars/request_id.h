// $request_id: 32 lowercase hex characters (128 random bits) per request, as nginx makes them.
// xoshiro256** seeded from getrandom(): fast (no syscall per request) and different per process.
// Create one per worker AFTER fork() (a copy inherited from the master would repeat its ids).
// Single thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace wc::web::vars {

class RequestIdGenerator {
 public:
  static constexpr size_t kLength = 32;

  RequestIdGenerator();                        // seeds from getrandom()
  explicit RequestIdGenerator(uint64_t seed);  // deterministic, for tests

  // Writes kLength hex chars (no NUL) to `out`; returns a view of them.
  std::string_view next(char* out) noexcept;

 private:
  uint64_t next64() noexcept;
  uint64_t s_[4];
};

}  // namespace wc::web::vars
