"""webcycle app's connections: the order of pipelined answers and of 100 Continue, keep-alive after
a slow request, a prompt close, the last answer before a --max-requests restart, and the
heartbeat that catches a worker hung outside a request. Where gunicorn's sync worker cannot be
compared (it closes every connection), the test says so and runs against webcycle only."""

import os
import time
import unittest

from app_harness import AppTestCase
from harness import parse_responses, read_until_close


def webcycle_only(test):
    def wrapper(self):
        if os.environ.get("WEBCYCLE_TEST_APP_SERVER") == "gunicorn":
            self.skipTest("gunicorn's sync worker closes every connection")
        return test(self)
    wrapper.__name__ = test.__name__
    wrapper.__doc__ = test.__doc__
    return wrapper


class PipelineOrderTest(AppTestCase):
    APP = "pep3333_app:application"
    ARGS = ("-t", "10", "--keep-alive", "2")

    @webcycle_only
    def test_answer_before_a_body_request_is_not_held_back(self):
        # GET, then a POST whose body has not been sent yet: the GET's answer must arrive now.
        with self.server.connect() as s:
            s.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"POST /echo?mode=read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            s.settimeout(3)
            got = b""
            while len(parse_responses(got)[0]) < 1:
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
            s.sendall(b"hello")
            while len(parse_responses(got)[0]) < 2:
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
        responses = parse_responses(got)[0]
        self.assertEqual([r[0] for r in responses], [200, 200])
        self.assertIn(b'"body": "hello"', responses[1][2])

    @webcycle_only
    def test_100_continue_comes_after_earlier_answers(self):
        with self.server.connect() as s:
            s.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"POST /echo?mode=read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      b"Expect: 100-continue\r\n\r\n")
            s.settimeout(3)
            got = b""
            while b"100 Continue" not in got:
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
            # The first answer is complete before the interim one.
            first = got.index(b"HTTP/1.1 200")
            self.assertLess(first, got.index(b"HTTP/1.1 100 Continue"))
            self.assertEqual(len(parse_responses(got[:got.index(b"HTTP/1.1 100")])[0]), 1)
            s.sendall(b"hello")
            while got.count(b"HTTP/1.1 200") < 2:
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk

    @webcycle_only
    def test_keep_alive_survives_a_request_longer_than_the_keep_alive(self):
        # A 3 s request with --keep-alive 2, while another connection keeps the loop busy: the
        # idle timer armed afterwards must count from the end of the request, not from before it.
        with self.server.connect(timeout=10) as s, self.server.connect(timeout=10) as busy:
            s.sendall(b"GET /sleep?s=3&id=ka HTTP/1.1\r\nHost: x\r\n\r\n")
            busy.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(10)
            got = b""
            while len(parse_responses(got)[0]) < 1:
                chunk = s.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
            time.sleep(0.2)
            s.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            while len(parse_responses(got)[0]) < 2:
                chunk = s.recv(65536)
                self.assertTrue(chunk, "connection closed after a slow request")
                got += chunk

    def test_close_request_followed_by_stray_bytes_closes_at_once(self):
        t0 = time.monotonic()
        got, closed = self.server.raw_closed(
            b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n\r\n", timeout=8)
        self.assertTrue(closed, got)
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got)
        self.assertLess(time.monotonic() - t0, 2.0)


class MaxRequestsTest(AppTestCase):
    @webcycle_only
    def test_last_answer_before_the_restart_says_close(self):
        s = self.start_app(args=["--max-requests", "2", "--keep-alive", "5"])
        self.server = s
        with s.connect() as c:
            c.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            c.settimeout(5)
            while len(parse_responses(got)[0]) < 1:
                got += c.recv(65536)
            first = parse_responses(got)[0][0]
            self.assertNotIn(("connection", "close"), first[1])
            c.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
            rest, closed = read_until_close(c, 5)
            got += rest
        responses = parse_responses(got)[0]
        self.assertEqual(len(responses), 2, got)
        self.assertIn(("connection", "close"), responses[1][1])
        self.assertTrue(closed)


class BootTimeoutTest(AppTestCase):
    def test_a_worker_hung_while_importing_is_killed(self):
        s = self.start_app(app="slow_import:application", args=["-t", "2"], start=False)
        s.write_file("slow_import.py",
                     "import time\ntime.sleep(30)\n"
                     "def application(e, sr):\n    sr('200 OK', [])\n    return [b'x']\n")
        s.chdir = s.dir
        s.start(wait=False)
        self.assertTrue(s.wait_for_log(r"WORKER TIMEOUT \(pid:\d+\)", timeout=10), s.read_error_log())


def state(pid):
    """The process's state letter from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2:].split()[0]


class OrphanTest(AppTestCase):
    # gunicorn's sync worker notices a dead master only when its select() times out (up to
    # --timeout / 2 later); webcycle's workers get SIGQUIT from the kernel at once.
    @webcycle_only
    def test_workers_exit_when_the_master_is_killed(self):
        s = self.start_app(args=["-w", "2"], workers=2)
        workers = s.worker_pids()
        self.assertEqual(len(workers), 2)
        os.kill(s.master_pid, 9)
        deadline = time.monotonic() + 5
        alive = workers
        while alive and time.monotonic() < deadline:
            alive = [p for p in workers if state(p) not in (None, "Z")]
            time.sleep(0.05)
        self.assertEqual(alive, [], "workers outlived their master")


if __name__ == "__main__":
    unittest.main()
