// webcycle: one binary, one command per part of the cycle (SPEC.md "One binary").
// This file only dispatches: each command registers itself from its own file (command.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/command.h"

#ifndef WEBCYCLE_SHARE_DIR
#define WEBCYCLE_SHARE_DIR "/usr/local/share/webcycle/"
#endif

namespace wc::cli {
namespace {

std::vector<Command>& registry() {
  static std::vector<Command> commands;  // filled by static initializers, before main()
  return commands;
}

const Command* find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string usage() {
  std::string text = "usage: webcycle <command> [options]\n\ncommands:\n";
  for (const Command& c : commands()) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size() + 1, 10), ' ');
    text += "  " + name + c.summary + "\n";
  }
  text += "  help CMD  show a command's help\n\n  webcycle --version   print the version\n";
  return text;
}

}  // namespace

const std::vector<Command>& commands() {
  std::vector<Command>& all = registry();
  std::stable_sort(all.begin(), all.end(),
                   [](const Command& a, const Command& b) { return a.order < b.order; });
  return all;
}

CommandRegistration::CommandRegistration(const Command& command) { registry().push_back(command); }

int bad_usage(const char* command, const std::string& message) {
  std::fprintf(stderr, "webcycle: %s (see 'webcycle help %s')\n", message.c_str(), command);
  return 2;
}

// Where `include mime.types;` falls back to when the config's directory has none: the share
// folder beside the running binary (PREFIX/bin/webcycle -> PREFIX/share/webcycle/, so an install
// with any --prefix works), else the configured install path, else the source tree's share/ (a
// binary run from its build folder).
std::string share_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path() / "share" / "webcycle";
    if (fs::exists(beside / "mime.types", ec)) return beside.string() + "/";
  }
  if (fs::exists(fs::path(WEBCYCLE_SHARE_DIR) / "mime.types", ec)) return WEBCYCLE_SHARE_DIR;
  return WEBCYCLE_SOURCE_SHARE_DIR;
}

}  // namespace wc::cli

int main(int argc, char** argv) {
  using namespace wc::cli;
  if (argc < 2) {
    std::fputs(usage().c_str(), stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--version" || name == "-v" || name == "version") {
    std::printf("webcycle %s\n", WEBCYCLE_VERSION);
    return 0;
  }
  if (name == "--help" || name == "-h") {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (name == "help") {
    if (argc < 3) {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    const Command* topic = find_command(argv[2]);
    if (topic == nullptr) {
      std::fprintf(stderr, "webcycle: help: unknown command \"%s\" (see 'webcycle --help')\n",
                   argv[2]);
      return 2;
    }
    std::fputs(topic->usage().c_str(), stdout);
    return 0;
  }
  const Command* command = find_command(name);
  if (command == nullptr) {
    std::fprintf(stderr, "webcycle: unknown command \"%s\" (see 'webcycle --help')\n", argv[1]);
    return 2;
  }
  return command->run(argc - 2, argv + 2);
}
