// start_response(status, response_headers, exc_info=None) and the write(data) it returns, as
// PEP 3333 "The start_response() Callable" defines them, with gunicorn's checks
// (gunicorn/http/wsgi.py Response.start_response and process_headers):
//   - status: a native string "NNN Reason-Phrase" (latin-1 code points only);
//   - headers: (name, value) pairs of native strings, the name an RFC 9110 token, the value
//     field-vchar / SP / HTAB only (so never CR, LF or NUL), trimmed of SP/HTAB;
//   - hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, Upgrade, ..., and Server and
//     Date, which the server writes) are dropped, except "Upgrade: websocket", as gunicorn does;
//   - a second call without exc_info raises AssertionError("Response headers already set!");
//     with exc_info after the head was sent it re-raises exc_info, before that it replaces the
//     head (PEP 3333 "Error Handling").
// Invalid input raises in the app's frame (TypeError/ValueError), the exception normally reaches
// the server, and the request ends in kError (a 500, logged) rather than in a broken head.
#include <cstring>
#include <string_view>
#include <vector>

#include "app/python/call_state.h"
#include "app/python/objects.h"

#include <structmember.h>  // after Python.h (objects.h), which it needs

namespace wc::app::python {
namespace {

struct WriterObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  CallState* state;  // not owned; nullptr once the request is finished
};

struct StartResponseObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  CallState* state;  // not owned; nullptr once the request is finished
  PyObject* writer;  // the write callable, made by the first successful call
};

PyTypeObject* g_start_response_type = nullptr;
PyTypeObject* g_writer_type = nullptr;

// RFC 9110 5.6.2 tchar (gunicorn's TOKEN_RE).
constexpr bool is_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}
// RFC 9110 5.5 field-vchar, SP and HTAB (gunicorn's HEADER_VALUE_RE): no CR, LF, NUL or other
// controls, so a value can never end the head early or start a new field.
constexpr bool is_value_char(unsigned char c) {
  return c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool is_field_value(std::string_view s) {
  for (unsigned char c : s)
    if (!is_value_char(c)) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(a[i]);
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
    if (c != static_cast<unsigned char>(lower[i])) return false;
  }
  return true;
}

// gunicorn's util.hop_headers.
bool is_hop_by_hop(std::string_view name) {
  static constexpr std::string_view kHop[] = {
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
      "trailers",   "transfer-encoding", "upgrade", "server", "date"};
  for (std::string_view hop : kHop)
    if (iequals(name, hop)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "200 OK": three digits (100-999), one space, a reason phrase (possibly empty) of field-vchar,
// SP and HTAB. PEP 3333: "a Status-Code and a Reason-Phrase, in that order and separated by a
// single space, with no surrounding whitespace or other characters".
bool parse_status(std::string_view status, int& code) {
  if (status.size() < 4 || status[3] != ' ') return false;
  if (status[0] < '1' || status[0] > '9') return false;
  for (int i = 0; i < 3; ++i)
    if (status[i] < '0' || status[i] > '9') return false;
  std::string_view reason = status.substr(4);
  if (!is_field_value(reason) || trim(reason).size() != reason.size()) return false;
  code = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
  return true;
}

bool parse_header(PyObject* item, std::vector<ResponseHeader>& out) {
  PyObject* name = nullptr;
  PyObject* value = nullptr;
  Ref pair;
  if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2) {
    name = PyTuple_GET_ITEM(item, 0);
    value = PyTuple_GET_ITEM(item, 1);
  } else if (PyList_Check(item) && PyList_GET_SIZE(item) == 2) {
    pair = Ref::borrow(item);  // keep the items alive even if the list is changed meanwhile
    name = PyList_GET_ITEM(item, 0);
    value = PyList_GET_ITEM(item, 1);
  } else {
    PyErr_Format(PyExc_TypeError, "header must be a (name, value) tuple, not %R", item);
    return false;
  }
  if (!PyUnicode_Check(name)) {
    PyErr_Format(PyExc_TypeError, "%R is not a string", name);
    return false;
  }
  std::string_view name_text;
  if (!latin1_view(name, name_text) || !is_token(name_text)) {
    PyErr_Format(PyExc_ValueError, "Invalid HTTP header name: %R", name);
    return false;
  }
  if (!PyUnicode_Check(value)) {
    PyErr_Format(PyExc_TypeError, "%R is not a string", value);
    return false;
  }
  std::string_view value_text;
  if (!latin1_view(value, value_text) || !is_field_value(value_text)) {
    PyErr_Format(PyExc_ValueError, "Invalid HTTP Header: %R", value);
    return false;
  }
  value_text = trim(value_text);
  if (iequals(name_text, "content-length")) {
    // gunicorn does int(value): a value that is not a number fails the response.
    bool digits = !value_text.empty();
    for (char c : value_text) digits = digits && c >= '0' && c <= '9';
    if (!digits) {
      PyErr_Format(PyExc_ValueError, "invalid literal for int() with base 10: '%s'",
                   std::string(value_text).c_str());
      return false;
    }
  } else if (is_hop_by_hop(name_text)) {
    // The server owns framing and connection management; gunicorn keeps only a websocket Upgrade.
    if (!(iequals(name_text, "upgrade") && iequals(value_text, "websocket"))) return true;
  }
  out.push_back(ResponseHeader{std::string(name_text), std::string(value_text)});
  return true;
}

bool parse_headers(PyObject* headers, std::vector<ResponseHeader>& out) {
  Ref sequence;
  if (PyList_Check(headers) || PyTuple_Check(headers)) {
    sequence = Ref::borrow(headers);
  } else {
    sequence = Ref(PySequence_Fast(headers, ""));
    if (!sequence) {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError, "headers must be a list of (name, value) tuples, not %.100s",
                   Py_TYPE(headers)->tp_name);
      return false;
    }
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(sequence.get());
  out.reserve(static_cast<size_t>(n));
  // Re-read the size each round: nothing here runs Python code, but the check is free.
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence.get()); ++i) {
    if (!parse_header(PySequence_Fast_GET_ITEM(sequence.get(), i), out)) return false;
  }
  return true;
}

