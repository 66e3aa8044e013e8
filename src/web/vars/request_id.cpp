#include "web/vars/request_id.h"

#include <sys/random.h>
#include <unistd.h>

#include <ctime>

namespace wc::web::vars {
namespace {

uint64_t splitmix64(uint64_t& x) noexcept {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

}  // namespace

RequestIdGenerator::RequestIdGenerator() {
  uint64_t seed[4] = {};
  size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(seed);
  while (got < sizeof seed) {
    ssize_t n = ::getrandom(bytes + got, sizeof seed - got, 0);
    if (n <= 0) break;  // EINTR or no entropy source: the fallback below still differs per process
    got += static_cast<size_t>(n);
  }
  if (got < sizeof seed) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec +
                 (static_cast<uint64_t>(::getpid()) << 32);
    for (uint64_t& s : seed) s ^= splitmix64(x);
  }
  uint64_t x = seed[0];
  for (int i = 0; i < 4; ++i) s_[i] = seed[i] ^ splitmix64(x);  // never all zero in practice
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

RequestIdGenerator::RequestIdGenerator(uint64_t seed) {
  for (uint64_t& s : s_) s = splitmix64(seed);
}

// xoshiro256** (Blackman & Vigna).
uint64_t RequestIdGenerator::next64() noexcept {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::string_view RequestIdGenerator::next(char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int half = 0; half < 2; ++half) {
    uint64_t v = next64();
    for (int i = 0; i < 16; ++i) {
      out[half * 16 + i] = kHex[(v >> (60 - 4 * i)) & 0xf];
    }
  }
  return {out, kLength};
}

}  // namespace wc::web::vars
