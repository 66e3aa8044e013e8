"""A plain WSGI application (PEP 3333) for webcycle's integration tests, run the same way under
`webcycle app` and Debian's gunicorn.

Callables:
  application  every path under /raw/ goes to raw_app as it is; every other path goes to
               validated, so the server under test meets wsgiref.validate's checks on each
               request (a failed check is an AssertionError inside the app: a 500).
  validated    wsgiref.validate.validator(raw_app)
  raw_app      the routes without the validator (needed where the validator hides what the
               server must see: a wsgi.file_wrapper object, read() without a size, bad headers)
  create_app() a factory returning `application` (for the MODULE:create_app() form)

Routes (the /raw/ prefix, if any, is ignored when routing):
  /env                 the environ as JSON: every str key, plus a description of the wsgi.* keys
  /pid                 the worker's pid; /count: requests this worker has served
  /osenv?k=NAME        os.environ.get(NAME) in the worker, as JSON {"value": ...}
  /echo?mode=M&size=N  the request body read through wsgi.input with M in read (read(N) in a
                       loop, N default 8192), readall (read() with no size: raw only), readline,
                       readlines, iter; answers JSON {"mode", "body" (latin-1), "pieces", "len"}
  /errors?marker=X     writes X to wsgi.errors with write(), writelines() and flush()
  /exc_info            starts a 200, then replaces it with start_response(500, ..., exc_info)
  /exc_info_late       sends a first body piece, then calls start_response(..., exc_info): the
                       server must re-raise, so the response is cut short
  /write               two pieces through the write() callable, then an iterable with a third
  /gen?id=I&n=N&delay=D  a generator of N pieces (D seconds apart); records "gen-close I" (when
                       close() stops it early: GeneratorExit) and "gen-finally I K" (K pieces
                       sent) in the events file
  /iterclose?id=I&fail=0|1  an iterable class with close(); records "iterclose I"; fail=1
                       raises from its second __next__
  /file?name=F&length=0|1  wsgi.file_wrapper on the file STATE_DIR/F (a recording FileIO:
                       records "file-read I" when read and "file-close I" when closed)
  /bytesio?size=N      wsgi.file_wrapper on an io.BytesIO of N bytes (pattern of bytes 0..250)
  /nolength?n=N        N pieces, no Content-Length (chunked on HTTP/1.1)
  /list                a list body ["list-", "body"] with no Content-Length
  /head                "head body\n" with Content-Length, for GET and HEAD
  /status?code=C       the status C with a short body (and no body for 204/304)
  /headers             custom headers, two Set-Cookie headers
  /badheader?kind=K    (raw only) a header the server must refuse: K in crlf, nonstr, colon,
                       space-name, status-no-reason: a 500
  /raise               raises RuntimeError("pep3333-boom"): a 500
  /raise_iter          starts the response, raises in the first next(): a 500
  /sleep?s=S&id=I      sleeps S seconds, then answers "slept S"; records "sleep-start PID I"
                       and "sleep-end PID I"
  /stream?n=N&delay=D  N pieces D seconds apart (a slow in-flight response)
  /segv                reads address 0 through ctypes (SIGSEGV in the worker)
  /leak?mb=N           keeps N more MiB in a global list; answers the process's VmRSS (kB)
  /exit?code=C         os._exit(C) (default 1)

Events go to the file named by the environment variable WC_TEST_STATE_DIR (events.log, one
line each, appended with O_APPEND so that workers never interleave); without it they are dropped.
Every WSGIWarning from the validator is turned into an error, and any exception raised where
Python can only print it ("Exception ignored in ...", e.g. the validator's "Iterator garbage
collected without being closed") is recorded as an "unraisable ..." event.
"""

import ctypes
import io
import json
import os
import sys
import time
import warnings
from urllib.parse import parse_qs
from wsgiref.validate import WSGIWarning, validator

warnings.simplefilter("error", WSGIWarning)

STATE_DIR = os.environ.get("WC_TEST_STATE_DIR", "")
_LEAK = []
_COUNT = [0]


def record(line):
    if not STATE_DIR:
        return
    fd = os.open(os.path.join(STATE_DIR, "events.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                 0o644)
    try:
        os.write(fd, (line.replace("\n", " ") + "\n").encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _unraisable(info):
    record(f"unraisable pid={os.getpid()} {info.exc_type.__name__}: {info.exc_value} "
           f"({info.err_msg}; {info.object!r})")
    sys.__unraisablehook__(info)


sys.unraisablehook = _unraisable


def query(environ):
    return {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""),
                                          keep_blank_values=True).items()}


def text(start_response, body, status="200 OK", ctype="text/plain; charset=utf-8", extra=()):
    data = body.encode("utf-8") if isinstance(body, str) else body
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data))),
                            *extra])
    return [data]