// exc_info is (type, value, traceback): raise it again, with its traceback.
PyObject* reraise(PyObject* exc_info) {
  if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3 ||
      !PyExceptionInstance_Check(PyTuple_GET_ITEM(exc_info, 1))) {
    PyErr_Format(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple, not %R",
                 exc_info);
    return nullptr;
  }
  PyObject* value = PyTuple_GET_ITEM(exc_info, 1);
  PyObject* tb = PyTuple_GET_ITEM(exc_info, 2);
  PyErr_Restore(Py_NewRef(reinterpret_cast<PyObject*>(Py_TYPE(value))), Py_NewRef(value),
                PyTraceBack_Check(tb) ? Py_NewRef(tb) : nullptr);
  return nullptr;
}

PyObject* writer_call(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames);

PyObject* new_writer(CallState* state) {
  WriterObject* writer = PyObject_New(WriterObject, g_writer_type);
  if (writer == nullptr) return nullptr;
  writer->vectorcall = writer_call;
  writer->state = state;
  return reinterpret_cast<PyObject*>(writer);
}

PyObject* start_response_call(PyObject* callable, PyObject* const* args, size_t nargsf,
                              PyObject* kwnames) {
  StartResponseObject* self = reinterpret_cast<StartResponseObject*>(callable);
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  // Positional as PEP 3333 shows it; keywords accepted too (start_response(status, headers,
  // exc_info=sys.exc_info()) is common).
  PyObject* params[3] = {nullptr, nullptr, nullptr};
  static constexpr const char* kNames[3] = {"status", "headers", "exc_info"};
  if (nargs > 3) {
    PyErr_Format(PyExc_TypeError,
                 "start_response() takes from 2 to 3 positional arguments but %zd were given",
                 nargs);
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) params[i] = args[i];
  if (kwnames != nullptr) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); ++k) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, k);
      int slot = -1;
      for (int j = 0; j < 3; ++j)
        if (PyUnicode_CompareWithASCIIString(key, kNames[j]) == 0) slot = j;
      if (slot < 0 && PyUnicode_CompareWithASCIIString(key, "response_headers") == 0) slot = 1;
      if (slot < 0 || params[slot] != nullptr) {
        PyErr_Format(PyExc_TypeError,
                     slot < 0 ? "start_response() got an unexpected keyword argument '%U'"
                              : "start_response() got multiple values for argument '%U'",
                     key);
        return nullptr;
      }
      params[slot] = args[nargs + k];
    }
  }
  if (params[0] == nullptr || params[1] == nullptr) {
    PyErr_SetString(PyExc_TypeError,
                    "start_response() missing required arguments: 'status' and 'headers'");
    return nullptr;
  }
  CallState* state = self->state;
  if (state == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "start_response() called after the request ended");
    return nullptr;
  }
  PyObject* exc_info = params[2];
  if (exc_info != nullptr && exc_info != Py_None) {
    int truth = PyObject_IsTrue(exc_info);
    if (truth < 0) return nullptr;
    if (truth > 0 && state->started && state->head_committed) return reraise(exc_info);
    // Not sent yet: the app may replace the head with an error head (PEP 3333).
  } else if (state->started) {
    PyErr_SetString(PyExc_AssertionError, "Response headers already set!");  // gunicorn's words
    return nullptr;
  }

  PyObject* status = params[0];
  if (!PyUnicode_Check(status)) {
    PyErr_Format(PyExc_TypeError, "status must be a str, not %.100s", Py_TYPE(status)->tp_name);
    return nullptr;
  }
  std::string_view status_text;
  int code = 0;
  if (!latin1_view(status, status_text) || !parse_status(status_text, code)) {
    PyErr_Format(PyExc_ValueError, "Invalid status %R: expected \"NNN Reason-Phrase\"", status);
    return nullptr;
  }
  std::vector<ResponseHeader> headers;
  if (!parse_headers(params[1], headers)) return nullptr;

  // Everything is valid: only now does the head change (a failed call leaves the old one).
  if (self->writer == nullptr) {
    self->writer = new_writer(state);
    if (self->writer == nullptr) return nullptr;
  }
  state->status.assign(status_text);
  state->status_code = code;
  state->headers = std::move(headers);
  state->started = true;
  state->head_changed = true;
  return Py_NewRef(self->writer);
}

