// wsgi.errors: PEP 3333's "text-mode file for writing errors". gunicorn points it at its error
// log's stream; here each complete line the app writes becomes an app_log() message at error
// level, so it carries the log's prefix and lands in --error-logfile like gunicorn's.
#include <string>

#include "app/log/app_log.h"
#include "app/python/objects.h"

namespace wc::app::python {
namespace {

struct ErrorsObject {
  PyObject_HEAD
  // Text written since the last newline. A pointer, because PyObject_New does not run C++
  // constructors: created in new_errors_stream(), deleted in dealloc.
  std::string* pending;
};

PyTypeObject* g_type = nullptr;

ErrorsObject* as_errors(PyObject* self) { return reinterpret_cast<ErrorsObject*>(self); }

void emit(std::string& text) {
  if (!text.empty()) app_log().log(AppLogLevel::error, text);
  text.clear();
}

// Appends one str; logs everything up to the last newline in one message (a traceback printed
// with print_exc(file=environ["wsgi.errors"]) stays one entry, never interleaved).
bool write_one(ErrorsObject* errors, PyObject* text) {
  if (!PyUnicode_Check(text)) {
    PyErr_Format(PyExc_TypeError, "write() argument must be str, not %.100s",
                 Py_TYPE(text)->tp_name);
    return false;
  }
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size);
  Ref escaped;
  if (utf8 == nullptr) {
    // Lone surrogates: gunicorn falls back to encoding; keep the text, escaped.
    PyErr_Clear();
    escaped = Ref(PyUnicode_AsEncodedString(text, "utf-8", "backslashreplace"));
    if (!escaped) return false;
    utf8 = PyBytes_AS_STRING(escaped.get());
    size = PyBytes_GET_SIZE(escaped.get());
  }
  std::string& pending = *errors->pending;
  pending.append(utf8, static_cast<size_t>(size));
  size_t last_newline = pending.rfind('\n');
  if (last_newline != std::string::npos) {
    std::string rest = pending.substr(last_newline + 1);
    pending.resize(last_newline + 1);
    emit(pending);
    pending = std::move(rest);
  }
  return true;
}

PyObject* errors_write(PyObject* self, PyObject* text) {
  if (!write_one(as_errors(self), text)) return nullptr;
  return PyLong_FromSsize_t(PyUnicode_GET_LENGTH(text));  // TextIOBase.write returns the length
}

PyObject* errors_writelines(PyObject* self, PyObject* lines) {
  Ref iterator(PyObject_GetIter(lines));
  if (!iterator) return nullptr;
  while (PyObject* raw = PyIter_Next(iterator.get())) {
    Ref line(raw);
    if (!write_one(as_errors(self), line.get())) return nullptr;
  }
  if (PyErr_Occurred()) return nullptr;
  Py_RETURN_NONE;
}

PyObject* errors_flush(PyObject* self, PyObject*) {
  emit(*as_errors(self)->pending);
  Py_RETURN_NONE;
}

void errors_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  ErrorsObject* errors = as_errors(self);
  if (errors->pending != nullptr) emit(*errors->pending);
  delete errors->pending;
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef g_methods[] = {
    {"write", errors_write, METH_O, "write(str): to the error log"},
    {"writelines", errors_writelines, METH_O, "writelines(iterable of str)"},
    {"flush", errors_flush, METH_NOARGS, "flush(): logs a pending partial line"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(errors_dealloc)},
    {Py_tp_methods, g_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.errors: writes to the server's error log")},
    {0, nullptr},
};

PyType_Spec g_spec = {
    "webcycle.Errors", sizeof(ErrorsObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION, g_slots,
};

}  // namespace

Status init_errors_type() {
  if (g_type != nullptr) return {};
  g_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&g_spec));
  if (g_type == nullptr) {
    PyErr_Clear();
    return fail("cannot create the wsgi.errors type");
  }
  return {};
}

PyObject* new_errors_stream() {
  ErrorsObject* errors = PyObject_New(ErrorsObject, g_type);
  if (errors == nullptr) return nullptr;
  errors->pending = new std::string();
  return reinterpret_cast<PyObject*>(errors);
}

void flush_errors_stream(PyObject* errors) {
  if (errors != nullptr && Py_IS_TYPE(errors, g_type)) emit(*as_errors(errors)->pending);
}

}  // namespace wc::app::python
