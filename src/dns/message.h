// DNS messages (RFC 1035 section 4, EDNS0 of RFC 6891): a pure parser, a writer with name
// compression and a size limit, and the presentation helpers that dig-like output uses.
//
// Parsing: bytes in, a Message (or a typed MessageError) out, no I/O. Every name, the owners and
// those inside NS/CNAME/PTR/SOA/MX/SRV RDATA, comes out decompressed in wire form (types.h), so a
// Record is self-contained and can be written into any other message. Decompression is
// bounds-safe and loop-safe: a pointer must point before the pointer itself (so a chain only
// goes backwards and always ends), at most kMaxPointerHops are followed, a name is at most 255
// bytes in wire form. Any failure is FORMERR material: the server answers FORMERR, the client
// drops the reply.
//
// EDNS0: an OPT record in the additional section is taken out of it into Message::edns (the
// requester's UDP payload size, the DO bit, the extended RCODE and version). A second OPT, or an
// OPT with a name other than the root, is an error (RFC 6891 6.1.1).
//
// Writing: MessageWriter appends sections in order (questions, answer, authority, additional)
// into a std::string, compressing owner names and the names in NS/CNAME/PTR/SOA/MX RDATA against
// the names already written (never the SRV target: RFC 2782 forbids it). It never writes more
// than its limit: an answer or authority record that does not fit sets TC and ends the message
// (RFC 2181 9: the requester must retry over TCP); an additional record that does not fit is
// just left out, without TC, since the answer is complete without it. Room for the OPT record is
// kept from the start, so a response with EDNS always carries it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/types.h"

namespace wc::dns {

inline constexpr size_t kMaxNameLength = 255;  // wire form, root byte included (RFC 1035 3.1)
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr int kMaxPointerHops = 64;  // far more than any real name needs (<= 127 labels)
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kClassicUdpSize = 512;  // RFC 1035 4.2.1, without EDNS

// Opcodes and RCODEs the project uses (RFC 1035 4.1.1, RFC 6891 9).
inline constexpr uint8_t kOpcodeQuery = 0;
inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeFormErr = 1;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNXDomain = 3;
inline constexpr uint8_t kRcodeNotImp = 4;
inline constexpr uint8_t kRcodeRefused = 5;

struct Header {
  uint16_t id = 0;
  bool qr = false;  // response
  uint8_t opcode = kOpcodeQuery;  // 4 bits
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool ad = false;  // RFC 4035; kept so that a written message says what it was given
  bool cd = false;
  uint8_t rcode = kRcodeNoError;  // the low 4 bits; EDNS adds the high 8 (Edns::ext_rcode)
  // As read from the wire; the writer computes its own counts and ignores these.
  uint16_t qdcount = 0;
  uint16_t ancount = 0;
  uint16_t nscount = 0;
  uint16_t arcount = 0;
};

struct Question {
  std::string name;  // wire form, uncompressed
  Type type = Type::kA;
  uint16_t klass = kClassIN;
};

struct Edns {
  uint16_t udp_size = 1232;  // the requester's payload size (OPT CLASS); below 512 means 512
  uint8_t ext_rcode = 0;     // upper 8 bits of the 12-bit RCODE (OPT TTL byte 0)
  uint8_t version = 0;       // OPT TTL byte 1; only 0 exists (else BADVERS)
  bool do_bit = false;       // DNSSEC OK (OPT TTL bit 15 of the low half)
  std::string options;       // OPT RDATA, the option TLVs as is
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;  // without the OPT record, which is in edns
  std::optional<Edns> edns;

  // The full 12-bit RCODE: the header's 4 bits plus the OPT's 8.
  [[nodiscard]] uint16_t rcode() const noexcept {
    return static_cast<uint16_t>(header.rcode | (edns ? edns->ext_rcode << 4 : 0));
  }
};

enum class MessageProblem : uint8_t {
  kTruncated,    // the message ends inside the header, a name, a record or its RDATA
  kBadPointer,   // a compression pointer forward (or to itself), or too many hops
  kBadLabel,     // a label type 01/10 (the 0x40/0x80 bits: not a length <= 63)
  kNameTooLong,  // more than 255 bytes in wire form
  kBadCount,     // a count too high (the message ends where a record should start) or too
                 // low (bytes left after the counted records)
  kBadRdata,     // RDATA of a known type with the wrong shape (A not 4 bytes, ...)
  kBadOpt,       // a second OPT, or one not owned by the root
};

struct MessageError {
  MessageProblem problem = MessageProblem::kTruncated;
  std::string reason;  // for a log line: what and where ("answer 2: A RDATA is 5 bytes")
};

template <class T>
using MessageResult = std::expected<T, MessageError>;

[[nodiscard]] MessageResult<Message> parse_message(std::string_view wire);

// Reads the (possibly compressed) name at `pos` of `msg` into `out` (wire form, uncompressed) and
// sets `pos` just past it in the uncompressed part. `end` bounds that part (the RDATA's end
// inside a record); pointers may reach anywhere earlier in `msg`.
[[nodiscard]] MessageResult<std::string> read_name(std::string_view msg, size_t& pos,
                                                   size_t end);

// Checks a wire-form name (uncompressed): label lengths <= 63, ends with the root, <= 255
// bytes, nothing after the root. Names given to the writer must pass this.
[[nodiscard]] bool is_valid_name(std::string_view wire) noexcept;

class MessageWriter {
 public:
  enum class Section : uint8_t { kAnswer, kAuthority, kAdditional };

