// Result types for everything fallible on the request path: no exceptions there (DEVELOPERS.md).
// An Error carries an errno value where one exists (0 otherwise) and a message meant for a log line.
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <utility>

namespace wc {

struct Error {
  int code = 0;         // errno value, or 0 when the failure is not a system call's
  std::string message;  // human-readable, without a trailing newline
};

template <class T>
using Result = std::expected<T, Error>;

// Status: a Result with no value.
using Status = std::expected<void, Error>;

// fail("bad thing") / fail(errno, "open() \"/x\" failed") build the unexpected side.
[[nodiscard]] inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{0, std::move(message)});
}
[[nodiscard]] inline std::unexpected<Error> fail(int code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}
// sys_fail("open() \"/x\"") -> "open() \"/x\" failed (2: No such file or directory)", nginx's wording.
[[nodiscard]] inline std::unexpected<Error> sys_fail(std::string what, int err = errno) {
  what += " failed (";
  what += std::to_string(err);
  what += ": ";
  what += std::strerror(err);
  what += ")";
  return std::unexpected<Error>(Error{err, std::move(what)});
}

}  // namespace wc
