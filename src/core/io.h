// Thin non-blocking I/O wrappers. Each makes ONE system call (retrying only on EINTR) and maps
// EAGAIN/EWOULDBLOCK to IoStatus::would_block, so callers on an edge-triggered loop can tell
// "drained, wait for the next event" from a failure. Errors carry errno in `error`; `EPIPE` and
// `ECONNRESET` are ordinary peer behaviour, not bugs.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/buffer.h"
#include "core/result.h"

namespace wc::core {

enum class IoStatus : unsigned char {
  ok,           // `bytes` moved (> 0)
  would_block,  // nothing moved; wait for readiness
  eof,          // read side only: the peer closed its end (read returned 0)
  error,        // `error` holds errno
};

struct IoResult {
  IoStatus status = IoStatus::ok;
  size_t bytes = 0;
  int error = 0;

  [[nodiscard]] bool ok() const noexcept { return status == IoStatus::ok; }
  [[nodiscard]] bool would_block() const noexcept { return status == IoStatus::would_block; }
};

// Reads into `buffer`'s writable space, first reserving `min_space` if less is writable (with
// min_space 0, whatever is writable, or 4 KiB if nothing is). A result with bytes == the space
// offered means more may be waiting: read again before waiting.
[[nodiscard]] IoResult read_into(int fd, Buffer& buffer, size_t min_space = 16384);
// Reads into a caller-supplied span.
[[nodiscard]] IoResult read_some(int fd, std::span<char> into);
// write() of one span; short writes are ok with bytes < data.size().
[[nodiscard]] IoResult write_some(int fd, std::string_view data);
// writev() of up to IOV_MAX spans; short writes are ok with bytes < the total.
[[nodiscard]] IoResult writev_some(int fd, std::span<const iovec> spans);
// Moves `bytes` of `parts` past completed spans: trims and advances the first partial span, and
// returns the remaining spans (a sub-span of `parts`, which it edits in place).
[[nodiscard]] std::span<iovec> advance_iovecs(std::span<iovec> parts, size_t bytes) noexcept;
// sendfile() from `file_fd` at `offset` (advanced by the bytes sent) to `out_fd`, up to `count`.
[[nodiscard]] IoResult sendfile_some(int out_fd, int file_fd, off_t& offset, size_t count);

// A whole (small) file read at once, blocking: configuration, zone and password files. Errors
// read as nginx words them: `open() "/x" failed (2: No such file or directory)`; code = errno.
[[nodiscard]] Result<std::string> read_file(const std::string& path);

}  // namespace wc::core
