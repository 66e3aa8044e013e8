#include "core/io.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace wc::core {

namespace {

constexpr size_t kDefaultReadSpace = 4096;

IoResult from_errno(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return {IoStatus::would_block, 0, 0};
  return {IoStatus::error, 0, err};
}

}  // namespace

IoResult read_some(int fd, std::span<char> into) {
  for (;;) {
    ssize_t n = ::read(fd, into.data(), into.size());
    if (n > 0) return {IoStatus::ok, static_cast<size_t>(n), 0};
    if (n == 0) return {into.empty() ? IoStatus::ok : IoStatus::eof, 0, 0};
    if (errno != EINTR) return from_errno(errno);
  }
}

IoResult read_into(int fd, Buffer& buffer, size_t min_space) {
  // Never offer read() zero bytes: that returns 0, which would look like data-less success.
  if (buffer.writable() < min_space || buffer.writable() == 0) {
    buffer.reserve(min_space != 0 ? min_space : kDefaultReadSpace);
  }
  IoResult r = read_some(fd, {buffer.write_ptr(), buffer.writable()});
  if (r.ok()) buffer.commit(r.bytes);
  return r;
}

IoResult write_some(int fd, std::string_view data) {
  for (;;) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n >= 0) return {IoStatus::ok, static_cast<size_t>(n), 0};
    if (errno != EINTR) return from_errno(errno);
  }
}

IoResult writev_some(int fd, std::span<const iovec> spans) {
  const int count = spans.size() > IOV_MAX ? IOV_MAX : static_cast<int>(spans.size());
  for (;;) {
    ssize_t n = ::writev(fd, spans.data(), count);
    if (n >= 0) return {IoStatus::ok, static_cast<size_t>(n), 0};
    if (errno != EINTR) return from_errno(errno);
  }
}

std::span<iovec> advance_iovecs(std::span<iovec> parts, size_t bytes) noexcept {
  size_t i = 0;
  while (i < parts.size() && bytes >= parts[i].iov_len) {
    bytes -= parts[i].iov_len;
    ++i;
  }
  if (i < parts.size() && bytes > 0) {
    parts[i].iov_base = static_cast<char*>(parts[i].iov_base) + bytes;
    parts[i].iov_len -= bytes;
  }
  return parts.subspan(i);
}

IoResult sendfile_some(int out_fd, int file_fd, off_t& offset, size_t count) {
  for (;;) {
    ssize_t n = ::sendfile(out_fd, file_fd, &offset, count);
    if (n >= 0) return {IoStatus::ok, static_cast<size_t>(n), 0};
    if (errno != EINTR) return from_errno(errno);
  }
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_fail("open() \"" + path + "\"");
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return sys_fail("read() \"" + path + "\"", err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace wc::core
