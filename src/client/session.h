// The I/O half of `webcycle browse`: one browse (its redirects included) on an event loop — the
// lookup with the stub resolver, the connection to each address in turn, the request, the
// response read with ResponseReader, redirects on a kept-alive connection when the host and port
// stay, the body written out (or rendered as text), curl's exit codes. run_browse() (browse.h)
// prepares what it needs; this runs it.
#pragma once

#include "client/browse.h"
#include "client/resolver/resolver.h"
#include "client/trace.h"
#include "client/url.h"
#include "core/event_loop.h"

namespace wc::client {

// Runs the browse of `url` on `loop` until it ends; returns the exit code (browse.h lists them).
// `render_text`: show an HTML answer as text (--text, or a search). The loop must have had its
// clock read (update_time()) and must not be running.
[[nodiscard]] int run_session(core::EventLoop& loop, ResolverConfig config,
                              const BrowseOptions& options, const Trace& trace, bool render_text,
                              Url url);

}  // namespace wc::client
