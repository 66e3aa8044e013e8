#include "web/error_page.h"

#include "http/status.h"

namespace wc::web {

// The version comes from CMake (project(VERSION)), for every target alike.
std::string_view server_version() noexcept { return WEBCYCLE_VERSION; }

namespace {

// "<hr><center>webcycle/VERSION</center>" and the end of the page, as nginx's tail.
void append_footer(bool server_tokens, std::string& out) {
  out.append("<hr><center>");
  if (server_tokens) {
    out.append("webcycle/");
    out.append(server_version());
  } else {
    out.append("webcycle");
  }
  out.append("</center>\r\n</body>\r\n</html>\r\n");
}

}  // namespace

bool has_builtin_page(int status) noexcept {
  if (status == kPlainHttpToHttps) return true;
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
  if (status == kPlainHttpToHttps) {
    // ngx_http_error_497_page: a 400 page that says why.
    out.append(
        "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS "
        "port</title></head>\r\n"
        "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
        "<center>The plain HTTP request was sent to HTTPS port</center>\r\n");
    append_footer(server_tokens, out);
    return;
  }
  out.append("<html>\r\n<head><title>");
  out.append(code, 3);
  out.push_back(' ');
  out.append(reason);
  out.append("</title></head>\r\n<body>\r\n<center><h1>");
  out.append(code, 3);
  out.push_back(' ');
  out.append(reason);
  out.append("</h1></center>\r\n");
  append_footer(server_tokens, out);
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
