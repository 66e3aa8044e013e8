#include "core/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error_log.h"
#include "core/fd.h"

namespace wc::core {

Status notify(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (env == nullptr || env[0] == '\0') return {};
  const std::string_view path(env);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if ((path[0] != '/' && path[0] != '@') || path.size() >= sizeof addr.sun_path) {
    return fail("NOTIFY_SOCKET \"" + std::string(path) + "\" is not a socket path");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                          (path[0] == '@' ? 0 : 1));
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_fail("socket(AF_UNIX, SOCK_DGRAM)");
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
    return sys_fail("sendto() to NOTIFY_SOCKET \"" + std::string(path) + "\"");
  }
  return {};
}

namespace {

void send_logged(const std::string& state) {
  if (auto s = notify(state); !s) {
    error_log().logf(LogLevel::warn, 0, "%s", s.error().message.c_str());
  }
}

}  // namespace

void notify_ready(std::string_view status) {
  std::string state = "READY=1\nSTATUS=";
  state += status;
  state += "\nMAINPID=";
  state += std::to_string(::getpid());
  send_logged(state);
}

void notify_reloading() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  // MONOTONIC_USEC: systemd 253's Type=notify-reload wants it with RELOADING=1; older ones
  // ignore it.
  send_logged("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_stopping() { send_logged("STOPPING=1"); }

}  // namespace wc::core
