// `webcycle browse`: the address bar (SPEC.md "webcycle browse"). This file reads curl's flags
// (the ones SPEC.md names, with curl's long names too) and hands them to client/browse.h.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "client/browse.h"
#include "client/request.h"

namespace {

using wc::cli::bad_usage;

constexpr const char* kBrowseUsage =
    "usage: webcycle browse INPUT... [-v] [-i] [-I] [-f] [-o FILE] [-X METHOD] [-d DATA]\n"
    "                       [-H 'Name: value'] [--max-redirs N] [--connect-timeout S]\n"
    "                       [-m|--max-time S] [--compressed] [--text] [-4|-6]\n"
    "                       [--cacert FILE] [-k|--insecure]\n"
    "                       [--hosts FILE] [--resolv-conf FILE] [--search URL_TEMPLATE]\n"
    "\n"
    "The address bar: INPUT is a URL (http://...), something that looks like one\n"
    "(www.mysite.test, mysite.test/path, localhost:8080, 127.0.0.1, [::1]:8080), which gets\n"
    "http://, or else a search: words (several arguments are joined with spaces) are sent to the\n"
    "search template and the results page is shown as text with its links listed. A leading '?'\n"
    "always searches. Then: the name is looked up (hosts file, then DNS), each address is tried\n"
    "in turn, an HTTP/1.1 request is sent, redirects are followed, and the body is printed as\n"
    "curl prints it.\n"
    "\n"
    "options (curl's meanings):\n"
    "  -v, --verbose          the whole cycle on stderr, each step with its time\n"
    "  -i, --include          print the response heads before the body\n"
    "  -I, --head             send HEAD and print the heads\n"
    "  -f, --fail             no body for a status >= 400, and exit 22\n"
    "  -o, --output FILE      write the output to FILE instead of stdout\n"
    "  -X, --request METHOD   the request method (default GET; POST with -d)\n"
    "  -d, --data DATA        send DATA as a form body (POST, application/x-www-form-\n"
    "                         urlencoded); -d @FILE sends FILE without its line breaks;\n"
    "                         several -d are joined with '&'\n"
    "  -H, --header 'N: V'    add a header ('N:' removes a built-in one, 'N;' sends it empty)\n"
    "  --max-redirs N         follow at most N redirects (default 50; -1 no limit); exit 47\n"
    "  --connect-timeout S    seconds to look up and connect (default 300); exit 28\n"
    "  -m, --max-time S       seconds for the whole browse; exit 28\n"
    "  --compressed           ask for gzip/deflate (Accept-Encoding) and decode the body\n"
    "  --text                 show an HTML page as readable text, links listed at the end\n"
    "  -4, -6                 IPv4 or IPv6 addresses only\n"
    "  --cacert FILE          https: trust the CA certificates in FILE (PEM) instead of the\n"
    "                         system store (/etc/ssl/certs)\n"
    "  -k, --insecure         https: do not verify the server's certificate or name\n"
    "  --hosts FILE           hosts file (default: $WEBCYCLE_HOSTS, else /etc/hosts)\n"
    "  --resolv-conf FILE     resolver settings (default: $WEBCYCLE_RESOLV_CONF, else\n"
    "                         /etc/resolv.conf); 'nameserver ADDR:PORT' names a port\n"
    "  --search TEMPLATE      search URL, %s = the query form-encoded (spaces as '+')\n"
    "                         (default: $WEBCYCLE_SEARCH, else\n"
    "                         http://search.mysite.test/search?q=%s)\n"
    "  -h, --help             this help\n"
    "\n"
    "exit status (curl's): 0 ok, 1 unsupported protocol, 2 bad usage,\n"
    "3 malformed URL, 6 site not found, 7 cannot connect, 8 bad reply, 18 partial body,\n"
    "22 HTTP error with -f, 23 write error, 26 cannot read -d @FILE, 28 timeout,\n"
    "35 TLS handshake failed, 47 too many redirects, 52 empty reply, 55/56 send/receive\n"
    "failure, 60 certificate not trusted or not for the name, 61 bad encoding,\n"
    "77 cannot read the --cacert file.\n";

std::optional<double> parse_seconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0 ||
      v > 86400.0 * 365) {
    return std::nullopt;
  }
  return v;
}

