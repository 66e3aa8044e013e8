// RAII for the two things CPython makes callers pair by hand: strong references and the GIL.
// Private to src/app/python/ (the only folder that includes Python.h).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <string_view>
#include <utility>

namespace wc::app::python {

// Owns one strong reference (or none). Destroying, resetting or assigning a Ref needs the GIL,
// like Py_DECREF itself: every Ref in this layer lives in an object whose methods take the GIL.
class Ref {
 public:
  Ref() = default;
  // Takes over a NEW reference (what most C-API functions return); nullptr is allowed.
  explicit Ref(PyObject* owned) noexcept : p_(owned) {}
  // Adds a reference to a BORROWED pointer.
  [[nodiscard]] static Ref borrow(PyObject* borrowed) noexcept {
    Py_XINCREF(borrowed);
    return Ref(borrowed);
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : p_(other.release()) {}
  Ref& operator=(Ref&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Ref() { Py_XDECREF(p_); }

  [[nodiscard]] PyObject* get() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  // Hands the reference to the caller (e.g. to return it to CPython or steal it into a tuple).
  [[nodiscard]] PyObject* release() noexcept { return std::exchange(p_, nullptr); }
  // A new reference for the caller, this Ref keeps its own.
  [[nodiscard]] PyObject* new_ref() const noexcept {
    Py_XINCREF(p_);
    return p_;
  }
  // Drops the held reference (after replacing it, so a __del__ that runs sees a consistent Ref).
  void reset(PyObject* owned = nullptr) noexcept {
    PyObject* old = std::exchange(p_, owned);
    Py_XDECREF(old);
  }

 private:
  PyObject* p_ = nullptr;
};

// Holds the GIL for a scope. The loop thread keeps the GIL from initialize() on, so this is a
// counter increment there; it still makes every entry point correct if CPython (or an app thread)
// ever released it around a blocking call.
class Gil {
 public:
  Gil() noexcept : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

// PEP 3333 native strings: bytes from the wire become str by latin-1, one code point per byte,
// so that the app can always get the exact bytes back with .encode("latin-1").
[[nodiscard]] inline PyObject* latin1(std::string_view bytes) noexcept {
  return PyUnicode_DecodeLatin1(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), nullptr);
}

// The str's bytes when every code point fits latin-1 (the only strings PEP 3333 allows in status
// and headers); false for str with wider code points. `s` must be a str.
[[nodiscard]] inline bool latin1_view(PyObject* s, std::string_view& out) noexcept {
  if (PyUnicode_READY(s) < 0) {
    PyErr_Clear();
    return false;
  }
  if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) return false;
  out = std::string_view(reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(s)),
                         static_cast<size_t>(PyUnicode_GET_LENGTH(s)));
  return true;
}

// Text of a str for C++ messages (UTF-8, undecodable code points backslash-escaped); "" on error.
[[nodiscard]] std::string to_utf8(PyObject* s);

}  // namespace wc::app::python
