// wsgi.input: the request body as a binary file (PEP 3333 "Input and Error Streams": read(size),
// readline(size), readlines(hint), __iter__), with io.BytesIO's semantics for sizes and ends.
// The server has the whole body before the app runs, so reads never block on the client.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "app/python/objects.h"

namespace wc::app::python {
namespace {

struct InputObject {
  PyObject_HEAD
  PyObject* body;  // bytes (in-memory body), or nullptr (file body, or closed)
  int fd;          // file body: unlinked temporary file, owned; -1 otherwise
  Py_ssize_t size;
  Py_ssize_t pos;
  bool closed;
};

PyTypeObject* g_type = nullptr;

InputObject* as_input(PyObject* self) { return reinterpret_cast<InputObject*>(self); }

bool check_open(InputObject* in) {
  if (!in->closed) return true;
  PyErr_SetString(PyExc_ValueError, "I/O operation on closed file.");
  return false;
}

// io.BytesIO's argument rule: None or a negative number means "everything".
bool parse_size(PyObject* const* args, Py_ssize_t nargs, const char* name, Py_ssize_t& size) {
  size = -1;
  if (nargs > 1) {
    PyErr_Format(PyExc_TypeError, "%s expected at most 1 argument, got %zd", name, nargs);
    return false;
  }
  if (nargs == 0 || args[0] == Py_None) return true;
  if (!PyIndex_Check(args[0])) {
    PyErr_Format(PyExc_TypeError, "argument should be integer or None, not '%.200s'",
                 Py_TYPE(args[0])->tp_name);
    return false;
  }
  size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
  return !(size == -1 && PyErr_Occurred());
}

// pread until `count` bytes or end of file, into `out`. False with OSError set on failure.
bool pread_all(int fd, char* out, Py_ssize_t count, Py_ssize_t offset, Py_ssize_t& got) {
  got = 0;
  while (got < count) {
    ssize_t n = ::pread(fd, out + got, static_cast<size_t>(count - got), offset + got);
    if (n < 0) {
      if (errno == EINTR) continue;
      PyErr_SetFromErrno(PyExc_OSError);
      return false;
    }
    if (n == 0) break;
    got += n;
  }
  return true;
}

// The next `n` bytes (n <= remaining) as bytes, advancing the position.
PyObject* take(InputObject* in, Py_ssize_t n) {
  if (in->body != nullptr) {
    // The whole body in one read: the bytes object built once per request, not a copy of it.
    if (in->pos == 0 && n == in->size) {
      in->pos = n;
      return Py_NewRef(in->body);
    }
    PyObject* out = PyBytes_FromStringAndSize(PyBytes_AS_STRING(in->body) + in->pos, n);
    if (out != nullptr) in->pos += n;
    return out;
  }
  PyObject* out = PyBytes_FromStringAndSize(nullptr, n);
  if (out == nullptr) return nullptr;
  Py_ssize_t got = 0;
  if (!pread_all(in->fd, PyBytes_AS_STRING(out), n, in->pos, got)) {
    Py_DECREF(out);
    return nullptr;
  }
  in->pos += got;
  if (got < n && _PyBytes_Resize(&out, got) < 0) return nullptr;  // the file shrank: give what is
  return out;
}

Py_ssize_t remaining(const InputObject* in) { return in->size > in->pos ? in->size - in->pos : 0; }

PyObject* read_line(InputObject* in, Py_ssize_t size) {
  Py_ssize_t limit = remaining(in);
  if (size >= 0 && size < limit) limit = size;
  if (in->body != nullptr) {
    const char* start = PyBytes_AS_STRING(in->body) + in->pos;
    const void* nl = std::memchr(start, '\n', static_cast<size_t>(limit));
    Py_ssize_t n = nl != nullptr ? static_cast<const char*>(nl) - start + 1 : limit;
    return take(in, n);
  }
  // File body: scan block by block for the newline, then read the line in one piece.
  char block[8192];
  Py_ssize_t n = 0;
  while (n < limit) {
    Py_ssize_t want = limit - n < static_cast<Py_ssize_t>(sizeof block)
                          ? limit - n
                          : static_cast<Py_ssize_t>(sizeof block);
    Py_ssize_t got = 0;
    if (!pread_all(in->fd, block, want, in->pos + n, got)) return nullptr;
    if (got == 0) break;
    const void* nl = std::memchr(block, '\n', static_cast<size_t>(got));
    if (nl != nullptr) {
      n += static_cast<const char*>(nl) - block + 1;
      break;
    }
    n += got;
  }
  return take(in, n);
}

PyObject* input_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  InputObject* in = as_input(self);
  Py_ssize_t size;
  if (!check_open(in) || !parse_size(args, nargs, "read", size)) return nullptr;
  Py_ssize_t n = remaining(in);
  if (size >= 0 && size < n) n = size;
  return take(in, n);
}

PyObject* input_readline(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  InputObject* in = as_input(self);
  Py_ssize_t size;
  if (!check_open(in) || !parse_size(args, nargs, "readline", size)) return nullptr;
  return read_line(in, size);
}

PyObject* input_readlines(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  InputObject* in = as_input(self);
  Py_ssize_t hint;
  if (!check_open(in) || !parse_size(args, nargs, "readlines", hint)) return nullptr;
  Ref lines(PyList_New(0));
  if (!lines) return nullptr;
  Py_ssize_t total = 0;
  for (;;) {
    Ref line(read_line(in, -1));
    if (!line) return nullptr;
    Py_ssize_t n = PyBytes_GET_SIZE(line.get());
    if (n == 0) break;
    if (PyList_Append(lines.get(), line.get()) < 0) return nullptr;
    total += n;
    // io.BytesIO: stop once the lines read so far reach the hint.
    if (hint > 0 && total >= hint) break;
  }
  return lines.release();
}

PyObject* input_iternext(PyObject* self) {
  InputObject* in = as_input(self);
  if (!check_open(in)) return nullptr;
  PyObject* line = read_line(in, -1);
  if (line != nullptr && PyBytes_GET_SIZE(line) == 0) {
    Py_DECREF(line);
    return nullptr;  // StopIteration
  }
  return line;
}

void release(InputObject* in) {
  Py_CLEAR(in->body);
  if (in->fd >= 0) ::close(in->fd);
  in->fd = -1;
  in->closed = true;
}

void input_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  release(as_input(self));
  type->tp_free(self);
  Py_DECREF(type);  // heap type instances own a reference to their type
}

