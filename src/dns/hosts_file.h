// The hosts file (hosts(5)) as glibc's nss_files reads it: "ADDR NAME [ALIAS...]" a line, '#' to
// the end of the line a comment, fields split on spaces and tabs. Pure: the text and the file's
// name (for diagnostics) in, the entries and a diagnostic for every line skipped out; no I/O.
//
// Differences from glibc, on purpose: a line glibc skips silently (an address that is not one, an
// address with no name) is reported as "FILE:LINE: reason", because a hosts file that does not say
// what the user thinks it says is the first thing to look at when a site is "not found" (SPEC.md:
// the seed's own "582.33.96.77 www.mysite.com" must be reported). A trailing dot on a name is
// ignored on both sides ("www.mysite.test." in the file answers "www.mysite.test" and back), where
// glibc compares the strings as they are.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wc::dns {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first 4 bytes). Kept binary so
// that "::1" and "0:0::1" are the same address and a resolver can copy it into a sockaddr as is.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // inet_pton's rules: IPv4 is exactly four decimal parts 0-255 with no leading zeros (so
  // "582.33.96.77", "127.1" and "010.0.0.1" are not addresses); IPv6 as RFC 4291 writes it,
  // without a "%zone" suffix. Leading or trailing spaces are not allowed.
  [[nodiscard]] static bool parse(std::string_view text, IpAddress& out) noexcept;
  // inet_ntop's form ("10.0.0.1", "::1", "2001:db8::1").
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct HostsEntry {
  IpAddress address;
  std::vector<std::string> names;  // canonical name first, then the aliases, as written
  int line = 0;                    // 1-based line in the file
};

class HostsFile {
 public:
  HostsFile() = default;

  // Parses `text`; `file` only names the file in diagnostics. Never fails: every line that is not
  // an entry, a comment or blank is skipped and reported. Builds the lookup maps once, here.
  [[nodiscard]] static HostsFile parse(std::string_view text, std::string_view file);

  // Every address of `name` (ASCII case-insensitive, a trailing dot ignored) in file order; names
  // on several lines accumulate, as glibc's getaddrinfo gives them (every matching line, not only
  // the first as the old gethostbyname did). A line naming the same address twice gives it once;
  // the same address on two lines gives it twice, as glibc does. Empty when the name is not in the
  // file. Valid until this object changes or dies.
  [[nodiscard]] const std::vector<IpAddress>& lookup(std::string_view name) const;
  // Only the IPv4 (v6 = false) or only the IPv6 addresses, in file order.
  [[nodiscard]] std::vector<IpAddress> lookup(std::string_view name, bool v6) const;
  // The canonical name (first name) of the first line holding `address`; empty when none does.
  [[nodiscard]] std::string_view reverse(const IpAddress& address) const;

  [[nodiscard]] const std::vector<HostsEntry>& entries() const noexcept { return entries_; }
  // "FILE:LINE: reason", one for every skipped line or field, in line order.
  [[nodiscard]] const std::vector<std::string>& diagnostics() const noexcept {
    return diagnostics_;
  }

 private:
  struct AddressHash {
    size_t operator()(const IpAddress& a) const noexcept;
  };

  std::vector<HostsEntry> entries_;
  std::vector<std::string> diagnostics_;
  // Key: the name lowercased, trailing dot removed.
  std::unordered_map<std::string, std::vector<IpAddress>> by_name_;
  // Value: index into entries_ of the first line with that address.
  std::unordered_map<IpAddress, size_t, AddressHash> by_address_;
};

// The key lookup() uses: ASCII lowercase, one trailing dot removed.
[[nodiscard]] std::string hosts_key(std::string_view name);

}  // namespace wc::dns
