"""The command line of `webcycle app`, as gunicorn's: --help, bad flags, -c gunicorn.conf.py,
GUNICORN_CMD_ARGS and WEB_CONCURRENCY, --pid, -e, --pythonpath, the access log (default format
and --access-logformat atoms), --log-level, request limits, signals (HUP, TTIN, TTOU, TERM, INT,
QUIT), unix: binds and keep-alive."""

import http.client
import os
import re
import signal
import socket
import threading
import time
import unittest

from app_harness import ACCESS_LINE_RE, ERROR_LINE_RE, AppServer, AppTestCase
from harness import parse_responses, pid_alive, read_text, read_until, wait_until


class CommandLineTest(AppTestCase):

    def cli(self, args, **kw):
        s = AppServer(None, name="cli")
        self.addCleanup(s.cleanup)
        return s, s.run_cli(args, **kw)

    def test_help(self):
        _, r = self.cli(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        for flag in ("--bind", "--workers", "--timeout", "--access-logfile", "--chdir",
                     "--max-requests", "--graceful-timeout", "--pid"):
            self.assertIn(flag, out)

    def test_bad_flag(self):
        s, r = self.cli(["--bogus-flag", "pep3333_app:application"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--bogus-flag", r.stderr)
        if s.is_gunicorn:
            # argparse: a usage line, then "gunicorn: error: unrecognized arguments: ...".
            self.assertIn("--bogus-flag", r.stderr.strip().splitlines()[-1])
        else:
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)  # SPEC: one line

    def test_bad_value(self):
        s, r = self.cli(["-w", "abc", "pep3333_app:application"])
        self.assertEqual(r.returncode, 2, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn("workers", last)
        self.assertIn("abc", last)
        if not s.is_gunicorn:
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_config_file(self):
        s = AppServer(None, bind=False, name="conf", chdir=None)
        self.addCleanup(s.cleanup)
        p0, p1 = s.ports[0], __import__("harness").free_ports(1)[0]
        s.write_file("gunicorn.conf.py", f"""
import os
# gunicorn reads this as Python: computed values work.
bind = ["127.0.0.1:{p0}", "127.0.0.1:" + str({p1})]
workers = 3
chdir = {os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")!r}
wsgi_app = "pep3333_app:application"
raw_env = ["WC_FROM_CONFIG=yes"]
accesslog = {s.access_log_path!r}
errorlog = {s.error_log_path!r}
max_requests = 1000
timeout = 20
""")
        s.extra_args = ["-c", os.path.join(s.dir, "gunicorn.conf.py"), "-w", "2"]
        s.start(wait_ports=[p0, p1], workers=2)  # -w 2 on the command line beats workers = 3
        for port in (p0, p1):
            r = s.request("/hello", port=port)
            self.assertEqual(r.body, b"Hello, World!")
        self.assertEqual(s.request("/osenv?k=WC_FROM_CONFIG").json(), {"value": "yes"})
        lines = s.access_lines(3)
        self.assertEqual(len(lines), 3, lines)
        self.assertRegex(lines[0], ACCESS_LINE_RE)
        self.assertRegex(s.read_error_log(), rf"Listening at: http://127\.0\.0\.1:{p0}")

    def test_gunicorn_cmd_args_and_web_concurrency(self):
        s = self.start_app(env={"GUNICORN_CMD_ARGS": "--workers 3"}, workers=3)
        self.assertEqual(len(s.worker_pids()), 3)
        s = self.start_app(env={"WEB_CONCURRENCY": "2"}, workers=2)
        self.assertEqual(len(s.worker_pids()), 2)

    def test_pid_file_env_pythonpath(self):
        s = AppServer("pp_app:app", name="pid")
        self.addCleanup(s.cleanup)
        s.write_file("lib/pp_app.py", "import os\n"
                     "def app(environ, start_response):\n"
                     "    body = os.environ.get('WC_E1', '?').encode()\n"
                     "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                     "    return [body]\n")
        pidfile = s.path("run/app.pid")
        os.makedirs(os.path.dirname(pidfile))
        s.extra_args = ["--pid", pidfile, "-e", "WC_E1=from-e", "--pythonpath", s.path("lib")]
        s.start(workers=1)
        self.assertEqual(s.request("/").body, b"from-e")
        self.assertTrue(wait_until(lambda: read_text(pidfile).strip() == str(s.master_pid)),
                        read_text(pidfile))
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait_exit(10), 0)
        self.assertFalse(os.path.exists(pidfile), "pid file left after exit")

    def test_log_level_warning(self):
        s = self.start_app(args=["--log-level", "warning"], workers=1)
        self.assertEqual(s.request("/raise").status, 500)
        self.assertTrue(s.wait_for_log("RuntimeError: pep3333-boom"))
        log = s.read_error_log()
        self.assertNotIn("[INFO]", log)
        self.assertRegex(log, ERROR_LINE_RE + r"Error handling request")

    def test_error_log_format(self):
        s = self.start_app(workers=1)
        self.assertTrue(s.wait_for_log(r"Booting worker with pid: \d+"), s.read_error_log())
        log = s.read_error_log()
        m = re.search(ERROR_LINE_RE + r"Listening at: http://127\.0\.0\.1:(\d+) \((\d+)\)$", log,
                      re.M)
        self.assertTrue(m, log)
        self.assertEqual(m.group(2), "INFO")
        self.assertEqual(int(m.group(3)), s.port)
        self.assertEqual(int(m.group(4)), s.master_pid)
        self.assertEqual(int(m.group(1)), s.master_pid)
        m = re.search(ERROR_LINE_RE + r"Booting worker with pid: (\d+)$", log, re.M)
        self.assertEqual(int(m.group(3)), s.worker_pids()[0])

    def test_request_limits(self):
        s = self.start_app(args=["--limit-request-line", "100", "--limit-request-fields", "5",
                                 "--limit-request-field_size", "60"], workers=1)
        self.assertEqual(s.request("/hello?" + "a" * 40).status, 200)
        self.assertEqual(s.request("/hello?" + "a" * 150).status, 400)
        many = {f"X-H{i}": "v" for i in range(8)}
        self.assertEqual(s.request("/hello", headers=many).status, 400)
        self.assertEqual(s.request("/hello", headers={"X-Long": "v" * 100}).status, 400)
        self.assertEqual(s.request("/hello", headers={"X-Short": "v"}).status, 200)


class AccessLogTest(AppTestCase):

    def test_default_format(self):
        s = self.start_app(access_log=True, workers=1)
        s.request("/hello?x=1", headers={"Referer": "http://ref.test/p", "User-Agent": "wc-ua/1"})
        s.request("/status?code=404")
        s.request("/echo?mode=read", method="POST", body=b"12345",
                  headers={"Content-Type": "text/plain"})
        lines = s.access_lines(3)
        self.assertEqual(len(lines), 3, lines)
        m = [re.match(ACCESS_LINE_RE, l) for l in lines]
        self.assertTrue(all(m), lines)
        self.assertEqual(m[0].group("h"), "127.0.0.1")
        self.assertEqual(m[0].group("r"), "GET /hello?x=1 HTTP/1.1")
        self.assertEqual((m[0].group("s"), m[0].group("b")), ("200", "13"))
        self.assertEqual((m[0].group("f"), m[0].group("a")), ("http://ref.test/p", "wc-ua/1"))
        self.assertEqual((m[1].group("s"), m[1].group("f")), ("404", "-"))
        self.assertEqual(m[2].group("r"), "POST /echo?mode=read HTTP/1.1")
        # The time is the request's, in the local zone: within a minute of now.
        t = time.strptime(m[0].group("t"), "%d/%b/%Y:%H:%M:%S %z")
        self.assertLess(abs(time.mktime(t) - time.mktime(time.localtime())), 120)

    def test_atoms(self):
        fmt = ("%(h)s|%(l)s|%(u)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(f)s|%(a)s|"
               "%(T)s|%(D)s|%(L)s|%(p)s|%({x-test}i)s|%({content-type}o)s|%({missing}i)s")
        s = self.start_app(args=["--access-logformat", fmt], access_log=True, workers=1)
        pid = int(s.request("/pid").body)
        s.request("/hello?a=1&b=2", headers={"X-Test": "hi", "Referer": "http://r/",
                                             "User-Agent": "ag"})
        s.request("/status?code=204", headers={"Authorization": "Basic Ym9iOnB3"})  # bob:pw
        s.request("/nolength?n=3", method="POST", body=b"x=1",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        lines = s.access_lines(4)
        self.assertEqual(len(lines), 4, lines)
        f = [l.split("|") for l in lines[1:]]
        self.assertEqual(f[0][:13], ["127.0.0.1", "-", "-", "GET /hello?a=1&b=2 HTTP/1.1", "GET",
                                     "/hello", "a=1&b=2", "HTTP/1.1", "200", "13", "13",
                                     "http://r/", "ag"])
        self.assertRegex(f[0][13], r"^\d+$")  # T: seconds
        self.assertRegex(f[0][14], r"^\d+$")  # D: microseconds
        self.assertRegex(f[0][15], r"^\d+\.\d{6}$")  # L: seconds, decimal
        self.assertLess(float(f[0][15]), 5)
        self.assertEqual(f[0][16], f"<{pid}>")  # p: the worker's pid, as gunicorn writes it
        self.assertEqual(f[0][17:], ["hi", "text/plain", "-"])
        self.assertEqual(f[1][2], "bob")  # u: the Basic auth user
        self.assertEqual((f[1][8], f[1][9], f[1][10]), ("204", "0", "0"))
        self.assertEqual(f[1][18], "-")  # no Content-Type on the 204
        self.assertEqual((f[2][4], f[2][6], f[2][8], f[2][9]), ("POST", "n=3", "200", "24"))

    def test_access_log_to_stdout(self):
        s = self.start_app(args=["--access-logfile", "-"], workers=1)
        s.request("/hello?stdout=1")
        self.assertTrue(wait_until(lambda: re.search(
            r'"GET /hello\?stdout=1 HTTP/1\.1" 200 13 ', s.output()), 3), s.output())


class SignalsTest(AppTestCase):

    def pids_served(self, s, n=6):
        return {int(s.request("/pid").body) for _ in range(n)}

    def test_hup_replaces_workers(self):
        s = self.start_app(args=["-w", "2"], workers=2)
        old = set(s.worker_pids())
        s.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: len(s.worker_pids()) == 2
                                   and not (set(s.worker_pids()) & old), 10),
                        (old, s.worker_pids()))
        new = set(s.worker_pids())
        self.assertTrue(self.pids_served(s) <= new)
        self.assertIsNone(s.proc.poll())
        self.assertTrue(s.wait_for_log(r"Handling signal: hup"), s.read_error_log())

    def test_ttin_ttou(self):
        s = self.start_app(args=["-w", "2"], workers=2)
        s.signal(signal.SIGTTIN)
        self.assertTrue(s.wait_workers(3), s.worker_pids())
        s.signal(signal.SIGTTIN)
        self.assertTrue(s.wait_workers(4), s.worker_pids())
        s.signal(signal.SIGTTOU)
        self.assertTrue(s.wait_workers(3), s.worker_pids())
        time.sleep(0.3)
        self.assertEqual(len(s.worker_pids()), 3)
        self.assertEqual(s.request("/hello").status, 200)

    def test_ttou_keeps_one_worker(self):
        s = self.start_app(args=["-w", "1"], workers=1)
        s.signal(signal.SIGTTOU)
        time.sleep(1.0)
        self.assertEqual(len(s.worker_pids()), 1)  # gunicorn never goes below one
        self.assertEqual(s.request("/hello").status, 200)

    def slow_request(self, s, seconds, rid):
        out = {}

        def run():
            try:
                out["resp"] = s.request(f"/sleep?s={seconds}&id={rid}", timeout=20)
            except (OSError, http.client.HTTPException) as e:
                out["error"] = e
        t = threading.Thread(target=run)
        t.start()
        self.assertTrue(s.wait_event(lambda l: l.startswith("sleep-start ")
                                     and l.endswith(" " + rid)), s.events())
        return t, out

    def test_term_is_graceful(self):
        s = self.start_app(args=["-w", "1", "--graceful-timeout", "10"], workers=1)
        t, out = self.slow_request(s, 1.5, "term")
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        t.join(20)
        self.assertIn("resp", out, out)
        self.assertEqual((out["resp"].status, out["resp"].body), (200, b"slept 1.5"))
        self.assertEqual(s.wait_exit(10), 0)
        self.assertLess(time.monotonic() - t0, 9)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", s.port), timeout=1).close()

    def test_graceful_timeout_bounds_term(self):
        s = self.start_app(args=["-w", "1", "--graceful-timeout", "1"], workers=1)
        t, out = self.slow_request(s, 30, "gt")
        worker = s.worker_pids()[0]
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        self.assertIsNotNone(s.wait_exit(10))
        self.assertLess(time.monotonic() - t0, 6)
        t.join(10)
        self.assertNotIn("resp", out, out)
        self.assertTrue(wait_until(lambda: not pid_alive(worker), 3))

    def test_int_and_quit_are_quick(self):
        for sig in (signal.SIGINT, signal.SIGQUIT):
            with self.subTest(sig=sig.name):
                s = self.start_app(args=["-w", "1", "--graceful-timeout", "20"], workers=1)
                t, out = self.slow_request(s, 10, sig.name)
                worker = s.worker_pids()[0]
                t0 = time.monotonic()
                s.signal(sig)
                self.assertIsNotNone(s.wait_exit(5))
                self.assertLess(time.monotonic() - t0, 4)
                t.join(10)
                self.assertNotIn("resp", out, out)  # the in-flight request is dropped
                self.assertTrue(wait_until(lambda: not pid_alive(worker), 3))


class BindTest(AppTestCase):

    def test_unix_socket(self):
        s = AppServer("pep3333_app:application", bind=False, name="unix")
        self.addCleanup(s.cleanup)
        sock = s.path("app.sock")
        s.extra_args = ["-b", f"unix:{sock}"]
        s.start(wait_unix=sock)
        r = s.request("/env", unix=sock, headers={"Host": "unix.test"})
        self.assertEqual(r.status, 200, r.body)
        e = r.json()
        # gunicorn takes SERVER_NAME and SERVER_PORT from the Host header on a unix socket.
        self.assertEqual((e["SERVER_NAME"], e["SERVER_PORT"]), ("unix.test", "80"))
        self.assertEqual(s.request("/hello", unix=sock).body, b"Hello, World!")
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait_exit(10), 0)
        self.assertFalse(os.path.exists(sock), "socket file left after exit")

    def test_two_binds(self):
        s = AppServer("pep3333_app:application", nports=2, name="two")
        self.addCleanup(s.cleanup)
        s.start()
        for p in s.ports:
            self.assertEqual(s.request("/hello", port=p).status, 200)


class KeepAliveTest(AppTestCase):
    APP = "pep3333_app:application"
    WORKERS = 1

    def test_two_requests_on_one_connection(self):
        s = self.server
        with s.connect() as c:
            c.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            got = read_until(c, 3, lambda b: len(parse_responses(b)[0]) >= 1)
            (status, headers, body), = parse_responses(got)[0]
            self.assertEqual((status, body), (200, b"Hello, World!"))
            conn = dict(headers).get("connection", "").lower()
            if s.is_gunicorn:
                # gunicorn's sync worker closes every connection ("Connection: close");
                # webcycle keeps it open (it reads requests without blocking a worker on them).
                self.assertEqual(conn, "close")
                self.assertEqual(read_until(c, 2), b"")
                return
            self.assertNotEqual(conn, "close")
            c.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            got = read_until(c, 3, lambda b: len(parse_responses(b)[0]) >= 1)
            (status, headers, body), = parse_responses(got)[0]
            self.assertEqual(status, 200)
            self.assertTrue(body.isdigit())

    def test_http_client_reuses_the_connection(self):
        s = self.server
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        try:
            ports = []
            for path in ("/hello", "/nolength", "/echo?mode=read"):
                conn.request("POST" if "echo" in path else "GET", path,
                             body=b"data" if "echo" in path else None)
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
                ports.append(conn.sock.getsockname()[1] if conn.sock else None)
            if not s.is_gunicorn:  # see above: gunicorn closes each time
                self.assertEqual(len(set(ports)), 1, ports)
        finally:
            conn.close()

    def test_connection_close_and_http10(self):
        for req in (b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /hello HTTP/1.0\r\n\r\n"):
            with self.subTest(req=req):
                got, closed = self.server.raw_closed(req, timeout=3)
                self.assertTrue(closed)
                self.assertTrue(got.endswith(b"Hello, World!"), got)

    def test_pipelined_requests(self):
        got = self.server.raw(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                              b"GET /status?code=404 HTTP/1.1\r\nHost: x\r\n\r\n"
                              b"GET /nolength?n=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                              timeout=5)
        resps = parse_responses(got)[0]
        if self.server.is_gunicorn:
            # gunicorn's sync worker answers the first request and closes the connection.
            self.assertEqual([(st, b) for st, _, b in resps], [(200, b"Hello, World!")])
            return
        self.assertEqual([(st, b) for st, _, b in resps],
                         [(200, b"Hello, World!"), (404, b"status 404\n"),
                          (200, b"chunk-0;chunk-1;")])

    def test_slow_client_does_not_hold_the_worker(self):
        # One worker; a client that sends half a request and stalls. webcycle reads requests
        # without blocking, so the worker's Python serves others meanwhile; gunicorn's sync
        # worker blocks on the slow client (its documented limit: it wants a buffering proxy).
        if self.server.is_gunicorn:
            self.skipTest("gunicorn's sync worker blocks on a slow client")
        s = self.server
        with s.connect() as slow, s.connect() as slow_body:
            slow.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow:")
            slow_body.sendall(b"POST /echo?mode=read HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 10\r\n\r\nabc")
            time.sleep(0.2)
            t0 = time.monotonic()
            r = s.request("/hello", timeout=5)
            self.assertEqual(r.status, 200)
            self.assertLess(time.monotonic() - t0, 1.0)
            slow_body.sendall(b"defghij")
            got = read_until(slow_body, 3, lambda b: len(parse_responses(b)[0]) >= 1)
            (status, _, body), = parse_responses(got)[0]
            self.assertEqual(status, 200)
            self.assertIn(b'"body": "abcdefghij"', body)
            slow.sendall(b" 1\r\n\r\n")
            got = read_until(slow, 3, lambda b: len(parse_responses(b)[0]) >= 1)
            self.assertEqual(parse_responses(got)[0][0][2], b"Hello, World!")

    def test_keep_alive_timeout(self):
        if self.server.is_gunicorn:
            self.skipTest("gunicorn's sync worker keeps no connection alive")
        s = self.start_app(args=["--keep-alive", "1"], workers=1)
        with s.connect() as c:
            c.sendall(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            read_until(c, 3, lambda b: b.endswith(b"Hello, World!"))
            t0 = time.monotonic()
            rest = read_until(c, 5)
            self.assertEqual(rest, b"")
            self.assertLess(time.monotonic() - t0, 3.5)


if __name__ == "__main__":
    unittest.main()
