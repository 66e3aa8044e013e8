"""Helpers for the reverse-proxy tests (test_proxy*.py, issue 4): a web server (`webcycle web`, or
Debian's nginx with WEBCYCLE_TEST_SERVER=nginx) in front of application servers (`webcycle app`
or Debian's gunicorn 20.1) and of tiny raw-socket upstreams written here.

- `ProxyTestCase`: start_app() / start_web() / raw_upstream() for one test, cleaned up after it;
  cls_start_app() / cls_start_web() for a whole class (setUpClass).
- `NginxServer`: a harness.Server that always runs Debian's nginx (for "nginx in front of
  webcycle app", which the issue asks for whatever WEBCYCLE_TEST_SERVER says).
- `RawUpstream`: a threaded loopback TCP server whose handler the test writes; it records every
  request head it read.
- `require_proxy_support()`: skips the test (saying why) while `webcycle web` refuses proxy_pass.

Only the standard library. Every process is stopped by its PID (the harnesses' stop()); every
RawUpstream thread ends when the upstream is closed.
"""

import http.client
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (NGINX_BIN, SERVER_KIND, Server, free_ports, http_config, parse_responses,
                     pid_alive, read_text, read_until, read_until_close, server_bin, wait_until)
from app_harness import APP_SERVER_KIND, AppServer, GUNICORN_BIN

# The app servers' access log line in these tests: the X-Request-ID the web server sent, the
# status and the request line (gunicorn's %({header}i)s atom; webcycle app has the same).
APP_ACCESS_FORMAT = '%({x-request-id}i)s %(s)s "%(r)s"'

_proxy_support = {}


PROBES = {
    # what a test needs: the smallest config that uses it
    "proxy_pass": "server { listen 127.0.0.1:9; location / { proxy_pass http://127.0.0.1:9; } }",
    "upstream": "upstream up { server 127.0.0.1:9 weight=2 max_fails=2 fail_timeout=5s; "
                "server 127.0.0.1:10 backup; keepalive 2; } "
                "server { listen 127.0.0.1:9; location / { proxy_pass http://up; } }",
    "variables": "server { listen 127.0.0.1:9; "
                 "location / { proxy_pass http://127.0.0.1:9$request_uri; } }",
    "rewrite": "server { listen 127.0.0.1:9; "
               "location / { rewrite ^/(.*)$ /x/$1 break; proxy_pass http://127.0.0.1:9; } }",
}


def require_proxy_support(kind=None, need="proxy_pass"):
    """Raises SkipTest while the web server under test refuses the config a test needs (need:
    a key of PROBES): webcycle before issue 4 says '"proxy_pass" directive is not supported
    yet'; the skip message quotes what `webcycle web -t` said. Also when nginx is asked for and not installed (it comes
    with scripts/install-deps.sh bench, not test)."""
    kind = kind or SERVER_KIND
    if kind == "nginx":
        if not os.path.exists(NGINX_BIN):
            raise unittest.SkipTest(f"{NGINX_BIN} is not installed (apt-get install nginx-light)")
        return
    binary = webcycle_bin()
    key = (binary, need)
    if key not in _proxy_support:
        prefix = tempfile.mkdtemp(prefix="wc-probe-")
        try:
            os.makedirs(os.path.join(prefix, "conf"))
            os.makedirs(os.path.join(prefix, "logs"))
            with open(os.path.join(prefix, "conf", "webcycle.conf"), "w") as f:
                f.write("error_log logs/error.log; events {} http { " + PROBES[need] + " }\n")
            r = subprocess.run([binary, "web", "-t", "-p", prefix, "-c", "conf/webcycle.conf"],
                               capture_output=True, text=True, timeout=10,
                               stdin=subprocess.DEVNULL, errors="replace")
            out = r.stdout + r.stderr
            _proxy_support[key] = (r.returncode == 0, out.strip())
        finally:
            subprocess.run(["rm", "-rf", prefix])
    ok, out = _proxy_support[key]
    if not ok:
        first = out.splitlines()[0] if out else "no output"
        if "not supported yet" in out or "unknown directive" in out:
            raise unittest.SkipTest(f"webcycle web cannot run this yet ({need}; -t: {first})")
        # Anything else is a bug, not a missing feature: fail, do not hide it.
        raise AssertionError(f"webcycle web -t refused a valid {need} config: {out}")


