// load_resolver_config(), and the small text helpers of resolver.h.
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "client/resolver/resolver.h"
#include "core/io.h"

namespace wc::client {

namespace {

enum class ReadOutcome : uint8_t { kRead, kMissing, kError };

// The configuration is read once, before any lookup, never on the loop (core::read_file
// blocks). A missing file is told apart: a default that is absent is an empty one.
ReadOutcome read_whole_file(const std::string& path, std::string& out, int& err) {
  auto text = core::read_file(path);
  if (!text) {
    err = text.error().code;
    return err == ENOENT ? ReadOutcome::kMissing : ReadOutcome::kError;
  }
  out = std::move(*text);
  return ReadOutcome::kRead;
}

// flag > environment > default; `named` says whether the user chose the path.
std::string pick_path(const std::optional<std::string>& flag, const char* env_name,
                      const char* fallback, bool& named) {
  named = true;
  if (flag) return *flag;
  const char* env = std::getenv(env_name);
  if (env != nullptr && *env != '\0') return env;
  named = false;
  return fallback;
}

}  // namespace

std::string_view lookup_status_text(LookupStatus status) noexcept {
  switch (status) {
    case LookupStatus::kFound:
      return "found";
    case LookupStatus::kNotFound:
      return "not found";
    case LookupStatus::kServFail:
      return "server failure";
    case LookupStatus::kTimeout:
      return "timeout";
  }
  return "?";
}

std::string format_trace_line(uint64_t elapsed_us, std::string_view line) {
  char stamp[48];
  std::snprintf(stamp, sizeof stamp, "[%llu.%03llu ms] ",
                static_cast<unsigned long long>(elapsed_us / 1000),
                static_cast<unsigned long long>(elapsed_us % 1000));
  std::string out(stamp);
  out += line;
  return out;
}

Result<ResolverConfig> load_resolver_config(std::optional<std::string> hosts_path,
                                            std::optional<std::string> resolv_path) {
  ResolverConfig config;
  bool named = false;
  std::string path = pick_path(hosts_path, "WEBCYCLE_HOSTS", "/etc/hosts", named);
  std::string text;
  int err = 0;
  switch (read_whole_file(path, text, err)) {
    case ReadOutcome::kRead:
      config.hosts_path = path;
      config.hosts = dns::HostsFile::parse(text, path);
      break;
    case ReadOutcome::kMissing:
      if (named) return sys_fail("cannot read hosts file: open() \"" + path + "\"", err);
      break;  // no /etc/hosts: an empty one
    case ReadOutcome::kError:
      return sys_fail("cannot read hosts file: open() \"" + path + "\"", err);
  }

  path = pick_path(resolv_path, "WEBCYCLE_RESOLV_CONF", "/etc/resolv.conf", named);
  text.clear();
  switch (read_whole_file(path, text, err)) {
    case ReadOutcome::kRead:
      break;
    case ReadOutcome::kMissing:
      if (named) return sys_fail("cannot read resolv.conf: open() \"" + path + "\"", err);
      break;  // glibc's defaults, as for an empty file
    case ReadOutcome::kError:
      return sys_fail("cannot read resolv.conf: open() \"" + path + "\"", err);
  }
  config.resolv_conf_path = path;
  config.resolv_conf = dns::ResolvConf::parse(text, path);
  return config;
}

}  // namespace wc::client
