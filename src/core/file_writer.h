// BufferedFileWriter: append-only log file with a write buffer (access logs).
// append() copies a complete line into the buffer; the buffer is written with ONE write() when the
// next line would not fit, and on flush(). The web worker flushes from a loop tick hook (once per
// batch) and from a timer, so lines reach the file promptly while a busy worker still makes one
// write() per batch. Lines are never split across writes, so several processes appending to the
// same file (O_APPEND) never interleave partial lines.
//
// Failure policy: a failed write (ENOSPC, EBADF, EIO...) is reported once through error_log() at
// alert and the data is dropped (the buffer never grows past its capacity); the next successful
// write re-arms the report. A writer never opened (`access_log off`) accepts and drops nothing —
// callers should not call append() on it; is_open() tells.
//
// Single-threaded. FileWriterSet shares one writer (one fd, one buffer) per path, as nginx shares
// an open file among every access_log naming it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/buffer.h"
#include "core/fd.h"
#include "core/result.h"

namespace wc::core {

class BufferedFileWriter {
 public:
  static constexpr size_t kDefaultBufferSize = 64 * 1024;

  explicit BufferedFileWriter(size_t buffer_size = kDefaultBufferSize);
  ~BufferedFileWriter();  // flushes
  BufferedFileWriter(const BufferedFileWriter&) = delete;
  BufferedFileWriter& operator=(const BufferedFileWriter&) = delete;

  // Opens `path` O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644 (flushing any previous file first).
  // Errors: `open() "/x/access.log" failed (2: No such file or directory)`.
  [[nodiscard]] Status open(const std::string& path);
  // Writes to a duplicate of an already open descriptor (e.g. stdout for "-"); reopen() then keeps
  // it. Errors: dup's.
  [[nodiscard]] Status open_fd(int fd);
  // Flushes, then reopens the same path (SIGUSR1). If the open fails the old fd is kept and the
  // error returned (the caller logs it).
  [[nodiscard]] Status reopen();
  [[nodiscard]] bool is_open() const noexcept { return file_.valid(); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Buffers `line` (include its trailing newline). A line larger than the buffer is written
  // directly after flushing what is buffered.
  void append(std::string_view line);
  // Writes what is buffered, if anything. Returns false if the data had to be dropped.
  bool flush();
  [[nodiscard]] size_t buffered() const noexcept { return buffer_.size(); }

 private:
  bool write_all(std::string_view data);
  Fd file_;
  std::string path_;
  Buffer buffer_;
  size_t buffer_size_;
  bool failure_reported_ = false;
};

// One BufferedFileWriter per distinct path; pointers stay valid for the set's lifetime.
class FileWriterSet {
 public:
  // The writer for `path`, opening it on first use. Errors: open's.
  [[nodiscard]] Result<BufferedFileWriter*> get(
      const std::string& path, size_t buffer_size = BufferedFileWriter::kDefaultBufferSize);
  void flush_all();
  // Reopens every file; failures are logged through error_log() and the first one returned.
  [[nodiscard]] Status reopen_all();
  [[nodiscard]] size_t size() const noexcept { return writers_.size(); }

 private:
  std::vector<std::unique_ptr<BufferedFileWriter>> writers_;
};

}  // namespace wc::core
