// RequestBody: a request body kept for a handler that needs it (proxy_pass), read whole before
// the request goes on (nginx's proxy_request_buffering on): in memory up to
// client_body_buffer_size, then in an unlinked temporary file, so a 100 MiB upload costs the web
// server a file, not memory (nginx's client_body_temp).
//
// Move-only; owned by the connection while the body is read, then by the ProxyRequest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/fd.h"
#include "core/result.h"

namespace wc::web {

class RequestBody {
 public:
  explicit RequestBody(uint64_t memory_limit = 16 * 1024) : memory_limit_(memory_limit) {}

  // Adds bytes. Errors: the temporary file's open/write (the request then gets 500).
  [[nodiscard]] Status append(std::string_view bytes);

  [[nodiscard]] uint64_t size() const noexcept { return size_; }
  [[nodiscard]] bool in_file() const noexcept { return file_.valid(); }
  // In memory (when !in_file()).
  [[nodiscard]] std::string_view memory() const noexcept { return memory_; }
  // The file (when in_file()): size() bytes from offset 0.
  [[nodiscard]] int fd() const noexcept { return file_.get(); }

 private:
  uint64_t memory_limit_;
  uint64_t size_ = 0;
  std::string memory_;
  core::Fd file_;
};

}  // namespace wc::web
