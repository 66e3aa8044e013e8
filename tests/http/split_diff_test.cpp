// Differential fuzzing of the request parser's message boundaries (issue 9): byte streams from
// the recorded corpora (WEBCYCLE_SHARED_DIR/corpora, read in place, never copied) and mutations
// generated from them are fed to webcycle's parser (through testing::parse_stream, as a
// connection drives it), and every stream's split into messages is compared with an oracle.
//
// The oracle:
// - a corpus stream as recorded: llhttp's messages (llhttp-messages.json, plain `request` cases)
//   or gunicorn's (gunicorn-requests.json, `requests` cases). Only streams where webcycle and the
//   recorder agree are used as bases (Corpora.Llhttp / Corpora.Gunicorn report the others);
// - a generated stream: the verdict follows from the base verdicts and a rule of HTTP/1.1 that
//   the mutation preserves, so no second parser is needed:
//   * split points / byte-at-a-time: how bytes arrive in reads never changes the split (a
//     parser is a function of the byte stream);
//   * concatenation and pipelining of keep-alive messages A B C: the split is A's, then B's,
//     then C's (a parser starts afresh after each message; RFC 9112 9.3.2); a refused stream
//     X after A: A, then X's refusal;
//   * chunk-size variants of a chunked body: re-chunking (one chunk per byte, upper-case hex,
//     leading zeros) gives the same body and the same end (RFC 9112 7.1: chunk-size is 1*HEXDIG;
//     llhttp's corpus has upper-case hex and long zero runs among its accepted cases);
//   * header case and whitespace variants: field names in another case, OWS (spaces, tabs)
//     around field values give the same message (RFC 9110 5.1, 5.5);
//   and it fails on any disagreement about where a message ends or whether it is accepted.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "corpus_base64.h"
#include "http/request_parser.h"
#include "stream.h"

