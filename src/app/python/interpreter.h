// The embedded CPython of one `webcycle app` process: start-up, fork hooks, and reading a
// gunicorn config file. Everything that touches Python lives in src/app/python/; no header here
// includes Python.h, so the rest of the server never sees a PyObject.
//
// Threading: one interpreter per process, used from the process's loop thread only. The GIL is
// held by that thread from initialize() on (nothing else runs Python), so callers never think
// about it; the .cpp files still take it with RAII guards where CPython could release it.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace wc::app::python {

struct InterpreterSettings {
  // Put at the front of sys.path, in this order (--chdir's directory first, then --pythonpath's
  // entries), as gunicorn does, so MODULE resolves as `python3 -c 'import MODULE'` from --chdir.
  std::vector<std::string> path_prepend;
};

// Initializes the interpreter (Debian's python3, the one libpython3-dev links: its stdlib and its
// dist-packages such as flask and django). Python installs no signal handlers (the server's
// signalfd owns signals). Idempotent: a second call only prepends the paths not yet on sys.path.
// Errors: the interpreter's start-up error text.
[[nodiscard]] Status initialize(const InterpreterSettings& settings);
[[nodiscard]] bool initialized() noexcept;

// Around fork() in a process that has initialized Python (PyOS_BeforeFork & co.): the parent
// calls before_fork() then after_fork_parent(); the child calls after_fork_child() first thing.
void before_fork();
void after_fork_parent();
void after_fork_child();

// The loop thread gives the GIL up while it waits for events and takes it back after, so threads
// the application started run while the worker is idle (EventLoop::set_wait_hooks's shape; the
// argument is unused). Calls must pair, on the thread that holds the GIL.
void release_gil_while_idle(void* unused);
void take_gil_after_idle(void* unused);

// A setting read from a gunicorn config file (-c FILE). gunicorn execs the file as Python and
// takes every module-level name that is a known setting; values keep their Python meaning:
struct ConfigSetting {
  enum class Kind : unsigned char { kString, kInt, kFloat, kBool, kNone, kList, kCallable, kOther };
  std::string name;
  Kind kind = Kind::kString;
  // kString: {text}; kInt/kFloat: {repr}, e.g. {"4"}, {"2.5"}; kBool: {"True"} or {"False"};
  // kNone: {}; kList (list or tuple): str() of each item; kCallable: {} (server hooks);
  // kOther: {repr}.
  std::vector<std::string> values;
};

// Runs `path` as gunicorn reads a config file (a fresh module namespace with __file__ set, the
// file's directory not added to sys.path) and returns its module-level names, in definition
// order, skipping names starting with '_' and imported modules. Initializes the interpreter if
// needed (with no extra paths). Errors: "Failed to read config file: PATH" followed by the
// Python traceback (gunicorn's wording), or the open error.
[[nodiscard]] Result<std::vector<ConfigSetting>> read_config_file(const std::string& path);

}  // namespace wc::app::python
