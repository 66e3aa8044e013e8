// Helpers for tests that need files: a fresh temp directory and whole-file reads.
#pragma once

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>

namespace wc::core::testing {

inline std::string make_temp_dir() {
  char tmpl[] = "/tmp/wc-core-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace wc::core::testing