namespace wc::http {
namespace {

using nlohmann::json;
using testing::parse_stream;
using testing::StreamResult;

const std::string kCorpora = WEBCYCLE_SHARED_DIR "/corpora";

using testing::b64decode;

// Where each message ends and what it carried: what two hops must agree on.
struct Split {
  std::vector<std::string> messages;  // "METHOD target body-size:body"
  bool refused = false;               // the stream ends in a refusal
  bool operator==(const Split&) const = default;
};

std::string show(const Split& s) {
  std::string out;
  for (const std::string& m : s.messages) out += "[" + m.substr(0, 60) + "] ";
  return out + (s.refused ? "refused" : "accepted");
}

Limits test_limits() {
  Limits l;
  l.require_host = false;  // most corpus cases carry no Host
  return l;
}

Split split_of(std::string_view raw, size_t slice = 0) {
  const StreamResult r = parse_stream(raw, test_limits(), {}, slice);
  Split s;
  for (const testing::Message& m : r.messages) {
    s.messages.push_back(m.method + " " + m.target + " " + std::to_string(m.body.size()) + ":" +
                         m.body);
  }
  s.refused = r.end == StreamResult::End::kError;
  return s;
}

// A base: one corpus stream with its recorded split, and what a generator may do with it.
struct Base {
  std::string name;
  std::string raw;
  Split want;
  bool reusable = false;        // every message keep-alive, stream ends cleanly after the last one
  bool chunked_single = false;  // one chunked message whose head ends at head_end
  size_t head_end = 0;
  std::string body;
};

bool load(const std::string& name, json& out) {
  std::ifstream f(kCorpora + "/" + name);
  if (!f) return false;
  out = json::parse(f);
  return true;
}

// llhttp's plain request cases (no leniency flag), where llhttp's recorded split and webcycle's
// agree: the corpus verdict is the oracle for the bases.
void add_llhttp(std::vector<Base>& bases, std::vector<Base>& refused) {
  json doc;
  if (!load("llhttp-messages.json", doc)) return;
  for (const json& c : doc["cases"]) {
    if (c["type"] != "request") continue;
    std::string raw = b64decode(c["raw_b64"].get<std::string>());
    if (raw.find("```") != std::string::npos) continue;  // corpus conversion artifact
    Split want;
    bool all_complete = true;
    for (const json& m : c["messages"]) {
      if (!m.value("complete", false)) {
        all_complete = false;
        break;
      }
      const std::string body = m["body"];
      want.messages.push_back(m["method"].get<std::string>() + " " + m["url"].get<std::string>() +
                              " " + std::to_string(body.size()) + ":" + body);
    }
    const std::string reason = c["error"].is_null() ? "" : c["error"].value("reason", "");
    const bool error = !c["error"].is_null() && reason.find("Pause") == std::string::npos &&
                       reason.find("Data after") == std::string::npos;
    Split got = split_of(raw);
    if (got.messages.size() < want.messages.size() && all_complete && !error) {
      raw += "\r\n";  // the corpus lost the final CRLF of many cases (see corpora_test.cpp)
      got = split_of(raw);
    }
    Base b;
    b.name = "llhttp " + c["file"].get<std::string>() + " | " + c["title"].get<std::string>();
    b.raw = raw;
    b.want = want;
    if (error) {
      // llhttp refused after want.messages: use it as a refused tail when webcycle refuses too
      // at the same point.
      if (got.refused && got.messages == want.messages && want.messages.empty()) {
        b.want.refused = true;
        refused.push_back(b);
      }
      continue;
    }
    if (!all_complete || got.refused || got.messages != want.messages) continue;
    bases.push_back(b);
  }
}

// gunicorn's `requests` cases without special settings, where its split and webcycle's agree.
void add_gunicorn(std::vector<Base>& bases) {
  json doc;
  if (!load("gunicorn-requests.json", doc)) return;
  for (const json& c : doc["cases"]) {
    if (c["expect"] != "requests" || (c.contains("config") && !c["config"].empty())) continue;
    const std::string raw = b64decode(c["raw_b64"].get<std::string>());
    Split want;
    for (const json& r : c["requests"]) {
      // Targets and bodies are byte strings; skip the few non-ASCII ones rather than re-encode.
      const std::string target = r["target"];
      const std::string body = b64decode(r.value("body_b64", ""));
      want.messages.push_back(r["method"].get<std::string>() + " " + target + " " +
                              std::to_string(body.size()) + ":" + body);
    }
    if (split_of(raw) != want) continue;
    Base b;
    b.name = "gunicorn " + c["name"].get<std::string>();
    b.raw = raw;
    b.want = want;
    bases.push_back(std::move(b));
  }
}

// Fills in what generators need to know about each base, from webcycle's parse of it (already
// equal to the corpus verdict).
void classify(std::vector<Base>& bases) {
  for (Base& b : bases) {
    const StreamResult r = parse_stream(b.raw, test_limits());
    bool keep = r.end == StreamResult::End::kClean && !r.messages.empty();
    for (const testing::Message& m : r.messages) {
      if (!m.keep_alive || m.upgrade || m.method == "CONNECT") keep = false;
    }
    // Trailing blank lines are skipped by a server before a request line (RFC 9112 2.2), but
    // keep the bases exact: the stream must end right after its last message.
    if (keep && !b.raw.empty() && (b.raw.back() != '\n')) keep = false;
    b.reusable = keep;
    if (r.messages.size() == 1 && r.messages[0].framing == RequestHead::Body::kChunked && keep) {
      const size_t head = b.raw.find("\r\n\r\n");
      if (head != std::string::npos) {
        b.chunked_single = true;
        b.head_end = head + 4;
        b.body = r.messages[0].body;
      }
    }
  }
}

Split concat(const std::vector<const Base*>& parts) {
  Split s;
  for (const Base* p : parts) {
    s.messages.insert(s.messages.end(), p->want.messages.begin(), p->want.messages.end());
    s.refused = p->want.refused;
  }
  return s;
}

std::string hex(size_t n, bool upper, int zeros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, upper ? "%zX" : "%zx", n);
  return std::string(static_cast<size_t>(zeros), '0') + buf;
}

// The head with field names re-cased and OWS added around field values; the request line and
// the blank line stay as they are.
std::string vary_head(std::string_view head, std::mt19937& rng) {
  std::string out;
  size_t pos = head.find("\r\n");
  if (pos == std::string_view::npos) return std::string(head);
  out.append(head.substr(0, pos + 2));
  pos += 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) {
      out.append(head.substr(pos));
      break;
    }
    std::string_view line = head.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || line[0] == ' ' || line[0] == '\t') {
      out.append(line);  // not a plain field line: left alone
    } else {
      for (char c : line.substr(0, colon)) {
        const int pick = static_cast<int>(rng() % 3);
        out.push_back(pick == 0   ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                      : pick == 1 ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                  : c);
      }
      out.push_back(':');
      static const char* kOws[] = {"", " ", "\t", "  ", " \t "};
      out += kOws[rng() % 5];
      std::string_view value = line.substr(colon + 1);
      out.append(value);
      out += kOws[rng() % 5];
    }
    out += "\r\n";
    pos = eol + 2;
  }
  return out;
}

class SplitDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    add_llhttp(bases_, refused_);
    add_gunicorn(bases_);
    if (bases_.empty()) GTEST_SKIP() << kCorpora << " is absent (it is present in CI)";
    classify(bases_);
    for (const Base& b : bases_) {
      if (b.reusable) reusable_.push_back(&b);
      if (b.chunked_single) chunked_.push_back(&b);
    }
    std::printf(
        "bases: %zu corpus streams agreed on (%zu keep-alive, %zu chunked), %zu refused "
        "streams\n",
        bases_.size(), reusable_.size(), chunked_.size(), refused_.size());
  }

  // Feeds `raw` whole, byte at a time and in two reads at `cut`; each must give `want`.
  void check(const std::string& what, const std::string& raw, const Split& want, size_t cut) {
    ++streams_;
    const Split whole = split_of(raw);
    if (whole != want) {
      ADD_FAILURE() << what << ": oracle " << show(want) << "\n  webcycle " << show(whole);
      return;
    }
    const Split bytes = split_of(raw, 1);
    EXPECT_EQ(bytes, whole) << what << " byte at a time: " << show(bytes);
    // Two reads: the first `cut` bytes, then the rest (parse_stream slices evenly, so feed the
    // prefix as its own stream state by slicing at `cut`).
    if (cut > 0 && cut < raw.size()) {
      const Split two = split_of(raw, cut);
      EXPECT_EQ(two, whole) << what << " in reads of " << cut << ": " << show(two);
    }
  }

  std::vector<Base> bases_, refused_;
  std::vector<const Base*> reusable_, chunked_;
  size_t streams_ = 0;
};

TEST_F(SplitDiff, CorpusStreamsAtEverySplitPoint) {
  for (const Base& b : bases_) {
    for (size_t cut = 1; cut < b.raw.size(); ++cut) {
      const Split two = split_of(b.raw, cut);
      ASSERT_EQ(two, b.want) << b.name << " in reads of " << cut << ": " << show(two);
    }
    check(b.name, b.raw, b.want, 0);
  }
  std::printf(
      "split points: %zu corpus streams agree with their recorded split at every read "
      "size\n",
      bases_.size());
}

TEST_F(SplitDiff, ConcatenatedAndPipelinedMessages) {
  ASSERT_GT(reusable_.size(), 20u) << "too few keep-alive bases in the corpora";
  std::mt19937 rng(9);  // fixed: a failure names a reproducible stream
  for (int i = 0; i < 10000; ++i) {
    std::vector<const Base*> parts;
    const size_t n = 2 + rng() % 3;
    for (size_t k = 0; k < n; ++k) parts.push_back(reusable_[rng() % reusable_.size()]);
    if (!refused_.empty() && rng() % 4 == 0) parts.push_back(&refused_[rng() % refused_.size()]);
    std::string raw, what;
    for (const Base* p : parts) {
      raw += p->raw;
      what += (what.empty() ? "" : " + ") + p->name;
    }
    check(what, raw, concat(parts), 1 + rng() % raw.size());
  }
  std::printf("pipelining: %zu generated streams of 2-5 corpus messages agree\n", streams_);
}

TEST_F(SplitDiff, ChunkSizeVariants) {
  ASSERT_GT(chunked_.size(), 3u) << "too few chunked bases in the corpora";
  std::mt19937 rng(7);
  for (const Base* b : chunked_) {
    for (int variant = 0; variant < 24; ++variant) {
      const bool upper = variant % 2 == 1;
      const int zeros = variant % 3 == 0 ? 0 : static_cast<int>(rng() % 12);
      const size_t step = variant < 4 ? 1 : 1 + rng() % 17;
      std::string raw = b->raw.substr(0, b->head_end);
      for (size_t at = 0; at < b->body.size(); at += step) {
        const size_t n = std::min(step, b->body.size() - at);
        raw += hex(n, upper, zeros) + "\r\n" + b->body.substr(at, n) + "\r\n";
      }
      raw += std::string(static_cast<size_t>(zeros), '0') + "0\r\n\r\n";
      // Followed by a second copy of the base: the re-chunked message must end exactly there.
      raw += b->raw;
      Split want = b->want;
      want.messages.insert(want.messages.end(), b->want.messages.begin(), b->want.messages.end());
      check(b->name + " rechunked (step " + std::to_string(step) + ", zeros " +
                std::to_string(zeros) + (upper ? ", upper" : "") + ")",
            raw, want, 1 + rng() % raw.size());
    }
  }
  std::printf("chunk sizes: %zu chunked bases re-chunked 24 ways each agree\n", chunked_.size());
}

TEST_F(SplitDiff, HeaderCaseAndWhitespaceVariants) {
  std::mt19937 rng(5);
  size_t varied = 0;
  for (const Base* b : reusable_) {
    // Single-message bases whose head ends in CRLF CRLF.
    if (b->want.messages.size() != 1) continue;
    const size_t head = b->raw.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    ++varied;
    for (int variant = 0; variant < 8; ++variant) {
      const std::string raw =
          vary_head(std::string_view(b->raw).substr(0, head + 4), rng) + b->raw.substr(head + 4);
      // Followed by the base again, so a changed framing shows as a different split.
      check(b->name + " with re-cased names and OWS", raw + b->raw, concat({b, b}),
            1 + rng() % raw.size());
    }
  }
  ASSERT_GT(varied, 20u);
  std::printf("header variants: %zu bases, 8 variants each, agree\n", varied);
}

}  // namespace
}  // namespace wc::http
