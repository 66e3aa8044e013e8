// Output: what a connection still has to send, in order: bytes in memory, interleaved with file
// ranges that go out with sendfile(2).
//
// The memory part lives in one std::string. A worker lends its warm scratch string to the
// connection it is serving (Worker::lend_output / take_back) so that the steady state allocates
// nothing and an idle keep-alive connection owns no output memory at all; only a connection whose
// peer is slow to read keeps a buffer of its own.
//
// Single-threaded (the worker's loop thread). Flush errors are the socket's (EPIPE, ECONNRESET...).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wc::tls {
class Stream;
}  // namespace wc::tls

namespace wc::web {

struct FileRange {
  int fd = -1;  // borrowed; kept open by `keep`
  off_t offset = 0;
  size_t length = 0;
  std::shared_ptr<const void> keep;  // owner of fd (a cached file, or an Fd of its own)
};

class Output {
 public:
  enum class Flush : uint8_t { kDone, kBlocked, kError };

  // Appends bytes here (the head, small bodies copied from the file cache, error pages).
  [[nodiscard]] std::string& bytes() noexcept { return mem_; }
  // Queues a file range after everything appended so far.
  void add_file(FileRange range);

  [[nodiscard]] bool empty() const noexcept { return mem_sent_ == mem_.size() && files_.empty(); }
  // Bytes not yet sent (memory and files).
  [[nodiscard]] uint64_t pending() const noexcept;

  // Sends as much as the socket takes. kDone: everything is out (the memory part is cleared,
  // keeping its capacity). kBlocked: wait for EPOLLOUT. kError: errno in `error`.
  [[nodiscard]] Flush flush(int fd, int& error);
  // The same over TLS: memory bytes go to SSL_write as they are, file ranges are read with pread
  // (at most a record's worth a call, the first one gathered with the memory bytes before it).
  // kError: errno in `error`, or EPROTO for a TLS failure (tls.error_text() says which).
  [[nodiscard]] Flush flush(tls::Stream& tls, int& error);

  // HTTP/2 (web/h2_connection.h): copies up to `cap` of the next bytes, in the order flush() sends
  // them (file ranges read with pread), into `buf` and counts them as sent. Returns how many
  // (0: nothing queued). Errors: pread's, or a file shorter than its range (EIO).
  [[nodiscard]] Result<size_t> read_into(char* buf, size_t cap);

  // Inserts bytes at `pos` of the memory part (an interim 100 Continue before an answer already
  // queued). `pos` must not have been sent yet.
  void insert_at(size_t pos, std::string_view text);

  // Drops everything queued (connection closing).
  void discard() noexcept;

  // Swaps the memory part with `other` (the worker's scratch); only when empty().
  void swap_storage(std::string& other) noexcept { mem_.swap(other); }

 private:
  // The file range at file_head_ is all sent: release it and move to the next.
  void file_done() noexcept;

  std::string mem_;
  size_t mem_sent_ = 0;
  struct FileAt {
    size_t mem_pos;  // the file's bytes go after mem_[0, mem_pos)
    FileRange range;
  };
  std::vector<FileAt> files_;
  size_t file_head_ = 0;  // index of the first unsent entry of files_
};

}  // namespace wc::web
