# WSGI apps for app_python_tests. The test copies this file into a temporary directory that it
# puts on sys.path (InterpreterSettings.path_prepend), so the source tree gets no __pycache__.
# Tests cannot see Python objects (only src/app/python includes Python.h): every app reports what
# it saw through its response body, and STATE (read with the `state` app) records side effects.
import io
import sys
import wsgiref.validate

STATE = {}


def record(key, value):
    STATE.setdefault(key, []).append(value)


def state(environ, start_response):
    """Body: ascii(STATE) as it was; ?reset empties it afterwards."""
    body = ascii(STATE).encode()
    if environ["QUERY_STRING"] == "reset":
        STATE.clear()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello, world!"]


def application(environ, start_response):
    """The default name gunicorn looks up for "module" alone."""
    start_response("200 OK", [])
    return [b"default application"]


def describe(value):
    if isinstance(value, (str, bytes, bool, int, tuple, type(None))):
        return "%s:%s" % (type(value).__name__, ascii(value))
    return type(value).__name__


def environ_dump(environ, start_response):
    """One line per key: KEY=type:ascii(value) (objects: just their type name)."""
    lines = ["%s=%s" % (key, describe(value)) for key, value in sorted(environ.items())]
    extra = environ["wsgi.file_wrapper"]
    lines.append("file_wrapper_is_type=%s" % isinstance(extra, type))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["\n".join(lines).encode()]


def input_ops(environ, start_response):
    """QUERY_STRING is a comma-separated list of wsgi.input operations: read, read:N, readline,
    readline:N, readlines, readlines:N, iter. Body: one ascii(result) per line."""
    stream = environ["wsgi.input"]
    out = []
    for op in environ["QUERY_STRING"].split(","):
        name, _, arg = op.partition(":")
        if name == "iter":
            out.append(ascii(list(stream)))
        elif name == "read_none":
            out.append(ascii(stream.read(None)))
        elif name == "read_str":
            out.append(ascii(stream.read("3")))
        else:
            method = getattr(stream, name)
            out.append(ascii(method(int(arg)) if arg else method()))
    start_response("200 OK", [])
    return ["\n".join(out).encode()]


def errors_app(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("first line\nsecond ")
    errors.write("half\n")
    errors.writelines(["a\n", "b\n"])
    errors.write("no newline")
    errors.flush()
    errors.write("pending at the end")
    start_response("200 OK", [])
    return [b"ok"]


BAD_HEADS = {
    "status-bytes": (b"200 OK", []),
    "status-no-reason-space": ("200", []),
    "status-two-digits": ("20 OK", []),
    "status-letters": ("2x0 OK", []),
    "status-crlf": ("200 OK\r\nX-Evil: 1", []),
    "status-wide": ("200 \u20ac", []),
    "headers-not-list": ("200 OK", 42),
    "header-not-pair": ("200 OK", [("A", "b", "c")]),
    "header-name-bytes": ("200 OK", [(b"A", "b")]),
    "header-name-space": ("200 OK", [("Bad Name", "b")]),
    "header-name-colon": ("200 OK", [("A:b", "c")]),
    "header-value-bytes": ("200 OK", [("A", b"b")]),
    "header-value-lf": ("200 OK", [("A", "b\nInjected: 1")]),
    "header-value-cr": ("200 OK", [("A", "b\rc")]),
    "header-value-nul": ("200 OK", [("A", "b\x00c")]),
    "header-value-wide": ("200 OK", [("A", "\u20ac")]),
    "content-length-bad": ("200 OK", [("Content-Length", "12x")]),
}


def bad_head(environ, start_response):
    status, headers = BAD_HEADS[environ["QUERY_STRING"]]
    start_response(status, headers)
    return [b"never sent"]


def swallowed_bad_head(environ, start_response):
    """An app that catches the start_response error and then answers properly."""
    try:
        start_response("200 OK", [("Bad Name", "x")])
    except ValueError as e:
        record("swallowed", str(e))
    start_response("201 Created", [("X-Ok", "1")])
    return [b"recovered"]


def good_head(environ, start_response):
    start_response("404 Not Found", [
        ("Content-Type", " text/html; charset=utf-8\t"),
        ("Connection", "close"),
        ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"),
        ("Server", "evil"),
        ("Date", "yesterday"),
        ("Upgrade", "h2c"),
        ("X-Latin", "caf\xe9"),
        ("Content-Length", "9"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ])
    return [b"not found"]


def websocket_head(environ, start_response):
    start_response("101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade")])
    return []


def twice(environ, start_response):
    start_response("200 OK", [])
    start_response("500 Oops", [])
    return [b"x"]


