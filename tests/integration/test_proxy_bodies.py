"""Bodies through the proxy (issue 4): a 100 MiB upload streamed through without the web server
holding it in memory, a slow client reading a 20 MiB answer while the app worker is already
free, and proxy_buffering off / X-Accel-Buffering: no streaming the answer as it is made.

Apps: apps/proxy_app.py (/sha256 hashes the body it reads in 1 MiB pieces; /blob?size=N;
/slow?n=N&delay=D[&accel=1]; /pid) behind `webcycle app` or gunicorn (one worker each).
"""

import hashlib
import http.client
import socket
import threading
import time
import unittest

from proxy_harness import (APP_SERVER_KIND, ProxyTestCase, parse_responses, read_until, request,
                           require_proxy_support, server_block, wait_until)

MIB = 1024 * 1024
PATTERN = bytes(i % 251 for i in range(65536))  # proxy_app's /blob pattern


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def blob_sha256(size):
    h = hashlib.sha256()
    whole, part = divmod(size, len(PATTERN))
    for _ in range(whole):
        h.update(PATTERN)
    h.update(PATTERN[:part])
    return h.hexdigest()


class BigUpload(ProxyTestCase):
    SIZE = 100 * MIB

    def upload(self, request_buffering):
        require_proxy_support()
        app = self.start_app("proxy_app:app")
        extra = "" if request_buffering else "proxy_request_buffering off;"
        web = self.start_web(server_block(
            f"location / {{ proxy_pass http://127.0.0.1:{app.port}; {extra} }}",
            extra="client_max_body_size 200m;"))
        self.assertEqual(request(web.port, "/").status, 200)  # the worker is up and warm
        workers = web.worker_pids()
        self.assertTrue(workers)
        before = {p: status_kb(p, "VmHWM") for p in workers}

        # 100 MiB made while sending: a random 1 MiB block, each copy stamped with its index.
        base = bytearray(hashlib.sha256(b"seed").digest() * (MIB // 32))
        h = hashlib.sha256()

        def body():
            for i in range(self.SIZE // MIB):
                base[:8] = i.to_bytes(8, "big")
                block = bytes(base)
                h.update(block)
                yield block

        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
        try:
            conn.request("POST", "/sha256", body=body(),
                         headers={"Content-Length": str(self.SIZE),
                                  "Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        self.assertEqual(r.status, 200, data[:500])
        import json
        got = json.loads(data)
        self.assertEqual(got, {"len": self.SIZE, "sha256": h.hexdigest(),
                               "content_length": str(self.SIZE)})
        grew = {p: status_kb(p, "VmHWM") - before[p] for p in workers}
        # The body never sits in the worker's memory: its peak grew by far less than 100 MiB.
        self.assertLess(max(grew.values()), 32 * 1024,
                        f"web worker peak RSS grew by {grew} kB for a 100 MiB body")

    def test_upload_100mib_buffered_to_disk(self):
        """proxy_request_buffering on (the default): read whole, to a temp file, then sent."""
        self.upload(request_buffering=True)

    def test_upload_100mib_streamed(self):
        """proxy_request_buffering off: passed on to the app as it comes."""
        self.upload(request_buffering=False)


class SlowClient(ProxyTestCase):
    """A client that reads a 20 MiB answer slowly must not hold the app's only worker: the web
    server takes the whole answer (proxy_buffering on: memory, then a temp file) and the app
    answers the next request at once."""

    SIZE = 20 * MIB

    def check(self, app_kind):
        require_proxy_support()
        app = self.start_app("proxy_app:app", kind=app_kind, access_log=True,
                             args=["--access-logformat", '%(s)s "%(r)s"'])
        web = self.start_web(server_block(
            f"location / {{ proxy_pass http://127.0.0.1:{app.port}; }}"))
        slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.settimeout(10)
        try:
            slow.connect(("127.0.0.1", web.port))
            slow.sendall(f"GET /blob?size={self.SIZE} HTTP/1.1\r\nHost: localhost\r\n"
                         f"Connection: close\r\n\r\n".encode())
            got = read_until(slow, 5, lambda b: len(b) >= 65536)
            self.assertTrue(got.startswith(b"HTTP/1.1 200 "), got[:200])
            # The app is done with /blob while the client has read almost nothing ...
            self.assertTrue(wait_until(lambda: any("GET /blob" in l
                                                   for l in app.access_lines(1, 0)), 5),
                            "the app never finished /blob: the proxy did not take the answer")
            # ... and its one worker answers another request at once.
            t0 = time.monotonic()
            r = request(web.port, "/pid", timeout=5)
            self.assertEqual(r.status, 200)
            self.assertLess(time.monotonic() - t0, 2.0)
            # Now the client reads the rest, whole and right.
            slow.settimeout(20)
            rest = []
            while True:
                chunk = slow.recv(1 << 20)
                if not chunk:
                    break
                rest.append(chunk)
        finally:
            slow.close()
        data = got + b"".join(rest)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(f"Content-Length: {self.SIZE}".encode(), head)
        self.assertEqual(len(body), self.SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), blob_sha256(self.SIZE))

    def test_slow_client_with_gunicorn_sync_worker(self):
        """gunicorn's sync worker writes the answer itself: without the proxy's buffering it
        would stay blocked on the slow client."""
        self.check("gunicorn")

    def test_slow_client_with_webcycle_app(self):
        self.check(APP_SERVER_KIND)


class Streaming(ProxyTestCase):
    """The app sends piece-0 at once, then one piece every DELAY seconds."""

    DELAY = 0.8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_proxy_support()
        cls.app = cls.cls_start_app("proxy_app:app", kind="gunicorn", args=["-w", "2"],
                                    workers=2)
        cls.web = cls.cls_start_web(server_block(f"""
  location /off/ {{ proxy_pass http://127.0.0.1:{cls.app.port}/; proxy_buffering off; }}
  location / {{ proxy_pass http://127.0.0.1:{cls.app.port}; }}
"""))

    def timed_read(self, path):
        """GET path; returns [(seconds since sent, bytes)] for each recv, and the whole data."""
        out = []
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=10) as s:
            t0 = time.monotonic()
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                      .encode())
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out.append((time.monotonic() - t0, chunk))
        return out, b"".join(c for _, c in out)

    def first_piece_time(self, recvs):
        data = b""
        for t, chunk in recvs:
            data += chunk
            if b"piece-0;" in data:
                return t
        return None

    def check_streams(self, path):
        recvs, data = self.timed_read(path)
        head = data.partition(b"\r\n\r\n")[0]
        [(status, headers, body)], rest = parse_responses(data)
        self.assertEqual((status, body, rest), (200, b"piece-0;piece-1;piece-2;", b""))
        self.assertEqual(dict(headers).get("transfer-encoding"), "chunked")
        first = self.first_piece_time(recvs)
        total = recvs[-1][0]
        self.assertGreaterEqual(total, 2 * self.DELAY - 0.05)
        # piece-0 reached the client long before the app finished.
        self.assertLess(first, self.DELAY * 0.75, recvs)
        return head

    def test_proxy_buffering_off_streams(self):
        self.check_streams(f"/off/slow?n=3&delay={self.DELAY}")

    def test_x_accel_buffering_no_streams(self):
        head = self.check_streams(f"/slow?n=3&delay={self.DELAY}&accel=1")
        self.assertNotIn(b"x-accel-buffering", head.lower())  # meant for the proxy, not passed


if __name__ == "__main__":
    unittest.main()
