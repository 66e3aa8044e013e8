#include "dns/resolv_conf.h"

#include <cstdint>

#include "dns/line_fields.h"

namespace wc::dns {

namespace {

using detail::is_blank;
using detail::quoted;

std::vector<std::string_view> words_of(std::string_view s) {
  return detail::split_fields(s, false);
}

// Decimal digits only, saturating at INT32_MAX; false when empty or not all digits.
bool parse_uint(std::string_view s, int& out) noexcept {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
    if (v > INT32_MAX) v = INT32_MAX;
  }
  out = static_cast<int>(v);
  return true;
}

class Reporter {
 public:
  Reporter(std::vector<std::string>& out, std::string_view file) : out_(out), file_(file) {}
  void operator()(int line, std::string_view reason) {
    std::string d(file_);
    d += ':';
    d += std::to_string(line);
    d += ": ";
    d += reason;
    out_.push_back(std::move(d));
  }

 private:
  std::vector<std::string>& out_;
  std::string_view file_;
};

// A domain for the search list: trailing dot removed ("." becomes "", the root), empty labels
// refused.
bool domain_of(std::string_view word, std::string& out) {
  if (word == ".") {
    out.clear();
    return true;
  }
  if (word.front() == '.' || word.find("..") != std::string_view::npos) return false;
  if (word.back() == '.') word.remove_suffix(1);
  out.assign(word);
  return true;
}

}  // namespace

std::string NameServer::to_string() const {
  std::string out;
  if (address.v6) out += '[';
  out += address.to_string();
  if (address.v6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

bool parse_nameserver(std::string_view text, NameServer& out) noexcept {
  NameServer ns;
  std::string_view addr = text;
  std::string_view port;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    addr = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
    if (!IpAddress::parse(addr, ns.address) || !ns.address.v6) return false;
  } else if (IpAddress::parse(text, ns.address)) {
    // A bare address, IPv6 included ("::1" is not "::" port 1).
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
    has_port = true;
    // Only IPv4 takes a bare ":PORT"; IPv6 needs the brackets.
    if (!IpAddress::parse(addr, ns.address) || ns.address.v6) return false;
  }
  if (has_port) {
    int p = 0;
    if (!parse_uint(port, p) || p < 1 || p > 65535 || port.size() > 5) return false;
    ns.port = static_cast<uint16_t>(p);
  }
  out = ns;
  return true;
}

ResolvConf ResolvConf::parse(std::string_view text, std::string_view file) {
  ResolvConf conf;
  Reporter report(conf.diagnostics, file);
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

    if (!line.empty() && (line.front() == '#' || line.front() == ';')) continue;
    std::vector<std::string_view> words = words_of(line);
    if (words.empty()) continue;
    if (line.find('\0') != std::string_view::npos) {
      report(line_no, "NUL byte in the line");
      continue;
    }
    // glibc matches the keyword at the start of the line; leading blanks make it unknown there.
    const std::string_view keyword = words[0];
    if (is_blank(line.front())) {
      report(line_no, "unknown keyword " + quoted(keyword) + " (leading blank)");
      continue;
    }
    std::vector<std::string_view> args(words.begin() + 1, words.end());

    if (keyword == "nameserver") {
      if (args.empty()) {
        report(line_no, "nameserver without an address");
        continue;
      }
      NameServer ns;
      if (!parse_nameserver(args[0], ns)) {
        report(line_no, "not a nameserver address: " + quoted(args[0]));
        continue;
      }
      if (conf.nameservers.size() >= kMaxNameServers) {
        report(line_no, "more than 3 nameservers: " + quoted(args[0]) + " ignored");
        continue;
      }
      conf.nameservers.push_back(ns);
    } else if (keyword == "domain" || keyword == "search") {
      if (args.empty()) {
        report(line_no, std::string(keyword) + " without a domain");
        continue;
      }
      if (keyword == "domain" && args.size() > 1) {
        report(line_no, "domain takes one name: " + quoted(args[1]) + " and after ignored");
        args.resize(1);
      }
      std::vector<std::string> list;
      size_t bytes = 0;
      for (std::string_view word : args) {
        std::string d;
        if (!domain_of(word, d)) {
          report(line_no, "not a domain: " + quoted(word));
          continue;
        }
        if (list.size() == kMaxSearchDomains) {
          report(line_no, "more than 6 search domains: " + quoted(word) + " and after ignored");
          break;
        }
        if (bytes + d.size() + 1 > kMaxSearchChars) {
          report(line_no,
                 "search list longer than 256 characters: " + quoted(word) + " and after ignored");
          break;
        }
        bytes += d.size() + 1;
        list.push_back(std::move(d));
      }
      if (list.empty()) continue;  // every domain reported; the previous list stands
      conf.search = std::move(list);
    } else if (keyword == "options") {
      for (std::string_view opt : args) {
        int* target = nullptr;
        int cap = 0;
        std::string_view value;
        if (opt.starts_with("ndots:")) {
          target = &conf.ndots, cap = kMaxNdots, value = opt.substr(6);
        } else if (opt.starts_with("timeout:")) {
          target = &conf.timeout, cap = kMaxTimeout, value = opt.substr(8);
        } else if (opt.starts_with("attempts:")) {
          target = &conf.attempts, cap = kMaxAttempts, value = opt.substr(9);
        } else if (opt == "rotate") {
          conf.rotate = true;
          continue;
        } else {
          continue;  // glibc's other options (edns0, single-request, ...) and unknown ones
        }
        int v = 0;
        if (!parse_uint(value, v)) {
          report(line_no, "not a number in option " + quoted(opt));
          continue;
        }
        *target = v > cap ? cap : v;
      }
    } else if (keyword == "sortlist") {
      // glibc's; webcycle orders addresses as the server gave them.
    } else {
      report(line_no, "unknown keyword " + quoted(keyword));
    }
  }
  if (conf.nameservers.empty()) {
    NameServer local;
    local.address.bytes = {127, 0, 0, 1};
    conf.nameservers.push_back(local);
    conf.nameservers_defaulted = true;
  }
  return conf;
}

std::vector<std::string> search_names(std::string_view name, const ResolvConf& conf) {
  std::vector<std::string> out;
  if (name.empty() || name == ".") return out;
  if (name.back() == '.') {
    out.emplace_back(name.substr(0, name.size() - 1));
    return out;
  }
  int dots = 0;
  for (char c : name) dots += c == '.';
  const bool as_is_first = dots >= conf.ndots;
  if (as_is_first) out.emplace_back(name);
  // A name is asked once even when the list would give it twice ("search a a", or the root ".").
  auto add = [&out](std::string n) {
    for (const std::string& seen : out) {
      if (seen == n) return;
    }
    out.push_back(std::move(n));
  };
  for (const std::string& domain : conf.search) {
    std::string n(name);
    if (!domain.empty()) {
      n += '.';
      n += domain;
    }
    add(std::move(n));
  }
  if (!as_is_first) add(std::string(name));
  return out;
}

}  // namespace wc::dns
