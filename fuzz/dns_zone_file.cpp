// Fuzzes wc::dns::parse_zone_file. The input is split on NUL: the first part is the zone (origin
// "mysite.test", file "zone"), the others are the files an $INCLUDE may name: "1", "2", ... (any
// other name fails to load, as a missing file would).
// Invariants: an error reads "FILE:LINE: reason" with a file the parser was given; a parsed zone
// has exactly one SOA, at the apex; every owner and every name in RDATA is well-formed wire form
// (labels <= 63, total <= 255, root-terminated) and owners are at or below the apex; RDATA has
// the shape of its type; and a second parse gives the same records.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zone_file.h"
#include "fuzz_util.h"

namespace {

using wc::dns::Record;
using wc::dns::Type;

// Length of the wire-form name at the start of s; 0 when it is not well-formed.
size_t name_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = static_cast<unsigned char>(s[i]);
    if (len == 0) return i + 1 <= 255 ? i + 1 : 0;
    if (len > 63) return 0;
    i += len + 1;
  }
  return 0;
}

bool ends_with_apex(std::string_view name) {
  static const std::string apex("\6mysite\4test\0", 13);
  size_t i = 0;
  while (name.size() - i > apex.size()) i += static_cast<unsigned char>(name[i]) + 1;
  return name.size() - i == apex.size() && wc::dns::name_equal(name.substr(i), apex);
}

void check_rdata(const Record& r) {
  std::string_view d = r.rdata;
  auto name_then = [&](size_t fixed_before, size_t fixed_after) {
    FUZZ_CHECK(d.size() > fixed_before);
    const size_t n = name_len(d.substr(fixed_before));
    FUZZ_CHECK(n != 0 && fixed_before + n + fixed_after == d.size());
  };
  switch (r.type) {
    case Type::kA:
      FUZZ_CHECK(d.size() == 4);
      break;
    case Type::kAAAA:
      FUZZ_CHECK(d.size() == 16);
      break;
    case Type::kNS:
    case Type::kCNAME:
    case Type::kPTR:
      name_then(0, 0);
      break;
    case Type::kMX:
      name_then(2, 0);
      break;
    case Type::kSRV:
      name_then(6, 0);
      break;
    case Type::kSOA: {
      const size_t m = name_len(d);
      FUZZ_CHECK(m != 0);
      const size_t rn = name_len(d.substr(m));
      FUZZ_CHECK(rn != 0 && m + rn + 20 == d.size());
      break;
    }
    case Type::kTXT: {
      FUZZ_CHECK(!d.empty());
      size_t i = 0;
      while (i < d.size()) i += static_cast<unsigned char>(d[i]) + 1;
      FUZZ_CHECK(i == d.size());
      break;
    }
    default:
      FUZZ_CHECK(false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz::Lines parts(in, '\0');
  const fuzz::Owned zone(parts.line());
  std::vector<std::string> files;
  while (auto p = parts.next()) files.emplace_back(*p);

  const wc::dns::ZoneIncludeLoader loader = [&](std::string_view path) -> wc::Result<std::string> {
    for (size_t i = 0; i < files.size(); ++i) {
      if (path == std::to_string(i + 1)) return files[i];
    }
    return wc::fail(2, "no such file");
  };

  auto r = wc::dns::parse_zone_file(zone.view(), "mysite.test", "zone", loader);
  if (!r) {
    const std::string& m = r.error().message;
    const size_t colon = m.find(':');
    FUZZ_CHECK(colon != std::string::npos);
    const std::string file = m.substr(0, colon);
    bool known = file == "zone";
    for (size_t i = 0; i < files.size(); ++i) known = known || file == std::to_string(i + 1);
    FUZZ_CHECK(known);
    const size_t colon2 = m.find(": ", colon + 1);
    FUZZ_CHECK(colon2 != std::string::npos && colon2 > colon + 1);
    for (size_t i = colon + 1; i < colon2; ++i) FUZZ_CHECK(m[i] >= '0' && m[i] <= '9');
    return 0;
  }
  int soas = 0;
  for (const Record& rec : *r) {
    FUZZ_CHECK(name_len(rec.name) == rec.name.size());
    FUZZ_CHECK(ends_with_apex(rec.name));
    FUZZ_CHECK(rec.klass == wc::dns::kClassIN);
    FUZZ_CHECK(rec.ttl <= 0x7FFFFFFFu);
    if (rec.type == Type::kSOA) {
      ++soas;
      FUZZ_CHECK(rec.name.size() == 13);
    }
    check_rdata(rec);
  }
  FUZZ_CHECK(soas == 1);
  auto again = wc::dns::parse_zone_file(zone.view(), "mysite.test", "zone", loader);
  FUZZ_CHECK(again && again->size() == r->size());
  for (size_t i = 0; i < r->size(); ++i) {
    FUZZ_CHECK((*again)[i].name == (*r)[i].name && (*again)[i].rdata == (*r)[i].rdata &&
               (*again)[i].ttl == (*r)[i].ttl && (*again)[i].type == (*r)[i].type);
  }
  return 0;
}