PyMethodDef g_methods[] = {
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_read)),
     METH_FASTCALL, "read(size=-1) -> bytes"},
    {"readline", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readline)),
     METH_FASTCALL, "readline(size=-1) -> bytes"},
    {"readlines", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readlines)),
     METH_FASTCALL, "readlines(hint=-1) -> list of bytes"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(input_dealloc)},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(input_iternext)},
    {Py_tp_methods, g_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.input: the request body")},
    {0, nullptr},
};

PyType_Spec g_spec = {
    "webcycle.Input", sizeof(InputObject), 0,
    // Not BASETYPE (nothing subclasses it); no instance dict; not creatable from Python.
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION, g_slots,
};

PyObject* new_input() {
  InputObject* in = PyObject_New(InputObject, g_type);
  if (in == nullptr) return nullptr;
  in->body = nullptr;
  in->fd = -1;
  in->size = 0;
  in->pos = 0;
  in->closed = false;
  return reinterpret_cast<PyObject*>(in);
}

}  // namespace

Status init_input_type() {
  if (g_type != nullptr) return {};
  g_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&g_spec));
  if (g_type == nullptr) {
    PyErr_Clear();
    return fail("cannot create the wsgi.input type");
  }
  return {};
}

PyObject* new_input_from_bytes(PyObject* body) {
  PyObject* self = new_input();
  if (self == nullptr) return nullptr;
  InputObject* in = as_input(self);
  in->body = Py_NewRef(body);
  in->size = PyBytes_GET_SIZE(body);
  return self;
}

PyObject* new_input_from_fd(int fd, int64_t size) {
  PyObject* self = new_input();
  if (self == nullptr) {
    ::close(fd);  // the stream owned it from the call on, even when it could not be built
    return nullptr;
  }
  InputObject* in = as_input(self);
  in->fd = fd;
  in->size = static_cast<Py_ssize_t>(size);
  return self;
}

void close_input(PyObject* input) {
  if (input != nullptr && Py_IS_TYPE(input, g_type)) release(as_input(input));
}

}  // namespace wc::app::python
