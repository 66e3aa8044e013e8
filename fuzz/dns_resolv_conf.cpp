// Fuzzes wc::dns::ResolvConf::parse (the whole input is the file), parse_nameserver and
// search_names (the first line is also used as a nameserver and as a name to search for).
// Invariants: 1 to 3 nameservers, each printing to text parse_nameserver reads back to it; the
// options within glibc's bounds; at most 6 search domains in 256 bytes; writing the config back
// out and parsing it gives the same config and no diagnostics; search_names gives no name twice,
// none ending in '.', and always the name itself.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/resolv_conf.h"
#include "fuzz_util.h"

namespace {

using wc::dns::NameServer;
using wc::dns::ResolvConf;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  const ResolvConf c = ResolvConf::parse(in.view(), "F");

  FUZZ_CHECK(!c.nameservers.empty() && c.nameservers.size() <= wc::dns::kMaxNameServers);
  FUZZ_CHECK(c.ndots >= 0 && c.ndots <= wc::dns::kMaxNdots);
  FUZZ_CHECK(c.timeout >= 0 && c.timeout <= wc::dns::kMaxTimeout);
  FUZZ_CHECK(c.attempts >= 0 && c.attempts <= wc::dns::kMaxAttempts);
  FUZZ_CHECK(c.search.size() <= wc::dns::kMaxSearchDomains);
  size_t bytes = 0;
  for (const std::string& d : c.search) bytes += d.size() + 1;
  FUZZ_CHECK(bytes <= wc::dns::kMaxSearchChars);
  for (const std::string& d : c.diagnostics) FUZZ_CHECK(d.starts_with("F:"));

  std::string again;
  if (!c.nameservers_defaulted) {
    for (const NameServer& ns : c.nameservers) {
      NameServer back;
      FUZZ_CHECK(wc::dns::parse_nameserver(ns.to_string(), back) && back == ns);
      again += "nameserver " + ns.to_string() + "\n";
    }
  }
  if (!c.search.empty()) {
    again += "search";
    for (const std::string& d : c.search) again += " " + (d.empty() ? std::string(".") : d);
    again += "\n";
  }
  again += "options ndots:" + std::to_string(c.ndots) + " timeout:" + std::to_string(c.timeout) +
           " attempts:" + std::to_string(c.attempts) + (c.rotate ? " rotate\n" : "\n");
  const ResolvConf c2 = ResolvConf::parse(again, "G");
  FUZZ_CHECK(c2.diagnostics.empty());
  FUZZ_CHECK(c2.nameservers == c.nameservers);
  FUZZ_CHECK(c2.nameservers_defaulted == c.nameservers_defaulted);
  FUZZ_CHECK(c2.search == c.search);
  FUZZ_CHECK(c2.ndots == c.ndots && c2.timeout == c.timeout && c2.attempts == c.attempts);
  FUZZ_CHECK(c2.rotate == c.rotate);

  fuzz::Lines lines(in.view());
  const fuzz::Owned first(lines.line());
  NameServer ns;
  if (wc::dns::parse_nameserver(first.view(), ns)) {
    NameServer back;
    FUZZ_CHECK(wc::dns::parse_nameserver(ns.to_string(), back) && back == ns);
  }
  const std::string_view name = first.view();
  const auto names = wc::dns::search_names(name, c);
  if (name.empty() || name == ".") {
    FUZZ_CHECK(names.empty());
  } else {
    std::string_view bare = name;
    if (bare.back() == '.') bare.remove_suffix(1);
    FUZZ_CHECK(std::find(names.begin(), names.end(), bare) != names.end());
    FUZZ_CHECK(names.size() <= c.search.size() + 1);
    for (size_t i = 0; i < names.size(); ++i) {
      for (size_t j = i + 1; j < names.size(); ++j) FUZZ_CHECK(names[i] != names[j]);
    }
  }
  return 0;
}
