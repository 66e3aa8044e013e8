// The commands of the one binary (SPEC.md "One binary"). Each command's file in src/cli/ defines
// its flag parsing and registers itself with a static CommandRegistration, so that main.cpp only
// dispatches and a new command is a new file, not an edit of a shared list. The files are compiled
// straight into the executable (not a static library), so their registrations are never dropped
// by the linker.
#pragma once

#include <string>
#include <vector>

namespace wc::cli {

struct Command {
  const char* name;     // "web"
  const char* summary;  // one line for `webcycle --help`
  int order;            // place in that list (the order of the cycle: browse, resolve, dns, ...)
  // argv without "webcycle" and the command's name. Returns the process's exit code.
  int (*run)(int argc, char** argv);
  // The full `webcycle help NAME` / `NAME --help` text.
  std::string (*usage)();
};

// Every registered command, sorted by `order`.
[[nodiscard]] const std::vector<Command>& commands();

struct CommandRegistration {
  explicit CommandRegistration(const Command& command);
};

// One line on stderr, "webcycle: MESSAGE (see 'webcycle help COMMAND')", and exit code 2: what
// every command answers to a bad flag or value (SPEC.md).
int bad_usage(const char* command, const std::string& message);

// PREFIX/share/webcycle/ of the running binary (mime.types, the demo stack), with a trailing '/':
// beside the binary (PREFIX/bin/webcycle), else the configured install path, else the source
// tree's share/ (a binary run from its build folder).
[[nodiscard]] std::string share_dir();

}  // namespace wc::cli
