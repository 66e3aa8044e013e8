// The environ of PEP 3333 "environ Variables", with the keys gunicorn 20.1 adds
// (gunicorn/http/wsgi.py: base_environ, default_environ, create): RAW_URI, REQUEST_URI,
// REMOTE_PORT, wsgi.input_terminated. Every str value is a native string: the request's bytes
// decoded as latin-1 (PEP 3333 "Unicode Issues").
#include "app/python/environ.h"

#include <cstdio>

#include "app/python/objects.h"

namespace wc::app::python {
namespace {

Ref intern(const char* text) { return Ref(PyUnicode_InternFromString(text)); }

bool ascii_iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

// environ[key] = value, stealing `value`. False (exception set) on failure.
bool put(PyObject* environ, const Ref& key, PyObject* value) {
  if (value == nullptr) return false;
  int rc = PyDict_SetItem(environ, key.get(), value);
  Py_DECREF(value);
  return rc == 0;
}

}  // namespace

Status EnvironBuilder::init(const ServerInfo& server, PyObject* errors) {
  keys_.request_method = intern("REQUEST_METHOD");
  keys_.script_name = intern("SCRIPT_NAME");
  keys_.path_info = intern("PATH_INFO");
  keys_.query_string = intern("QUERY_STRING");
  keys_.content_type = intern("CONTENT_TYPE");
  keys_.content_length = intern("CONTENT_LENGTH");
  keys_.server_name = intern("SERVER_NAME");
  keys_.server_port = intern("SERVER_PORT");
  keys_.server_protocol = intern("SERVER_PROTOCOL");
  keys_.remote_addr = intern("REMOTE_ADDR");
  keys_.remote_port = intern("REMOTE_PORT");
  keys_.raw_uri = intern("RAW_URI");
  keys_.request_uri = intern("REQUEST_URI");
  keys_.url_scheme = intern("wsgi.url_scheme");
  keys_.input = intern("wsgi.input");
  http_ = intern("http");
  https_ = intern("https");
  http11_ = intern("HTTP/1.1");
  http10_ = intern("HTTP/1.0");
  empty_bytes_ = Ref(PyBytes_FromStringAndSize("", 0));
  for (size_t i = 0; i < std::size(kMethods); ++i) method_values_[i] = intern(kMethods[i].data());
  if (PyErr_Occurred()) return fail("cannot build the environ keys");

  // Room for the ~20 keys of every request plus a dozen headers: copies of the template inherit
  // its table size, so a typical request never resizes its environ.
  template_ = Ref(_PyDict_NewPresized(30));
  if (!template_) return fail("cannot build the environ template");
  PyObject* t = template_.get();
  Ref version(Py_BuildValue("(ii)", 1, 0));
  Ref software(PyUnicode_FromString("webcycle/" WEBCYCLE_VERSION));
  Ref server_name(latin1(server.server_name));
  Ref server_port(latin1(server.server_port));
  Ref empty(latin1(""));
  if (!version || !software || !server_name || !server_port || !empty)
    return fail("cannot build the environ constants");
  struct Entry {
    const char* key;
    PyObject* value;
  };
  const Entry constants[] = {
      {"wsgi.version", version.get()},
      {"wsgi.multithread", Py_False},
      {"wsgi.multiprocess", server.multiprocess ? Py_True : Py_False},
      {"wsgi.run_once", Py_False},
      {"wsgi.errors", errors},
      {"wsgi.file_wrapper", file_wrapper_type()},
      {"wsgi.input_terminated", Py_True},
      {"SERVER_SOFTWARE", software.get()},
  };
  for (const Entry& entry : constants) {
    Ref key = intern(entry.key);
    if (!key || PyDict_SetItem(t, key.get(), entry.value) < 0) return fail("cannot build the environ template");
  }
  // Keys every request sets: present in the template, so per request they are overwrites of an
  // existing slot. SERVER_NAME/SERVER_PORT/wsgi.url_scheme usually keep these values.
  const std::pair<const Ref*, PyObject*> placeholders[] = {
      {&keys_.request_method, empty.get()}, {&keys_.script_name, empty.get()},
      {&keys_.path_info, empty.get()},      {&keys_.query_string, empty.get()},
      {&keys_.raw_uri, empty.get()},        {&keys_.request_uri, empty.get()},
      {&keys_.server_protocol, http11_.get()}, {&keys_.remote_addr, empty.get()},
      {&keys_.server_name, server_name.get()}, {&keys_.server_port, server_port.get()},
      {&keys_.url_scheme, http_.get()},     {&keys_.input, Py_None},
  };
  for (const auto& [key, value] : placeholders) {
    if (PyDict_SetItem(t, key->get(), value) < 0) return fail("cannot build the environ template");
  }
  return {};
}

PyObject* EnvironBuilder::method_value(std::string_view method) {
  for (size_t i = 0; i < std::size(kMethods); ++i)
    if (kMethods[i] == method) return method_values_[i].new_ref();
  return latin1(method);
}

PyObject* EnvironBuilder::remote_addr_value(std::string_view addr) {
  if (!last_remote_addr_value_ || addr != last_remote_addr_) {
    Ref value(latin1(addr));
    if (!value) return nullptr;
    last_remote_addr_.assign(addr);
    last_remote_addr_value_ = std::move(value);
  }
  return last_remote_addr_value_.new_ref();
}

bool EnvironBuilder::header_key(std::string_view name, HeaderKey& out) {
  if (auto it = header_keys_.find(name); it != header_keys_.end()) {
    out.key = Ref::borrow(it->second.key.get());
    out.kind = it->second.kind;
    return true;
  }
  // gunicorn: CONTENT-TYPE and CONTENT-LENGTH get their CGI names; every other field becomes
  // 'HTTP_' + name.upper().replace('-', '_').
  HeaderKey made;
  if (ascii_iequals(name, "content-type")) {
    made.kind = HeaderKind::kContentType;
    made.key = Ref::borrow(keys_.content_type.get());
  } else if (ascii_iequals(name, "content-length")) {
    made.kind = HeaderKind::kContentLength;
    made.key = Ref::borrow(keys_.content_length.get());
  } else {
    std::string key = "HTTP_";
    key.reserve(5 + name.size());
    for (char c : name) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (c == '-') c = '_';
      key.push_back(c);
    }
    PyObject* str = latin1(key);
    if (str == nullptr) return false;
    PyUnicode_InternInPlace(&str);
    made.key = Ref(str);
  }
  out.key = Ref::borrow(made.key.get());
  out.kind = made.kind;
  if (header_keys_.size() < kMaxCachedNames) header_keys_.emplace(std::string(name), std::move(made));
  return true;
}

