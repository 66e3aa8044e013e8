// What bench/floor.cpp and bench/floor_uring.cpp share, so that the two floors differ only in how
// they do I/O: the fixed response, the listening socket and the request counting.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace floor_bench {

// The one answer to every request: a 200 with BODY bytes of 'x'.
inline std::string response(size_t body) {
  return "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: application/octet-stream\r\n"
         "Content-Length: " +
         std::to_string(body) + "\r\n\r\n" + std::string(body, 'x');
}

// A socket listening on 127.0.0.1:PORT (SOCK_CLOEXEC | type_flags), or -1 after perror(name).
inline int listen_loopback(int port, int type_flags, const char* name) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | type_flags, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 4096) != 0) {
    std::perror(name);
    return -1;
  }
  return fd;
}

// Counts the complete ("\r\n\r\n"-terminated) header blocks at the start of in[0, len), and keeps
// the unfinished tail at the start of `in` (len shrinks to it).
inline uint64_t take_requests(char* in, size_t& len) {
  uint64_t n = 0;
  size_t pos = 0;
  while (const void* end = memmem(in + pos, len - pos, "\r\n\r\n", 4)) {
    pos = static_cast<size_t>(static_cast<const char*>(end) - in) + 4;
    ++n;
  }
  if (pos > 0) {
    memmove(in, in + pos, len - pos);
    len -= pos;
  }
  return n;
}

}  // namespace floor_bench
