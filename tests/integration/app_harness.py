"""Harness for the integration tests of `webcycle app`: runs the real application server (or
Debian's gunicorn 20.1, with the same arguments) on free loopback ports, in a fresh temp dir
that holds its logs and the test apps' state, and talks to it with http.client and raw sockets.

Which server: WEBCYCLE_TEST_APP_SERVER=gunicorn runs /usr/bin/gunicorn (to check that what these
tests expect is what gunicorn does); anything else runs "$WEBCYCLE_BIN app". The comparison tests
(test_app_compare.py) also start a gunicorn beside it. Only the Python standard library is used;
every process started here is stopped by its PID.
"""

import http.client
import json
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

from harness import (free_ports, parse_responses, pid_alive, read_text, read_until,
                     read_until_close, server_bin, wait_until)

GUNICORN_BIN = "/usr/bin/gunicorn"
APP_SERVER_KIND = ("gunicorn" if os.environ.get("WEBCYCLE_TEST_APP_SERVER") == "gunicorn"
                   else "webcycle")
HERE = os.path.dirname(os.path.abspath(__file__))
APPS_DIR = os.path.join(HERE, "apps")
DJANGO_DIR = os.path.join(APPS_DIR, "django_project")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 8.0

# gunicorn's default access log line: %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
ACCESS_LINE_RE = (r'^(?P<h>\S+) - (?P<u>\S+) \[(?P<t>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} '
                  r'[+-]\d{4})\] "(?P<r>[^"]*)" (?P<s>\d{3}) (?P<b>\d+|-) "(?P<f>[^"]*)" '
                  r'"(?P<a>[^"]*)"$')
# gunicorn's error log prefix: [2026-11-24 00:17:02 +0000] [1234] [INFO] ...
ERROR_LINE_RE = r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[(\d+)\] \[([A-Z]+)\] "

_app_checked = {}


def webcycle_app_command():
    """[binary, "app"]; skips the test when WEBCYCLE_BIN has no `app` command yet."""
    binary = server_bin()
    if binary not in _app_checked:
        try:
            r = subprocess.run([binary, "app", "--help"], capture_output=True, text=True,
                               timeout=10, stdin=subprocess.DEVNULL, errors="replace")
            missing = 'unknown command "app"' in (r.stderr + r.stdout)
        except OSError as e:
            raise unittest.SkipTest(f"cannot run {binary}: {e}")
        _app_checked[binary] = missing
    if _app_checked[binary]:
        raise unittest.SkipTest(f"{binary} has no `app` command yet")
    return [binary, "app"]


def app_command(kind):
    if kind == "gunicorn":
        return [GUNICORN_BIN]
    return webcycle_app_command()