PyObject* EnvironBuilder::build(Request& request, Ref& input, Ref& raw_uri) {
  // wsgi.input first: it takes the body (and the body fd) whatever happens next.
  if (request.body_fd >= 0) {
    input = Ref(new_input_from_fd(std::exchange(request.body_fd, -1), request.body_file_size));
  } else if (request.body.empty()) {
    input = Ref(new_input_from_bytes(empty_bytes_.get()));
  } else {
    // The one copy of the body: into the bytes object that read() hands out as is.
    Ref body(PyBytes_FromStringAndSize(request.body.data(), static_cast<Py_ssize_t>(request.body.size())));
    std::string().swap(request.body);
    if (!body) return nullptr;
    input = Ref(new_input_from_bytes(body.get()));
  }
  if (!input) return nullptr;

  Ref environ(PyDict_Copy(template_.get()));
  if (!environ) return nullptr;
  PyObject* env = environ.get();
  raw_uri = Ref(latin1(request.raw_uri));
  if (!raw_uri) return nullptr;

  PyObject* protocol = request.protocol == "HTTP/1.1"   ? http11_.new_ref()
                       : request.protocol == "HTTP/1.0" ? http10_.new_ref()
                                                        : latin1(request.protocol);
  if (!put(env, keys_.request_method, method_value(request.method)) ||
      !put(env, keys_.script_name, latin1(request.script_name)) ||
      !put(env, keys_.path_info, latin1(request.path_info)) ||
      !put(env, keys_.query_string, latin1(request.query)) ||
      !put(env, keys_.raw_uri, raw_uri.new_ref()) ||
      !put(env, keys_.request_uri, raw_uri.new_ref()) ||
      !put(env, keys_.server_protocol, protocol) ||
      !put(env, keys_.remote_addr, remote_addr_value(request.remote_addr)) ||
      !put(env, keys_.input, input.new_ref())) {
    return nullptr;
  }
  // Unix sockets have no peer port: gunicorn then sets no REMOTE_PORT at all.
  if (!request.remote_port.empty() && !put(env, keys_.remote_port, latin1(request.remote_port)))
    return nullptr;
  if (request.url_scheme == "https") {
    if (!put(env, keys_.url_scheme, https_.new_ref())) return nullptr;
  } else if (!request.url_scheme.empty() && request.url_scheme != "http") {
    if (!put(env, keys_.url_scheme, latin1(request.url_scheme))) return nullptr;
  }
  if (!request.server_name.empty() && !put(env, keys_.server_name, latin1(request.server_name)))
    return nullptr;
  if (!request.server_port.empty() && !put(env, keys_.server_port, latin1(request.server_port)))
    return nullptr;

  for (const auto& [name, value] : request.headers) {
    HeaderKey key;
    if (!header_key(name, key)) return nullptr;
    Ref text(latin1(value));
    if (!text) return nullptr;
    if (key.kind != HeaderKind::kHttp) {
      // gunicorn: environ['CONTENT_TYPE'] = value: a repeated one replaces the earlier.
      if (PyDict_SetItem(env, key.key.get(), text.get()) < 0) return nullptr;
      continue;
    }
    // One lookup in the common case: insert unless present. Present means a repeated field,
    // joined as gunicorn does: "%s,%s" % (environ[key], value).
    // (Identity cannot tell: latin1 hands out shared one-character str singletons.)
    Py_ssize_t before = PyDict_GET_SIZE(env);
    PyObject* existing = PyDict_SetDefault(env, key.key.get(), text.get());  // borrowed
    if (existing == nullptr) return nullptr;
    if (PyDict_GET_SIZE(env) == before) {
      Ref joined(PyUnicode_FromFormat("%U,%U", existing, text.get()));
      if (!joined || PyDict_SetItem(env, key.key.get(), joined.get()) < 0) return nullptr;
    }
  }
  if (request.content_length >= 0) {
    // A chunked body, decoded: the app is told its real length.
    char digits[24];
    int n = std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(request.content_length));
    if (!put(env, keys_.content_length, PyUnicode_FromStringAndSize(digits, n))) return nullptr;
  }
  return environ.release();
}

}  // namespace wc::app::python
