#include "dnsserver/resolution.h"

#include <string>
#include <unordered_set>

#include "dns/hosts_file.h"
#include "dns/message.h"

namespace wc::dnsserver {

namespace {

using dns::Record;
using dns::Type;

// The names in RDATA that get additional A/AAAA data (RFC 1035 3.3, RFC 2782).
std::string_view target_of(const Record& r) {
  switch (r.type) {
    case Type::kNS:
      return r.rdata;
    case Type::kMX:
      return r.rdata.size() > 2 ? std::string_view(r.rdata).substr(2) : std::string_view();
    case Type::kSRV:
      return r.rdata.size() > 6 ? std::string_view(r.rdata).substr(6) : std::string_view();
    default:
      return {};
  }
}

Record negative_soa(const Zone& zone) {
  Record soa = zone.soa;
  soa.ttl = zone.negative_ttl;
  return soa;
}

// A then AAAA of every distinct in-zone target of `from`, as NSD orders its additional section.
void add_additional(const Zone& zone, const std::vector<const std::vector<Record>*>& from,
                    std::vector<Record>& out) {
  std::vector<std::string> targets;
  std::unordered_set<std::string> seen;
  for (const auto* section : from) {
    for (const Record& r : *section) {
      std::string_view t = target_of(r);
      if (t.empty()) continue;
      std::string key = lower_name(t);
      if (seen.insert(key).second) targets.push_back(std::move(key));
    }
  }
  for (Type type : {Type::kA, Type::kAAAA}) {
    for (const std::string& t : targets) {
      const Node* node = zone.find(t);
      if (!node) continue;
      if (const RRset* set = node->find(type)) {
        out.insert(out.end(), set->records.begin(), set->records.end());
      }
    }
  }
}

// The labels' start offsets of a wire name, from the name itself up to (not including) the root.
std::vector<size_t> label_offsets(std::string_view wire) {
  std::vector<size_t> out;
  for (size_t i = 0; i < wire.size() && wire[i] != 0; i += 1 + static_cast<uint8_t>(wire[i])) {
    out.push_back(i);
  }
  return out;
}

// The NS node of the highest zone cut strictly below the apex at or above `lower`, if any.
const Node* find_cut(const Zone& zone, std::string_view lower) {
  const std::vector<size_t> offs = label_offsets(lower);
  // From the label just below the apex down to the name itself.
  for (size_t k = offs.size(); k-- > 0;) {
    const std::string_view suffix = lower.substr(offs[k]);
    if (suffix.size() <= zone.origin.size()) continue;
    const Node* node = zone.find(suffix);
    if (node && node->find(Type::kNS)) return node;
  }
  return nullptr;
}

void referral(const Zone& zone, const Node& cut, Resolution& res) {
  const RRset* ns = cut.find(Type::kNS);
  res.authority.insert(res.authority.end(), ns->records.begin(), ns->records.end());
  add_additional(zone, {&res.authority}, res.additional);
}

bool answer_from_hosts(const dns::HostsFile& hosts, std::string_view qname, Type qtype,
                       bool db_has_zone, Resolution& res) {
  const std::string text = dns::name_to_text(qname);
  if (qtype == Type::kA || qtype == Type::kAAAA || qtype == Type::kANY) {
    const std::vector<dns::IpAddress>& addrs = hosts.lookup(text);
    if (addrs.empty()) return false;
    for (const dns::IpAddress& a : addrs) {
      if (qtype != Type::kANY && a.v6 != (qtype == Type::kAAAA)) continue;
      Record r;
      r.name = std::string(qname);
      r.type = a.v6 ? Type::kAAAA : Type::kA;
      r.ttl = 0;  // dnsmasq's local-ttl default: a hosts file may change at any time
      r.rdata.assign(reinterpret_cast<const char*>(a.bytes.data()), a.v6 ? 16 : 4);
      res.answer.push_back(std::move(r));
    }
    return true;
  }
  if (qtype != Type::kPTR) {
    // A hosts name asked for another type: it exists, without such data (NODATA), unless a zone
    // holds the name and answers for it.
    if (hosts.lookup(text).empty() || db_has_zone) return false;
    return true;
  }
  // "4.3.2.1.in-addr.arpa." or the 32 nibbles of ip6.arpa.
  const std::string lower = dns::hosts_key(text);
  dns::IpAddress addr;
  bool ok = false;
  constexpr std::string_view kV4 = ".in-addr.arpa", kV6 = ".ip6.arpa";
  if (lower.ends_with(kV4)) {
    std::string_view rest(lower.data(), lower.size() - kV4.size());
    std::string forward;
    int parts = 0;
    while (!rest.empty() && parts < 5) {
      const size_t dot = rest.rfind('.');
      const std::string_view part = dot == std::string_view::npos ? rest : rest.substr(dot + 1);
      if (!forward.empty()) forward += '.';
      forward += part;
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(0, dot);
      ++parts;
    }
    ok = parts == 4 && dns::IpAddress::parse(forward, addr);
  } else if (lower.ends_with(kV6)) {
    std::string_view rest(lower.data(), lower.size() - kV6.size());
    if (rest.size() == 63) {
      std::string hex;
      for (size_t j = 1; j < rest.size(); j += 2) {
        if (rest[j] != '.') return false;
      }
      for (size_t i = 0; i < 32; ++i) {
        hex += rest[62 - 2 * i];
        if (i % 4 == 3 && i != 31) hex += ':';
      }
      ok = dns::IpAddress::parse(hex, addr);
    }
  }
  if (!ok) return false;
  const std::string_view canonical = hosts.reverse(addr);
  if (canonical.empty()) return false;
  auto target = dns::name_from_text(canonical);
  if (!target) return false;
  Record r;
  r.name = std::string(qname);
  r.type = Type::kPTR;
  r.ttl = 0;
  r.rdata = std::move(*target);
  res.answer.push_back(std::move(r));
  return true;
}

}  // namespace

Resolution resolve(const ZoneDb& db, std::string_view qname, Type qtype) {
  Resolution res;
  if (const dns::HostsFile* hosts = db.hosts()) {
    const bool in_zone = db.find_zone(lower_name(qname)) != nullptr;
    if (answer_from_hosts(*hosts, qname, qtype, in_zone, res)) return res;
  }
  std::string name(qname);
  std::unordered_set<std::string> visited;
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    const std::string lower = lower_name(name);
    const Zone* zone = db.find_zone(lower);
    if (!zone) {
      // Outside every zone: the question itself is refused (or forwarded); a CNAME chain that
      // leaves the zones ends here with what it has.
      if (hop == 0) res.kind = Resolution::Kind::kOutside;
      return res;
    }
    visited.insert(lower);
    if (const Node* cut = find_cut(*zone, lower)) {
      if (hop == 0) res.aa = false;
      referral(*zone, *cut, res);
      return res;
    }
    const Node* node = zone->find(lower);
    bool synthesized = false;
    if (!node) {
      if (zone->exists(lower)) {  // an empty non-terminal
        res.authority.push_back(negative_soa(*zone));
        return res;
      }
      // RFC 4592: the closest encloser is the longest existing ancestor; its "*" child answers.
      std::string_view encloser = lower;
      while (!zone->exists(encloser)) encloser.remove_prefix(1 + static_cast<uint8_t>(encloser[0]));
      std::string wild("\1*", 2);
      wild += encloser;
      node = zone->find(wild);
      if (!node) {
        res.rcode = dns::kRcodeNXDomain;
        res.authority.push_back(negative_soa(*zone));
        return res;
      }
      synthesized = true;
    }
    auto append = [&](const RRset& set) {
      for (const Record& r : set.records) {
        res.answer.push_back(r);
        if (synthesized) res.answer.back().name = name;
      }
    };
    if (qtype == Type::kANY) {
      append(node->rrsets.front());
      return res;
    }
    if (const RRset* set = node->find(qtype)) {
      append(*set);
      const bool apex_ns = qtype == Type::kNS && lower == zone->origin;
      if (!apex_ns) {
        const RRset* ns = zone->apex().find(Type::kNS);
        if (ns) res.authority.insert(res.authority.end(), ns->records.begin(), ns->records.end());
        res.authority_optional = true;
      }
      add_additional(*zone, {&res.answer, &res.authority}, res.additional);
      return res;
    }
    if (const RRset* cname = node->find(Type::kCNAME)) {
      append(*cname);
      const std::string& target = cname->records.front().rdata;
      if (visited.contains(lower_name(target))) return res;  // a loop: stop, as NSD does
      name = target;
      continue;
    }
    res.authority.push_back(negative_soa(*zone));  // NODATA
    return res;
  }
  return res;
}

}  // namespace wc::dnsserver