def server_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "WEB_CONCURRENCY",
                        "GUNICORN_CMD_ARGS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class Resp:
    """One HTTP response: status, headers (list of (lower-cased name, value)), body bytes."""

    def __init__(self, status, headers, body, reason=""):
        self.status, self.headers, self.body, self.reason = status, headers, body, reason

    def h(self, name):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    @property
    def chunked(self):
        return "chunked" in (self.h("transfer-encoding") or "").lower()

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<Resp {self.status} {self.headers!r} {self.body[:200]!r}>"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class AppServer:
    """One application server under test: `webcycle app ARGS... APP` or `gunicorn ARGS... APP`.

    The harness adds `-b 127.0.0.1:PORT` for each of its ports (bind=False: none, for tests that
    bind through -c or unix:), `--chdir` (the apps folder by default), `--error-logfile
    DIR/error.log` and, with access_log=True, `--access-logfile DIR/access.log`. The app sees
    WC_TEST_STATE_DIR=DIR/state (events of pep3333_app) and WC_DJANGO_DB=DIR/state/db.sqlite3.
    Owns DIR (removed on cleanup) and the master (stopped by PID: TERM, then KILL)."""

    def __init__(self, app="pep3333_app:application", args=(), kind=None, chdir=APPS_DIR,
                 env=None, bind=True, error_log=True, access_log=False, nports=1, name="app"):
        self.kind = kind or APP_SERVER_KIND
        self.is_gunicorn = self.kind == "gunicorn"
        self.dir = tempfile.mkdtemp(prefix=f"wc-{name}-{self.kind}-")
        os.chmod(self.dir, 0o755)
        self.state_dir = os.path.join(self.dir, "state")
        os.makedirs(self.state_dir)
        self.error_log_path = os.path.join(self.dir, "error.log")
        self.access_log_path = os.path.join(self.dir, "access.log")
        self.events_path = os.path.join(self.state_dir, "events.log")
        self.out_path = os.path.join(self.dir, "server.out")
        self.ports = free_ports(nports)  # allocated even with bind=False (for -c or -b args)
        self.port = self.ports[0]
        self.app, self.extra_args, self.chdir = app, list(args), chdir
        self.bind, self.error_log, self.access_log = bind, error_log, access_log
        self.env = {"WC_TEST_STATE_DIR": self.state_dir,
                    "WC_DJANGO_DB": os.path.join(self.state_dir, "db.sqlite3")}
        self.env.update(env or {})
        self.proc = None
        self._out = None
        self._known_children = set()

    # ---- files --------------------------------------------------------------------------------
    def path(self, rel):
        return os.path.join(self.dir, rel)

    def write_file(self, rel, content):
        full = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
        return full

    def render(self, text):
        text = text.replace("@DIR@", self.dir).replace("@STATE@", self.state_dir)
        for i, p in enumerate(self.ports):
            text = text.replace(f"@PORT{i}@", str(p))
        if self.port:
            text = text.replace("@PORT@", str(self.port))
        return text

    # ---- process ------------------------------------------------------------------------------
    def args(self):
        a = []
        if self.bind:
            for p in self.ports:
                a += ["-b", f"127.0.0.1:{p}"]
        if self.chdir:
            a += ["--chdir", self.chdir]
        if self.error_log:
            a += ["--error-logfile", self.error_log_path]
        if self.access_log:
            a += ["--access-logfile", self.access_log_path]
        a += [self.render(x) for x in self.extra_args]
        if self.app:
            a.append(self.app)
        return a

    def command(self):
        return app_command(self.kind) + self.args()

    def start(self, wait=True, workers=None, wait_ports=None, wait_unix=None):
        """Starts the master and waits (bounded) until every TCP port accepts a connection (the
        harness's -b ports, or wait_ports), the unix socket wait_unix accepts, and, with
        workers=N, until the master has N live children."""
        cmd = self.command()
        self._out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=subprocess.STDOUT, env=server_env(self.env),
                                     cwd=self.dir)
        if not wait:
            return self
        deadline = time.monotonic() + START_TIMEOUT
        if wait_ports is None:
            wait_ports = self.ports if self.bind else []
        targets = list(wait_ports) + ([wait_unix] if wait_unix else [])
        for port in targets:
            while True:
                if self.proc.poll() is not None:
                    raise AssertionError(f"{self.kind} exited with {self.proc.returncode} on "
                                         f"start:\n{self.output()}\nerror log:\n"
                                         f"{self.read_error_log()}")
                try:
                    if isinstance(port, str):
                        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as u:
                            u.settimeout(0.5)
                            u.connect(port)
                    else:
                        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise AssertionError(f"{self.kind} did not accept on {port} within "
                                             f"{START_TIMEOUT}s:\n{self.output()}")
                    time.sleep(0.02)
        if workers:
            if not self.wait_workers(workers, timeout=max(1.0, deadline - time.monotonic())):
                raise AssertionError(f"{self.kind}: {len(self.worker_pids())} workers, not "
                                     f"{workers}, after start")
        return self

    def wait_workers(self, n, timeout=10.0):
        return wait_until(lambda: len(self.worker_pids()) == n, timeout)

    def output(self):
        """What the server printed on stdout and stderr."""
        return read_text(self.out_path)

    @property
    def master_pid(self):
        return self.proc.pid if self.proc else None

    def children(self, pid=None):
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
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                kids.append(int(entry))
        self._known_children.update(kids)
        return sorted(kids)

    def worker_pids(self):
        return self.children() if self.proc and self.proc.poll() is None else []

    def signal(self, sig):
        os.kill(self.master_pid, sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """TERM, then KILL after STOP_TIMEOUT; kills any worker left behind. Idempotent."""
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
        if self._out:
            self._out.close()
            self._out = None
        self.proc = None

    def cleanup(self):
        self.stop()
        if os.environ.get("WEBCYCLE_TEST_KEEP"):
            sys.stderr.write(f"kept {self.dir}\n")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def run_cli(self, args, timeout=20, env=None):
        """Runs the server's command with args alone (no harness flags); CompletedProcess."""
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run(app_command(self.kind) + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout,
                              errors="replace", env=server_env(e), cwd=self.dir)

    # ---- logs and events ----------------------------------------------------------------------
    def read_error_log(self):
        return read_text(self.error_log_path)

    def read_access_log(self):
        return read_text(self.access_log_path)

    def wait_for_log(self, pattern, timeout=5.0, path=None):
        path = path or self.error_log_path
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, read_text(path), re.M)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.02)

    def wait_for_output(self, pattern, timeout=5.0):
        """Polls the error log and the server's stdout/stderr (where an app's own stderr goes
        unless --capture-output) until pattern matches; returns the match or None."""
        deadline = time.monotonic() + timeout
        while True:
            m = (re.search(pattern, self.read_error_log(), re.M)
                 or re.search(pattern, self.output(), re.M))
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.02)

    def access_lines(self, min_lines=1, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.read_access_log().splitlines() if l]
            if len(lines) >= min_lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    def events(self):
        return [l for l in read_text(self.events_path).splitlines() if l]

    def wait_event(self, pred, timeout=5.0):
        """Waits until some event line satisfies pred (a str: equality); returns the lines."""
        test = (lambda l: l == pred) if isinstance(pred, str) else pred
        return wait_until(lambda: [l for l in self.events() if test(l)], timeout)

    # ---- clients ------------------------------------------------------------------------------
    def request(self, path, method="GET", headers=None, body=None, port=None, timeout=10,
                unix=None, chunked=False):
        """One request on a fresh connection (http.client); returns a Resp. chunked=True sends
        body (an iterable of bytes) with Transfer-Encoding: chunked."""
        if unix:
            conn = UnixHTTPConnection(unix, timeout=timeout)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {},
                         encode_chunked=chunked)
            r = conn.getresponse()
            data = r.read()
            return Resp(r.status, [(k.lower(), v) for k, v in r.getheaders()], data, r.reason)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request(path, **kw)

    def connect(self, port=None, timeout=5.0):
        return socket.create_connection(("127.0.0.1", port or self.port), timeout=timeout)

    def raw(self, data, timeout=3.0, port=None, until=None, shut_wr=False):
        with self.connect(port) as s:
            s.sendall(data)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
            return read_until(s, timeout, until)

    def raw_closed(self, data, timeout=3.0, port=None):
        with self.connect(port) as s:
            s.sendall(data)
            return read_until_close(s, timeout)

    def exchange(self, data, n=1, head=False, timeout=5.0, port=None):
        got = self.raw(data, timeout=timeout, port=port,
                       until=lambda b: len(parse_responses(b, head)[0]) >= n)
        return parse_responses(got, head)[0]


