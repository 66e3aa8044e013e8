// The body of `webcycle dns` once its flags are read: load the zones, bind, run the loop until
// TERM/INT/QUIT; HUP reloads, USR1 reopens the logs. Returns the process's exit code: 0 after a
// signal stop or a good -t, 1 when the zones, the config or the sockets fail.
#pragma once

#include "dnsserver/options.h"

namespace wc::dnsserver {

[[nodiscard]] int dns_main(const DnsOptions& options);

}  // namespace wc::dnsserver
