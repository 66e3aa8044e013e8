#include "web/output.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tls/stream.h"

namespace wc::web {

void Output::add_file(FileRange range) {
  if (range.length == 0) return;
  files_.push_back(FileAt{mem_.size(), std::move(range)});
}

uint64_t Output::pending() const noexcept {
  uint64_t n = mem_.size() - mem_sent_;
  for (size_t i = file_head_; i < files_.size(); ++i) n += files_[i].range.length;
  return n;
}

void Output::insert_at(size_t pos, std::string_view text) {
  mem_.insert(pos, text);
  for (size_t i = file_head_; i < files_.size(); ++i) {
    if (files_[i].mem_pos >= pos) files_[i].mem_pos += text.size();
  }
}

void Output::discard() noexcept {
  mem_.clear();
  mem_sent_ = 0;
  files_.clear();
  file_head_ = 0;
}

void Output::file_done() noexcept {
  files_[file_head_].range.keep.reset();  // closes the file unless the cache holds it
  if (++file_head_ == files_.size()) {
    // The last one: the remaining memory bytes keep their positions relative to mem_.
    files_.clear();
    file_head_ = 0;
  }
}

Output::Flush Output::flush(int fd, int& error) {
  for (;;) {
    const bool file_next = file_head_ < files_.size();
    const size_t boundary = file_next ? files_[file_head_].mem_pos : mem_.size();
    if (mem_sent_ < boundary) {
      // MSG_MORE when a file follows: the head and the first file bytes share a segment.
      const int flags = MSG_NOSIGNAL | (file_next ? MSG_MORE : 0);
      ssize_t n = ::send(fd, mem_.data() + mem_sent_, boundary - mem_sent_, flags);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return Flush::kBlocked;
        error = errno;
        return Flush::kError;
      }
      mem_sent_ += static_cast<size_t>(n);
      if (mem_sent_ < boundary) return Flush::kBlocked;
      continue;
    }
    if (file_next) {
      FileRange& r = files_[file_head_].range;
      // sendfile moves at most 0x7ffff000 bytes a call; the loop goes on for larger ranges.
      ssize_t n = ::sendfile(fd, r.fd, &r.offset, r.length);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return Flush::kBlocked;
        error = errno;
        return Flush::kError;
      }
      if (n == 0) {
        // The file shrank under us: what was promised cannot be sent; the connection must close.
        error = EIO;
        return Flush::kError;
      }
      r.length -= static_cast<size_t>(n);
      if (r.length > 0) continue;  // the socket may still take more; the next call says
      file_done();
      continue;
    }
    discard();  // everything sent: keep mem_'s capacity for the next answer
    return Flush::kDone;
  }
}

Output::Flush Output::flush(tls::Stream& tls, int& error) {
  char chunk[16 * 1024];  // file bytes; read again at the same offset if the write must be retried
  for (;;) {
    const bool file_next = file_head_ < files_.size();
    const size_t boundary = file_next ? files_[file_head_].mem_pos : mem_.size();
    const std::string_view mem(mem_.data() + mem_sent_, boundary - mem_sent_);
    if (mem.empty() && !file_next) break;
    size_t file_bytes = 0;
    if (file_next && mem.size() < sizeof chunk) {
      FileRange& r = files_[file_head_].range;
      const size_t want = std::min(sizeof chunk - mem.size(), r.length);
      const ssize_t n = ::pread(r.fd, chunk, want, r.offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // A read error, or the file shrank under us: what was promised cannot be sent.
        error = n < 0 ? errno : EIO;
        return Flush::kError;
      }
      file_bytes = static_cast<size_t>(n);
    }
    const std::string_view pieces[] = {mem, std::string_view(chunk, file_bytes)};
    const tls::IoResult w =
        tls.write_gather(std::span<const std::string_view>(pieces).subspan(mem.empty() ? 1 : 0));
    if (w.wants()) return Flush::kBlocked;
    if (!w.ok()) {
      error = w.status == tls::IoStatus::kEof ? EPIPE : EPROTO;
      return Flush::kError;
    }
    const size_t from_mem = std::min(w.bytes, mem.size());
    mem_sent_ += from_mem;
    if (const size_t from_file = w.bytes - from_mem; from_file > 0) {
      FileRange& r = files_[file_head_].range;
      r.offset += static_cast<off_t>(from_file);
      r.length -= from_file;
      if (r.length == 0) file_done();
    }
  }
  discard();
  return Flush::kDone;
}

Result<size_t> Output::read_into(char* buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    const bool file_next = file_head_ < files_.size();
    const size_t boundary = file_next ? files_[file_head_].mem_pos : mem_.size();
    if (mem_sent_ < boundary) {
      const size_t n = std::min(cap - got, boundary - mem_sent_);
      std::memcpy(buf + got, mem_.data() + mem_sent_, n);
      mem_sent_ += n;
      got += n;
      continue;
    }
    if (file_next) {
      FileRange& r = files_[file_head_].range;
      const ssize_t n = ::pread(r.fd, buf + got, std::min(cap - got, r.length), r.offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return sys_fail("pread()");
      }
      if (n == 0) return fail(EIO, "the file shrank while it was sent");
      r.offset += n;
      r.length -= static_cast<size_t>(n);
      got += static_cast<size_t>(n);
      if (r.length > 0) continue;
      file_done();
      continue;
    }
    discard();
    break;
  }
  return got;
}

}  // namespace wc::web
