// Buffer: one contiguous, growable byte buffer with a read position and a write position.
//   [consumed | readable() | writable()]
// Reads from a socket go to write_ptr()/commit(); the parser looks at readable() and consume()s.
// Storage is allocated lazily and can be dropped when empty (shrink_if_idle), so an idle
// keep-alive connection holds no buffer memory. Single-threaded; move-only.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace wc::core {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t initial_capacity) { reserve(initial_capacity); }
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  // The unread bytes. Invalidated by reserve()/append()/shrink_if_idle().
  [[nodiscard]] std::string_view readable() const noexcept {
    return {data_.get() + read_, write_ - read_};
  }
  [[nodiscard]] size_t size() const noexcept { return write_ - read_; }
  [[nodiscard]] bool empty() const noexcept { return write_ == read_; }
  [[nodiscard]] size_t capacity() const noexcept { return capacity_; }

  // Marks `n` readable bytes as read (n <= size()). Resets both positions when it empties the
  // buffer, so a drained buffer is reused from its start without copying.
  void consume(size_t n) noexcept;

  // Where the next bytes go, and how many fit without reserve().
  [[nodiscard]] char* write_ptr() noexcept { return data_.get() + write_; }
  [[nodiscard]] size_t writable() const noexcept { return capacity_ - write_; }
  // Makes writable() >= more: first by moving the unread bytes to the front, then by growing
  // (at least doubling). Pointers into the buffer are invalidated.
  void reserve(size_t more);
  // Marks `n` bytes written at write_ptr() as readable (n <= writable()).
  void commit(size_t n) noexcept;

  void append(std::string_view bytes);
  // Forgets the contents; keeps the storage.
  void clear() noexcept { read_ = write_ = 0; }
  // If empty and holding more than `keep` bytes of storage, frees it (the next reserve()
  // allocates again). Call on a connection going idle.
  void shrink_if_idle(size_t keep = 0) noexcept;

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t read_ = 0;
  size_t write_ = 0;
};

}  // namespace wc::core