def exc_info_before(environ, start_response):
    """exc_info before anything was sent: the error head replaces the first one."""
    start_response("200 OK", [("X-First", "1")])
    try:
        raise ValueError("caught")
    except ValueError:
        start_response("500 Internal Server Error", [("X-Second", "1")], sys.exc_info())
    return [b"error page"]


def exc_info_keyword(environ, start_response):
    start_response("200 OK", [])
    try:
        raise ValueError("caught")
    except ValueError:
        start_response(status="503 Service Unavailable", headers=[], exc_info=sys.exc_info())
    return [b"later"]


def exc_info_after(environ, start_response):
    """Generator: after the first item the head is committed; exc_info must re-raise."""
    start_response("200 OK", [])
    yield b"first"
    try:
        raise KeyError("late failure")
    except KeyError:
        start_response("500 Internal Server Error", [], sys.exc_info())
    yield b"never"


def exc_info_after_write(environ, start_response):
    """write() counts as sent (PEP 3333): exc_info re-raises at once."""
    write = start_response("200 OK", [])
    write(b"sent")
    try:
        raise KeyError("after write")
    except KeyError:
        start_response("500 Internal Server Error", [], sys.exc_info())
    return [b"never"]


def write_app(environ, start_response):
    write = start_response("200 OK", [])
    write(b"one,")
    write(b"")
    write(b"two,")
    return [b"three,", b"four"]


def write_in_generator(environ, start_response):
    write = start_response("200 OK", [])
    write(b"a")

    def body():
        yield b"b"
        write(b"c")
        write(b"d")
        yield b"e"
        write(b"f")

    return body()


def write_str(environ, start_response):
    write = start_response("200 OK", [])
    write("text")
    return []


def write_before_start(environ, start_response):
    # Keep the write callable of another request? Not possible; call write before start_response
    # through a fresh start_response object is impossible too, so emulate a late write instead.
    write = start_response("200 OK", [])
    STATE["late_write"] = write
    return [b"x"]


def late_write(environ, start_response):
    try:
        STATE["late_write"](b"too late")
    except RuntimeError as e:
        record("late", str(e))
    start_response("200 OK", [])
    return [b"y"]


def tuple_body(environ, start_response):
    start_response("200 OK", [])
    return (b"ab", b"", b"cde")


def empty_list(environ, start_response):
    start_response("204 No Content", [])
    return []


def mixed_list(environ, start_response):
    start_response("200 OK", [])
    return [b"ok", "not bytes"]


def str_body(environ, start_response):
    start_response("200 OK", [])
    return ["hello"]


class ClosingIterable:
    def __init__(self, items, name, fail_at=None):
        self.items = items
        self.name = name
        self.fail_at = fail_at
        self.i = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.i == self.fail_at:
            raise RuntimeError("iteration failed at %d" % self.i)
        if self.i >= len(self.items):
            raise StopIteration
        self.i += 1
        return self.items[self.i - 1]

    def close(self):
        record("closed", self.name)


def closing(environ, start_response):
    start_response("200 OK", [])
    return ClosingIterable([b"x", b"y", b"z"], "closing")


def closing_fails(environ, start_response):
    start_response("200 OK", [])
    return ClosingIterable([b"x", b"y", b"z"], "closing_fails", fail_at=1)


