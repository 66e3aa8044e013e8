"""Harness for webcycle's integration tests: runs the real server (or Debian's nginx) in a fresh
prefix on loopback ports and talks to it with http.client, curl and raw sockets.

Which server: WEBCYCLE_TEST_SERVER=nginx runs /usr/sbin/nginx (to check that the expectations in
these tests are nginx's), anything else runs "$WEBCYCLE_BIN web". Only the Python standard library
and the curl binary are used. Every process started here is stopped by its PID.
"""

import hashlib
import os
import re
import shutil
import signal as signal_module
import socket
import subprocess
import sys
import tempfile
import time
import unittest

NGINX_BIN = "/usr/sbin/nginx"
SERVER_KIND = "nginx" if os.environ.get("WEBCYCLE_TEST_SERVER") == "nginx" else "webcycle"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
HERE = os.path.dirname(os.path.abspath(__file__))

# A small mime.types of our own, so the tests do not depend on which one a build ships.
MIME_TYPES = """types {
    text/html                html htm shtml;
    text/css                 css;
    text/plain               txt;
    application/javascript   js;
    application/json         json;
    image/png                png;
    image/jpeg               jpeg jpg;
    image/svg+xml            svg svgz;
    application/pdf          pdf;
}
"""


def server_bin():
    if SERVER_KIND == "nginx":
        return NGINX_BIN
    path = os.environ.get("WEBCYCLE_BIN")
    if not path:
        # Convenience for running by hand from a build dir next to the source.
        for cand in ("build/src/cli/webcycle", "build/webcycle", "build/bin/webcycle"):
            full = os.path.join(HERE, "..", "..", cand)
            if os.path.exists(full):
                return os.path.abspath(full)
        raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
    return path


def program_name():
    """The name the server uses in its messages: 'nginx: [emerg] ...' or 'webcycle: [emerg] ...'."""
    return "nginx" if SERVER_KIND == "nginx" else "webcycle"


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bind port 0, note it, close)."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def http_config(http_body, main="", events="", worker_processes=1, access_log="logs/access.log"):
    """A whole config: the main context every test shares plus an http block with http_body.
    Placeholders (@PORT@, @PORT1@, @PREFIX@, @HTML@) are filled in by Server.
    worker_processes=None leaves the directive out (for tests that set it with -g)."""
    access = f"access_log {access_log};" if access_log else ""
    workers = f"worker_processes {worker_processes};" if worker_processes is not None else ""
    return f"""pid logs/test.pid;
error_log logs/error.log info;
{workers}
@NGINX_MAIN@
{main}
events {{
    worker_connections 1024;
    {events}
}}
http {{
    include mime.types;
    default_type application/octet-stream;
    {access}
@NGINX_HTTP@
{http_body}
}}
"""


