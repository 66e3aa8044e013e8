#include "dns/hosts_file.h"

#include <arpa/inet.h>

#include <cstring>

#include "dns/line_fields.h"

namespace wc::dns {

namespace {

using detail::is_blank;
using detail::quoted;

std::vector<std::string_view> fields_of(std::string_view line) {
  return detail::split_fields(line, true);
}

std::string diagnostic(std::string_view file, int line, std::string_view reason) {
  std::string d(file);
  d += ':';
  d += std::to_string(line);
  d += ": ";
  d += reason;
  return d;
}

const std::vector<IpAddress> kNone;

}  // namespace

bool IpAddress::parse(std::string_view text, IpAddress& out) noexcept {
  // inet_pton wants a NUL-terminated string; the longest IPv6 text form is 45 characters.
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return false;
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.v6 = false;
  } else if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.v6 = true;
  } else {
    return false;
  }
  out = a;
  return true;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

size_t HostsFile::AddressHash::operator()(const IpAddress& a) const noexcept {
  // FNV-1a over the bytes in use.
  uint64_t h = a.v6 ? 0xcbf29ce484222325ull : 0x84222325cbf29ce4ull;
  const size_t n = a.v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) {
    h ^= a.bytes[i];
    h *= 0x100000001b3ull;
  }
  return static_cast<size_t>(h);
}

std::string hosts_key(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string key(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return key;
}

HostsFile HostsFile::parse(std::string_view text, std::string_view file) {
  HostsFile hosts;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

    std::vector<std::string_view> fields = fields_of(line);
    if (fields.empty()) continue;  // blank or comment
    if (line.find('\0') != std::string_view::npos) {
      hosts.diagnostics_.push_back(diagnostic(file, line_no, "NUL byte in the line"));
      continue;
    }
    HostsEntry entry;
    entry.line = line_no;
    if (!IpAddress::parse(fields[0], entry.address)) {
      hosts.diagnostics_.push_back(
          diagnostic(file, line_no, "not an IP address: " + quoted(fields[0])));
      continue;
    }
    if (fields.size() == 1) {
      hosts.diagnostics_.push_back(
          diagnostic(file, line_no, "no host name after " + quoted(fields[0])));
      continue;
    }
    for (size_t i = 1; i < fields.size(); ++i) {
      // ".", "a..b", ".a": empty labels, not a host name (and "." would be an empty key).
      if (hosts_key(fields[i]).empty() || fields[i].find("..") != std::string_view::npos ||
          fields[i][0] == '.') {
        hosts.diagnostics_.push_back(
            diagnostic(file, line_no, "not a host name: " + quoted(fields[i])));
        continue;
      }
      entry.names.emplace_back(fields[i]);
    }
    if (entry.names.empty()) continue;  // each bad name already reported

    const size_t index = hosts.entries_.size();
    hosts.by_address_.try_emplace(entry.address, index);
    std::vector<std::string> seen;  // keys already given this address on this line
    for (const std::string& name : entry.names) {
      std::string key = hosts_key(name);
      bool dup = false;
      for (const std::string& s : seen) dup = dup || s == key;
      if (dup) continue;
      seen.push_back(key);
      hosts.by_name_[std::move(key)].push_back(entry.address);
    }
    hosts.entries_.push_back(std::move(entry));
  }
  return hosts;
}

const std::vector<IpAddress>& HostsFile::lookup(std::string_view name) const {
  auto it = by_name_.find(hosts_key(name));
  return it == by_name_.end() ? kNone : it->second;
}

std::vector<IpAddress> HostsFile::lookup(std::string_view name, bool v6) const {
  std::vector<IpAddress> out;
  for (const IpAddress& a : lookup(name)) {
    if (a.v6 == v6) out.push_back(a);
  }
  return out;
}

std::string_view HostsFile::reverse(const IpAddress& address) const {
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return {};
  return entries_[it->second].names.front();
}

}  // namespace wc::dns
