// `webcycle app`: from the command line to a running master (or an exit code).
#pragma once

#include <span>
#include <string_view>

namespace wc::app {

// args: everything after "app". Returns the process exit code: 0, 1 (cannot start), 2 (bad
// usage), 3 (a worker failed to boot), 4 (the application failed to load).
[[nodiscard]] int app_main(std::span<const std::string_view> args);

}  // namespace wc::app
