#include "dnsserver/dns_main.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "core/error_log.h"
#include "core/event_loop.h"
#include "core/notify.h"
#include "core/process.h"
#include "core/signals.h"
#include "dnsserver/server.h"
#include "dnsserver/zone_db.h"

namespace wc::dnsserver {

namespace {

using core::LogLevel;

void log_loaded(const ZoneDb& db) {
  for (const Zone& zone : db.zones()) {
    core::error_log().logf(LogLevel::notice, 0, "zone %s loaded from %s, serial %u",
                           zone.origin_text.c_str(), zone.file.c_str(), zone.serial);
  }
  if (const dns::HostsFile* hosts = db.hosts()) {
    for (const std::string& d : hosts->diagnostics()) {
      core::error_log().logf(LogLevel::warn, 0, "%s", d.c_str());
    }
  }
}

}  // namespace

int dns_main(const DnsOptions& options) {
  if (!options.error_log.empty() && !options.test_only) {
    if (auto s = core::error_log().open(options.error_log, LogLevel::notice); !s) {
      std::fprintf(stderr, "webcycle dns: %s\n", s.error().message.c_str());
      return 1;
    }
  }
  for (const std::string& listen : options.listen) {
    if (auto a = parse_listen(listen); !a) {
      core::error_log().logf(LogLevel::emerg, 0, "%s", a.error().message.c_str());
      return 1;
    }
  }
  if (!options.forward.empty()) {
    if (auto a = parse_forward(options.forward); !a) {
      core::error_log().logf(LogLevel::emerg, 0, "%s", a.error().message.c_str());
      return 1;
    }
  }
  auto db = ZoneDb::load(options.zones, options.hosts);
  if (!db) {
    if (options.test_only) {
      std::fprintf(stderr, "webcycle dns: %s\nwebcycle dns: configuration test failed\n",
                   db.error().message.c_str());
    } else {
      core::error_log().logf(LogLevel::emerg, 0, "%s", db.error().message.c_str());
    }
    return 1;
  }
  if (options.test_only) {
    for (const Zone& zone : (*db)->zones()) {
      std::fprintf(stderr, "webcycle dns: zone %s is ok (%s, serial %u)\n",
                   zone.origin_text.c_str(), zone.file.c_str(), zone.serial);
    }
    if (const dns::HostsFile* hosts = (*db)->hosts()) {
      for (const std::string& d : hosts->diagnostics()) {
        std::fprintf(stderr, "webcycle dns: %s\n", d.c_str());
      }
    }
    std::fprintf(stderr, "webcycle dns: configuration test is successful\n");
    return 0;
  }
  log_loaded(**db);

  auto loop = core::EventLoop::create();
  if (!loop) {
    core::error_log().logf(LogLevel::emerg, 0, "%s", loop.error().message.c_str());
    return 1;
  }
  if (auto s = core::ignore_sigpipe(); !s) {
    core::error_log().logf(LogLevel::emerg, 0, "%s", s.error().message.c_str());
    return 1;
  }
  std::unique_ptr<DnsServer> server;
  auto signals = core::SignalSet::open({SIGHUP, SIGUSR1, SIGTERM, SIGINT, SIGQUIT}, [&](int signo) {
    switch (signo) {
      case SIGHUP:
        core::error_log().log(LogLevel::notice, 0, "signal 1 (SIGHUP) received, reloading");
        core::notify_reloading();
        if (server) (void)server->reload();
        core::notify_ready("serving");  // the new zones, or the old ones kept
        break;
      case SIGUSR1:
        (void)core::error_log().reopen();  // a failure is logged to the old file
        if (server) server->reopen_logs();
        break;
      default:
        core::error_log().logf(LogLevel::notice, 0, "signal %d received, exiting", signo);
        core::notify_stopping();
        (*loop)->stop();
        break;
    }
  });
  if (!signals) {
    core::error_log().logf(LogLevel::emerg, 0, "%s", signals.error().message.c_str());
    return 1;
  }
  if (auto s = (*signals)->attach(**loop); !s) {
    core::error_log().logf(LogLevel::emerg, 0, "%s", s.error().message.c_str());
    return 1;
  }
  auto created = DnsServer::create(**loop, options, std::move(*db));
  if (!created) {
    core::error_log().logf(LogLevel::emerg, 0, "%s", created.error().message.c_str());
    return 1;
  }
  server = std::move(*created);
  for (const core::SocketAddress& a : server->addresses()) {
    core::error_log().logf(LogLevel::notice, 0, "listening on %s (udp and tcp)",
                           a.to_string().c_str());
  }
  if (!options.forward.empty()) {
    core::error_log().logf(LogLevel::notice, 0, "names outside the zones go to %s",
                           options.forward.c_str());
  }
  if (!options.pid_file.empty()) {
    if (auto s = core::write_pid_file(options.pid_file); !s) {
      core::error_log().logf(LogLevel::emerg, 0, "%s", s.error().message.c_str());
      return 1;
    }
  }
  core::notify_ready("serving");
  (*loop)->run();
  server.reset();
  signals->reset();
  if (!options.pid_file.empty()) (void)::unlink(options.pid_file.c_str());
  return 0;
}

}  // namespace wc::dnsserver
