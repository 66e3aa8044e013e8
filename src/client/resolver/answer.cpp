#include "client/resolver/answer.h"

#include <algorithm>

namespace wc::client {

std::string lower_name(std::string_view wire) {
  std::string out(wire);
  // Label length bytes are <= 63, below 'A', so lowering every byte leaves them alone.
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool name_within(std::string_view name, std::string_view zone) noexcept {
  // Walk name's label boundaries; at each, compare the rest with zone.
  size_t pos = 0;
  while (pos < name.size()) {
    if (name.size() - pos == zone.size() && dns::name_equal(name.substr(pos), zone)) return true;
    const auto len = static_cast<uint8_t>(name[pos]);
    if (len == 0) break;
    pos += 1 + len;
  }
  return false;
}

std::optional<std::string> reply_mismatch(const dns::Message& reply, uint16_t id,
                                          const dns::Question& question) {
  const dns::Header& h = reply.header;
  if (h.id != id) {
    return "id " + std::to_string(h.id) + ", expected " + std::to_string(id);
  }
  if (!h.qr) return std::string("not a response (QR clear)");
  if (h.opcode != dns::kOpcodeQuery) return "opcode " + std::to_string(h.opcode);
  if (reply.questions.empty()) {
    const uint16_t rc = reply.rcode();
    if (rc != dns::kRcodeNoError && rc != dns::kRcodeNXDomain) return std::nullopt;
    return std::string("no question in a ") + dns::rcode_to_text(rc) + " reply";
  }
  if (reply.questions.size() != 1) {
    return std::to_string(reply.questions.size()) + " questions";
  }
  const dns::Question& q = reply.questions.front();
  if (!dns::name_equal(q.name, question.name) || q.type != question.type ||
      q.klass != question.klass) {
    return "question " + dns::name_to_text(q.name) + " " + dns::class_to_text(q.klass) + " " +
           dns::type_to_text(q.type) + ", expected " + dns::name_to_text(question.name) + " " +
           dns::class_to_text(question.klass) + " " + dns::type_to_text(question.type);
  }
  return std::nullopt;
}

namespace {

bool has_soa_above(const dns::Message& reply, std::string_view name) {
  return std::ranges::any_of(reply.authority, [&](const dns::Record& r) {
    return r.type == dns::Type::kSOA && name_within(name, r.name);
  });
}

}  // namespace

AnswerChain follow_answer(const dns::Message& reply, std::string_view qname, dns::Type type,
                          int max_hops, std::vector<std::string>& seen) {
  AnswerChain chain;
  std::string current(qname);
  auto remember = [&seen](std::string_view n) {
    std::string key = lower_name(n);
    if (std::ranges::find(seen, key) != seen.end()) return false;
    seen.push_back(std::move(key));
    return true;
  };
  (void)remember(current);
  for (;;) {
    const dns::Record* alias = nullptr;
    bool anything = false;
    for (const dns::Record& r : reply.answers) {
      if (r.klass != dns::kClassIN || !dns::name_equal(r.name, current)) continue;
      anything = true;
      if (r.type == type) {
        chain.ttl = std::min(chain.ttl, r.ttl);
        dns::IpAddress a;
        if (type == dns::Type::kA && r.rdata.size() == 4) {
          std::copy(r.rdata.begin(), r.rdata.end(), a.bytes.begin());
          chain.addresses.push_back(a);
        } else if (type == dns::Type::kAAAA && r.rdata.size() == 16) {
          a.v6 = true;
          std::copy(r.rdata.begin(), r.rdata.end(), a.bytes.begin());
          chain.addresses.push_back(a);
        }
      } else if (r.type == dns::Type::kCNAME && alias == nullptr) {
        alias = &r;
      }
    }
    chain.end_name = current;
    if (!chain.addresses.empty() || alias == nullptr) {
      // No CNAME here: either the data, or nothing. Nothing at an alias's target, with no SOA
      // saying the target's zone has no such data, means the server did not follow it.
      chain.dangling = !anything && chain.hops > 0 && !has_soa_above(reply, current);
      return chain;
    }
    if (chain.hops >= max_hops) {
      chain.too_long = true;
      return chain;
    }
    ++chain.hops;
    chain.ttl = std::min(chain.ttl, alias->ttl);
    current = alias->rdata;
    if (!remember(current)) {
      chain.end_name = current;
      chain.loop = true;
      return chain;
    }
  }
}

}  // namespace wc::client
