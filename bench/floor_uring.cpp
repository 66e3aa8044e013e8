// bench/floor-uring: bench/floor with io_uring instead of epoll + read + writev, to see whether the
// kernel's share of a request on this machine shrinks when the system calls are batched.
//
// The same fixed response from memory and the same request counting as bench/floor.cpp; the I/O is
// a multishot accept, one multishot recv per connection drawing from a ring of provided buffers,
// and one send per batch of requests read, every submission of a loop turn going to the kernel in
// one io_uring_enter (IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN, so completions are reaped in
// that call too). It answers what bench/floor answers; static.sh runs it as `floor-uring`, next to
// the floor, and never counts it as a peer. Stopped by SIGTERM/SIGINT; SIGPIPE is ignored.
//
// Usage: floor_uring PORT [BODY_BYTES]   (listens on 127.0.0.1:PORT; body defaults to 1024 bytes)
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "floor_common.h"

namespace {

constexpr unsigned kBuffers = 4096;  // provided receive buffers, shared by every connection
constexpr unsigned kBufferSize = 4096;
constexpr size_t kInBuf = 16384;                       // a connection's unanswered request bytes
constexpr uint64_t kAccept = 1, kRecv = 2, kSend = 3;  // user_data tags (low bits of a Conn*)

struct Conn {
  int fd = -1;
  bool recv_armed = false;
  bool send_in_flight = false;
  bool closing = false;
  uint64_t owed = 0;  // requests read but not yet being answered
  std::string out;    // the responses of the send in flight
  size_t out_sent = 0;
  size_t in_len = 0;
  char in[kInBuf];
};

io_uring g_ring;
io_uring_buf_ring* g_buf_ring = nullptr;
char* g_buffers = nullptr;
std::string g_response;

io_uring_sqe* next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&g_ring);
  if (sqe == nullptr) {  // the submission queue is full: hand it to the kernel first
    io_uring_submit(&g_ring);
    sqe = io_uring_get_sqe(&g_ring);
  }
  return sqe;
}

uint64_t tag(Conn* c, uint64_t kind) { return reinterpret_cast<uint64_t>(c) | kind; }

void arm_recv(Conn* c) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recv_multishot(sqe, c->fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data64(sqe, tag(c, kRecv));
  c->recv_armed = true;
}

void send_rest(Conn* c) {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_send(sqe, c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                     MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, tag(c, kSend));
  c->send_in_flight = true;
}

// Starts answering what was read, unless a send is still out (its completion comes back here).
void answer(Conn* c) {
  if (c->send_in_flight || c->owed == 0 || c->closing) return;
  c->out.clear();
  c->out_sent = 0;
  for (; c->owed > 0; --c->owed) c->out += g_response;
  send_rest(c);
}

// Frees the connection once the kernel holds no request of it.
void close_when_idle(Conn* c) {
  c->closing = true;
  if (c->send_in_flight || c->recv_armed) {
    if (c->recv_armed) {  // end the multishot recv; its last completion comes back
      io_uring_sqe* sqe = next_sqe();
      io_uring_prep_cancel64(sqe, tag(c, kRecv), 0);
      io_uring_sqe_set_data64(sqe, 0);
    }
    return;
  }
  close(c->fd);
  delete c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: floor_uring PORT [BODY_BYTES]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const int port = std::atoi(argv[1]);
  const size_t body = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
  g_response = floor_bench::response(body);
  const int lfd = floor_bench::listen_loopback(port, 0, "floor_uring: bind/listen");
  if (lfd < 0) return 1;
  const int one = 1;

  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (const int e = io_uring_queue_init_params(4096, &g_ring, &params); e < 0) {
    std::fprintf(stderr, "floor_uring: io_uring_queue_init: %s\n", std::strerror(-e));
    return 1;
  }
  g_buf_ring =
      static_cast<io_uring_buf_ring*>(std::aligned_alloc(4096, sizeof(io_uring_buf) * kBuffers));
  g_buffers = static_cast<char*>(std::malloc(size_t{kBuffers} * kBufferSize));
  io_uring_buf_ring_init(g_buf_ring);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(g_buf_ring);
  reg.ring_entries = kBuffers;
  reg.bgid = 0;
  if (const int e = io_uring_register_buf_ring(&g_ring, &reg, 0); e != 0) {
    std::fprintf(stderr, "floor_uring: io_uring_register_buf_ring: %s\n", std::strerror(-e));
    return 1;
  }
  const int mask = io_uring_buf_ring_mask(kBuffers);
  for (unsigned i = 0; i < kBuffers; ++i) {
    io_uring_buf_ring_add(g_buf_ring, g_buffers + size_t{i} * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(i), mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(g_buf_ring, kBuffers);

  auto arm_accept = [&] {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_multishot_accept(sqe, lfd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, kAccept);
  };
  arm_accept();

  while (true) {
    const int e = io_uring_submit_and_wait(&g_ring, 1);
    if (e < 0 && e != -EINTR && e != -EBUSY) {
      std::fprintf(stderr, "floor_uring: io_uring_submit_and_wait: %s\n", std::strerror(-e));
      return 1;
    }
    unsigned head = 0;
    unsigned seen = 0;
    int returned = 0;  // receive buffers given back this turn
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&g_ring, head, cqe) {
      ++seen;
      const uint64_t data = cqe->user_data;
      if (data == 0) continue;  // a cancel's own completion
      const uint64_t kind = data & 7;
      Conn* c = reinterpret_cast<Conn*>(data & ~uint64_t{7});
      const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
      if (kind == kAccept) {
        if (cqe->res >= 0) {
          auto* nc = new Conn;
          nc->fd = cqe->res;
          setsockopt(nc->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          arm_recv(nc);
        }
        if (!more) arm_accept();
        continue;
      }
      if (kind == kSend) {
        c->send_in_flight = false;
        if (cqe->res < 0) {
          close_when_idle(c);
          continue;
        }
        c->out_sent += static_cast<size_t>(cqe->res);
        if (c->closing) {
          close_when_idle(c);
        } else if (c->out_sent < c->out.size()) {
          send_rest(c);  // a short send: the rest, then what came meanwhile
        } else {
          answer(c);
        }
        continue;
      }
      // kRecv
      if (!more) c->recv_armed = false;
      if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER) != 0) {
        const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        char* buf = g_buffers + size_t{bid} * kBufferSize;
        const size_t len = static_cast<size_t>(cqe->res);
        const bool fits = len <= kInBuf - c->in_len;
        if (fits) {
          std::memcpy(c->in + c->in_len, buf, len);
          c->in_len += len;
        }
        io_uring_buf_ring_add(g_buf_ring, buf, kBufferSize, static_cast<unsigned short>(bid), mask,
                              returned++);
        if (!fits) {  // a header block larger than the buffer: give up, as bench/floor does
          close_when_idle(c);
          continue;
        }
        c->owed += floor_bench::take_requests(c->in, c->in_len);
        answer(c);
        if (!more) {
          if (c->closing) {
            close_when_idle(c);
          } else {
            arm_recv(c);
          }
        }
        continue;
      }
      if (cqe->res == -ENOBUFS && !c->closing) {  // every buffer in use: ask again
        if (!more) arm_recv(c);
        continue;
      }
      // End of stream, an error, or our cancel.
      if (!more) close_when_idle(c);
    }
    io_uring_cq_advance(&g_ring, seen);
    if (returned > 0) io_uring_buf_ring_advance(g_buf_ring, returned);
  }
}
