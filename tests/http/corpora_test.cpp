// Conformance corpora (gunicorn's request tests, llhttp's request tests), read from
// WEBCYCLE_SHARED_DIR/corpora at test time (see its README.md). Skipped where the folder is absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "corpus_base64.h"
#include "http/request_parser.h"
#include "stream.h"

namespace wc::http {
namespace {

using nlohmann::json;
using testing::Message;
using testing::parse_stream;
using testing::StreamResult;

const std::string kCorpora = WEBCYCLE_SHARED_DIR "/corpora";

using testing::b64decode;

bool load(const std::string& name, json& out) {
  std::ifstream f(kCorpora + "/" + name);
  if (!f) return false;
  out = json::parse(f);
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

std::string describe(const StreamResult& r) {
  std::string s = std::to_string(r.messages.size()) + " message(s), ";
  switch (r.end) {
    case StreamResult::End::kClean:
      return s + "clean end";
    case StreamResult::End::kIncomplete:
      return s + "incomplete at end of input";
    case StreamResult::End::kStopped:
      return s + "stopped (connection not reusable)";
    case StreamResult::End::kError:
      return s + "error " + std::to_string(r.error.status) + " " + std::string(r.error.reason);
  }
  return s;
}

// Compares one of our messages with a corpus message; returns "" when equal.
std::string compare(const Message& m, const std::string& method, const std::string& target,
                    int major, int minor, const json& headers, const std::string& body) {
  if (m.method != method) return "method " + m.method + " != " + method;
  if (m.target != target) return "target " + m.target + " != " + target;
  if (m.major != major || m.minor != minor) return "version differs";
  if (m.headers.size() != headers.size()) {
    return "header count " + std::to_string(m.headers.size()) +
           " != " + std::to_string(headers.size());
  }
  for (size_t i = 0; i < m.headers.size(); ++i) {
    const std::string n = headers[i][0].get<std::string>();
    const std::string v = headers[i][1].get<std::string>();
    if (lower(m.headers[i].first) != lower(n)) return "header name " + m.headers[i].first;
    if (m.headers[i].second != trim(v)) return "header value of " + n;
  }
  if (m.body != body)
    return "body differs (" + std::to_string(m.body.size()) + " vs " + std::to_string(body.size()) +
           " bytes)";
  return "";
}

// llhttp's log writes a tab inside a value as the two characters "\t".
std::string unescape_tabs(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 't') {
      out.push_back('\t');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string latin1_to_bytes(const std::string& utf8) {
  // The gunicorn corpus stores byte strings decoded as Latin-1 and re-encoded as UTF-8.
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const unsigned char c = utf8[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
      out.push_back(static_cast<char>(((c & 0x1f) << 6) | (utf8[i + 1] & 0x3f)));
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

TEST(Corpora, Gunicorn) {
  json doc;
  if (!load("gunicorn-requests.json", doc)) {
    GTEST_SKIP() << kCorpora << "/gunicorn-requests.json is absent (it is present in CI)";
  }
  // gunicorn switches that turn on leniencies or features webcycle does not have.
  const std::set<std::string> kUnsupported = {
      "proxy_protocol",      "forwarded_allow_ips",     "strip_header_spaces",
      "header_map",          "permit_obsolete_folding", "permit_unconventional_http_method",
      "casefold_http_method"};
  // Cases we refuse on purpose, where issue 2's strictness outranks gunicorn's leniency.
  const std::map<std::string, std::string> kRefusedByPolicy = {
      {"valid/009",
       "Content-Length with Transfer-Encoding (even identity) is refused: RFC 9112 6.1 says to "
       "treat it as an error, llhttp refuses it too, and laxness here is how smuggling starts"},
  };
  int pass = 0, fail = 0, skip = 0, policy = 0;
  for (const json& c : doc["cases"]) {
    const std::string name = c["name"];
    if (auto it = kRefusedByPolicy.find(name); it != kRefusedByPolicy.end()) {
      const StreamResult r = parse_stream(b64decode(c["raw_b64"].get<std::string>()));
      EXPECT_EQ(r.end, StreamResult::End::kError) << name;
      std::printf("  refused by policy %s: %s\n", name.c_str(), it->second.c_str());
      ++policy;
      continue;
    }
    Limits limits;
    limits.require_host = false;  // gunicorn accepts HTTP/1.1 without Host; so do its cases
    limits.max_head = 1 << 20;
    // gunicorn's defaults, and its settings mapped to ours (its field size counts the CRLF,
    // its request line limit does not).
    size_t line = 4094, field = 8190, fields = 100;
    std::string unsupported;
    if (c.contains("config") && c["config"].is_object()) {
      for (auto& [k, v] : c["config"].items()) {
        if (kUnsupported.count(k)) {
          unsupported = k;
        } else if (k == "limit_request_line") {
          line = v.get<size_t>() == 0 ? (1 << 20) : v.get<size_t>();
        } else if (k == "limit_request_field_size") {
          field = v.get<size_t>() == 0 ? 8190 : v.get<size_t>();
        } else if (k == "limit_request_fields") {
          fields = v.get<size_t>();
        } else {
          unsupported = k;
        }
      }
    }
    if (!unsupported.empty()) {
      std::printf("  skip %s: needs gunicorn setting %s\n", name.c_str(), unsupported.c_str());
      ++skip;
      continue;
    }
    limits.max_request_line = line + 2;
    limits.max_header_line = field;
    limits.max_headers = fields;
    const std::string raw = b64decode(c["raw_b64"].get<std::string>());
    for (size_t slice : {size_t{0}, size_t{1}, size_t{7}}) {
      StreamResult r = parse_stream(raw, limits, {}, slice);
      std::string why;
      if (c["expect"] == "error") {
        const bool refused =
            (r.end == StreamResult::End::kError &&
             (r.error.status / 100 == 4 || r.error.status == 501 || r.error.status == 505)) ||
            r.end == StreamResult::End::kIncomplete;
        if (!refused) why = "accepted: " + describe(r);
      } else {
        const json& want = c["requests"];
        // A head passed on whose body the input cuts short still counts as that request
        // (gunicorn hands it to the application, which reads to end of input).
        if (r.end == StreamResult::End::kIncomplete && r.partial) {
          r.messages.push_back(*r.partial);
          r.end = StreamResult::End::kClean;
        }
        if (r.end == StreamResult::End::kError || r.messages.size() != want.size()) {
          why = "expected " + std::to_string(want.size()) + " request(s), got " + describe(r);
        } else {
          for (size_t i = 0; i < want.size() && why.empty(); ++i) {
            const json& w = want[i];
            json headers = json::array();
            for (const json& h : w["headers"]) {
              headers.push_back({latin1_to_bytes(h[0]), latin1_to_bytes(h[1])});
            }
            why = compare(r.messages[i], w["method"], latin1_to_bytes(w["target"]), w["version"][0],
                          w["version"][1], headers, b64decode(w.value("body_b64", "")));
          }
        }
      }
      if (!why.empty()) {
        ADD_FAILURE() << "gunicorn " << name << " (slice " << slice << "): " << why;
        ++fail;
        break;
      }
      if (slice == 7) ++pass;
    }
  }
  std::printf("gunicorn corpus: %d passed, %d failed, %d refused by policy, %d skipped\n", pass,
              fail, policy, skip);
}

TEST(Corpora, Llhttp) {
  json doc;
  if (!load("llhttp-messages.json", doc)) {
    GTEST_SKIP() << kCorpora << "/llhttp-messages.json is absent (it is present in CI)";
  }
  int same = 0, stricter = 0, both_refuse = 0, we_accept = 0, responses = 0, split = 0;
  int artifacts = 0;
  for (const json& c : doc["cases"]) {
    const std::string type = c["type"];
    if (type.rfind("request", 0) != 0) {
      ++responses;  // response parsing is not this parser's job
      continue;
    }
    const std::string title = c["file"].get<std::string>() + " | " + c["title"].get<std::string>();
    const json& msgs = c["messages"];
    std::string raw = b64decode(c["raw_b64"].get<std::string>());
    if (raw.find("```") != std::string::npos) {
      // The conversion cut this case's bytes out of the markdown wrongly (fences inside).
      std::printf("  skip %s: corpus bytes include markdown fences\n", title.c_str());
      ++artifacts;
      continue;
    }
    Limits limits;
    limits.require_host = false;  // most llhttp cases carry no Host
    StreamResult r = parse_stream(raw, limits);
    // The corpus lost the final CRLF of many cases (trailing empty lines of the markdown):
    // where llhttp completed a message we still wait for, give it that CRLF back.
    if (r.end == StreamResult::End::kIncomplete && r.messages.size() < msgs.size() &&
        msgs[r.messages.size()].value("complete", false) == true) {
      raw += "\r\n";
      r = parse_stream(raw, limits);
    }
    const bool llhttp_error = !c["error"].is_null();
    const std::string llhttp_reason = llhttp_error ? c["error"].value("reason", "") : "";
    const bool pause = llhttp_reason.find("Pause") != std::string::npos ||
                       llhttp_reason.find("Data after") != std::string::npos;
    // Every message we complete must be the message llhttp completed at the same place.
    std::string mismatch;
    for (size_t i = 0; i < r.messages.size() && mismatch.empty(); ++i) {
      if (i >= msgs.size() || msgs[i].value("complete", false) != true) {
        if (llhttp_error && !pause) break;  // llhttp refuses here; we accept (counted below)
        mismatch = "we completed message " + std::to_string(i) + ", llhttp did not";
        break;
      }
      const json& m = msgs[i];
      const std::string version = m.value("version", "");
      const int major = version.size() == 3 ? version[0] - '0' : -1;
      const int minor = version.size() == 3 ? version[2] - '0' : -1;
      json headers = json::array();
      for (const json& h : m["headers"]) {
        // Trailer fields are listed with the head's; we discard trailers.
        if (r.messages[i].framing == RequestHead::Body::kChunked &&
            headers.size() == r.messages[i].headers.size()) {
          break;
        }
        headers.push_back({h[0].get<std::string>(), unescape_tabs(h[1])});
      }
      mismatch = compare(r.messages[i], m["method"], m["url"], major, minor, headers, m["body"]);
      if (!mismatch.empty()) mismatch = "message " + std::to_string(i) + ": " + mismatch;
    }
    if (!mismatch.empty()) {
      ADD_FAILURE() << "llhttp " << title << ": different split: " << mismatch;
      ++split;
      continue;
    }
    const bool we_refuse = r.end == StreamResult::End::kError;
    if (!llhttp_error || pause) {
      if (we_refuse) {
        ++stricter;
        std::printf("  stricter than llhttp (%s) %s: %d %s\n", type.c_str(), title.c_str(),
                    r.error.status, std::string(r.error.reason).c_str());
      } else {
        ++same;
      }
    } else if (we_refuse || r.end == StreamResult::End::kIncomplete) {
      ++both_refuse;
    } else {
      ++we_accept;
      std::printf("  llhttp refuses (%s), we accept: %s -> %s\n", llhttp_reason.c_str(),
                  title.c_str(), describe(r).c_str());
    }
  }
  std::printf(
      "llhttp corpus (requests): %d same split, %d both refuse, %d refused only by us, "
      "%d refused only by llhttp, %d different split; %d skipped (corpus artifacts), "
      "%d response cases not applicable\n",
      same, both_refuse, stricter, we_accept, split, artifacts, responses);
  EXPECT_EQ(split, 0);
}

}  // namespace
}  // namespace wc::http
