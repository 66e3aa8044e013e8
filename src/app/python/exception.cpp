#include "app/python/exception.h"

#include "app/log/app_log.h"

namespace wc::app::python {

std::string to_utf8(PyObject* s) {
  if (s == nullptr || !PyUnicode_Check(s)) return {};
  // backslashreplace: a lone surrogate in an app's message must not lose the whole message.
  Ref bytes(PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace"));
  if (!bytes) {
    PyErr_Clear();
    return {};
  }
  return std::string(PyBytes_AS_STRING(bytes.get()), static_cast<size_t>(PyBytes_GET_SIZE(bytes.get())));
}

namespace {

// traceback.format_exception, looked up on first use: only error paths pay for it. Kept for the
// life of the process (the interpreter is never finalized).
PyObject* format_exception_function() {
  static PyObject* function = nullptr;
  if (function == nullptr) {
    Ref module(PyImport_ImportModule("traceback"));
    if (module) function = PyObject_GetAttrString(module.get(), "format_exception");
    if (function == nullptr) PyErr_Clear();
  }
  return function;
}

// The last resort when the traceback module itself fails: "TypeName: str(value)".
std::string short_text(PyObject* type, PyObject* value) {
  std::string text = type != nullptr && PyType_Check(type)
                         ? std::string(reinterpret_cast<PyTypeObject*>(type)->tp_name)
                         : std::string("Exception");
  if (value != nullptr) {
    Ref str(PyObject_Str(value));
    if (str) {
      std::string detail = to_utf8(str.get());
      if (!detail.empty()) text += ": " + detail;
    } else {
      PyErr_Clear();
    }
  }
  return text;
}

}  // namespace

std::string take_exception_text() {
  PyObject* raw_type = nullptr;
  PyObject* raw_value = nullptr;
  PyObject* raw_tb = nullptr;
  PyErr_Fetch(&raw_type, &raw_value, &raw_tb);
  if (raw_type == nullptr) return {};
  PyErr_NormalizeException(&raw_type, &raw_value, &raw_tb);
  Ref type(raw_type);
  Ref value(raw_value);
  Ref tb(raw_tb);
  if (value && tb) PyException_SetTraceback(value.get(), tb.get());

  std::string text;
  PyObject* format = format_exception_function();
  if (format != nullptr && value) {
    Ref lines(PyObject_CallOneArg(format, value.get()));
    Ref empty(PyUnicode_FromStringAndSize("", 0));
    Ref joined(lines && empty ? PyUnicode_Join(empty.get(), lines.get()) : nullptr);
    if (joined) text = to_utf8(joined.get());
    PyErr_Clear();
  }
  if (text.empty()) text = short_text(type.get(), value.get());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void log_request_exception(PyObject* raw_uri) {
  std::string message = "Error handling request ";
  if (raw_uri != nullptr) message += to_utf8(raw_uri);
  std::string text = take_exception_text();
  if (!text.empty()) {
    message += '\n';
    message += text;
  }
  app_log().log(AppLogLevel::error, message);
}

}  // namespace wc::app::python