// write(data): PEP 3333's imperative output. The bytes are queued in order and handed out by
// Call::next() before anything the iterable yields after them.
PyObject* writer_call(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  WriterObject* self = reinterpret_cast<WriterObject*>(callable);
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs != 1 || (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0)) {
    PyErr_Format(PyExc_TypeError, "write() takes exactly one argument (%zd given)", nargs);
    return nullptr;
  }
  CallState* state = self->state;
  if (state == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "write() called after the request ended");
    return nullptr;
  }
  PyObject* data = args[0];
  if (!PyBytes_Check(data)) {
    PyErr_Format(PyExc_TypeError, "%R is not a byte", data);  // gunicorn's words
    return nullptr;
  }
  state->write_used = true;
  if (PyBytes_GET_SIZE(data) > 0) {
    state->written.push_back(Ref::borrow(data));
    state->head_committed = true;  // "transmitted" from the app's point of view
  }
  Py_RETURN_NONE;
}

void start_response_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(reinterpret_cast<StartResponseObject*>(self)->writer);
  type->tp_free(self);
  Py_DECREF(type);
}

void writer_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMemberDef g_start_response_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(StartResponseObject, vectorcall), READONLY,
     nullptr},
    {nullptr, 0, 0, 0, nullptr},
};
PyMemberDef g_writer_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(WriterObject, vectorcall), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot g_start_response_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(start_response_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_members, g_start_response_members},
    {Py_tp_doc, const_cast<char*>("start_response(status, headers, exc_info=None) -> write")},
    {0, nullptr},
};
PyType_Slot g_writer_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(writer_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_members, g_writer_members},
    {Py_tp_doc, const_cast<char*>("write(data: bytes)")},
    {0, nullptr},
};

PyType_Spec g_start_response_spec = {
    "webcycle.StartResponse", sizeof(StartResponseObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    g_start_response_slots,
};
PyType_Spec g_writer_spec = {
    "webcycle.Write", sizeof(WriterObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    g_writer_slots,
};

}  // namespace

Status init_start_response_types() {
  if (g_start_response_type == nullptr) {
    g_start_response_type =
        reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&g_start_response_spec));
    if (g_start_response_type == nullptr) {
      PyErr_Clear();
      return fail("cannot create the start_response type");
    }
  }
  if (g_writer_type == nullptr) {
    g_writer_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&g_writer_spec));
    if (g_writer_type == nullptr) {
      PyErr_Clear();
      return fail("cannot create the write type");
    }
  }
  return {};
}

PyObject* new_start_response(CallState* state) {
  StartResponseObject* self = PyObject_New(StartResponseObject, g_start_response_type);
  if (self == nullptr) return nullptr;
  self->vectorcall = start_response_call;
  self->state = state;
  self->writer = nullptr;
  return reinterpret_cast<PyObject*>(self);
}

void detach_start_response(PyObject* start_response) {
  if (start_response == nullptr || !Py_IS_TYPE(start_response, g_start_response_type)) return;
  StartResponseObject* self = reinterpret_cast<StartResponseObject*>(start_response);
  self->state = nullptr;
  if (self->writer != nullptr) reinterpret_cast<WriterObject*>(self->writer)->state = nullptr;
}

}  // namespace wc::app::python
