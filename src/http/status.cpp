#include "http/status.h"

#include <array>
#include <string>

namespace wc::http {

namespace {

// nginx's wording where nginx has one (ngx_http_status_lines: "302 Moved Temporarily",
// "405 Not Allowed", "408 Request Time-out" ...) so heads compare byte for byte; RFC 9110's
// phrase for the codes nginx leaves blank (431, 417, ...).
constexpr std::string_view phrase_of(int s) {
  switch (s) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Time-out";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Requested Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Temporarily Unavailable";
    case 504:
      return "Gateway Time-out";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return {};
  }
}

constexpr int kFirst = 100;
constexpr int kLast = 599;

struct Lines {
  std::array<std::string, kLast - kFirst + 1> line;
  Lines() {
    for (int s = kFirst; s <= kLast; ++s) {
      const std::string_view p = phrase_of(s);
      if (p.empty()) continue;
      std::string& l = line[s - kFirst];
      l = "HTTP/1.1 ";
      l += std::to_string(s);
      l += ' ';
      l += p;
      l += "\r\n";
    }
  }
};

const Lines& lines() {
  static const Lines kLines;  // built once, read-only afterwards: safe across threads
  return kLines;
}

}  // namespace

std::string_view reason_phrase(int status) { return phrase_of(status); }

std::string_view status_line(int status) {
  if (status < kFirst || status > kLast) return {};
  return lines().line[status - kFirst];
}

void append_status_line(int status, std::string& out) {
  const std::string_view l = status_line(status);
  if (!l.empty()) {
    out.append(l);
    return;
  }
  // nginx writes the bare code and a space for codes it has no phrase for.
  out.append("HTTP/1.1 ");
  if (status < 100 || status > 999) status = 500;
  const char digits[3] = {static_cast<char>('0' + status / 100),
                          static_cast<char>('0' + status / 10 % 10),
                          static_cast<char>('0' + status % 10)};
  out.append(digits, 3);
  out.append(" \r\n");
}

}  // namespace wc::http
