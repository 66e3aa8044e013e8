// Fuzzes the whole config load (lexer, directive table, merging, regex compile, listen groups)
// and then the per-request lookups on whatever loaded (server, location, every map). Input: config
// text, optionally followed by a NUL byte and -g text. `include` is refused so the harness never
// reads the file system.
#include "web/config/web_config.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "web/config/locations.h"
#include "web/config/server_names.h"
#include "web/vars/user_vars.h"
#include "web/vars/variables.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wc::web::config;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string text(input.substr(0, nul));
  LoadOptions options;
  options.conf_file = "/fuzz/conf/webcycle.conf";
  options.prefix = "/fuzz/";
  options.text = &text;
  options.allow_include = false;
  if (nul != std::string_view::npos) options.g_directives = std::string(input.substr(nul + 1));
  auto config = load_config(options);
  if (!config) return 0;
  (void)dump_config(**config);
  static constexpr std::string_view kUris[] = {
      "/", "/index.html", "/a/b/c.txt", "/images/x.PNG", "/documents/", "/x.php", "/%2e%2e/"};
  static constexpr std::string_view kHosts[] = {
      "", "example.com", "WWW.Example.com:80", "a.b.example.org.", "[::1]:8080", "x"};
  Captures captures;
  for (const ListenGroup& group : listen_sockets(**config)) {
    for (std::string_view host : kHosts) {
      const ServerConf& server = select_server(group, host, &captures);
      for (std::string_view uri : kUris) {
        const LocationConf& loc = find_location(server, uri, &captures);
        (void)mime_type(loc, uri);
        for (int i = 0; i < 10; ++i) (void)captures.group(i);
      }
    }
  }
  // Every map evaluated for each host and URI (exact, wildcard and regex keys, values with
  // captures and other variables, maps of maps).
  wc::web::vars::UserVars user;
  for (const auto& map : (*config)->http.maps) {
    for (std::string_view host : kHosts) {
      for (std::string_view uri : kUris) {
        user.reset(&(*config)->variables);
        wc::web::vars::RequestVars v;
        v.user = &user;
        v.host = host;
        v.uri = uri;
        (void)user.get(map->var, v);
      }
    }
  }
  return 0;
}
