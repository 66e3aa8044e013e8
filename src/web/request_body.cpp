#include "web/request_body.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace wc::web {

namespace {

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_fail("write() to a client body temporary file");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Status RequestBody::append(std::string_view bytes) {
  if (!file_.valid() && memory_.size() + bytes.size() <= memory_limit_) {
    memory_.append(bytes);
    size_ += bytes.size();
    return {};
  }
  if (!file_.valid()) {
    const char* dir = std::getenv("TMPDIR");
    const std::string path = dir != nullptr && *dir != '\0' ? dir : "/tmp";
    file_ = core::Fd(::open(path.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!file_.valid()) return sys_fail("open() a client body temporary file in \"" + path + "\"");
    if (auto s = write_all(file_.get(), memory_); !s) return s;
    std::string().swap(memory_);
  }
  if (auto s = write_all(file_.get(), bytes); !s) return s;
  size_ += bytes.size();
  return {};
}

}  // namespace wc::web
