// BodySource: where the DATA frames of one HTTP/2 response come from. ServerSession pulls from
// it as flow control allows, one frame's worth at a time; nothing is read ahead.
//
// Three kinds exist: MemoryBody (bytes already made), FileRangeBody (a file range read with
// pread(2) straight into the frame) and any caller-side producer that can say "nothing yet"
// (kWait) -- the stream then pauses until ServerSession::resume(stream_id).
//
// A source belongs to the caller and must outlive its stream (on_stream_close, or the end of the
// body). Loop thread only.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace wc::http2 {

class BodySource {
 public:
  enum class State : uint8_t {
    kMore,  // bytes copied (maybe 0 when cap is 0); more may follow
    kEnd,   // the bytes copied are the last ones
    kWait,  // nothing to give now: the stream waits for ServerSession::resume
  };
  struct Read {
    size_t bytes = 0;
    State state = State::kMore;
  };
  // Copies at most `cap` bytes into `buf`. Errors (a failed pread) reset the stream
  // (INTERNAL_ERROR): a truncated body is never sent as a whole one.
  [[nodiscard]] virtual Result<Read> read(char* buf, size_t cap) = 0;

 protected:
  ~BodySource() = default;
};

// Bytes in memory, sent as they are.
class MemoryBody final : public BodySource {
 public:
  explicit MemoryBody(std::string bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] Result<Read> read(char* buf, size_t cap) override;

 private:
  std::string bytes_;
  size_t sent_ = 0;
};

// `length` bytes of `fd` from `offset`, read with pread(2); `keep` owns the descriptor.
class FileRangeBody final : public BodySource {
 public:
  FileRangeBody(int fd, off_t offset, uint64_t length, std::shared_ptr<const void> keep = {})
      : fd_(fd), offset_(offset), left_(length), keep_(std::move(keep)) {}
  [[nodiscard]] Result<Read> read(char* buf, size_t cap) override;

 private:
  int fd_;
  off_t offset_;
  uint64_t left_;
  std::shared_ptr<const void> keep_;
};

}  // namespace wc::http2
