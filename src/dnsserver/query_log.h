// The query log: one line per query, in the shape of BIND 9's querylog category, with the outcome
// appended (BIND logs that elsewhere):
//   24-Nov-2026 03:20:01.123 client 127.0.0.1#53211: query: www.mysite.test IN A +E (127.0.0.1)
//   NOERROR 1
// Fields: BIND's timestamp (local time, ms), the client's address#port, the question (name as
// sent, class, type; "(malformed)" when it cannot be read), BIND's flags ('+' recursion desired
// or '-', then E = EDNS, T = TCP, D = DO, C = CD), the local address the query came to, then the
// response's RCODE and answer count, or "forwarded" / "dropped". Pure formatting; the server
// owns the file (core::BufferedFileWriter, flushed once per loop batch).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "dnsserver/responder.h"

namespace wc::dnsserver {

// "24-Nov-2026 03:20:01.123" for `seconds` (local time) and `msec`.
[[nodiscard]] std::string bind_timestamp(time_t seconds, unsigned msec);

// Appends one line (with its '\n') to `out`. `client` is "ADDR#PORT", `server` the local address.
// `response` is the reply sent (empty unless verdict is kReply).
void format_query_line(std::string& out, std::string_view timestamp, std::string_view client,
                       std::string_view server, std::string_view query, Transport transport,
                       Verdict verdict, std::string_view response);

}  // namespace wc::dnsserver
