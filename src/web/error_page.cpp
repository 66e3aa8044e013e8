#include "web/error_page.h"

#include "http/status.h"

namespace wc::web {

// The version comes from CMake (project(VERSION)), for every target alike.
std::string_view server_version() noexcept { return WEBCYCLE_VERSION; }

bool has_builtin_page(int status) noexcept {
  if (status == 304 || status < 300) return false;
  return !http::reason_phrase(status).empty();
}

void append_builtin_page(int status, bool server_tokens, std::string& out) {
  // Byte for byte nginx's layout (CRLF line ends), with webcycle's name in the footer.
  // nginx's pages use their own titles where they differ from the status line's phrase.
  const std::string_view reason = status == 302   ? std::string_view("Found")
                                  : status == 401 ? std::string_view("Authorization Required")
                                                  : http::reason_phrase(status);
  char code[4] = {char('0' + status / 100 % 10), char('0' + status / 10 % 10),
                  char('0' + status % 10), 0};
  out.append("<html>\r\n<head><title>");
  out.append(code, 3);
  out.push_back(' ');
  out.append(reason);
  out.append("</title></head>\r\n<body>\r\n<center><h1>");
  out.append(code, 3);
  out.push_back(' ');
  out.append(reason);
  out.append("</h1></center>\r\n<hr><center>");
  if (server_tokens) {
    out.append("webcycle/");
    out.append(server_version());
  } else {
    out.append("webcycle");
  }
  out.append("</center>\r\n</body>\r\n</html>\r\n");
}

bool closes_connection(int status) noexcept {
  switch (status) {
    case 400:
    case 408:
    case 413:
    case 414:
    case 431:
    case 500:
    case 501:
    case 505:
      return true;
    default:
      return false;
  }
}

}  // namespace wc::web
