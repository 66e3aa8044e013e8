// bench/floor: the practical ceiling of one core for an HTTP/1.1 server on this machine.
//
// A single-threaded, edge-triggered epoll server that answers every request with one fixed
// response held in memory: no parsing beyond finding the end of each header block, no files, no
// logging. All complete requests found in one read are answered with one writev (pipelining), so
// whatever a real server does on top of this is its own cost. Requests are assumed to have no body
// (the benchmarks send only GET). Stopped by SIGTERM/SIGINT (their default action); SIGPIPE is
// ignored.
//
// Usage: floor PORT [BODY_BYTES]   (listens on 127.0.0.1:PORT; body defaults to 1024 bytes)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "floor_common.h"

namespace {

constexpr int kMaxIov = 1024;  // IOV_MAX on Linux
constexpr size_t kReadBuf = 16384;

struct Conn {
  int fd = -1;
  size_t in_len = 0;  // bytes of an incomplete request kept at the start of `in`
  uint64_t owed = 0;  // response bytes still to send (whole responses * size - sent)
  size_t offset = 0;  // position inside the response currently being sent
  char in[kReadBuf];
};

std::string g_response;

// Sends as much of what is owed as the socket takes. Returns false when the connection failed.
bool flush(Conn& c) {
  const size_t size = g_response.size();
  while (c.owed > 0) {
    iovec iov[kMaxIov];
    int n = 0;
    uint64_t left = c.owed;
    size_t off = c.offset;
    while (left > 0 && n < kMaxIov) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(size - off, left));
      iov[n++] = {const_cast<char*>(g_response.data()) + off, len};
      left -= len;
      off = 0;
    }
    const ssize_t w = writev(c.fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return true;
      return false;
    }
    c.owed -= static_cast<uint64_t>(w);
    c.offset = (c.offset + static_cast<size_t>(w)) % size;
  }
  return true;
}

void close_conn(Conn* c) {
  close(c->fd);
  delete c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: floor PORT [BODY_BYTES]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);  // a client closing mid-response is an EPIPE, not the end of us
  const int port = std::atoi(argv[1]);
  const size_t body = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
  g_response = floor_bench::response(body);
  const int lfd = floor_bench::listen_loopback(port, SOCK_NONBLOCK, "floor: bind/listen");
  if (lfd < 0) return 1;
  const int one = 1;

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the listener
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

  std::vector<epoll_event> events(512);
  while (true) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("floor: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (c == nullptr) {
        while (true) {
          const int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN, or out of fds: the rest wait in the backlog
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* nc = new Conn;
          nc->fd = fd;
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
          cev.data.ptr = nc;
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      bool ok = true;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) ok = false;
      if (ok && c->owed > 0) ok = flush(*c);
      // Input left unread while the socket was full is read now that it drained: with
      // edge-triggered epoll no new EPOLLIN would announce it.
      if (ok && c->owed == 0) {
        while (true) {
          const size_t space = kReadBuf - c->in_len;
          const ssize_t r = read(c->fd, c->in + c->in_len, space);
          if (r < 0 && errno == EINTR) continue;
          if (r < 0 && errno == EAGAIN) break;
          if (r <= 0) {
            ok = false;
            break;
          }
          c->in_len += static_cast<size_t>(r);
          c->owed += floor_bench::take_requests(c->in, c->in_len) * g_response.size();
          if (c->in_len == kReadBuf) {  // a header block larger than the buffer: give up
            ok = false;
            break;
          }
          // Answer everything read so far before reading more; if the socket is full, the
          // edge-triggered EPOLLOUT resumes the flush and the unread input stays queued.
          if (!flush(*c)) {
            ok = false;
            break;
          }
          // A short read drained the socket: anything arriving later raises a new edge, so
          // the read that would only say EAGAIN is saved.
          if (c->owed > 0 || static_cast<size_t>(r) < space) break;
        }
      }
      if (!ok) close_conn(c);
    }
  }
}