def as_json(start_response, obj, status="200 OK"):
    return text(start_response, json.dumps(obj, sort_keys=True), status, "application/json")


def describe_environ(environ):
    out = {}
    for key, value in environ.items():
        if "." not in key:
            out[key] = value if isinstance(value, str) else {"non-str": repr(value)}
    out["types"] = {k: type(v).__name__ for k, v in environ.items() if "." not in k}
    inp, err = environ["wsgi.input"], environ["wsgi.errors"]
    out["wsgi"] = {
        "version": list(environ["wsgi.version"]),
        "version_type": type(environ["wsgi.version"]).__name__,
        "url_scheme": environ["wsgi.url_scheme"],
        "multithread": environ["wsgi.multithread"],
        "multiprocess": environ["wsgi.multiprocess"],
        "run_once": environ["wsgi.run_once"],
        "input_methods": [m for m in ("read", "readline", "readlines", "__iter__")
                          if hasattr(inp, m)],
        "errors_methods": [m for m in ("write", "writelines", "flush") if hasattr(err, m)],
        "file_wrapper": callable(environ.get("wsgi.file_wrapper")),
        "input_terminated": environ.get("wsgi.input_terminated"),
    }
    out["pid"] = os.getpid()
    return out


def read_body(environ, mode, size):
    inp = environ["wsgi.input"]
    pieces = []
    if mode == "read":
        while True:
            chunk = inp.read(size)
            if not chunk:
                break
            pieces.append(chunk)
    elif mode == "readall":
        pieces.append(inp.read())
    elif mode == "readline":
        while True:
            line = inp.readline()
            if not line:
                break
            pieces.append(line)
    elif mode == "readline_size":
        while True:
            line = inp.readline(size)
            if not line:
                break
            pieces.append(line)
    elif mode == "readlines":
        pieces = inp.readlines()
    elif mode == "iter":
        pieces = [line for line in inp]
    else:
        raise ValueError(f"unknown mode {mode!r}")
    for p in pieces:
        if type(p) is not bytes:
            raise TypeError(f"wsgi.input gave {type(p).__name__}, not bytes")
    return pieces


class RecordingFile(io.FileIO):
    """A real file whose reads and close are recorded (sendfile never calls read)."""

    def __init__(self, path, tag):
        super().__init__(path, "rb")
        self.tag = tag

    def read(self, *args):
        record(f"file-read {self.tag}")
        return super().read(*args)

    def readinto(self, b):
        record(f"file-read {self.tag}")
        return super().readinto(b)

    def close(self):
        if not self.closed:
            record(f"file-close {self.tag}")
        super().close()


class ClosingIterable:
    """An iterable class with close(): PEP 3333 says the server calls close() whatever happens."""

    def __init__(self, tag, fail):
        self.tag, self.fail, self.n = tag, fail, 0

    def __iter__(self):
        return self

    def __next__(self):
        self.n += 1
        if self.n == 1:
            return b"iterclose-1;"
        if self.n == 2:
            if self.fail:
                raise RuntimeError("iterclose-fail")
            return b"iterclose-2"
        raise StopIteration

    def close(self):
        record(f"iterclose {self.tag}")


def gen_pieces(tag, n, delay):
    sent = 0
    try:
        for i in range(n):
            if delay and i:
                time.sleep(delay)
            yield b"piece-%d;" % i
            sent += 1
    except GeneratorExit:
        record(f"gen-close {tag}")
        raise
    finally:
        record(f"gen-finally {tag} {sent}")


def bad_header(kind):
    if kind == "crlf":
        return "200 OK", [("Content-Type", "text/plain"), ("X-Bad", "a\r\nX-Injected: 1")]
    if kind == "nonstr":
        return "200 OK", [("Content-Type", "text/plain"), ("X-Bad", 42)]
    if kind == "colon":
        return "200 OK", [("Content-Type", "text/plain"), ("X-Bad:", "v")]
    if kind == "space-name":
        return "200 OK", [("Content-Type", "text/plain"), ("X Bad", "v")]
    raise ValueError(kind)


