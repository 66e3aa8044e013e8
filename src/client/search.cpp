#include "client/search.h"

namespace wc::client {

std::string form_encode(std::string_view query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(query.size() * 3);
  for (char ch : query) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::string> search_url(std::string_view url_template, std::string_view query) {
  std::string encoded = form_encode(query);
  std::string out;
  bool filled = false;
  for (size_t i = 0; i < url_template.size(); ++i) {
    if (url_template[i] == '%' && i + 1 < url_template.size()) {
      if (url_template[i + 1] == 's') {
        out += encoded;
        filled = true;
        ++i;
        continue;
      }
      if (url_template[i + 1] == '%') {
        out += "%%";
        ++i;
        continue;
      }
    }
    out += url_template[i];
  }
  if (!filled) return fail("search template \"" + std::string(url_template) + "\" has no %s");
  return out;
}

}  // namespace wc::client
