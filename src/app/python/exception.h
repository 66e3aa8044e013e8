// Turning a raised Python exception into log text, as gunicorn's log.exception() does.
#pragma once

#include <string>

#include "app/python/ref.h"

namespace wc::app::python {

// Takes the exception set in this thread (clearing it) and returns Python's own rendering:
// "Traceback (most recent call last):\n  File ...\nValueError: boom", without a trailing newline.
// "" when no exception was set. Never raises, never exits: SystemExit is text like any other
// (PyErr_Print would exit the process on it, which a worker must not do).
[[nodiscard]] std::string take_exception_text();

// gunicorn's handle_error: log.exception("Error handling request %s", req.uri), that is
// "Error handling request /path?q\n" followed by the traceback, at error level. `raw_uri` is the
// request's RAW_URI str (may be null). Clears the exception.
void log_request_exception(PyObject* raw_uri);

}  // namespace wc::app::python
