// Start-up-only Python code (never per request): gunicorn's import_app and config reading are
// Python functions there, so this layer runs the same logic (ast.literal_eval and all) from a
// small module compiled into the binary instead of re-implementing Python's parser in C++.
#pragma once

#include "app/python/ref.h"

namespace wc::app::python {

// A function (or class) of the embedded helper module, borrowed; nullptr with an exception set
// if the module could not be built. Needs the GIL.
[[nodiscard]] PyObject* helper(const char* name);

}  // namespace wc::app::python
