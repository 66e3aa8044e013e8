// Start-up of the embedded interpreter and the fork hooks (interpreter.h).
#include "app/python/interpreter.h"

#include <signal.h>

#include "app/python/exception.h"
#include "app/python/ref.h"

#ifndef WEBCYCLE_PYTHON_EXECUTABLE
#define WEBCYCLE_PYTHON_EXECUTABLE "/usr/bin/python3"
#endif

namespace wc::app::python {
namespace {

std::string status_text(const PyStatus& status) {
  std::string text = "Python initialization failed";
  if (status.func != nullptr) {
    text += " in ";
    text += status.func;
  }
  if (status.err_msg != nullptr) {
    text += ": ";
    text += status.err_msg;
  }
  if (PyStatus_IsExit(status)) text += " (exit " + std::to_string(status.exitcode) + ")";
  return text;
}

// Importing the signal module (any app may) installs Python's SIGINT handler (KeyboardInterrupt)
// whenever SIGINT is at SIG_DFL, install_signal_handlers or not. Import it now and put SIGINT back,
// through signal.signal so Python's own table agrees; later imports find the module loaded.
Status keep_sigint_default() {
  Ref module(PyImport_ImportModule("signal"));
  Ref set(module ? PyObject_GetAttrString(module.get(), "signal") : nullptr);
  Ref default_handler(module ? PyObject_GetAttrString(module.get(), "SIG_DFL") : nullptr);
  Ref signo(PyLong_FromLong(SIGINT));
  Ref previous(
      set && default_handler && signo
          ? PyObject_CallFunctionObjArgs(set.get(), signo.get(), default_handler.get(), nullptr)
          : nullptr);
  if (!previous) return fail("cannot reset SIGINT: " + take_exception_text());
  return {};
}

Status start_interpreter() {
  struct sigaction sigint_before = {};
  ::sigaction(SIGINT, nullptr, &sigint_before);
  PyConfig config;
  // The "Python configuration", not the isolated one: PYTHONPATH, the user site directory and
  // the other environment variables count as they do for `/usr/bin/python3 -c`, which is what
  // gunicorn's users expect of MODULE resolution.
  PyConfig_InitPythonConfig(&config);
  // The server's own command line is not Python's; sys.argv is just ["webcycle"].
  config.parse_argv = 0;
  // The master/worker signalfd owns every signal: Python must not install SIGINT & co.
  config.install_signal_handlers = 0;
  // Leave the server's C stdio buffering alone (PYTHONUNBUFFERED would setvbuf stdout).
  config.configure_c_stdio = 0;
  // Debian's interpreter, the one libpython3.11 belongs to, so that sys.prefix is /usr and
  // dist-packages (flask, django) are on sys.path, whatever python3 comes first on PATH.
  PyStatus status =
      PyConfig_SetBytesString(&config, &config.program_name, WEBCYCLE_PYTHON_EXECUTABLE);
  if (!PyStatus_Exception(status)) {
    char argv0[] = "webcycle";
    char* argv[] = {argv0};
    status = PyConfig_SetBytesArgv(&config, 1, argv);
  }
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) return fail(status_text(status));
  if (sigint_before.sa_handler == SIG_DFL && (sigint_before.sa_flags & SA_SIGINFO) == 0) {
    if (auto reset = keep_sigint_default(); !reset) return reset;
  }
  // The GIL stays with this (the loop) thread from here on: interpreter.h.
  return {};
}

// sys.path[:0] = the entries of `paths` not on sys.path yet, keeping their order.
Status prepend_paths(const std::vector<std::string>& paths) {
  if (paths.empty()) return {};
  PyObject* sys_path = PySys_GetObject("path");  // borrowed
  if (sys_path == nullptr || !PyList_Check(sys_path)) return fail("sys.path is not a list");
  Py_ssize_t at = 0;
  for (const std::string& path : paths) {
    Ref entry(PyUnicode_DecodeFSDefaultAndSize(path.data(), static_cast<Py_ssize_t>(path.size())));
    if (!entry) return fail("cannot decode path \"" + path + "\": " + take_exception_text());
    int present = PySequence_Contains(sys_path, entry.get());
    if (present < 0) return fail(take_exception_text());
    if (present > 0) continue;
    if (PyList_Insert(sys_path, at++, entry.get()) < 0) return fail(take_exception_text());
  }
  return {};
}

}  // namespace

Status initialize(const InterpreterSettings& settings) {
  if (!Py_IsInitialized()) {
    if (auto started = start_interpreter(); !started) return started;
  }
  Gil gil;
  return prepend_paths(settings.path_prepend);
}

bool initialized() noexcept { return Py_IsInitialized() != 0; }

void before_fork() {
  if (initialized()) PyOS_BeforeFork();
}

void after_fork_parent() {
  if (initialized()) PyOS_AfterFork_Parent();
}

void after_fork_child() {
  // Resets the GIL, the import lock and threading's state for the one thread that survived.
  if (initialized()) PyOS_AfterFork_Child();
}

namespace {
// The loop thread's state while it sleeps without the GIL (one loop thread per process).
PyThreadState* g_sleeping = nullptr;
}  // namespace

void release_gil_while_idle(void*) {
  if (g_sleeping == nullptr && initialized()) g_sleeping = PyEval_SaveThread();
}

void take_gil_after_idle(void*) {
  if (g_sleeping != nullptr) {
    PyEval_RestoreThread(g_sleeping);
    g_sleeping = nullptr;
  }
}

}  // namespace wc::app::python

// Under -DWEBCYCLE_SANITIZE=ON: the interpreter is never finalized (workers and a master
// that read a config file exit without Py_Finalize), and LeakSanitizer does not scan pymalloc's
// mmap'd arenas, so everything CPython malloc'd and still references from there looks leaked.
// Allocations made by libpython are not reported; this layer's own (C++) allocations still are, and
// Python-level leaks are what leak_test.cpp measures with tracemalloc. Extension modules' libraries
// (OpenSSL for hashlib/ssl, which flask and django import) keep their globals the same way. Linked
// wherever the interpreter is: interpreter.cpp is in every program that starts it.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpython3.11.so\n"
         "leak:/usr/lib/python3.11/lib-dynload/\n"
         "leak:libcrypto.so\n"
         "leak:libssl.so\n";
}
