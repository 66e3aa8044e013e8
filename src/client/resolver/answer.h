// What a DNS reply says to the stub resolver: whether it is the reply to the query sent (or a
// stray or spoofed packet to drop), and the addresses at the end of its CNAME chain. Pure: a
// parsed message in, a verdict out; the resolver (resolver.cpp) does the I/O around it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/hosts_file.h"
#include "dns/message.h"

namespace wc::client {

// nullopt when `reply` answers `question` sent with `id`: QR set, opcode QUERY, the same ID, and
// one question with the same name (ASCII case-insensitive, RFC 4343), type and class. A failure
// RCODE (not NXDOMAIN) with no question at all is taken too, as glibc does, since some servers
// answer FORMERR/REFUSED that way. Otherwise the reason to drop it, for the trace ("id 4242,
// expected 51234").
[[nodiscard]] std::optional<std::string> reply_mismatch(const dns::Message& reply, uint16_t id,
                                                        const dns::Question& question);

// The answer section read from the question's name through its CNAMEs (RFC 1034 3.6.2).
struct AnswerChain {
  std::vector<dns::IpAddress> addresses;  // records of the asked type at the chain's end
  std::string end_name;                   // wire form: the chain's end (the question's name if
                                          // there is no CNAME)
  int hops = 0;                           // CNAMEs followed
  uint32_t ttl = UINT32_MAX;              // the least TTL of the records followed (the CNAMEs and
                                          // the addresses): how long the answer may be kept
  bool dangling = false;  // ends in an alias the reply says nothing about: ask for end_name
  bool loop = false;      // a CNAME leads back to a name already in the chain
  bool too_long = false;  // more than `max_hops` CNAMEs
};

// Follows the chain from `qname` (wire form). `seen` holds the names (wire, lowercased) already
// visited by earlier questions of the same lookup, so a loop across re-asked aliases is found
// too; the names visited here are added to it. An alias is "dangling" when the answer holds
// nothing for its target and the authority section holds no SOA of a zone above that target
// (which would make it an authoritative NODATA).
[[nodiscard]] AnswerChain follow_answer(const dns::Message& reply, std::string_view qname,
                                        dns::Type type, int max_hops,
                                        std::vector<std::string>& seen);

// ASCII-lowercased wire-form name, for `seen` sets.
[[nodiscard]] std::string lower_name(std::string_view wire);

// True when wire-form `name` is `zone` or below it.
[[nodiscard]] bool name_within(std::string_view name, std::string_view zone) noexcept;

}  // namespace wc::client