  // `limit`: the largest message to write, at least 512 (the header alone must fit). A server
  // answering over UDP passes max(512, the query's EDNS size capped at its own), over TCP 65535.
  explicit MessageWriter(size_t limit = kClassicUdpSize);

  // Flags and RCODE of the header (its counts are ignored). May be called at any time.
  void set_header(const Header& h) { header_ = h; }
  [[nodiscard]] const Header& header() const noexcept { return header_; }

  // Sends an OPT record at the end of the additional section, and keeps room for it from now
  // on. Call before adding records. Only the low 4 bits of the RCODE go into the header; set
  // edns.ext_rcode for the rest.
  [[nodiscard]] bool set_edns(const Edns& edns);

  // Each returns false when the item was not written: it did not fit, the name was not valid
  // wire form, or the section came after a later one. A question or an answer/authority record
  // that does not fit sets TC and ends the message (every later add returns false).
  [[nodiscard]] bool add_question(const Question& q);
  [[nodiscard]] bool add_record(Section section, const Record& r);

  [[nodiscard]] bool truncated() const noexcept { return header_.tc; }
  [[nodiscard]] size_t size() const noexcept { return out_.size(); }

  // The message: header with counts and flags, sections, then the OPT if set_edns() was called.
  // The writer is spent afterwards.
  [[nodiscard]] std::string finish();

 private:
  void write_name(std::string_view wire, bool compress);
  void write_rdata(Type type, std::string_view rdata);
  [[nodiscard]] bool suffix_at(size_t offset, std::string_view suffix) const noexcept;

  size_t limit_;
  size_t reserve_ = 0;  // room kept for the OPT record
  Header header_;
  std::optional<Edns> edns_;
  std::string out_;
  std::vector<uint16_t> table_;  // offsets of name suffixes written so far (< 0x4000)
  uint16_t counts_[4] = {0, 0, 0, 0};
  int stage_ = 0;  // 0 questions, 1 answer, 2 authority, 3 additional: sections go in order
  bool done_ = false;
};

// The limit for a UDP response to `query`: 512 without EDNS, else its payload size raised to 512
// and capped at `server_max` (1232 is the DNS flag day 2020 default, which avoids fragments).
[[nodiscard]] size_t udp_response_limit(const Message& query, size_t server_max = 1232) noexcept;

// A query: one question, RD as given, an OPT with `edns` when set (the client's UDP size).
[[nodiscard]] std::string build_query(uint16_t id, const Question& q, bool rd,
                                      const std::optional<Edns>& edns);

// ---- Presentation (as dig prints, RFC 1035 5.1) ----

// "www.mysite.test." or "www.mysite.test" -> wire form; "." -> the root. "\." is a dot inside a
// label, "\\" a backslash, "\DDD" a byte. The text is taken as absolute: relative names are the
// caller's business. Fails on an empty label, a label over 63 bytes, a name over 255.
[[nodiscard]] Result<std::string> name_from_text(std::string_view text);

// Wire form (uncompressed) -> "www.mysite.test."; the root is ".". Dots and the characters that
// are special in master files (\ " ( ) ; @ $) are escaped with '\', other bytes outside
// printable ASCII as \DDD, as dig prints them. An invalid name prints what can be read of it.
[[nodiscard]] std::string name_to_text(std::string_view wire);

// "A", "AAAA", "MX", ..., "TYPE65535" for a type without a mnemonic (RFC 3597 5).
[[nodiscard]] std::string type_to_text(Type t);
// The reverse, case-insensitive; "TYPE123" too. nullopt for an unknown mnemonic.
[[nodiscard]] std::optional<Type> type_from_text(std::string_view text);
// "IN", "CH", "HS", "CLASS42".
[[nodiscard]] std::string class_to_text(uint16_t klass);
// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "RCODE42".
[[nodiscard]] std::string rcode_to_text(uint16_t rcode);

// RDATA (wire form, uncompressed names) as dig prints it: "192.0.2.1", "2001:db8::1",
// "10 mail.mysite.test.", "\"v=spf1\" \"-all\"", SOA's seven fields, SRV's four. A type without
// a text form, or RDATA that does not have its type's shape, prints as RFC 3597's "\# LEN HEX".
[[nodiscard]] std::string rdata_to_text(Type type, std::string_view rdata);

// One line as dig's sections print it: "www.mysite.test.\t300\tIN\tA\t192.0.2.1".
[[nodiscard]] std::string record_to_text(const Record& r);

}  // namespace wc::dns
