#include "core/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/error_log.h"

namespace wc::core {

namespace {

Result<Fd> open_append(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return sys_fail("open() \"" + path + "\"");
  return Fd(fd);
}

}  // namespace

BufferedFileWriter::BufferedFileWriter(size_t buffer_size) : buffer_size_(buffer_size) {}

BufferedFileWriter::~BufferedFileWriter() { flush(); }

Status BufferedFileWriter::open(const std::string& path) {
  auto fd = open_append(path);
  if (!fd) return std::unexpected(fd.error());
  flush();
  file_ = std::move(*fd);
  path_ = path;
  failure_reported_ = false;
  return {};
}

Status BufferedFileWriter::open_fd(int fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return sys_fail("dup()");
  flush();
  file_ = Fd(copy);
  path_.clear();
  failure_reported_ = false;
  return {};
}

Status BufferedFileWriter::reopen() {
  if (path_.empty()) return {};
  flush();
  auto fd = open_append(path_);
  if (!fd) return std::unexpected(fd.error());
  file_ = std::move(*fd);
  failure_reported_ = false;
  return {};
}

void BufferedFileWriter::append(std::string_view line) {
  if (!file_.valid() || line.empty()) return;
  if (buffer_.size() + line.size() > buffer_size_) {
    flush();
    if (line.size() > buffer_size_) {
      write_all(line);
      return;
    }
  }
  if (buffer_.capacity() < buffer_size_) buffer_.reserve(buffer_size_);
  buffer_.append(line);
}

bool BufferedFileWriter::flush() {
  if (buffer_.empty()) return true;
  const bool ok = write_all(buffer_.readable());
  buffer_.clear();  // on failure the data is dropped, never accumulated
  return ok;
}

bool BufferedFileWriter::write_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(file_.get(), data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : ENOSPC;
    if (!failure_reported_) {
      failure_reported_ = true;
      error_log().logf(LogLevel::alert, 0, "write() to \"%s\" failed (%d: %s), log data dropped",
                       path_.c_str(), err, std::strerror(err));
    }
    return false;
  }
  failure_reported_ = false;
  return true;
}

Result<BufferedFileWriter*> FileWriterSet::get(const std::string& path, size_t buffer_size) {
  for (auto& w : writers_) {
    if (w->path() == path) return w.get();
  }
  auto writer = std::make_unique<BufferedFileWriter>(buffer_size);
  if (auto s = writer->open(path); !s) return std::unexpected(s.error());
  writers_.push_back(std::move(writer));
  return writers_.back().get();
}

void FileWriterSet::flush_all() {
  for (auto& w : writers_) w->flush();
}

Status FileWriterSet::reopen_all() {
  Status first;
  for (auto& w : writers_) {
    if (auto s = w->reopen(); !s) {
      error_log().log(LogLevel::alert, 0, s.error().message);
      if (first) first = s;
    }
  }
  return first;
}

}  // namespace wc::core