def raw_app(environ, start_response):
    _COUNT[0] += 1
    path = environ.get("PATH_INFO", "")
    if path.startswith("/raw/"):
        path = path[4:]
    q = query(environ)
    method = environ["REQUEST_METHOD"]

    if path == "/" or path == "/hello":
        return text(start_response, "Hello, World!", ctype="text/plain")
    if path.startswith("/env"):
        return as_json(start_response, describe_environ(environ))
    if path == "/pid":
        return text(start_response, str(os.getpid()))
    if path == "/osenv":
        return as_json(start_response, {"value": os.environ.get(q.get("k", ""))})
    if path == "/count":
        return as_json(start_response, {"pid": os.getpid(), "count": _COUNT[0]})
    if path == "/echo":
        pieces = read_body(environ, q.get("mode", "read"), int(q.get("size", "8192")))
        body = b"".join(pieces)
        return as_json(start_response, {
            "mode": q.get("mode", "read"), "len": len(body), "body": body.decode("latin-1"),
            "pieces": [p.decode("latin-1") for p in pieces],
            "CONTENT_LENGTH": environ.get("CONTENT_LENGTH"),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE")})
    if path == "/errors":
        err = environ["wsgi.errors"]
        marker = q.get("marker", "marker")
        err.write(f"wsgi.errors write {marker}\n")
        err.writelines([f"wsgi.errors writelines {marker} a\n",
                        f"wsgi.errors writelines {marker} b\n"])
        err.flush()
        return text(start_response, "written")
    if path == "/exc_info":
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-First", "1")])
        try:
            raise ValueError("replaced by exc_info")
        except ValueError:
            body = b"recovered with exc_info"
            start_response("500 Internal Server Error",
                           [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                            ("X-Second", "1")], sys.exc_info())
        return [body]
    if path == "/exc_info_late":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"first piece;")
        try:
            raise ValueError("too late for exc_info")
        except ValueError:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")],
                           sys.exc_info())
        return [b"never sent"]
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"write1;")
        write(b"write2;")
        return [b"iter1"]
    if path == "/gen":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen_pieces(q.get("id", "-"), int(q.get("n", "3")), float(q.get("delay", "0")))
    if path == "/iterclose":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ClosingIterable(q.get("id", "-"), q.get("fail") == "1")
    if path == "/file":
        name = os.path.basename(q.get("name", "file.bin"))
        fpath = os.path.join(STATE_DIR, name)
        headers = [("Content-Type", "application/octet-stream")]
        if q.get("length") == "1":
            headers.append(("Content-Length", str(os.path.getsize(fpath))))
        start_response("200 OK", headers)
        return environ["wsgi.file_wrapper"](RecordingFile(fpath, q.get("id", name)), 65536)
    if path == "/bytesio":
        size = int(q.get("size", "100000"))
        data = bytes(i % 251 for i in range(size))
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(size))])
        return environ["wsgi.file_wrapper"](io.BytesIO(data), 8192)
    if path == "/nolength":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"chunk-%d;" % i for i in range(int(q.get("n", "3"))))
    if path == "/list":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"list-", b"body"]
    if path == "/head":
        return text(start_response, "head body\n", extra=[("X-Method", method)])
    if path == "/status":
        code = int(q.get("code", "200"))
        reasons = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
                   404: "Not Found", 418: "I'm a teapot", 503: "Service Unavailable"}
        status = f"{code} {reasons.get(code, 'Whatever')}"
        if code in (204, 304):
            start_response(status, [("X-Code", str(code))])
            return []
        return text(start_response, f"status {code}\n", status=status)
    if path == "/headers":
        return text(start_response, "headers", extra=[
            ("X-Custom", "custom value"), ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Path=/; HttpOnly"), ("Cache-Control", "no-store")])
    if path == "/badheader":
        status, headers = bad_header(q.get("kind", "crlf"))
        start_response(status, headers)
        return [b"must not be sent"]
    if path == "/raise":
        raise RuntimeError("pep3333-boom")
    if path == "/raise_iter":
        start_response("200 OK", [("Content-Type", "text/plain")])

        def failing():
            raise RuntimeError("pep3333-iter-boom")
            yield b"never"  # noqa: unreachable, makes this a generator
        return failing()
    if path == "/sleep":
        s = float(q.get("s", "1"))
        record(f"sleep-start {os.getpid()} {q.get('id', '-')}")
        time.sleep(s)
        record(f"sleep-end {os.getpid()} {q.get('id', '-')}")
        return text(start_response, f"slept {q.get('s', '1')}")
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen_pieces(q.get("id", "stream"), int(q.get("n", "5")),
                          float(q.get("delay", "0.2")))
    if path == "/segv":
        ctypes.string_at(0)
        return text(start_response, "survived a segfault?")
    if path == "/leak":
        _LEAK.append(bytearray(int(q.get("mb", "10")) * 1024 * 1024))
        with open("/proc/self/status") as f:
            rss = next(l.split()[1] for l in f if l.startswith("VmRSS:"))
        return as_json(start_response, {"pid": os.getpid(), "rss_kb": int(rss),
                                         "held_mb": sum(len(b) for b in _LEAK) // 1048576})
    if path == "/exit":
        os._exit(int(q.get("code", "1")))
    return text(start_response, f"no route {path}\n", status="404 Not Found")


validated = validator(raw_app)


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith("/raw/"):
        return raw_app(environ, start_response)
    return validated(environ, start_response)


def create_app():
    return application
