#include "http2/body_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wc::http2 {

Result<BodySource::Read> MemoryBody::read(char* buf, size_t cap) {
  const size_t n = std::min(cap, bytes_.size() - sent_);
  std::memcpy(buf, bytes_.data() + sent_, n);
  sent_ += n;
  return Read{n, sent_ == bytes_.size() ? State::kEnd : State::kMore};
}

Result<BodySource::Read> FileRangeBody::read(char* buf, size_t cap) {
  const size_t want = static_cast<size_t>(std::min<uint64_t>(cap, left_));
  size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd_, buf + got, want - got, offset_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_fail("pread()");
    }
    if (n == 0) return fail("pread(): the file is shorter than the range sent (truncated?)");
    got += static_cast<size_t>(n);
    offset_ += n;
  }
  left_ -= got;
  return Read{got, left_ == 0 ? State::kEnd : State::kMore};
}

}  // namespace wc::http2
