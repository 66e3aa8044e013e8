// Helpers for web/config tests: a scratch directory holding config files, removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "web/config/web_config.h"

namespace wc::web::config::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wc_config_XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl + "/";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Writes `text` at dir/rel (creating parents) and returns the absolute path.
  std::string write(const std::string& rel, const std::string& text) const {
    std::string full = path_ + rel;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }

 private:
  std::string path_;
};

// Loads `text` as DIR/conf/webcycle.conf with prefix DIR/.
inline Result<std::unique_ptr<WebConfig>> load_text(const TempDir& dir, const std::string& text,
                                                    const std::string& g = "") {
  std::string path = dir.write("conf/webcycle.conf", text);
  LoadOptions o;
  o.conf_file = path;
  o.prefix = dir.path();
  o.g_directives = g;
  return load_config(o);
}

// Error message of loading `text` (empty when it loads).
inline std::string load_error(const TempDir& dir, const std::string& text,
                              const std::string& g = "") {
  auto r = load_text(dir, text, g);
  return r ? std::string() : r.error().message;
}

constexpr const char* kEvents = "events {}\n";

}  // namespace wc::web::config::testing
