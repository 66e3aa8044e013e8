// "Is it listening yet?": the checks `up` makes before it says a child is ready. Each waits at
// most `timeout_ms` and blocks the caller meanwhile (used by the supervisor's start-up poll only,
// on loopback addresses, where an answer or a refusal is immediate).
#pragma once

#include <string>
#include <string_view>

namespace wc::up {

// A TCP connection to `address` ("127.0.0.1:8001", "[::1]:80", "8080" = 127.0.0.1:8080, "*:80"
// and "0.0.0.0:80" = 127.0.0.1:80) is accepted.
[[nodiscard]] bool probe_tcp(const std::string& address, int timeout_ms);

// An HTTP server at `address` answers: a request line it must refuse ("webcycle-up-probe") gets
// a response starting "HTTP/". For the application server this means a worker has loaded the
// application (a worker accepts only after it has), while its bad-request answer never reaches the
// application or its access log.
[[nodiscard]] bool probe_http(const std::string& address, int timeout_ms);

// A UDP query for `name` (dotted, e.g. "mysite.test") type SOA sent to `address` gets a response
// with the query's id (any RCODE: the server is answering).
[[nodiscard]] bool probe_dns(const std::string& address, std::string_view name, int timeout_ms);

// The query probe_dns sends (RFC 1035 4.1: header, one question, no RD), for tests. Empty when
// `name` is not a valid name (a label over 63 bytes, an empty label).
[[nodiscard]] std::string dns_query(uint16_t id, std::string_view name, uint16_t qtype);

// The address a client uses to reach a listen address: wildcard -> loopback, bare port ->
// 127.0.0.1:PORT.
[[nodiscard]] std::string connect_address(const std::string& listen);

}  // namespace wc::up
