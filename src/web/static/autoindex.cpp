#include "web/static/autoindex.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "http/http_date.h"
#include "http/uri.h"

namespace wc::web::static_files {
namespace {

constexpr size_t kNameLen = 50;  // NGX_HTTP_AUTOINDEX_NAME_LEN
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// ngx_escape_html: < > & " only.
void escape_html(std::string_view in, std::string& out) {
  for (char c : in) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
}

// ngx_escape_json: '"' and '\\' escaped, control bytes as \u00XX.
void escape_json(std::string_view in, std::string& out) {
  for (unsigned char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
}

void html(std::string_view uri, const std::vector<DirEntry>& entries, const AutoindexOptions& o,
          std::string& out) {
  out += "<html>\r\n<head><title>Index of ";
  escape_html(uri, out);
  out += "</title></head>\r\n<body>\r\n<h1>Index of ";
  escape_html(uri, out);
  out += "</h1><hr><pre><a href=\"../\">../</a>\r\n";
  char buf[64];
  for (const DirEntry& e : entries) {
    out += "<a href=\"";
    http::escape_uri(e.name, out, http::Escape::kComponent);
    if (e.dir) out += '/';
    out += "\">";
    // The shown name: at most 50 bytes (nginx counts bytes unless the charset is utf-8), a
    // longer one cut to 47 and "..>"; a directory's slash counts.
    size_t len = e.name.size() + (e.dir ? 1 : 0);
    if (len > kNameLen) {
      escape_html(std::string_view(e.name).substr(0, kNameLen - 3), out);
      out += "..&gt;</a>";
      len = kNameLen;
    } else {
      escape_html(e.name, out);
      if (e.dir) out += '/';
      out += "</a>";
    }
    out.append(kNameLen - len, ' ');
    out += ' ';
    tm t;
    if (o.localtime) {
      localtime_r(&e.mtime, &t);
    } else {
      gmtime_r(&e.mtime, &t);
    }
    std::snprintf(buf, sizeof buf, "%02d-%s-%d %02d:%02d ", t.tm_mday, kMonths[t.tm_mon],
                  t.tm_year + 1900, t.tm_hour, t.tm_min);
    out += buf;
    if (o.exact_size) {
      if (e.dir) {
        out += "                  -";
      } else {
        std::snprintf(buf, sizeof buf, "%19lld", static_cast<long long>(e.size));
        out += buf;
      }
    } else if (e.dir) {
      out += "      -";
    } else {
      // ngx_http_autoindex_html's rounding: halves up, K past 9999 bytes.
      const int64_t n = e.size;
      int64_t size = n;
      char scale = 0;
      constexpr int64_t kG = 1024LL * 1024 * 1024;
      constexpr int64_t kM = 1024LL * 1024;
      if (n > kG - 1) {
        size = n / kG + ((n % kG) > (kG / 2 - 1) ? 1 : 0);
        scale = 'G';
      } else if (n > kM - 1) {
        size = n / kM + ((n % kM) > (kM / 2 - 1) ? 1 : 0);
        scale = 'M';
      } else if (n > 9999) {
        size = n / 1024 + ((n % 1024) > 511 ? 1 : 0);
        scale = 'K';
      }
      if (scale != 0) {
        std::snprintf(buf, sizeof buf, "%6lld%c", static_cast<long long>(size), scale);
      } else {
        std::snprintf(buf, sizeof buf, " %6lld", static_cast<long long>(size));
      }
      out += buf;
    }
    out += "\r\n";
  }
  out += "</pre><hr></body>\r\n</html>\r\n";
}

void json(const std::vector<DirEntry>& entries, std::string& out) {
  out += "[\r\n";
  char date[http::kHttpDateLen];
  for (size_t i = 0; i < entries.size(); ++i) {
    const DirEntry& e = entries[i];
    out += "{ \"name\":\"";
    escape_json(e.name, out);
    out +=
        e.dir ? "\", \"type\":\"directory\", \"mtime\":\"" : "\", \"type\":\"file\", \"mtime\":\"";
    out += http::format_http_date(e.mtime, date);
    out += '"';
    if (!e.dir) {
      out += ", \"size\":";
      out += std::to_string(e.size);
    }
    out += " }";
    if (i + 1 < entries.size()) out += ',';
    out += "\r\n";
  }
  out += ']';
}

void xml(const std::vector<DirEntry>& entries, std::string& out) {
  out += "<?xml version=\"1.0\"?>\r\n<list>\r\n";
  char buf[64];
  for (const DirEntry& e : entries) {
    tm t;
    gmtime_r(&e.mtime, &t);
    std::snprintf(buf, sizeof buf, "%4d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
    out += e.dir ? "<directory mtime=\"" : "<file mtime=\"";
    out += buf;
    out += '"';
    if (!e.dir) {
      out += " size=\"";
      out += std::to_string(e.size);
      out += '"';
    }
    out += '>';
    escape_html(e.name, out);
    out += e.dir ? "</directory>\r\n" : "</file>\r\n";
  }
  out += "</list>\r\n";
}

}  // namespace

void render_autoindex(std::string_view uri, std::vector<DirEntry>& entries,
                      const AutoindexOptions& options, std::string& out) {
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.dir != b.dir) return a.dir;
    return std::strcmp(a.name.c_str(), b.name.c_str()) < 0;
  });
  switch (options.format) {
    case AutoindexFormat::kHtml:
      html(uri, entries, options, out);
      return;
    case AutoindexFormat::kJson:
      json(entries, out);
      return;
    case AutoindexFormat::kJsonp:
      if (options.callback.empty()) {
        json(entries, out);
        return;
      }
      out += "/* callback */\r\n";
      out += options.callback;
      out += '(';
      json(entries, out);
      out += ");";
      return;
    case AutoindexFormat::kXml:
      xml(entries, out);
      return;
  }
}

std::string_view autoindex_content_type(AutoindexFormat format, bool with_callback) noexcept {
  switch (format) {
    case AutoindexFormat::kHtml:
      return "text/html";
    case AutoindexFormat::kJson:
      return "application/json";
    case AutoindexFormat::kJsonp:
      return with_callback ? "application/javascript" : "application/json";
    case AutoindexFormat::kXml:
      return "text/xml; charset=utf-8";
  }
  return "text/html";
}

bool valid_jsonp_callback(std::string_view name) noexcept {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '$';
    if (!ok) return false;
  }
  return true;
}

}  // namespace wc::web::static_files
