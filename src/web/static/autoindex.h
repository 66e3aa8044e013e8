// Directory listings as nginx's autoindex module writes them (html, json, jsonp, xml), byte for
// byte. Pure: the entries in, the page out; reading the directory is the caller's.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace wc::web::static_files {

enum class AutoindexFormat : uint8_t { kHtml, kJson, kJsonp, kXml };

struct DirEntry {
  std::string name;  // as the file system has it (bytes)
  bool dir = false;
  int64_t size = 0;
  time_t mtime = 0;
};

struct AutoindexOptions {
  AutoindexFormat format = AutoindexFormat::kHtml;
  bool exact_size = true;     // autoindex_exact_size
  bool localtime = false;     // autoindex_localtime (html only, as nginx)
  std::string_view callback;  // jsonp: the function name ($arg_callback); empty = plain JSON
};

// Sorts `entries` as nginx does (directories first, then by name, bytewise) and writes the page
// for `uri` ($uri, decoded) into `out`.
void render_autoindex(std::string_view uri, std::vector<DirEntry>& entries,
                      const AutoindexOptions& options, std::string& out);

// The Content-Type nginx sends for each format.
[[nodiscard]] std::string_view autoindex_content_type(AutoindexFormat format,
                                                      bool with_callback) noexcept;

// jsonp callback names nginx accepts (ngx_http_js_valid: letters, digits, '_', '.', '$').
[[nodiscard]] bool valid_jsonp_callback(std::string_view name) noexcept;

}  // namespace wc::web::static_files
