// Application::load (gunicorn's util.import_app) and Application::call (the first half of
// gunicorn's SyncWorker.handle_request: environ, app(environ, start_response)).
#include <unistd.h>

#include "app/log/app_log.h"
#include "app/python/call_state.h"
#include "app/python/environ.h"
#include "app/python/exception.h"
#include "app/python/helpers.h"
#include "app/python/interpreter.h"
#include "app/python/objects.h"

namespace wc::app::python {

struct Application::State {
  Ref app;
  Ref errors;  // wsgi.errors: one stream for the worker, as gunicorn's
  EnvironBuilder environ;
};

namespace {

// os.environ.update(env): the --env pairs, visible to the app's import-time code.
Status set_environment(std::span<const std::pair<std::string, std::string>> env) {
  if (env.empty()) return {};
  Ref os(PyImport_ImportModule("os"));
  Ref environ(os ? PyObject_GetAttrString(os.get(), "environ") : nullptr);
  if (!environ) return fail(take_exception_text());
  for (const auto& [key, value] : env) {
    // os.environ's own encoding (the filesystem encoding, surrogateescape), as os.environ reads.
    Ref k(PyUnicode_DecodeFSDefaultAndSize(key.data(), static_cast<Py_ssize_t>(key.size())));
    Ref v(PyUnicode_DecodeFSDefaultAndSize(value.data(), static_cast<Py_ssize_t>(value.size())));
    if (!k || !v || PyObject_SetItem(environ.get(), k.get(), v.get()) < 0)
      return fail("cannot set " + key + ": " + take_exception_text());
  }
  return {};
}

// The helper's AppImportError carries the whole report; anything else reports its traceback.
std::string load_error_text() {
  PyObject* app_import_error = helper("AppImportError");
  if (app_import_error != nullptr && PyErr_ExceptionMatches(app_import_error)) {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Ref t(type), v(value), b(tb);
    Ref text(v ? PyObject_Str(v.get()) : nullptr);
    if (text) return to_utf8(text.get());
    PyErr_Clear();
    return "Failed to load the application";
  }
  return take_exception_text();
}

}  // namespace

Result<Application> Application::load(std::string_view spec, const ServerInfo& server,
                                      std::span<const std::pair<std::string, std::string>> env) {
  if (!initialized()) {
    if (auto started = initialize({}); !started) return std::unexpected(started.error());
  }
  Gil gil;
  if (auto types = init_object_types(); !types) return std::unexpected(types.error());
  if (auto environ = set_environment(env); !environ) return std::unexpected(environ.error());

  PyObject* import_app = helper("import_app");
  if (import_app == nullptr) return fail(take_exception_text());
  Ref text(PyUnicode_DecodeFSDefaultAndSize(spec.data(), static_cast<Py_ssize_t>(spec.size())));
  if (!text) return fail(take_exception_text());
  Ref app(PyObject_CallOneArg(import_app, text.get()));
  if (!app) return fail(load_error_text());

  auto* state = new State;
  Application application;
  application.state_ = state;
  state->app = std::move(app);
  state->errors = Ref(new_errors_stream());
  if (!state->errors) return fail(take_exception_text());
  if (auto built = state->environ.init(server, state->errors.get()); !built) {
    PyErr_Clear();
    return std::unexpected(built.error());
  }
  return application;
}

Application::~Application() {
  if (state_ == nullptr) return;
  Gil gil;
  delete state_;
}

Application::Application(Application&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}

Application& Application::operator=(Application&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) {
      Gil gil;
      delete state_;
    }
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

Call Application::call(Request&& request) {
  Call call;
  auto* cs = new Call::State;
  call.state_ = cs;
  if (state_ == nullptr) {
    // A default-constructed or moved-from Application (Python may not even be initialized).
    if (request.body_fd >= 0) ::close(request.body_fd);
    app_log().log(AppLogLevel::error, "Error handling request: no application loaded");
    cs->failed = true;
    return call;
  }
  Gil gil;
  cs->errors = Ref::borrow(state_->errors.get());
  Ref environ(state_->environ.build(request, cs->input, cs->raw_uri));
  if (environ) cs->start_response = Ref(new_start_response(cs));
  if (!environ || !cs->start_response) {
    log_request_exception(cs->raw_uri.get());
    cs->failed = true;
    return call;
  }

  PyObject* args[2] = {environ.get(), cs->start_response.get()};
  cs->result = Ref(PyObject_Vectorcall(state_->app.get(), args, 2, nullptr));
  environ.reset();  // the app may keep it; we do not need it
  if (!cs->result) {
    log_request_exception(cs->raw_uri.get());
    cs->failed = true;
    return call;
  }

  PyObject* result = cs->result.get();
  if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) {
    cs->kind = BodyKind::kSequence;
  } else if (is_file_wrapper(result)) {
    cs->kind = BodyKind::kFileWrapper;
  } else {
    cs->kind = BodyKind::kIterator;
    cs->iterator = Ref(PyObject_GetIter(result));
    if (!cs->iterator) {
      log_request_exception(cs->raw_uri.get());
      cs->failed = true;
      return call;
    }
    // A generator app runs nothing until iterated, start_response included: pull the first item
    // now so the head is known before the server commits anything (PEP 3333 lets start_response
    // be called as late as just before the first non-empty item).
    // Empty bytestrings may come first: the head only has to be known at the first non-empty one.
    while (!cs->started && !cs->exhausted) {
      cs->prefetched = Ref(PyIter_Next(cs->iterator.get()));
      if (!cs->prefetched && PyErr_Occurred()) {
        log_request_exception(cs->raw_uri.get());
        cs->failed = true;
        return call;
      }
      if (!cs->prefetched) {
        cs->exhausted = true;  // kDone comes after the written pieces, if any
      } else if (!PyBytes_Check(cs->prefetched.get()) || PyBytes_GET_SIZE(cs->prefetched.get()) > 0) {
        break;
      }
    }
  }
  if (!cs->started) {
    PyErr_SetString(PyExc_AssertionError, "start_response was not called");
    log_request_exception(cs->raw_uri.get());
    cs->failed = true;
    return call;
  }

  call.started_ = true;
  call.status_ = std::move(cs->status);
  call.status_code_ = cs->status_code;
  call.headers_ = std::move(cs->headers);
  cs->head_changed = false;

  // Content-Length for free: a list/tuple of bytes and no write() is the whole body already.
  if (cs->kind == BodyKind::kSequence && !cs->write_used) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(result);
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = PySequence_Fast_GET_ITEM(result, i);
      if (!PyBytes_Check(item)) {
        total = -1;
        break;
      }
      total += PyBytes_GET_SIZE(item);
    }
    call.known_length_ = total;
  }
  return call;
}

}  // namespace wc::app::python
