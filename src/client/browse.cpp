#include "client/browse.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "client/input_classifier.h"
#include "client/search.h"
#include "client/session.h"
#include "client/trace.h"
#include "client/url.h"
#include "core/event_loop.h"

namespace wc::client {

int run_browse(const BrowseOptions& options) {
  // As curl does: a peer that closes its socket, or a reader of stdout that goes away (`| head`),
  // is an error to report (55, 23), not a signal that kills the process.
  std::signal(SIGPIPE, SIG_IGN);
  Trace trace(options.verbose, now_us());
  Classified input = classify_input(options.input);
  std::string url_text;
  bool render_text = options.text;
  if (input.kind == InputKind::kSearch) {
    std::string tmpl;
    if (options.search) {
      tmpl = *options.search;
    } else if (const char* env = std::getenv("WEBCYCLE_SEARCH"); env != nullptr && *env) {
      tmpl = env;
    } else {
      tmpl = std::string(kDefaultSearchTemplate);
    }
    Result<std::string> url = search_url(tmpl, input.text);
    if (!url) {
      std::fprintf(stderr, "webcycle: %s\n", url.error().message.c_str());
      return 2;
    }
    url_text = *url;
    // A search shows the list of result sites: the results page as text, its links numbered.
    render_text = true;
    trace.line('*', "input \"" + options.input + "\": a search (" + std::string(input.why) +
                        ") for \"" + input.text + "\" -> " + url_text);
  } else {
    url_text = input.text;
    trace.line('*', "input \"" + options.input + "\": an address (" + std::string(input.why) +
                        ") -> " + url_text);
  }
  std::expected<Url, UrlFailure> url = parse_url(url_text);
  if (!url) {
    std::fprintf(stderr, "webcycle: %s\n", url.error().message.c_str());
    return url.error().exit_code();
  }
  Result<ResolverConfig> config = load_resolver_config(options.hosts, options.resolv_conf);
  if (!config) {
    std::fprintf(stderr, "webcycle: %s\n", config.error().message.c_str());
    return 1;
  }
  for (const std::string& d : config->hosts.diagnostics()) {
    std::fprintf(stderr, "webcycle: %s\n", d.c_str());
  }
  for (const std::string& d : config->resolv_conf.diagnostics) {
    std::fprintf(stderr, "webcycle: %s\n", d.c_str());
  }
  trace.line('*', "hosts file: " +
                      (config->hosts_path.empty() ? std::string("none") : config->hosts_path) +
                      "; resolv.conf: " + config->resolv_conf_path);
  Result<std::unique_ptr<core::EventLoop>> loop = core::EventLoop::create();
  if (!loop) {
    std::fprintf(stderr, "webcycle: %s\n", loop.error().message.c_str());
    return 1;
  }
  (*loop)->update_time();  // timers are armed against the loop's clock before its first turn
  return run_session(**loop, std::move(*config), options, trace, render_text, std::move(*url));
}

}  // namespace wc::client