class AppTestCase(unittest.TestCase):
    """One server per class (APP, ARGS, ENV), started in setUpClass; tests that change the
    server's state start their own with start_app()."""

    APP = None
    ARGS = ()
    ENV = None
    CHDIR = APPS_DIR
    WORKERS = None
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.APP is not None:
            s = AppServer(cls.APP, cls.ARGS, env=cls.ENV, chdir=cls.CHDIR)
            cls.addClassCleanup(s.cleanup)
            cls.server = s.start(workers=cls.WORKERS)

    def start_app(self, app="pep3333_app:application", args=(), start=True, workers=None, **kw):
        s = AppServer(app, args, **kw)
        self.addCleanup(s.cleanup)
        if start:
            s.start(workers=workers)
        return s


def django_migrate(db_path, timeout=120):
    """Creates the Django project's sqlite database at db_path (manage.py migrate)."""
    env = server_env({"WC_DJANGO_DB": db_path})
    r = subprocess.run(["/usr/bin/python3", "manage.py", "migrate", "--noinput"], cwd=DJANGO_DIR,
                       env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"manage.py migrate failed: {r.stdout}\n{r.stderr}")


def http_date_free(headers):
    """Headers without the ones that differ by nature between servers and runs."""
    return [(n, v) for n, v in headers if n not in ("date", "server", "connection")]
