// wsgi.file_wrapper (PEP 3333 "Optional Platform-Specific File Handling"): file_wrapper(filelike,
// blksize=8192). When the app returns one and the file is a regular file, Call::next() hands its
// descriptor to the server for sendfile; otherwise it is iterated as filelike.read(blksize) blocks,
// as gunicorn's FileWrapper is. close() calls filelike.close(), as PEP 3333 requires.
#include "app/python/objects.h"

#include <structmember.h>  // after Python.h (objects.h), which it needs

namespace wc::app::python {
namespace {

struct FileWrapperObject {
  PyObject_HEAD
  PyObject* filelike;
  Py_ssize_t blksize;
};

PyTypeObject* g_type = nullptr;

FileWrapperObject* as_wrapper(PyObject* self) { return reinterpret_cast<FileWrapperObject*>(self); }

PyObject* wrapper_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* keywords[] = {"filelike", "blksize", nullptr};
  PyObject* filelike = nullptr;
  Py_ssize_t blksize = 8192;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|n:FileWrapper", const_cast<char**>(keywords),
                                   &filelike, &blksize)) {
    return nullptr;
  }
  if (blksize <= 0) {
    PyErr_SetString(PyExc_ValueError, "blksize must be positive");
    return nullptr;
  }
  PyObject* self = type->tp_alloc(type, 0);
  if (self == nullptr) return nullptr;
  as_wrapper(self)->filelike = Py_NewRef(filelike);
  as_wrapper(self)->blksize = blksize;
  return self;
}

// The generic path: the next filelike.read(blksize) block; an empty one ends the iteration.
PyObject* wrapper_iternext(PyObject* self) {
  FileWrapperObject* wrapper = as_wrapper(self);
  Ref size(PyLong_FromSsize_t(wrapper->blksize));
  if (!size) return nullptr;
  Ref data(PyObject_CallMethodOneArg(wrapper->filelike, names().read, size.get()));
  if (!data) return nullptr;
  int truth = PyObject_IsTrue(data.get());
  if (truth < 0) return nullptr;
  if (truth == 0) return nullptr;  // StopIteration
  return data.release();
}

PyObject* wrapper_close(PyObject* self, PyObject*) {
  PyObject* close = nullptr;
  if (_PyObject_LookupAttr(as_wrapper(self)->filelike, names().close, &close) < 0) return nullptr;
  if (close == nullptr) Py_RETURN_NONE;  // "if the object has a close() method"
  Ref method(close);
  Ref result(PyObject_CallNoArgs(method.get()));
  if (!result) return nullptr;
  Py_RETURN_NONE;
}

int wrapper_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(as_wrapper(self)->filelike);
  return 0;
}

int wrapper_clear(PyObject* self) {
  Py_CLEAR(as_wrapper(self)->filelike);
  return 0;
}

void wrapper_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  wrapper_clear(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef g_methods[] = {
    {"close", wrapper_close, METH_NOARGS, "close(): filelike.close(), if it has one"},
    {nullptr, nullptr, 0, nullptr},
};

PyMemberDef g_members[] = {
    {"filelike", T_OBJECT, offsetof(FileWrapperObject, filelike), READONLY, nullptr},
    {"blksize", T_PYSSIZET, offsetof(FileWrapperObject, blksize), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot g_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(wrapper_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(wrapper_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(wrapper_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(wrapper_clear)},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(wrapper_iternext)},
    {Py_tp_methods, g_methods},
    {Py_tp_members, g_members},
    {Py_tp_doc, const_cast<char*>("wsgi.file_wrapper(filelike, blksize=8192)")},
    {0, nullptr},
};

// GC: the filelike is the app's object and could refer back to the wrapper.
PyType_Spec g_spec = {
    "webcycle.FileWrapper", sizeof(FileWrapperObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, g_slots,
};

}  // namespace

Status init_file_wrapper_type() {
  if (g_type != nullptr) return {};
  g_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&g_spec));
  if (g_type == nullptr) {
    PyErr_Clear();
    return fail("cannot create the wsgi.file_wrapper type");
  }
  return {};
}

PyObject* file_wrapper_type() { return reinterpret_cast<PyObject*>(g_type); }

bool is_file_wrapper(PyObject* object) { return PyObject_TypeCheck(object, g_type); }

PyObject* file_wrapper_filelike(PyObject* wrapper) { return as_wrapper(wrapper)->filelike; }

}  // namespace wc::app::python
