// The service manager's readiness protocol (sd_notify(3)) without libsystemd: a datagram with
// "KEY=VALUE" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for
// the abstract namespace). systemd's `Type=notify` units wait for READY=1; RELOADING=1 and
// STOPPING=1 tell it what a signal started. With no $NOTIFY_SOCKET every call does nothing, so
// the servers call these unconditionally.
//
// Who calls: the main process only (web's master, app's arbiter, dns's single process), at the
// moments the unit cares about: READY once it listens (and its workers are started), RELOADING
// when a HUP starts a reload and READY again when it has been applied or refused, STOPPING when
// a stop begins. Workers inherit $NOTIFY_SOCKET but never send (units say NotifyAccess=main).
#pragma once

#include <string_view>

#include "core/result.h"

namespace wc::core {

// Sends `state` as one datagram. Errors: the socket's ("sendto() to \"/run/...\" failed (...)"),
// or "NOTIFY_SOCKET \"x\" is not a socket path" for a value that is neither a path nor "@name".
// Ok without sending when $NOTIFY_SOCKET is unset or empty.
[[nodiscard]] Status notify(std::string_view state);

// "READY=1\nSTATUS=...\nMAINPID=<this pid>", "RELOADING=1\nMONOTONIC_USEC=<now>", "STOPPING=1".
// A failure is logged to the error log at warn level (the service manager is not the server's
// business: it keeps running either way).
void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();

}  // namespace wc::core
