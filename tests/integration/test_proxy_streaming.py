"""proxy_request_buffering: buffered (the default) the upstream sees the request only once the
whole body has arrived; off, it sees the head and the first body bytes while the client is still
sending (Content-Length bodies as they are; chunked ones re-chunked with proxy_http_version 1.1).
Checked against nginx too."""

import socket
import threading
import time
import unittest

from proxy_harness import ProxyTestCase, server_block


class Recorder:
    """An upstream that notes when the head and the body's first bytes arrive."""

    def __init__(self):
        self.first_body_at = None
        self.head = None
        self.body = b""
        self.done = threading.Event()

    def handler(self, conn, up):
        conn.settimeout(10)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        self.head = head.decode("latin-1")
        if rest:
            self.first_body_at = time.monotonic()
        chunked = "transfer-encoding: chunked" in self.head.lower()
        total = None
        for line in self.head.split("\r\n"):
            if line.lower().startswith("content-length:"):
                total = int(line.split(":", 1)[1])
        self.body = rest
        while (total is not None and len(self.body) < total) or \
                (chunked and not self.body.endswith(b"0\r\n\r\n")):
            chunk = conn.recv(65536)
            if not chunk:
                break
            if self.first_body_at is None:
                self.first_body_at = time.monotonic()
            self.body += chunk
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        self.done.set()


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


class StreamingTest(ProxyTestCase):
    def run_upload(self, extra, chunked):
        rec = Recorder()
        up = self.raw_upstream(rec.handler)
        web = self.start_web(server_block(
            f"client_max_body_size 0; location / {{ proxy_pass http://{up.addr}; {extra} }}"))
        first, second = b"a" * 1000, b"b" * 1000
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as s:
            if chunked:
                s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + b"3e8\r\n" + first + b"\r\n")
            else:
                s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + first)
            time.sleep(0.8)
            sent_second_at = time.monotonic()
            s.sendall((b"3e8\r\n" + second + b"\r\n0\r\n\r\n") if chunked else second)
            s.settimeout(10)
            got = b""
            while b"\r\n\r\nok" not in got:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got)
        self.assertTrue(rec.done.wait(5))
        body = dechunk(rec.body) if "chunked" in rec.head.lower() else rec.body
        self.assertEqual(body, first + second)
        return rec, sent_second_at

    def test_buffered_by_default(self):
        rec, sent_second_at = self.run_upload("", chunked=False)
        self.assertGreaterEqual(rec.first_body_at, sent_second_at)
        self.assertIn("Content-Length: 2000", rec.head)

    def test_streamed_content_length_body(self):
        rec, sent_second_at = self.run_upload("proxy_request_buffering off;", chunked=False)
        self.assertLess(rec.first_body_at, sent_second_at)
        self.assertIn("Content-Length: 2000", rec.head)

    def test_streamed_chunked_body_with_http_11(self):
        rec, sent_second_at = self.run_upload(
            "proxy_request_buffering off; proxy_http_version 1.1;", chunked=True)
        self.assertLess(rec.first_body_at, sent_second_at)
        self.assertIn("Transfer-Encoding: chunked", rec.head)

    def test_chunked_to_http_10_upstream_is_buffered(self):
        rec, sent_second_at = self.run_upload("proxy_request_buffering off;", chunked=True)
        self.assertGreaterEqual(rec.first_body_at, sent_second_at)
        self.assertIn("Content-Length: 2000", rec.head)


if __name__ == "__main__":
    unittest.main()
