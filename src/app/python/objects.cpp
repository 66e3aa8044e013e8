#include "app/python/objects.h"

namespace wc::app::python {
namespace {
Names g_names;
}  // namespace

const Names& names() noexcept { return g_names; }

Status init_object_types() {
  if (g_names.read == nullptr) {
    // Kept for the life of the process, like the types (the interpreter is never finalized).
    g_names.read = PyUnicode_InternFromString("read");
    g_names.close = PyUnicode_InternFromString("close");
    g_names.fileno = PyUnicode_InternFromString("fileno");
    g_names.tell = PyUnicode_InternFromString("tell");
    if (g_names.read == nullptr || g_names.close == nullptr || g_names.fileno == nullptr ||
        g_names.tell == nullptr) {
      PyErr_Clear();
      g_names = Names{};
      return fail("cannot create the interned attribute names");
    }
  }
  if (auto status = init_input_type(); !status) return status;
  if (auto status = init_errors_type(); !status) return status;
  if (auto status = init_file_wrapper_type(); !status) return status;
  return init_start_response_types();
}

}  // namespace wc::app::python