def require_gunicorn():
    if not os.path.exists(GUNICORN_BIN):
        raise unittest.SkipTest(f"{GUNICORN_BIN} is not installed")


def webcycle_bin():
    """The webcycle binary for `webcycle app` (harness.server_bin() names nginx under
    WEBCYCLE_TEST_SERVER=nginx, while the apps behind it may still be webcycle's)."""
    path = os.environ.get("WEBCYCLE_BIN")
    if not path:
        here = os.path.dirname(os.path.abspath(__file__))
        for cand in ("build/src/cli/webcycle", "build/webcycle", "build/bin/webcycle"):
            full = os.path.join(here, "..", "..", cand)
            if os.path.exists(full):
                return os.path.abspath(full)
        raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
    return path


class ProxyAppServer(AppServer):
    """app_harness.AppServer whose `webcycle app` is always WEBCYCLE_BIN's."""

    def command(self):
        if self.is_gunicorn:
            return [GUNICORN_BIN] + self.args()
        return [webcycle_bin(), "app"] + self.args()


class NginxServer(Server):
    """harness.Server that always runs Debian's nginx, whatever WEBCYCLE_TEST_SERVER says."""

    is_nginx = property(lambda self: True, lambda self, value: None)

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.name = "nginx"

    def command(self, extra=()):
        return [NGINX_BIN, "-p", self.prefix + "/", "-c", "conf/webcycle.conf", *extra]


def make_web(body, files=None, kind=None, nports=1, need=None, **kw):
    """A (not yet started) web server whose http block is body; kind 'nginx' forces nginx.
    need: what the config uses ("upstream" when it has an upstream block; found by itself)."""
    kind = kind or SERVER_KIND
    need = need or ("upstream" if re.search(r"(?m)^\s*upstream\s", body) else "proxy_pass")
    require_proxy_support(kind, need)
    cls = NginxServer if kind == "nginx" else Server
    return cls(http_config(body, **kw), files, nports)


def server_block(locations, extra="", port="@PORT@"):
    """`server { listen 127.0.0.1:PORT; server_name localhost; EXTRA LOCATIONS }`."""
    return (f"server {{\n  listen 127.0.0.1:{port};\n  server_name localhost;\n  {extra}\n"
            f"  {locations}\n}}\n")


def kill_app(app, sig=9):
    """Kills an app server's master, then its workers (SIGKILL by default): the workers'
    sockets close with whatever they had in flight. The master goes first so that it cannot
    fork a replacement for a worker killed before it."""
    workers = app.children()
    pids = [app.master_pid] + workers
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    wait_until(lambda: not any(pid_alive(p) for p in pids), 5.0)
    try:
        app.proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


# ---- a raw upstream ---------------------------------------------------------------------------

def read_http_request(conn, timeout=5.0):
    """Reads one request (head and a Content-Length or chunked body) from conn; returns
    (head bytes, body bytes), or (None, b"") at EOF before a head."""
    conn.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            chunk = conn.recv(65536)
        except (socket.timeout, OSError):
            return None, b""
        if not chunk:
            return None, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if m:
        n = int(m.group(1))
        while len(rest) < n:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        return head, rest[:n]
    if re.search(rb"(?im)^transfer-encoding:.*chunked", head):
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    return head, rest


