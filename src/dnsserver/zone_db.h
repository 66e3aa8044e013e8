// ZoneDb: everything `webcycle dns` answers from, built once at start-up or on HUP and then only
// read: the zones (records grouped into nodes and RRsets, indexed by lowercased wire name) and the
// optional hosts file. The responder (responder.h) looks names up here; nothing here does I/O
// except load(), which reads the files.
//
// A reload builds a whole new ZoneDb and swaps it in only when every file loaded, so a bad zone
// never replaces good data (SPEC.md "HUP reloads zones; a bad zone is refused with FILE:LINE").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "dns/hosts_file.h"
#include "dns/types.h"

namespace wc::dnsserver {

// The records of one owner and type, in file order.
struct RRset {
  dns::Type type = dns::Type::kA;
  std::vector<dns::Record> records;
};

// One owner name: its RRsets in the order their first record appears in the file (ANY answers
// with the first, as NSD does).
struct Node {
  std::string name;  // wire form, the file's case
  std::vector<RRset> rrsets;

  [[nodiscard]] const RRset* find(dns::Type type) const noexcept;
};

struct Zone {
  std::string origin;  // wire form, lowercase
  std::string origin_text;
  std::string file;
  uint32_t serial = 0;
  dns::Record soa;
  uint32_t negative_ttl = 0;  // min(SOA TTL, SOA MINIMUM): RFC 2308 section 5
  // Key: the owner lowercased. Every name that owns records.
  std::unordered_map<std::string, Node> nodes;
  // Every name between the apex and an owner (empty non-terminals included): a name here that is
  // not in `nodes` exists without data (NODATA, not NXDOMAIN).
  std::unordered_set<std::string> names;

  [[nodiscard]] const Node* find(std::string_view lower_name) const;
  [[nodiscard]] bool exists(std::string_view lower_name) const;
  [[nodiscard]] const Node& apex() const;
};

// Where a zone comes from (--zone ORIGIN=FILE, `zone ORIGIN FILE;`).
struct ZoneSource {
  std::string origin;  // as written, "mysite.test" or "mysite.test."
  std::string file;
};

// The ASCII lowercase of a wire-form name (labels' length bytes are below 'A', so unchanged).
[[nodiscard]] std::string lower_name(std::string_view wire);

class ZoneDb {
 public:
  // Reads every zone file (with $INCLUDE relative to the zone file's folder) and the hosts file
  // (empty path: none). Errors: the first failure, "FILE:LINE: reason" for a zone, `open()
  // "FILE" failed (2: ...)` for a missing file, or "zone ORIGIN given twice".
  [[nodiscard]] static Result<std::shared_ptr<const ZoneDb>> load(
      const std::vector<ZoneSource>& zones, const std::string& hosts_path);

  // Pure: builds one zone from parsed records (parse_zone_file's output). Errors: a record
  // outside the origin, no SOA (parse_zone_file checks that already; kept for direct callers).
  [[nodiscard]] static Result<Zone> build_zone(std::string_view origin_text,
                                               std::vector<dns::Record> records,
                                               std::string_view file);

  // Pure, for tests: a database from built zones and an optional hosts file.
  [[nodiscard]] static std::shared_ptr<const ZoneDb> from(std::vector<Zone> zones,
                                                          std::optional<dns::HostsFile> hosts);

  // The zone whose origin is the longest suffix of `lower_name` (wire form, lowercase), or null.
  [[nodiscard]] const Zone* find_zone(std::string_view lower_name) const;
  [[nodiscard]] const std::vector<Zone>& zones() const noexcept { return zones_; }
  [[nodiscard]] const dns::HostsFile* hosts() const noexcept { return hosts_ ? &*hosts_ : nullptr; }
  [[nodiscard]] const std::string& hosts_path() const noexcept { return hosts_path_; }

 private:
  std::vector<Zone> zones_;
  std::optional<dns::HostsFile> hosts_;
  std::string hosts_path_;
};

}  // namespace wc::dnsserver
