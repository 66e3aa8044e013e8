#include "dnsserver/query_log.h"

#include <cstdio>

#include "dns/message.h"

namespace wc::dnsserver {

std::string bind_timestamp(time_t seconds, unsigned msec) {
  tm local{};
  localtime_r(&seconds, &local);
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d-%s-%04d %02d:%02d:%02d.%03u", local.tm_mday,
                kMonths[local.tm_mon % 12], local.tm_year + 1900, local.tm_hour, local.tm_min,
                local.tm_sec, msec % 1000);
  return buf;
}

void format_query_line(std::string& out, std::string_view timestamp, std::string_view client,
                       std::string_view server, std::string_view query, Transport transport,
                       Verdict verdict, std::string_view response) {
  out.append(timestamp);
  out += " client ";
  out.append(client);
  out += ": query: ";
  auto parsed = dns::parse_message(query);
  if (parsed && parsed->questions.size() == 1) {
    const dns::Question& q = parsed->questions.front();
    std::string name = dns::name_to_text(q.name);
    if (name.size() > 1 && name.back() == '.') name.pop_back();
    out += name;
    out += ' ';
    out += dns::class_to_text(q.klass);
    out += ' ';
    out += dns::type_to_text(q.type);
    out += ' ';
    out += parsed->header.rd ? '+' : '-';
    if (parsed->edns) out += 'E';
    if (transport == Transport::kTcp) out += 'T';
    if (parsed->edns && parsed->edns->do_bit) out += 'D';
    if (parsed->header.cd) out += 'C';
  } else {
    out += "(malformed)";
  }
  out += " (";
  out.append(server);
  out += ") ";
  switch (verdict) {
    case Verdict::kDrop:
      out += "dropped";
      break;
    case Verdict::kForward:
      out += "forwarded";
      break;
    case Verdict::kReply:
      if (response.size() >= dns::kHeaderSize) {
        uint16_t rcode = static_cast<uint8_t>(response[3]) & 0x0F;
        auto r = dns::parse_message(response);
        if (r) rcode = r->rcode();
        const unsigned ancount =
            static_cast<uint8_t>(response[6]) << 8 | static_cast<uint8_t>(response[7]);
        out += dns::rcode_to_text(rcode);
        out += ' ';
        out += std::to_string(ancount);
      }
      break;
  }
  out += '\n';
}

}  // namespace wc::dnsserver