class RawUpstream:
    """A loopback TCP server on a free port: each accepted connection runs handler(conn, self)
    in its own thread (the handler reads with self.read_request(conn), which also records the
    head in self.heads). close() stops accepting, closes open connections and joins threads."""

    def __init__(self, handler):
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.addr = f"127.0.0.1:{self.port}"
        self.heads = []
        self.connections = 0
        self._conns = []
        self._threads = []
        self._lock = threading.Lock()
        self._stop = self.stopping = threading.Event()  # handlers may wait on it
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn):
        try:
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def read_request(self, conn, timeout=5.0):
        head, body = read_http_request(conn, timeout)
        if head is not None:
            with self._lock:
                self.heads.append(head.decode("latin-1"))
        return head, body

    def head_lines(self, i=-1):
        """The request line and header lines of the i-th request head received."""
        return self.heads[i].split("\r\n")

    def close(self):
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        self._acceptor.join(timeout=2)
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=2)


# ---- clients ----------------------------------------------------------------------------------

class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def h(self, name):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def json(self):
        import json
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Resp {self.status} {self.headers!r} {self.body[:300]!r}>"


def request(port, path, method="GET", headers=None, body=None, timeout=10, chunked=False):
    """One request on a fresh connection to 127.0.0.1:port (http.client); returns a Resp."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, [(k.lower(), v) for k, v in r.getheaders()], data)
    finally:
        conn.close()


def raw_exchange(port, data, n=1, head=False, timeout=5.0):
    """Sends raw bytes, returns up to n parsed responses as Resp objects."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = read_until(s, timeout, lambda b: len(parse_responses(b, head)[0]) >= n)
    return [Resp(st, h, b) for st, h, b in parse_responses(got, head)[0]]


# ---- test case base ---------------------------------------------------------------------------

class ProxyTestCase(unittest.TestCase):
    """Starts servers for one test (start_*) or one class (cls_start_*); all are stopped by PID
    in cleanup. WEB_KIND None means the server under test (WEBCYCLE_TEST_SERVER); 'nginx'
    forces nginx."""

    WEB_KIND = None
    app_kind = APP_SERVER_KIND

    @classmethod
    def _app(cls, app, kind, args, access_log, workers, name, env, adder):
        if (kind or cls.app_kind) == "gunicorn":
            require_gunicorn()
        a = ProxyAppServer(app, list(args), kind=kind or cls.app_kind, access_log=access_log,
                      name=name, env=env)
        adder(a.cleanup)
        return a.start(workers=workers)

    @classmethod
    def cls_start_app(cls, app="proxy_app:app", kind=None, args=(), access_log=False,
                      workers=1, name="app", env=None):
        return cls._app(app, kind, args, access_log, workers, name, env, cls.addClassCleanup)

    def start_app(self, app="proxy_app:app", kind=None, args=(), access_log=False, workers=1,
                  name="app", env=None):
        return self._app(app, kind, args, access_log, workers, name, env, self.addCleanup)

    @classmethod
    def cls_start_web(cls, body, files=None, kind=None, **kw):
        s = make_web(body, files, kind or cls.WEB_KIND, **kw)
        cls.addClassCleanup(s.cleanup)
        return s.start()

    def start_web(self, body, files=None, kind=None, start=True, **kw):
        s = make_web(body, files, kind or self.WEB_KIND, **kw)
        self.addCleanup(s.cleanup)
        return s.start() if start else s

    def raw_upstream(self, handler):
        u = RawUpstream(handler)
        self.addCleanup(u.close)
        return u

    def assertLogLine(self, server, pattern, timeout=5.0, which="error"):
        m = server.wait_for_log(pattern, which=which, timeout=timeout)
        if not m:
            text = server.read_error_log() if which == "error" else server.read_access_log()
            self.fail(f"no {which} log line matches {pattern!r}; the log:\n{text[-3000:]}")
        return m


def dead_port():
    """A loopback port nothing listens on (bound once, then closed)."""
    return free_ports(1)[0]


__all__ = ["APP_ACCESS_FORMAT", "NginxServer", "ProxyTestCase", "RawUpstream", "Resp",
           "SERVER_KIND", "APP_SERVER_KIND", "dead_port", "kill_app", "make_web", "parse_responses",
           "raw_exchange", "read_text", "read_until", "read_until_close", "request",
           "require_proxy_support", "server_block", "wait_until", "pid_alive", "time"]
