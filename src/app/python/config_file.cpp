// read_config_file: gunicorn's -c FILE (interpreter.h).
#include <fcntl.h>
#include <unistd.h>

#include "app/log/app_log.h"
#include "app/python/exception.h"
#include "app/python/helpers.h"
#include "app/python/interpreter.h"

namespace wc::app::python {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<std::vector<ConfigSetting>> convert(PyObject* list) {
  std::vector<ConfigSetting> settings;
  if (!PyList_Check(list)) return fail("config reader returned no list");
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); ++i) {
    PyObject* item = PyList_GET_ITEM(list, i);  // (name, kind, [str, ...]) from helpers.cpp
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) return fail("bad config entry");
    ConfigSetting setting;
    setting.name = to_utf8(PyTuple_GET_ITEM(item, 0));
    long kind = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
    if (kind < 0 || kind > static_cast<long>(ConfigSetting::Kind::kOther)) {
      PyErr_Clear();
      return fail("bad config entry kind");
    }
    setting.kind = static_cast<ConfigSetting::Kind>(kind);
    PyObject* values = PyTuple_GET_ITEM(item, 2);
    for (Py_ssize_t j = 0; PyList_Check(values) && j < PyList_GET_SIZE(values); ++j)
      setting.values.push_back(to_utf8(PyList_GET_ITEM(values, j)));
    settings.push_back(std::move(setting));
  }
  return settings;
}

}  // namespace

Result<std::vector<ConfigSetting>> read_config_file(const std::string& path) {
  // The open error first, in the project's words, rather than Python's FileNotFoundError.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_fail("open() \"" + path + "\"");
  ::close(fd);
  if (!initialized()) {
    if (auto started = initialize({}); !started) return std::unexpected(started.error());
  }
  if (!ends_with(path, ".py") && !ends_with(path, ".pyc")) {
    // gunicorn's util.warn text.
    app_log().log(AppLogLevel::warning, "configuration file should have a valid Python extension.");
  }
  Gil gil;
  PyObject* reader = helper("read_config");
  Ref filename(reader != nullptr ? PyUnicode_DecodeFSDefault(path.c_str()) : nullptr);
  Ref result(filename ? PyObject_CallOneArg(reader, filename.get()) : nullptr);
  if (!result) return fail("Failed to read config file: " + path + "\n" + take_exception_text());
  return convert(result.get());
}

}  // namespace wc::app::python
