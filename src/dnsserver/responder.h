// Responder: one query packet in, the response packet (or nothing) out. Pure apart from its
// answer cache: no I/O, no clock, so the server's UDP and TCP paths, the unit tests and the fuzz
// harness all drive the same code.
//
// Hot path (as NSD and Knot do it): the first time a (name, type) is asked, the full answer is
// built once with MessageWriter for a canonical query (ID 0, no EDNS, no size limit, the name in
// lowercase) and kept. Every later query for it copies those bytes and patches in the ID, the RD
// bit (CD stays clear, as NSD leaves it), the question name as the client wrote it (its case: the
// answer's names are compression pointers to it, so they take that case too, as NSD's do) and an
// OPT record when the query had one. No parse_message, no allocation once the output string has
// capacity. Anything unusual (compression in the question, EDNS options we would echo, a size the
// cached answer does not fit, another opcode or class) takes the general path, which builds the
// message anew.
//
// Round robin (issue 11; NSD's `round-robin: yes`, BIND's `rrset-order cyclic`): when an answer
// holds several A or AAAA records of one name, each query gets them rotated one further, so that
// clients that take the first address spread over the hosts. The cached answer keeps where that
// run of records is (all the same size: a compression pointer, fixed fields, the address), and
// the rotation is one std::rotate over those bytes of the copy: no parsing per query. Off, the
// records keep zone-file order (NSD's default).
//
// Malformed input (SPEC/issue 5): fewer than 12 bytes or QR set -> no answer at all; a header but
// an unreadable message, or QDCOUNT != 1 -> FORMERR; opcode != QUERY -> NOTIMP; EDNS version > 0
// -> BADVERS. An error response is never larger than the packet that caused it (no
// amplification): the question is echoed only when that holds, else the header alone goes back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dns/message.h"
#include "dnsserver/resolution.h"
#include "dnsserver/zone_db.h"

namespace wc::dnsserver {

enum class Transport : uint8_t { kUdp, kTcp };

enum class Verdict : uint8_t {
  kReply,    // send `out`
  kDrop,     // send nothing (not a DNS query we may answer)
  kForward,  // outside every zone and forwarding is on: relay the query upstream
};

// The UDP payload size the server announces in its OPT and the most it sends over UDP (DNS flag
// day 2020; NSD's default).
inline constexpr uint16_t kServerUdpSize = 1232;
// Cached answers at most (a flood of random names must not grow memory without bound).
inline constexpr size_t kMaxCachedAnswers = 100000;

// The last run of two or more A (or AAAA) records of one owner in the answer section of `msg`,
// each written as a compression pointer, fixed fields and the address: records nothing else in
// the message can point into, so their order can change. `at` = offset of the first, `size` =
// bytes per record. count 0: no such run (or `msg` cannot be walked).
struct AddressRun {
  uint16_t at = 0;
  uint16_t size = 0;
  uint16_t count = 0;
};
[[nodiscard]] AddressRun find_address_run(std::string_view msg) noexcept;
// Rotates the run's records in `msg` left by `turn` (mod count).
void rotate_run(std::string& msg, const AddressRun& run, uint32_t turn) noexcept;

class Responder {
 public:
  Responder(std::shared_ptr<const ZoneDb> db, bool forwarding, bool round_robin = true);

  // Writes the response into `out` (its capacity is reused) when the verdict is kReply.
  [[nodiscard]] Verdict respond(std::string_view query, Transport transport, std::string& out);

  [[nodiscard]] const ZoneDb& db() const noexcept { return *db_; }
  [[nodiscard]] const std::shared_ptr<const ZoneDb>& db_ptr() const noexcept { return db_; }
  [[nodiscard]] size_t cached() const noexcept { return cache_.size(); }

  // A SERVFAIL for `query` (the upstream did not answer in time): its ID, RD, question and an
  // OPT when it had one. `query` was accepted by respond() as kForward, so it parses.
  static void servfail(std::string_view query, std::string& out);

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };

  // A canonical response and the run of address records that rotates (count 0: none).
  struct Cached {
    std::string bytes;
    AddressRun run;
    uint32_t turn = 0;  // the rotation the next query gets
  };

  Verdict general(std::string_view query, Transport transport, std::string& out);

  std::shared_ptr<const ZoneDb> db_;
  bool forwarding_;
  bool round_robin_;
  uint32_t general_turn_ = 0;  // rotation for answers built by the general path
  // Key: the question name lowercased (wire form) and the 2 type bytes. Value: the canonical
  // response (see above).
  std::unordered_map<std::string, Cached, KeyHash, KeyEqual> cache_;
};

// Builds the response to `query` (parsed) from a resolution's sections: AA and RCODE as resolved,
// EDNS echoed, and the truncation rules NSD follows: drop the optional authority and additional
// data first; if the answer still does not fit, TC with the question alone.
[[nodiscard]] std::string build_response(const dns::Message& query, const Resolution& res,
                                         size_t limit);

}  // namespace wc::dnsserver
