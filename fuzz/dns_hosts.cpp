// Fuzzes wc::dns::HostsFile::parse (the whole input is the file) and IpAddress::parse.
// Invariants: every entry's address prints (inet_ntop) to text that parses back to it; every name
// is a non-empty field with no blank or '#'; lookup() of every name holds the entry's address and
// reverse() of every address names a line; every diagnostic is "FILE:LINE: reason" for a line in
// the file; writing the entries back out and parsing that gives the same entries and no
// diagnostics.
#include <cstdint>
#include <string>
#include <string_view>

#include "dns/hosts_file.h"
#include "fuzz_util.h"

namespace {

using wc::dns::HostsFile;
using wc::dns::IpAddress;

size_t line_count(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n + (s.empty() || s.back() == '\n' ? 0 : 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Owned in(std::string_view(reinterpret_cast<const char*>(data), size));
  const HostsFile h = HostsFile::parse(in.view(), "F");

  const size_t lines = line_count(in.view());
  FUZZ_CHECK(h.entries().size() <= lines);
  int last_line = 0;
  for (const std::string& d : h.diagnostics()) {
    FUZZ_CHECK(d.starts_with("F:"));
    const uint64_t n = fuzz::to_u64(std::string_view(d).substr(2), 0);
    FUZZ_CHECK(n >= 1 && n <= lines);
  }

  std::string again;
  for (const auto& e : h.entries()) {
    FUZZ_CHECK(e.line > last_line && static_cast<size_t>(e.line) <= lines);
    last_line = e.line;
    const std::string text = e.address.to_string();
    IpAddress back;
    FUZZ_CHECK(IpAddress::parse(text, back) && back == e.address);
    FUZZ_CHECK(!e.names.empty());
    FUZZ_CHECK(!h.reverse(e.address).empty());
    again += text;
    for (const std::string& name : e.names) {
      FUZZ_CHECK(!name.empty());
      for (char c : name) {
        FUZZ_CHECK(c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '#' && c != '\0');
      }
      bool found = false;
      for (const IpAddress& a : h.lookup(name)) found = found || a == e.address;
      FUZZ_CHECK(found);
      again += ' ';
      again += name;
    }
    again += '\n';
  }

  const HostsFile h2 = HostsFile::parse(again, "G");
  FUZZ_CHECK(h2.diagnostics().empty());
  FUZZ_CHECK(h2.entries().size() == h.entries().size());
  for (size_t i = 0; i < h.entries().size(); ++i) {
    FUZZ_CHECK(h2.entries()[i].address == h.entries()[i].address);
    FUZZ_CHECK(h2.entries()[i].names == h.entries()[i].names);
  }

  // The first line alone as an address: parse and print agree.
  fuzz::Lines lines_in(in.view());
  const fuzz::Owned first(lines_in.line());
  IpAddress a;
  if (IpAddress::parse(first.view(), a)) {
    IpAddress b;
    FUZZ_CHECK(IpAddress::parse(a.to_string(), b) && a == b);
  }
  return 0;
}
