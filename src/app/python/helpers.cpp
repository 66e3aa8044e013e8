#include "app/python/helpers.h"

namespace wc::app::python {
namespace {

// gunicorn 20.1's util.import_app and app/base.py get_config_from_filename, kept as close to
// the original as possible so error messages match word for word. One extension: CALLABLE may
// be a dotted path ("pkg.app", "factories.create()"), which gunicorn rejects.
constexpr const char* kSource = R"PY(
import ast
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import traceback
import types


class AppImportError(Exception):
    """gunicorn.errors.AppImportError: its message is the whole report, without a traceback."""


def _called_with_wrong_args(f):
    tb = sys.exc_info()[2]
    code = getattr(f, "__code__", None)
    try:
        while tb is not None:
            if tb.tb_frame.f_code is code:
                return False
            tb = tb.tb_next
        return True
    finally:
        del tb


def _dotted_name(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def import_app(module):
    parts = module.split(":", 1)
    if len(parts) == 1:
        obj = "application"
    else:
        module, obj = parts[0], parts[1]

    try:
        mod = importlib.import_module(module)
    except ImportError:
        if module.endswith(".py") and os.path.exists(module):
            msg = "Failed to find application, did you mean '%s:%s'?"
            raise ImportError(msg % (module.rsplit(".", 1)[0], obj))
        raise

    try:
        expression = ast.parse(obj, mode="eval").body
    except SyntaxError:
        raise AppImportError(
            "Failed to parse %r as an attribute name or function call." % obj
        )

    if isinstance(expression, ast.Call):
        name = _dotted_name(expression.func)
        if name is None:
            raise AppImportError("Function reference must be a simple name: %r" % obj)
        try:
            args = [ast.literal_eval(arg) for arg in expression.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expression.keywords}
        except ValueError:
            raise AppImportError(
                "Failed to parse arguments as literal values: %r" % obj
            )
    else:
        name = _dotted_name(expression)
        if name is None:
            raise AppImportError(
                "Failed to parse %r as an attribute name or function call." % obj
            )
        args = kwargs = None

    app = mod
    try:
        for attribute in name.split("."):
            app = getattr(app, attribute)
    except AttributeError:
        raise AppImportError("Failed to find attribute %r in %r." % (name, module))

    if args is not None:
        try:
            app = app(*args, **kwargs)
        except TypeError as e:
            if _called_with_wrong_args(app):
                raise AppImportError(
                    "".join(traceback.format_exception_only(TypeError, e)).strip()
                )
            raise

    if app is None:
        raise AppImportError("Failed to find application object: %r" % obj)

    if not callable(app):
        raise AppImportError("Application object must be callable.")
    return app


# ConfigSetting::Kind, in order.
K_STRING, K_INT, K_FLOAT, K_BOOL, K_NONE, K_LIST, K_CALLABLE, K_OTHER = range(8)


def _setting(name, value):
    if isinstance(value, bool):
        return (name, K_BOOL, [repr(value)])
    if isinstance(value, int):
        return (name, K_INT, [repr(value)])
    if isinstance(value, float):
        return (name, K_FLOAT, [repr(value)])
    if isinstance(value, str):
        return (name, K_STRING, [value])
    if value is None:
        return (name, K_NONE, [])
    if isinstance(value, (list, tuple)):
        return (name, K_LIST, [str(item) for item in value])
    if callable(value):
        return (name, K_CALLABLE, [])
    return (name, K_OTHER, [repr(value)])


def read_config(filename):
    module_name = "__config__"
    ext = os.path.splitext(filename)[1]
    if ext in [".py", ".pyc"]:
        spec = importlib.util.spec_from_file_location(module_name, filename)
    else:
        loader_ = importlib.machinery.SourceFileLoader(module_name, filename)
        spec = importlib.util.spec_from_file_location(module_name, filename, loader=loader_)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = mod
    spec.loader.exec_module(mod)
    return [_setting(name, value) for name, value in vars(mod).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)]
)PY";

PyObject* g_namespace = nullptr;  // the helper module's globals, for the life of the process

}  // namespace

PyObject* helper(const char* name) {
  if (g_namespace == nullptr) {
    Ref globals(PyDict_New());
    if (!globals) return nullptr;
    Ref module_name(PyUnicode_FromString("_webcycle"));
    if (!module_name ||
        PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins()) < 0 ||
        PyDict_SetItemString(globals.get(), "__name__", module_name.get()) < 0) {
      return nullptr;
    }
    Ref code(Py_CompileString(kSource, "<webcycle>", Py_file_input));
    if (!code) return nullptr;
    Ref result(PyEval_EvalCode(code.get(), globals.get(), globals.get()));
    if (!result) return nullptr;
    g_namespace = globals.release();
  }
  PyObject* function = PyDict_GetItemString(g_namespace, name);
  if (function == nullptr) PyErr_Format(PyExc_KeyError, "no helper %s", name);
  return function;
}

}  // namespace wc::app::python
