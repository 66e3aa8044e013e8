#include "core/buffer.h"

#include <cassert>
#include <cstring>

namespace wc::core {

void Buffer::consume(size_t n) noexcept {
  assert(n <= size());
  read_ += n;
  if (read_ == write_) read_ = write_ = 0;
}

void Buffer::commit(size_t n) noexcept {
  assert(n <= writable());
  write_ += n;
}

void Buffer::reserve(size_t more) {
  if (writable() >= more) return;
  const size_t used = size();
  // Compacting is enough when the unread bytes plus `more` fit the current storage.
  if (data_ && used + more <= capacity_) {
    std::memmove(data_.get(), data_.get() + read_, used);
    read_ = 0;
    write_ = used;
    return;
  }
  size_t new_capacity = capacity_ ? capacity_ * 2 : 0;
  if (new_capacity < used + more) new_capacity = used + more;
  // Uninitialised storage: bytes are always written before they become readable.
  auto fresh = std::make_unique_for_overwrite<char[]>(new_capacity);
  if (used) std::memcpy(fresh.get(), data_.get() + read_, used);
  data_ = std::move(fresh);
  capacity_ = new_capacity;
  read_ = 0;
  write_ = used;
}

void Buffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  reserve(bytes.size());
  std::memcpy(write_ptr(), bytes.data(), bytes.size());
  write_ += bytes.size();
}

void Buffer::shrink_if_idle(size_t keep) noexcept {
  if (!empty() || capacity_ <= keep) return;
  data_.reset();
  capacity_ = 0;
  read_ = write_ = 0;
}

}  // namespace wc::core
