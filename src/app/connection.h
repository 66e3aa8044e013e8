// AppConnection: one client connection of an app worker, a state machine on edge-triggered epoll:
//
//   kHead (reading a request head; idle keep-alive when nothing is buffered)
//     --> kBody (only when the body did not arrive with the head: it is read, de-chunked, into
//                memory without calling Python)
//     --> kRespond (the application is called; its pieces are framed and written as they come;
//                   when the client reads slowly the iteration pauses until it has drained, so
//                   memory stays bounded and the worker serves others meanwhile)
//     --> kHead for the next request (pipelined bytes already buffered are parsed at once), or
//         close.
//
// The head's views point into in_ while the request has no body to wait for; otherwise the head
// is copied (head_copy_) and re-parsed there, so in_ can be reused for the body.
// Owned by its AppWorker (intrusive list), destroyed through AppWorker::close(). Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "app/python/application.h"
#include "app/request_mapping.h"
#include "core/buffer.h"
#include "core/event_loop.h"
#include "core/fd.h"
#include "http/chunked_decoder.h"
#include "http/request_parser.h"

namespace wc::app {

class AppWorker;
struct ListenSocket;

class AppConnection final : public core::IoHandler {
 public:
  AppConnection(AppWorker& worker, core::Fd fd, const ListenSocket& socket,
                std::string_view peer_addr, uint16_t peer_port);
  ~AppConnection();
  AppConnection(const AppConnection&) = delete;
  AppConnection& operator=(const AppConnection&) = delete;

  // Registers with the loop and arms the read timer. Errors: epoll_ctl's.
  [[nodiscard]] Status start();
  void on_io(uint32_t events) override;
  // Graceful stop: an idle connection closes now, a busy one after its response.
  void shutdown_when_idle();
  [[nodiscard]] bool idle() const noexcept;

  AppConnection* prev = nullptr;
  AppConnection* next = nullptr;

 private:
  enum class State : uint8_t { kHead, kBody, kRespond, kClosed };

  void read_input();
  void process();
  // Starts the request whose head is parsed in head_ (head_len_ bytes at the front of in_).
  void begin_request();
  // Reads body bytes from in_ into body_; true when the body is complete.
  bool take_body();
  // Adds body bytes: in memory up to 1 MiB, then in an unlinked temporary file. False (logged)
  // when the file cannot be written.
  bool append_body(std::string_view piece);
  bool write_body_file(std::string_view bytes);
  void dispatch();
  // Runs the application's iteration and writes; returns when it must wait (or is done).
  void produce();
  // Writes the status line and headers; `length_hint` >= 0 is the body's size when known here.
  void append_head(int64_t length_hint = -1);
  void append_piece(std::string_view bytes);
  void end_response(bool ok);
  void answer_error(int status, std::string_view reason, std::string_view message);
  void log_access();
  // Writes out_ (and a pending file); false when the socket is full (EPOLLOUT armed) or failed.
  bool flush();
  void arm_timer(uint64_t ms);
  void on_timer();
  void close();

  AppWorker& worker_;
  core::Fd fd_;
  const ListenSocket& socket_;
  State state_ = State::kHead;
  bool read_closed_ = false;   // the peer closed its side (EOF)
  bool want_write_ = false;    // EPOLLOUT wait in progress
  bool read_pending_ = false;  // EPOLLIN seen but not read yet (edge-triggered)
  bool in_process_ = false;    // process() is on the stack (no recursion per pipelined request)
  bool closing_ = false;       // close once out_ is written
  bool stopping_ = false;      // the worker is stopping gracefully
  bool keep_alive_ = true;     // this response leaves the connection open
  uint32_t served_ = 0;        // responses finished on this connection
  uint16_t peer_port_;
  char peer_addr_[48];
  uint8_t peer_addr_len_ = 0;
  char peer_port_text_[8];
  uint8_t peer_port_len_ = 0;

  core::Buffer in_;
  http::RequestParser parser_;
  http::RequestHead head_;
  size_t head_len_ = 0;    // bytes of in_ the current request occupies (head, + body if inline)
  std::string head_copy_;  // the head, when the body is read separately
  std::string body_;
  int body_fd_ = -1;  // the body's temporary file, when it outgrew memory
  int64_t body_file_size_ = 0;
  uint64_t body_left_ = 0;  // Content-Length bytes still to come
  std::unique_ptr<http::ChunkedDecoder> chunked_;
  uint64_t request_start_us_ = 0;  // CLOCK_REALTIME µs (access log)
  MappedRequest mapped_;           // what the application is told (valid until the response ends)

  // The response.
  python::Call call_;
  bool head_written_ = false;
  bool head_request_ = false;  // HEAD: no body bytes
  bool chunked_out_ = false;
  bool no_body_ = false;       // 1xx/204/304 or HEAD
  int64_t length_left_ = -1;   // Content-Length still to send (-1: not length-delimited)
  size_t response_start_ = 0;  // where this response begins in out_
  int status_ = 0;
  uint64_t body_bytes_ = 0;  // body bytes of this response (access log)
  bool streaming_ = false;   // write each piece as it comes (a generator)
  std::string out_;
  size_t out_off_ = 0;
  // A file piece being sent with sendfile.
  int file_fd_ = -1;
  int64_t file_off_ = 0;
  int64_t file_left_ = 0;
  bool file_chunk_trailer_ = false;
  core::Timer timer_;
};

}  // namespace wc::app
