// Resolution: what the answer to one question is, before it becomes a message. Pure and
// deterministic: a ZoneDb and a question in, the sections out. The rules are NSD 4's (checked by
// tests/integration/test_dns_compare.py against Debian's nsd):
//  - the hosts file first for A, AAAA, ANY and reverse PTR names (dnsmasq's rule, TTL 0, AA);
//    another type at a hosts name outside the zones is NODATA (NOERROR, empty, AA);
//  - the zone with the longest origin; a name at or below a non-apex NS is delegated: a referral
//    (AA off, the NS in authority, in-zone glue in additional);
//  - a positive answer carries the zone's NS in authority (not for NS at the apex) and the in-zone
//    A then AAAA records of the names in the answer and the NS as additional data;
//  - CNAMEs are followed inside the server's zones, at most kMaxCnameHops, a loop stops the
//    chain; a chain leaving every zone ends with the CNAME (AA, nothing in authority);
//  - NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308 5); an empty
//    non-terminal is NODATA; wildcards as RFC 4592 (the closest encloser's "*" child);
//  - ANY gives the first RRset of the name only (NSD's RFC 8482-style answer), no extra sections.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "dns/types.h"
#include "dnsserver/zone_db.h"

namespace wc::dnsserver {

inline constexpr int kMaxCnameHops = 16;

struct Resolution {
  enum class Kind : uint8_t {
    kAnswer,   // from a zone or the hosts file: send it
    kOutside,  // the name is in no zone and not in the hosts file: REFUSED or forward
  };
  Kind kind = Kind::kAnswer;
  uint8_t rcode = 0;
  bool aa = true;
  // The authority section is NS data that may be dropped, with the additional section, when the
  // message would not fit otherwise (a positive answer is complete without it).
  bool authority_optional = false;
  std::vector<dns::Record> answer;
  std::vector<dns::Record> authority;
  std::vector<dns::Record> additional;
};

// `qname`: wire form, any case. Never fails: every outcome is a Resolution.
[[nodiscard]] Resolution resolve(const ZoneDb& db, std::string_view qname, dns::Type qtype);

}  // namespace wc::dnsserver
