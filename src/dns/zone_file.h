// RFC 1035 section 5 master files ("zone files") as BIND 9 and NSD read them. Pure: the text, the
// zone's origin and the file's name in, the zone's records (owner names and RDATA in wire form,
// see types.h) or the first error out. $INCLUDE goes through a caller-given loader, so no I/O
// happens here and a test or a fuzzer can serve the included files from memory.
//
// Errors read "FILE:LINE: reason" (FILE being the $INCLUDEd file where the error is in one): the
// server refuses a bad zone with that line and keeps its old data.
//
// What is read: $ORIGIN, $TTL, $INCLUDE FILE [ORIGIN] (the origin given, or the current one, holds
// inside the included file only; nested at most kMaxIncludeDepth deep, kMaxIncludes in all); '@'
// for the origin; relative names (the origin appended) and absolute ones (trailing dot); a line
// starting with a blank takes the previous owner; TTL and class (IN only) in either order, both
// optional; parentheses spanning lines; ';' comments; quoted strings with \", \\ and \DDD escapes
// (\DDD and \X in names too); TTLs as numbers or with BIND's units (1w2d3h4m5s, any case; "1h30"
// without a last unit is refused). Types: SOA, NS, A, AAAA, CNAME, MX, TXT, PTR, SRV.
//
// Default TTL as BIND 9 does it (lib/dns/master.c): a record without a TTL takes $TTL's; with no
// $TTL yet, the last TTL written on an earlier record (RFC 1035's rule); with neither, an SOA
// takes its own MINIMUM field (which then becomes the default) and any other record is refused
// ("no TTL specified; zone rejected"). A TTL above 2^31-1 reads as 0 (RFC 2181 section 8).
//
// Zone checks, after reading: exactly one SOA and at the apex; every owner at or below the zone's
// origin ("out of zone", which BIND ignores with a warning and we refuse, so that a typo never
// goes unnoticed); no CNAME beside other data at one name, nor two CNAMEs (RFC 1034 3.6.2).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/types.h"

namespace wc::dns {

// Returns the text of the file an $INCLUDE names, as written in the zone (a relative path is the
// caller's to resolve, e.g. against the zone file's folder). Its error message is quoted in ours.
using ZoneIncludeLoader = std::function<Result<std::string>(std::string_view path)>;

inline constexpr int kMaxIncludeDepth = 8;
inline constexpr int kMaxIncludes = 256;  // in all, so self-inclusion cannot multiply the work

// `origin` is the zone's name in text ("mysite.test" or "mysite.test."); it is the first $ORIGIN
// and the apex the checks use. Without a loader, $INCLUDE is an error. Records come back in the
// order the files hold them.
[[nodiscard]] Result<std::vector<Record>> parse_zone_file(std::string_view text,
                                                          std::string_view origin,
                                                          std::string_view file_name,
                                                          const ZoneIncludeLoader& loader = {});

}  // namespace wc::dns
