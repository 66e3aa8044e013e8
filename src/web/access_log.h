// AccessLog: the worker's access logs. Every location's `access_log` list is resolved at start-up
// to (writer, compiled format) pairs; each finished request appends one line per target to the
// target file's buffer, and the buffers are written once per loop batch (and on a short timer),
// so a busy worker makes one write() per batch, not one per request. USR1 reopens the files.
// Loop thread only.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/file_writer.h"
#include "core/result.h"
#include "web/config/web_config.h"
#include "web/exchange.h"
#include "web/vars/log_format.h"

namespace wc::web {

class Router;

class AccessLog {
 public:
  // Opens every file named by an access_log and compiles every log_format used. Errors: open's,
  // a format that does not compile.
  [[nodiscard]] Status init(const config::WebConfig& config, Router& router);

  // Appends the lines for a finished request (the targets of its final location).
  void log(const Exchange& ex);
  void flush() { files_.flush_all(); }
  [[nodiscard]] Status reopen() { return files_.reopen_all(); }

 private:
  struct Target {
    core::BufferedFileWriter* writer;
    const vars::LogFormat* format;
  };
  std::unordered_map<const config::LocationConf*, std::vector<Target>> targets_;
  std::unordered_map<const config::LogFormat*, vars::LogFormat> formats_;
  core::FileWriterSet files_;
  Router* router_ = nullptr;
  std::string line_;
};

}  // namespace wc::web
