// The C types this layer hands to applications (all made with PyType_FromSpec, once per process):
// wsgi.input, wsgi.errors, wsgi.file_wrapper, start_response and its write().
#pragma once

#include <cstdint>

#include "app/python/ref.h"
#include "core/result.h"

namespace wc::app::python {

struct CallState;

// Attribute names looked up per request, interned once (PyObject_GetAttr with an interned str
// skips hashing and string compares).
struct Names {
  PyObject* read = nullptr;
  PyObject* close = nullptr;
  PyObject* fileno = nullptr;
  PyObject* tell = nullptr;
};
// Valid after init_object_types().
[[nodiscard]] const Names& names() noexcept;

// Creates the types (idempotent). Needs the GIL.
[[nodiscard]] Status init_object_types();
// One per file below, called by init_object_types().
[[nodiscard]] Status init_input_type();
[[nodiscard]] Status init_errors_type();
[[nodiscard]] Status init_file_wrapper_type();
[[nodiscard]] Status init_start_response_types();

// --- wsgi.input (input_stream.cpp) -------------------------------------------------------------
// io.BytesIO's read/readline/readlines/iteration over the request body, which is either a bytes
// object (shared, never copied again: read() of the whole body returns that very object) or an
// unlinked temporary file read with pread (the stream owns `fd` and closes it).
[[nodiscard]] PyObject* new_input_from_bytes(PyObject* body);
[[nodiscard]] PyObject* new_input_from_fd(int fd, int64_t size);
// End of the request: closes the fd, drops the bytes; later reads raise ValueError.
void close_input(PyObject* input);

// --- wsgi.errors (errors_stream.cpp) -----------------------------------------------------------
// A text stream whose complete lines go to app_log() at error level (gunicorn sends wsgi.errors to
// its error log). One per Application.
[[nodiscard]] PyObject* new_errors_stream();
// Logs a pending partial line, if any.
void flush_errors_stream(PyObject* errors);

// --- wsgi.file_wrapper (file_wrapper.cpp) ------------------------------------------------------
// The type itself is the environ value (callable as file_wrapper(filelike, blksize=8192)).
[[nodiscard]] PyObject* file_wrapper_type();
[[nodiscard]] bool is_file_wrapper(PyObject* object);
[[nodiscard]] PyObject* file_wrapper_filelike(PyObject* wrapper);  // borrowed

// --- start_response (start_response.cpp) -------------------------------------------------------
// start_response(status, headers, exc_info=None) for one request, recording into `state`.
[[nodiscard]] PyObject* new_start_response(CallState* state);
// The request is over: calling it (or its write) from now on raises.
void detach_start_response(PyObject* start_response);

}  // namespace wc::app::python