std::optional<long> parse_long(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || v < -1) return std::nullopt;
  return v;
}

// -d @FILE: the file's bytes without CR and LF, as curl's -d reads it ("-" = stdin).
bool read_data_file(const std::string& path, std::string& out) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != '\r' && buf[i] != '\n') out += buf[i];
    }
  }
  bool ok = !std::ferror(f);
  if (f != stdin) std::fclose(f);
  return ok;
}

int browse_command(int argc, char** argv) {
  wc::client::BrowseOptions o;
  std::vector<std::string> words;
  std::vector<std::string> data_parts;
  bool any_data = false;
  bool options_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      words.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kBrowseUsage, stdout);
      return 0;
    }
    // The flag's name and, for flags with a value, the value: "--max-time 5", "--max-time=5",
    // "-o FILE", "-oFILE". Short boolean flags combine: "-vi".
    std::string name;
    std::optional<std::string> attached;
    if (arg.starts_with("--")) {
      size_t eq = arg.find('=');
      name = std::string(arg.substr(0, eq));
      if (eq != std::string_view::npos) attached = std::string(arg.substr(eq + 1));
    } else {
      // Booleans first: "-viI".
      size_t j = 1;
      for (; j < arg.size(); ++j) {
        char c = arg[j];
        if (c == 'v')
          o.verbose = true;
        else if (c == 'i')
          o.include = true;
        else if (c == 'I')
          o.head = true;
        else if (c == 'f')
          o.fail = true;
        else if (c == 'k')
          o.insecure = true;
        else if (c == '4' || c == '6') {
          auto fam = c == '4' ? wc::client::Family::kV4 : wc::client::Family::kV6;
          if (o.family != wc::client::Family::kAny && o.family != fam) {
            return bad_usage("browse", "browse: -4 and -6 together");
          }
          o.family = fam;
        } else
          break;
      }
      if (j == arg.size()) continue;
      name = std::string("-") + arg[j];
      if (j + 1 < arg.size()) attached = std::string(arg.substr(j + 1));
    }
    static const std::vector<std::pair<std::string_view, std::string_view>> kAliases = {
        {"--verbose", "-v"},  {"--include", "-i"}, {"--head", "-I"}, {"--fail", "-f"},
        {"--output", "-o"},   {"--request", "-X"}, {"--data", "-d"}, {"--header", "-H"},
        {"--max-time", "-m"}, {"--ipv4", "-4"},    {"--ipv6", "-6"}, {"--insecure", "-k"},
    };
    for (const auto& [long_name, short_name] : kAliases) {
      if (name == long_name) name = short_name;
    }
    if (name == "-v" || name == "-i" || name == "-I" || name == "-f" || name == "--compressed" ||
        name == "--text" || name == "-4" || name == "-6" || name == "-k") {
      if (attached) return bad_usage("browse", "browse: option \"" + name + "\" takes no value");
      if (name == "-v") o.verbose = true;
      if (name == "-i") o.include = true;
      if (name == "-I") o.head = true;
      if (name == "-f") o.fail = true;
      if (name == "--compressed") o.compressed = true;
      if (name == "--text") o.text = true;
      if (name == "-k") o.insecure = true;
      if (name == "-4" || name == "-6") {
        auto fam = name == "-4" ? wc::client::Family::kV4 : wc::client::Family::kV6;
        if (o.family != wc::client::Family::kAny && o.family != fam) {
          return bad_usage("browse", "browse: -4 and -6 together");
        }
        o.family = fam;
      }
      continue;
    }
    static const std::vector<std::string_view> kWithValue = {
        "-o",
        "-X",
        "-d",
        "-H",
        "-m",
        "--max-redirs",
        "--connect-timeout",
        "--hosts",
        "--resolv-conf",
        "--search",
        "--cacert",
    };
    bool known = false;
    for (std::string_view f : kWithValue) known = known || name == f;
    if (!known) return bad_usage("browse", "browse: unknown option \"" + std::string(arg) + "\"");
    std::string value;
    if (attached) {
      value = *attached;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return bad_usage("browse", "browse: option \"" + name + "\" requires a value");
    }
    if (name == "--cacert") {
      o.cacert = value;
    } else if (name == "-o") {
      if (value.empty()) return bad_usage("browse", "browse: empty value for option \"-o\"");
      o.output = value;
    } else if (name == "-X") {
      bool ok = !value.empty();
      for (char c : value) ok = ok && c > 0x20 && c < 0x7f;
      if (!ok) return bad_usage("browse", "browse: invalid method \"" + value + "\" for -X");
      o.method = value;
    } else if (name == "-d") {
      any_data = true;
      if (value.starts_with('@')) {
        std::string content;
        if (!read_data_file(value.substr(1), content)) {
          std::fprintf(stderr, "webcycle: cannot read data file \"%s\": %s\n",
                       value.substr(1).c_str(), std::strerror(errno));
          return 26;
        }
        data_parts.push_back(std::move(content));
      } else {
        data_parts.push_back(value);
      }
    } else if (name == "-H") {
      if (wc::Status s = wc::client::check_header_arg(value); !s) {
        return bad_usage("browse", "browse: -H: " + s.error().message);
      }
      o.headers.push_back(value);
    } else if (name == "-m" || name == "--connect-timeout") {
      std::optional<double> s = parse_seconds(value);
      if (!s) {
        return bad_usage("browse", "browse: invalid value \"" + value + "\" for option \"" + name +
                                       "\" (seconds)");
      }
      (name == "-m" ? o.max_time_s : o.connect_timeout_s) = *s;
    } else if (name == "--max-redirs") {
      std::optional<long> n = parse_long(value);
      if (!n) {
        return bad_usage("browse", "browse: invalid value \"" + value +
                                       "\" for option \"--max-redirs\" (a number, -1 = no limit)");
      }
      o.max_redirs = *n;
    } else {
      if (value.empty()) {
        return bad_usage("browse", "browse: empty value for option \"" + name + "\"");
      }
      if (name == "--hosts") o.hosts = value;
      if (name == "--resolv-conf") o.resolv_conf = value;
      if (name == "--search") {
        if (value.find("%s") == std::string::npos) {
          return bad_usage("browse", "browse: --search \"" + value + "\" has no %s for the query");
        }
        o.search = value;
      }
    }
  }
  if (words.empty()) return bad_usage("browse", "browse: no INPUT (an address or a search)");
  for (const std::string& w : words) {
    if (!o.input.empty()) o.input += ' ';
    o.input += w;
  }
  if (o.input.find_first_not_of(" \t\r\n") == std::string::npos) {
    return bad_usage("browse", "browse: empty INPUT");
  }
  if (o.head && any_data) {
    // curl: "You can only select one HTTP request method!"
    return bad_usage("browse", "browse: -I and -d together (a HEAD request has no body)");
  }
  if (any_data) {
    std::string joined;
    for (const std::string& part : data_parts) {
      if (!joined.empty()) joined += '&';
      joined += part;
    }
    o.data = std::move(joined);
  }
  return wc::client::run_browse(o);
}

const wc::cli::CommandRegistration kRegistration({
    .name = "browse",
    .summary = "the address bar (a browser for the terminal): look up, fetch, show a page",
    .order = 10,
    .run = browse_command,
    .usage = [] { return std::string(kBrowseUsage); },
});

}  // namespace
