// Call: walking the app's iterable (the second half of gunicorn's handle_request), PEP 3333
// "Buffering and Streaming" and "Optional Platform-Specific File Handling".
#include <sys/stat.h>
#include <unistd.h>

#include "app/python/call_state.h"
#include "app/python/exception.h"
#include "app/python/objects.h"

namespace wc::app::python {
namespace {

// gunicorn's util.has_fileno: these mean "no usable descriptor", not an error.
bool is_no_fileno_error() {
  return PyErr_ExceptionMatches(PyExc_AttributeError) || PyErr_ExceptionMatches(PyExc_OSError) ||
         PyErr_ExceptionMatches(PyExc_ValueError);  // io.UnsupportedOperation is both
}

enum class FileCheck { kFile, kNotAFile, kError };

// The sendfile path of wsgi.file_wrapper: the filelike's descriptor if it is a regular file, and
// its position. tell() first: a buffered reader's descriptor may be ahead of what the app read.
FileCheck file_of(PyObject* wrapper, FilePiece& file) {
  PyObject* filelike = file_wrapper_filelike(wrapper);
  PyObject* method = nullptr;
  if (_PyObject_LookupAttr(filelike, names().fileno, &method) < 0) return FileCheck::kError;
  if (method == nullptr) return FileCheck::kNotAFile;
  Ref fileno_method(method);
  Ref number(PyObject_CallNoArgs(fileno_method.get()));
  if (!number) {
    if (!is_no_fileno_error()) return FileCheck::kError;
    PyErr_Clear();
    return FileCheck::kNotAFile;
  }
  long fd_number = PyLong_Check(number.get()) ? PyLong_AsLong(number.get()) : -1;
  int fd = fd_number >= 0 && fd_number <= INT32_MAX ? static_cast<int>(fd_number) : -1;
  if (fd == -1 && PyErr_Occurred()) PyErr_Clear();
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return FileCheck::kNotAFile;

  int64_t offset = -1;
  PyObject* tell = nullptr;
  if (_PyObject_LookupAttr(filelike, names().tell, &tell) > 0) {
    Ref tell_method(tell);
    Ref position(PyObject_CallNoArgs(tell_method.get()));
    if (position && PyLong_Check(position.get())) offset = PyLong_AsLongLong(position.get());
  }
  PyErr_Clear();
  if (offset < 0) offset = ::lseek(fd, 0, SEEK_CUR);
  if (offset < 0) return FileCheck::kNotAFile;
  file.fd = fd;
  file.offset = offset;
  file.count = -1;
  return FileCheck::kFile;
}

}  // namespace

Call::~Call() { finish(); }

Call::Call(Call&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      started_(other.started_),
      head_committed_(other.head_committed_),
      status_code_(other.status_code_),
      known_length_(other.known_length_),
      status_(std::move(other.status_)),
      headers_(std::move(other.headers_)) {}

Call& Call::operator=(Call&& other) noexcept {
  if (this != &other) {
    finish();
    state_ = std::exchange(other.state_, nullptr);
    started_ = other.started_;
    head_committed_ = other.head_committed_;
    status_code_ = other.status_code_;
    known_length_ = other.known_length_;
    status_ = std::move(other.status_);
    headers_ = std::move(other.headers_);
  }
  return *this;
}

Step Call::next(Piece& piece) {
  if (state_ == nullptr) return Step::kError;
  State& s = *state_;
  Gil gil;
  if (s.failed) {
    // PEP 3333: write() transmits at once. Pieces written before the app raised were sent (and
    // with them the head), so they still go out; the error then cuts the response short.
    if (s.written_head < s.written.size() && s.started) {
      s.current.reset();
      Ref item = std::move(s.written[s.written_head++]);
      piece.body = std::string_view(PyBytes_AS_STRING(item.get()),
                                    static_cast<size_t>(PyBytes_GET_SIZE(item.get())));
      s.current = std::move(item);
      head_committed_ = s.head_committed = true;
      if (s.head_changed) {
        started_ = s.started;
        status_ = std::move(s.status);
        status_code_ = s.status_code;
        headers_ = std::move(s.headers);
        s.head_changed = false;
      }
      return Step::kBody;
    }
    s.written.clear();
    s.written_head = 0;
    return Step::kError;
  }
  if (head_committed_) s.head_committed = true;  // the server sent it: exc_info must re-raise now
  s.current.reset();

  // start_response(..., exc_info) may have replaced the head while Python ran below.
  auto sync_head = [&] {
    if (!s.head_changed) return;
    started_ = s.started;
    status_ = std::move(s.status);
    status_code_ = s.status_code;
    headers_ = std::move(s.headers);
    s.head_changed = false;
  };
  auto error = [&] {
    log_request_exception(s.raw_uri.get());
    s.failed = true;
    s.written.clear();
    sync_head();
    return Step::kError;
  };
  auto body = [&](Ref item) {
    piece.body = std::string_view(PyBytes_AS_STRING(item.get()),
                                  static_cast<size_t>(PyBytes_GET_SIZE(item.get())));
    s.current = std::move(item);
    head_committed_ = s.head_committed = true;
    sync_head();
    return Step::kBody;
  };

  for (;;) {
    // write() output first: it was "transmitted" before whatever the iterable yields next.
    if (s.written_head < s.written.size()) {
      Ref item = std::move(s.written[s.written_head++]);
      if (s.written_head == s.written.size()) {
        s.written.clear();
        s.written_head = 0;
      }
      return body(std::move(item));
    }
    if (s.exhausted) {
      head_committed_ = s.head_committed = true;
      sync_head();
      return Step::kDone;
    }

    Ref item;
    switch (s.kind) {
      case BodyKind::kSequence: {
        // No iterator object: index the list/tuple in place (its size re-read every time).
        PyObject* seq = s.result.get();
        if (s.index < PySequence_Fast_GET_SIZE(seq)) item = Ref::borrow(PySequence_Fast_GET_ITEM(seq, s.index++));
        break;
      }
      case BodyKind::kFileWrapper: {
        if (!s.file_tried) {
          s.file_tried = true;
          FilePiece file;
          FileCheck check = file_of(s.result.get(), file);
          if (check == FileCheck::kError) return error();
          if (check == FileCheck::kFile) {
            piece.file = file;
            s.exhausted = true;
            head_committed_ = s.head_committed = true;
            sync_head();
            return Step::kFile;
          }
        }
        // Not a regular file: filelike.read(blksize) blocks (the wrapper is its own iterator).
        s.kind = BodyKind::kIterator;
        s.iterator = Ref::borrow(s.result.get());
        continue;
      }
      case BodyKind::kIterator:
        if (s.prefetched) {
          item = std::move(s.prefetched);
        } else {
          item = Ref(PyIter_Next(s.iterator.get()));
          if (!item && PyErr_Occurred()) return error();
        }
        break;
    }
    if (!item) {
      s.exhausted = true;
      continue;  // pieces written during the last __next__ still go out before kDone
    }
    if (s.written_head < s.written.size()) {
      // __next__ called write(): those bytes come first, this item after them.
      s.written.push_back(std::move(item));
      continue;
    }
    if (!PyBytes_Check(item.get())) {
      // PEP 3333: the iterable yields bytestrings. gunicorn's words for anything else.
      PyErr_Format(PyExc_TypeError, "%R is not a byte", item.get());
      return error();
    }
    if (PyBytes_GET_SIZE(item.get()) == 0) continue;
    return body(std::move(item));
  }
}

void Call::finish() {
  if (state_ == nullptr) return;
  State* s = state_;
  if (!s->result && !s->input && !s->start_response && !s->errors) {
    // Nothing of Python's was ever made (no application): no GIL to take, maybe no interpreter.
    state_ = nullptr;
    delete s;
    return;
  }
  Gil gil;
  // PEP 3333: "If the iterable returned by the application has a close() method, the server or
  // gateway must call that method upon completion of the current request, whether the request
  // was completed normally, or terminated early due to an application error".
  PyObject* result = s->result.get();
  if (result != nullptr && !PyList_CheckExact(result) && !PyTuple_CheckExact(result)) {
    PyObject* close = nullptr;
    int found = _PyObject_LookupAttr(result, names().close, &close);
    if (found > 0) {
      Ref method(close);
      Ref closed(PyObject_CallNoArgs(method.get()));
      if (!closed) log_request_exception(s->raw_uri.get());
    } else if (found < 0) {
      log_request_exception(s->raw_uri.get());
    }
  }
  flush_errors_stream(s->errors.get());
  close_input(s->input.get());
  detach_start_response(s->start_response.get());
  state_ = nullptr;
  delete s;  // drops the app's objects (their __del__ may run Python: the GIL is held)
}

}  // namespace wc::app::python
