#include "dnsserver/zone_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "core/io.h"
#include "dns/message.h"
#include "dns/zone_file.h"

namespace wc::dnsserver {

namespace {

Result<std::string> read_whole_file(const std::string& path) { return core::read_file(path); }

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

uint32_t get32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3]));
}

// Whether `name` (lowercase wire) is `origin` or below it.
bool at_or_below(std::string_view name, std::string_view origin) {
  if (name.size() < origin.size()) return false;
  if (name.substr(name.size() - origin.size()) != origin) return false;
  // The suffix must start on a label boundary: walk the labels of `name`.
  size_t i = 0;
  while (i < name.size()) {
    if (name.size() - i == origin.size()) return true;
    i += 1 + static_cast<uint8_t>(name[i]);
  }
  return false;
}

}  // namespace

const RRset* Node::find(dns::Type type) const noexcept {
  for (const RRset& set : rrsets) {
    if (set.type == type) return &set;
  }
  return nullptr;
}

std::string lower_name(std::string_view wire) {
  std::string out(wire);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

const Node* Zone::find(std::string_view lower) const {
  // C++20 heterogeneous lookup would avoid this copy; the hot path does not come here (the
  // responder caches whole answers), so clarity wins.
  auto it = nodes.find(std::string(lower));
  return it == nodes.end() ? nullptr : &it->second;
}

bool Zone::exists(std::string_view lower) const { return names.contains(std::string(lower)); }

const Node& Zone::apex() const { return nodes.at(origin); }

Result<Zone> ZoneDb::build_zone(std::string_view origin_text, std::vector<dns::Record> records,
                                std::string_view file) {
  auto origin = dns::name_from_text(origin_text);
  if (!origin) return fail(std::string(file) + ": bad origin \"" + std::string(origin_text) + "\"");
  Zone zone;
  zone.origin = lower_name(*origin);
  zone.origin_text = dns::name_to_text(zone.origin);
  zone.file = std::string(file);
  for (dns::Record& r : records) {
    std::string key = lower_name(r.name);
    if (!at_or_below(key, zone.origin)) {
      return fail(std::string(file) + ": " + dns::name_to_text(r.name) + " is out of zone " +
                  zone.origin_text);
    }
    if (r.type == dns::Type::kSOA && key == zone.origin && zone.soa.rdata.empty()) zone.soa = r;
    // Every ancestor down from the apex exists (empty non-terminals answer NODATA).
    for (size_t i = 0; i < key.size() && key.size() - i >= zone.origin.size();
         i += 1 + static_cast<uint8_t>(key[i])) {
      if (!zone.names.insert(key.substr(i)).second) break;
    }
    Node& node = zone.nodes[key];
    if (node.name.empty()) node.name = r.name;
    auto it = std::find_if(node.rrsets.begin(), node.rrsets.end(),
                           [&](const RRset& s) { return s.type == r.type; });
    if (it == node.rrsets.end()) {
      node.rrsets.push_back(RRset{r.type, {}});
      it = node.rrsets.end() - 1;
    }
    it->records.push_back(std::move(r));
  }
  if (zone.soa.rdata.size() < 20) return fail(std::string(file) + ": no SOA record at the apex");
  const std::string_view rd = zone.soa.rdata;
  zone.serial = get32(rd, rd.size() - 20);
  zone.negative_ttl = std::min(zone.soa.ttl, get32(rd, rd.size() - 4));
  return zone;
}

std::shared_ptr<const ZoneDb> ZoneDb::from(std::vector<Zone> zones,
                                           std::optional<dns::HostsFile> hosts) {
  auto db = std::make_shared<ZoneDb>();
  db->zones_ = std::move(zones);
  db->hosts_ = std::move(hosts);
  return db;
}

Result<std::shared_ptr<const ZoneDb>> ZoneDb::load(const std::vector<ZoneSource>& sources,
                                                   const std::string& hosts_path) {
  std::vector<Zone> zones;
  for (const ZoneSource& source : sources) {
    auto text = read_whole_file(source.file);
    if (!text) return std::unexpected(text.error());
    const std::string folder = folder_of(source.file);
    dns::ZoneIncludeLoader loader = [&folder](std::string_view path) -> Result<std::string> {
      std::string full(path);
      if (!full.empty() && full[0] != '/') full = folder + full;
      return read_whole_file(full);
    };
    auto records = dns::parse_zone_file(*text, source.origin, source.file, loader);
    if (!records) return std::unexpected(records.error());
    auto zone = build_zone(source.origin, std::move(*records), source.file);
    if (!zone) return std::unexpected(zone.error());
    for (const Zone& other : zones) {
      if (other.origin == zone->origin) {
        return fail("zone " + zone->origin_text + " given twice (" + other.file + " and " +
                    source.file + ")");
      }
    }
    zones.push_back(std::move(*zone));
  }
  std::optional<dns::HostsFile> hosts;
  if (!hosts_path.empty()) {
    auto text = read_whole_file(hosts_path);
    if (!text) return std::unexpected(text.error());
    hosts = dns::HostsFile::parse(*text, hosts_path);
  }
  auto db = std::make_shared<ZoneDb>();
  db->zones_ = std::move(zones);
  db->hosts_ = std::move(hosts);
  db->hosts_path_ = hosts_path;
  return std::shared_ptr<const ZoneDb>(std::move(db));
}

const Zone* ZoneDb::find_zone(std::string_view lower) const {
  const Zone* best = nullptr;
  for (const Zone& zone : zones_) {
    if ((!best || zone.origin.size() > best->origin.size()) && at_or_below(lower, zone.origin)) {
      best = &zone;
    }
  }
  return best;
}

}  // namespace wc::dnsserver
