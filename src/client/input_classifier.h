// The address bar's first decision: is what the user typed an address or a search? Pure, no I/O,
// thread-safe. The rules are Chromium's omnibox heuristics, simplified (no public-suffix list, no
// history, no intranet probing), in this order; the first that matches decides:
//
//  1. Leading and trailing whitespace is ignored. A leading '?' forces a search ("?example.com"
//     searches for "example.com"), as in Chromium.
//  2. "SCHEME://..." (SCHEME = a letter then letters, digits, '+', '-', '.') is an address as
//     typed, whatever the scheme: http and https are fetched, others are refused later with curl's
//     "unsupported protocol" (exit 1), and a malformed one with exit 3. So is "http:..." or
//     "https:..." without the slashes (a typo the fetch reports rather than a search).
//  3. Anything holding whitespace is a search ("cheap flights", "what is dns").
//  4. Otherwise the input is read as HOST[:PORT][/PATH | ?QUERY | #FRAGMENT]. It is an address,
//     given "http://", when HOST is
//       - an IPv4 literal (inet_pton's dotted quad: "127.0.0.1"), or an IPv6 literal in brackets
//         ("[::1]", "[::1]:8080") or bare without a port ("::1");
//       - "localhost" or a name ending in ".localhost" (RFC 6761), any case;
//       - a dotted host name: labels of letters, digits, '-' and '_', not starting or ending with
//         '-', at most 63 bytes each, 253 in all, one trailing dot allowed, and a last label that
//         starts with a letter ("www.mysite.test", "example.com.", but not "3.14" or "v1.2");
//       - a single label ("intranet") only when a port follows ("intranet:8080"), since a port
//         is something nobody types into a search.
//     PORT, when present, must be 1-5 digits (else the input is a search: "note:to self" is not an
//     address). A '@' before the host ("user@example.com") makes it a search, as an e-mail
//     address is more often looked up than visited.
//  5. Everything else is a search: a single word ("weather"), "3.14", "a:b", "café".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wc::client {

enum class InputKind : uint8_t {
  kAddress,  // `text` is the URL to fetch ("http://www.mysite.test" for "www.mysite.test")
  kSearch,   // `text` is the query (trimmed; a forcing '?' removed)
};

struct Classified {
  InputKind kind = InputKind::kSearch;
  std::string text;
  std::string_view why;  // which rule decided, for `-v` ("a dotted host name", "has spaces")
};

[[nodiscard]] Classified classify_input(std::string_view input);

}  // namespace wc::client