def generator(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        yield b"gen1,"
        yield b""
        yield b"gen2"
    finally:
        record("generator_finally", environ["PATH_INFO"])


def late_start(environ, start_response):
    """start_response inside the generator: legal, the head is known at the first item."""
    yield from ()
    start_response("202 Accepted", [("X-Late", "yes")])
    yield b"late"


def late_start_after_empty(environ, start_response):
    """Empty bytestrings before start_response: allowed (PEP 3333 counts non-empty ones)."""
    yield b""
    yield b""
    start_response("200 OK", [])
    yield b"after empties"


def late_start_empty(environ, start_response):
    start_response("204 No Content", [])
    return
    yield


class CloseRaises:
    def __iter__(self):
        return iter([b"body"])

    def close(self):
        raise OSError("close failed")


def close_raises(environ, start_response):
    start_response("200 OK", [])
    return CloseRaises()


def raises(environ, start_response):
    def inner():
        raise ValueError("boom from the app")
    inner()


def raises_after_start(environ, start_response):
    start_response("200 OK", [])
    raise LookupError("after start_response")


def generator_raises(environ, start_response):
    start_response("200 OK", [])
    try:
        yield b"partial"
        raise ZeroDivisionError("mid-body")
    finally:
        record("generator_raises_finally", True)


def system_exit(environ, start_response):
    sys.exit(3)


def keyboard_interrupt(environ, start_response):
    raise KeyboardInterrupt


def no_start_response(environ, start_response):
    return [b"forgot"]


def generator_no_start(environ, start_response):
    yield b"forgot too"


def not_iterable(environ, start_response):
    start_response("200 OK", [])
    return 42


def file_app(environ, start_response):
    """QUERY_STRING: PATH:OFFSET[:raw]; returns wsgi.file_wrapper over the file, read from OFFSET."""
    path, offset, *mode = environ["QUERY_STRING"].split(":")
    f = open(path, "rb", buffering=0 if mode == ["raw"] else -1)
    f.read(int(offset))  # a buffered reader reads ahead: tell() is what counts
    STATE["file"] = f
    start_response("200 OK", [])
    return environ["wsgi.file_wrapper"](f, 4)


def file_state(environ, start_response):
    start_response("200 OK", [])
    return [ascii(STATE["file"].closed).encode()]


class Reader:
    def __init__(self, data):
        self.stream = io.BytesIO(data)

    def read(self, n):
        record("reads", n)
        return self.stream.read(n)

    def close(self):
        record("reader_closed", True)


def nonfile_wrapper(environ, start_response):
    start_response("200 OK", [])
    return environ["wsgi.file_wrapper"](Reader(b"0123456789"), 4)


def bytesio_wrapper(environ, start_response):
    """io.BytesIO has fileno() but it raises io.UnsupportedOperation: iterate instead."""
    start_response("200 OK", [])
    return environ["wsgi.file_wrapper"](io.BytesIO(b"abcdefghij"), blksize=3)


def pipe_wrapper(environ, start_response):
    """A descriptor that is not a regular file (a pipe): iterate instead of sendfile."""
    import os
    r, w = os.pipe()
    os.write(w, b"through a pipe")
    os.close(w)
    start_response("200 OK", [])
    return environ["wsgi.file_wrapper"](os.fdopen(r, "rb"), 5)


def wrapped_by_middleware(environ, start_response):
    """A file_wrapper iterated by generic code still yields the blocks."""
    start_response("200 OK", [])
    wrapper = environ["wsgi.file_wrapper"](io.BytesIO(b"xyz123"), 2)
    return list(wrapper)


def counted(environ, start_response):
    """Reports the request number, to check a Call ran the app once."""
    STATE["count"] = STATE.get("count", 0) + 1
    start_response("200 OK", [])
    return [str(STATE["count"]).encode()]


def _validated_inner(environ, start_response):
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))  # validate wants a size
    environ["wsgi.errors"].write("validated app saw %d bytes\n" % len(body))
    write = start_response("200 OK", [("Content-Type", "text/plain"),
                                      ("Content-Length", str(len(body) + 4))])
    write(b"got:")
    return [body]


validated_app = wsgiref.validate.validator(_validated_inner)


def _validated_generator(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"v1"
    yield b"v2"


validated_generator = wsgiref.validate.validator(_validated_generator)


def create_app(greeting="hi", times=1, **extra):
    record("factory", [greeting, times, sorted(extra.items())])

    def app(environ, start_response):
        start_response("200 OK", [])
        return [(greeting * times).encode()]

    return app


def broken_factory():
    raise TypeError("raised inside the factory")


def none_factory():
    return None


class Namespace:
    inner = staticmethod(hello)

    class Deeper:
        app = staticmethod(application)


not_callable = 42
nothing = None


def getenv(environ, start_response):
    import os
    start_response("200 OK", [])
    return [ascii(os.environ.get("WC_TEST_VAR")).encode()]


def sys_info(environ, start_response):
    """sys.prefix, sys.argv, the first sys.path entries, SIGINT's handler, imports that must work."""
    import signal
    lines = [
        "prefix=%s" % sys.prefix,
        "argv=%s" % ascii(sys.argv),
        "path=%s" % ascii(sys.path[:3]),
        "dist_packages=%s" % ("/usr/lib/python3/dist-packages" in sys.path),
        "sigint_default=%s" % (signal.getsignal(signal.SIGINT) is signal.SIG_DFL),
        "sigterm_default=%s" % (signal.getsignal(signal.SIGTERM) is signal.SIG_DFL),
    ]
    for name in ("flask", "django"):
        try:
            __import__(name)
            lines.append("%s=ok" % name)
        except ImportError as e:
            lines.append("%s=%s" % (name, e))
    start_response("200 OK", [])
    return ["\n".join(lines).encode()]


def traced_memory(environ, start_response):
    """?start: tracemalloc.start(); otherwise the bytes currently traced (after a gc pass)."""
    import gc
    import tracemalloc
    if environ["QUERY_STRING"] == "start":
        tracemalloc.start()
        body = b"started"
    else:
        gc.collect()
        body = str(tracemalloc.get_traced_memory()[0]).encode()
    start_response("200 OK", [])
    return [body]