def parse_responses(data, head=False):
    """Splits a byte stream into HTTP responses. Returns (list of (status, headers, body), rest).
    headers is a list of (lower-cased name, value). Stops at an incomplete response; a response
    without a length runs to the end of data. head=True (or a list of bools per response) means
    the matching request was HEAD, so the response has no body."""
    out = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        head_lines = data[pos:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/(\d)\.(\d) (\d{3})", head_lines[0])
        if not m:
            break
        status = int(m.group(3))
        headers = []
        for line in head_lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        hd = dict(headers)
        body_start = end + 4
        if isinstance(head, (list, tuple)):
            is_head = head[len(out)] if len(out) < len(head) else False
        else:
            is_head = head
        if is_head or status in (204, 304) or 100 <= status < 200:
            out.append((status, headers, b""))
            pos = body_start
            continue
        if "chunked" in hd.get("transfer-encoding", "").lower():
            body = b""
            p = body_start
            complete = False
            while True:
                le = data.find(b"\r\n", p)
                if le < 0:
                    break
                size = int(data[p:le].split(b";")[0], 16)
                p = le + 2
                if size == 0:
                    te = data.find(b"\r\n\r\n", p - 2)
                    if te < 0:
                        break
                    p = te + 4
                    complete = True
                    break
                if len(data) < p + size + 2:
                    break
                body += data[p:p + size]
                p += size + 2
            if not complete:
                break
            out.append((status, headers, body))
            pos = p
        elif "content-length" in hd:
            n = int(hd["content-length"])
            if len(data) < body_start + n:
                break
            out.append((status, headers, data[body_start:body_start + n]))
            pos = body_start + n
        else:
            out.append((status, headers, data[body_start:]))
            pos = len(data)
    return out, data[pos:]


def header(headers, name):
    """The first value of header name (case-insensitive) in a parse_responses header list."""
    name = name.lower()
    for n, v in headers:
        if n == name:
            return v
    return None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Server:
    """One server under test in its own temp prefix. Owns the prefix (removed on stop) and the
    master process (stopped by PID on stop). Not thread-safe; one per test or test class."""

    def __init__(self, config, files=None, nports=1):
        self.is_nginx = SERVER_KIND == "nginx"
        self.name = program_name()
        self.prefix = tempfile.mkdtemp(prefix="wc-it-")
        os.chmod(self.prefix, 0o755)
        for d in ("conf", "logs", "html", "tmp"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        self.html = os.path.join(self.prefix, "html")
        self.conf_path = os.path.join(self.prefix, "conf", "webcycle.conf")
        self.access_log_path = os.path.join(self.prefix, "logs", "access.log")
        self.error_log_path = os.path.join(self.prefix, "logs", "error.log")
        self.pid_path = os.path.join(self.prefix, "logs", "test.pid")
        self.ports = free_ports(nports)
        self.port = self.ports[0]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self._stdout = None
        self._known_children = set()
        with open(os.path.join(self.prefix, "conf", "mime.types"), "w") as f:
            f.write(MIME_TYPES)
        for rel, content in (files or {}).items():
            if rel.startswith("conf/") and isinstance(content, str):
                content = self.render(content)  # included config files get the same ports
            self.write_file(rel, content)
        self.write_config(config)

    # ---- files -------------------------------------------------------------------------------
    def path(self, rel):
        return os.path.join(self.prefix, rel)

    def write_file(self, rel, content, mtime=None):
        """Writes PREFIX/rel (str or bytes), creating directories; rel ending in '/' makes a dir."""
        full = os.path.join(self.prefix, rel)
        if rel.endswith("/"):
            os.makedirs(full, exist_ok=True)
            return full
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
        if mtime is not None:
            os.utime(full, (mtime, mtime))
        return full

    def render(self, text):
        text = text.replace("@PREFIX@", self.prefix).replace("@HTML@", self.html)
        for i, p in enumerate(self.ports):
            text = text.replace(f"@PORT{i}@", str(p))
        text = text.replace("@PORT@", str(self.port))
        if self.is_nginx:
            # nginx-only plumbing: keep temp files in the prefix and workers as the caller
            # (webcycle has neither directive: it runs as whoever starts it).
            text = text.replace("@NGINX_MAIN@", "user root;")
            text = text.replace(
                "@NGINX_HTTP@",
                "client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; "
                "fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; "
                "scgi_temp_path tmp/scgi;")
        else:
            text = text.replace("@NGINX_MAIN@", "").replace("@NGINX_HTTP@", "")
        return text

    def write_config(self, config, rel="conf/webcycle.conf"):
        with open(os.path.join(self.prefix, rel), "w") as f:
            f.write(self.render(config))

    # ---- process -----------------------------------------------------------------------------
    def command(self, extra=()):
        if self.is_nginx:
            return [NGINX_BIN, "-p", self.prefix + "/", "-c", "conf/webcycle.conf", *extra]
        return [server_bin(), "web", "-p", self.prefix, "-c", "conf/webcycle.conf", *extra]

    def start(self, args=()):
        """Starts the master (args are extra command-line flags, e.g. ["-g", "..."]) and waits,
        bounded, until every port accepts connections."""
        extra = list(args)
        if self.is_nginx:
            # nginx allows one -g: fold ours into the caller's.
            if "-g" in extra:
                i = extra.index("-g")
                extra[i + 1] = "daemon off; " + extra[i + 1]
            else:
                extra += ["-g", "daemon off;"]
        self._stdout = open(os.path.join(self.prefix, "server.out"), "wb")
        self.proc = subprocess.Popen(self.command(extra), stdin=subprocess.DEVNULL,
                                     stdout=self._stdout, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        pending = list(self.ports)
        while pending:
            if self.proc.poll() is not None:
                out = self.server_output()
                raise AssertionError(
                    f"server exited with {self.proc.returncode} on start: {out}\n"
                    f"error.log: {self.read_error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", pending[0]), timeout=0.5):
                    pending.pop(0)
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"server did not accept on {pending[0]} within "
                                         f"{START_TIMEOUT}s")
                time.sleep(0.02)
        # The pid file is written once the master is set up (nginx: after its signal handlers),
        # so signals sent from here on are handled rather than fatal. Workers may still be
        # starting; the listening socket queues connections meanwhile.
        want = str(self.proc.pid)
        while read_text(self.pid_path).strip() != want and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode} on start: "
                                     f"{self.server_output()}")
            time.sleep(0.01)
        return self

    def server_output(self):
        try:
            with open(os.path.join(self.prefix, "server.out"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    @property
    def master_pid(self):
        return self.proc.pid if self.proc else None

    def children(self, pid=None):
        """PIDs whose parent is pid (default: the master), read from /proc."""
        pid = pid or self.master_pid
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            # Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                kids.append(int(entry))
        self._known_children.update(kids)
        return sorted(kids)

    def worker_pids(self):
        """Child processes of the master that are not zombies. nginx has no helper processes
        in these configs (no cache), so every child is a worker."""
        return self.children()

    def signal(self, sig):
        os.kill(self.master_pid, sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the master to exit; returns its exit code or None on timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """TERM, then KILL after STOP_TIMEOUT; also kills any worker left behind. Idempotent."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.children()
            try:
                self.proc.send_signal(signal_module.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_exit(STOP_TIMEOUT) is None:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        for pid in self._known_children:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal_module.SIGKILL)
                except ProcessLookupError:
                    pass
        if self._stdout:
            self._stdout.close()
            self._stdout = None
        self.proc = None

    def cleanup(self):
        self.stop()
        if os.environ.get("WEBCYCLE_TEST_KEEP"):
            sys.stderr.write(f"kept prefix {self.prefix}\n")
        else:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def run_cli(self, args, timeout=10, with_prefix=True):
        """Runs the binary with args (e.g. ['-t'], ['-s', 'reload']) against this prefix and
        config; returns a CompletedProcess with text stdout/stderr."""
        if with_prefix:
            cmd = self.command(args)
        else:
            cmd = [NGINX_BIN] if self.is_nginx else [server_bin(), "web"]
            cmd += list(args)
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, errors="replace")

    # ---- logs --------------------------------------------------------------------------------
    def read_access_log(self):
        return read_text(self.access_log_path)

    def read_error_log(self):
        return read_text(self.error_log_path)

    def wait_for_log(self, pattern, which="error", timeout=5.0, path=None):
        """Polls a log until regex pattern matches; returns the match or None."""
        path = path or (self.error_log_path if which == "error" else self.access_log_path)
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, read_text(path), re.M)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.02)

    def access_lines(self, min_lines=1, timeout=3.0):
        """Access log lines, waiting (bounded) until at least min_lines are there: a server
        writes the line when the request ends, which may be just after the response."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.read_access_log().splitlines() if l]
            if len(lines) >= min_lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    # ---- clients -----------------------------------------------------------------------------
    def connect(self, port=None, timeout=5.0):
        return socket.create_connection(("127.0.0.1", port or self.port), timeout=timeout)

    def raw(self, data, timeout=2.0, port=None, until=None, shut_wr=False):
        """Sends data on a new connection and reads until the server closes, until(buf) is
        true, or nothing arrives for `timeout` seconds. Returns the bytes received."""
        with self.connect(port) as s:
            s.sendall(data)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
            return read_until(s, timeout, until)

    def exchange(self, data, n=1, head=False, timeout=3.0, port=None):
        """Sends data on a new connection and returns the first n parsed responses (fewer if the
        server closes or goes quiet for `timeout`): a list of (status, headers, body)."""
        got = self.raw(data, timeout=timeout, port=port,
                       until=lambda b: len(parse_responses(b, head)[0]) >= n)
        return parse_responses(got, head)[0]

    def raw_closed(self, data, timeout=2.0, port=None):
        """Like raw, but also reports whether the server closed the connection (read EOF or
        reset) within the timeout: returns (bytes, closed)."""
        with self.connect(port) as s:
            s.sendall(data)
            return read_until_close(s, timeout)

    def curl(self, *args, timeout=10):
        """Runs curl with the given arguments (never through a proxy); returns CompletedProcess
        with bytes stdout."""
        cmd = ["curl", "--noproxy", "*", "-sS", "--max-time", str(timeout), *args]
        return subprocess.run(cmd, capture_output=True, timeout=timeout + 5)

    def get(self, path, method="GET", headers=None, body=None, port=None):
        """One request over http.client on a fresh connection; returns (status, headers dict with
        lower-cased names, body bytes)."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=5)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, hdrs, data
        finally:
            conn.close()


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def read_until(sock, timeout, until=None):
    buf = b""
    sock.settimeout(timeout)
    while True:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return buf
        except ConnectionResetError:
            return buf
        if not chunk:
            return buf
        buf += chunk
        if until and until(buf):
            return buf


def read_until_close(sock, timeout):
    """Reads until EOF/reset (closed=True) or until timeout passes in total (closed=False)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return buf, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return buf, False
        except ConnectionResetError:
            return buf, True
        if not chunk:
            return buf, True
        buf += chunk


def children_of(pid):
    """Direct children of pid (from /proc), as ints."""
    out = set()
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.update(int(p) for p in f.read().split())
    except OSError:
        pass
    return out


def cmdline(pid):
    """pid's command line, its words joined by spaces ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


def wait_until(pred, timeout=5.0, interval=0.02):
    """Polls pred() until it returns a truthy value (returned) or timeout passes (returns the last
    value)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def stop_processes(procs, timeout=10.0):
    """Stops subprocess.Popen objects started by a test, by their PIDs: TERM to each one still
    running, then a bounded wait for all; KILL for any still there after `timeout`."""
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal_module.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal_module.SIGKILL)
            p.wait()


class ServerTestCase(unittest.TestCase):
    """A test class sharing one server, started in setUpClass from CONFIG (an http block body,
    wrapped by http_config with HTTP_KW) and FILES ({relative path: content}). Tests that change
    the server's state start their own with start_server() instead."""

    CONFIG = None
    FILES = {}
    HTTP_KW = {}
    NPORTS = 1
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.CONFIG is not None:
            cls.server = Server(http_config(cls.CONFIG, **cls.HTTP_KW), cls.FILES, cls.NPORTS)
            cls.addClassCleanup(cls.server.cleanup)
            cls.server.start()

    def one(self, target, method="GET", extra="", body=b"", version="1.1", port=None):
        """One request on a fresh connection (Host: localhost; `extra` header lines, each ending
        in CRLF; a body gets its Content-Length); returns (status, headers, body) as
        parse_responses gives them."""
        length = f"Content-Length: {len(body)}\r\n" if body or method in ("POST", "PUT") else ""
        data = (f"{method} {target} HTTP/{version}\r\nHost: localhost\r\n{extra}{length}\r\n"
                .encode() + body)
        resp = self.server.exchange(data, head=(method == "HEAD"), port=port)
        self.assertEqual(len(resp), 1, f"{method} {target}: no single answer")
        return resp[0]

    def start_server(self, config, files=None, nports=1, start=True, **kw):
        """A server for this test alone (stopped in cleanup). config is an http block body unless
        it starts with 'FULL:', then it is a whole config."""
        if config.startswith("FULL:"):
            text = config[len("FULL:"):]
        else:
            text = http_config(config, **kw)
        s = Server(text, files, nports)
        self.addCleanup(s.cleanup)
        self.server = s
        if start:
            s.start()
        return s


class UpstreamTestCase(ServerTestCase):
    """A ServerTestCase whose CONFIG may proxy to @UPSTREAM@: UPSTREAM_HANDLER (an
    http.server.BaseHTTPRequestHandler class) is served on a free loopback port first."""

    UPSTREAM_HANDLER = None

    @classmethod
    def setUpClass(cls):
        import http.server
        import threading
        cls.upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), cls.UPSTREAM_HANDLER)
        threading.Thread(target=cls.upstream.serve_forever, daemon=True).start()

        def stop():
            cls.upstream.shutdown()
            cls.upstream.server_close()

        cls.addClassCleanup(stop)
        cls.CONFIG = cls.CONFIG.replace("@UPSTREAM@", str(cls.upstream.server_address[1]))
        super().setUpClass()


class QuietHandler:
    """Mixin for test upstream handlers: HTTP/1.1, no request log on stderr, and send(status,
    body, headers) for a whole answer with its Content-Length."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
