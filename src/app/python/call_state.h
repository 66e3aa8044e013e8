// What one request's Call holds on the Python side. Shared by application.cpp (which starts the
// call), call.cpp (which iterates it) and start_response.cpp (which records the head).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "app/python/application.h"
#include "app/python/ref.h"

namespace wc::app::python {

// How the body iterable is walked.
enum class BodyKind : unsigned char {
  kSequence,     // list or tuple: indexed in place, no iterator object (the common case)
  kIterator,     // anything else: iter() once, then __next__
  kFileWrapper,  // our wsgi.file_wrapper: sendfile when its file is a regular file
};

struct CallState {
  // --- the response head, as start_response last recorded it ---------------------------------
  // start_response validates into these and sets head_changed; the Call copies them into its
  // own fields (which its inline accessors read) after every stretch of Python code.
  bool head_changed = false;
  bool started = false;
  // The head counts as sent: the server committed it, or the app wrote non-empty bytes through
  // write() (PEP 3333: write() transmits at once, so exc_info must re-raise from then on).
  bool head_committed = false;
  bool write_used = false;  // known_length is only computed when the app used no write()
  int status_code = 0;
  std::string status;
  std::vector<ResponseHeader> headers;

  // --- the body ---------------------------------------------------------------------------------
  Ref result;       // what app(environ, start_response) returned
  Ref iterator;     // kIterator: iter(result)
  BodyKind kind = BodyKind::kSequence;
  Py_ssize_t index = 0;  // kSequence: next item
  Ref prefetched;   // kIterator: the first item, pulled early to let a generator call start_response
  Ref current;      // the bytes the last kBody view points into (kept until the next call)
  // Bytes given to write(), in order, not yet handed out. write() may run during the app call or
  // during any __next__; its pieces go out before the item that __next__ returns.
  std::vector<Ref> written;
  size_t written_head = 0;
  bool file_tried = false;  // kFileWrapper: the sendfile path was looked at
  bool failed = false;      // an error was logged: next() gives kError
  bool exhausted = false;   // the iterable has no more items (kDone once `written` is empty)

  // --- what finish() releases -------------------------------------------------------------------
  Ref input;           // wsgi.input (its body fd is closed at finish)
  Ref start_response;  // detached at finish: a late call raises instead of touching freed state
  Ref errors;          // wsgi.errors, flushed at finish so a partial line is not held forever
  Ref raw_uri;         // RAW_URI, for "Error handling request URI"
};

struct Call::State : CallState {};

}  // namespace wc::app::python
