"""Upstream failures as nginx answers them (issue 4): nothing listening -> 502, an app slower
than proxy_read_timeout -> 504, an upstream that closes mid-response -> the client's connection
is closed with the body incomplete, never a truncated body passed off as complete; each with its
error.log line naming the upstream address.

The misbehaving upstreams are tiny raw-socket servers written here (proxy_harness.RawUpstream);
the slow one is apps/pep3333_app.py's /sleep behind the app server under test.
"""

import re
import socket
import time
import unittest

from proxy_harness import (ProxyTestCase, dead_port, parse_responses, read_until_close,
                           request, require_proxy_support, server_block)


def client_line(web, method, uri):
    return (rf"client: 127\.0\.0\.1, server: localhost, request: \"{method} {re.escape(uri)} "
            rf"HTTP/1\.1\"")


def upstream_field(addr, uri):
    return rf"upstream: \"http://{re.escape(addr)}{re.escape(uri)}\""


class Failures(ProxyTestCase):
    def setUp(self):
        require_proxy_support()

    def fetch_closed(self, web, path, timeout=5):
        """GET path over HTTP/1.1 (keep-alive asked); returns (bytes, closed by server)."""
        with socket.create_connection(("127.0.0.1", web.port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            return read_until_close(s, timeout)

    # ---- 502 ---------------------------------------------------------------------------------
    def test_nothing_listening_is_502(self):
        dead = dead_port()
        web = self.start_web(server_block(f"location / {{ proxy_pass http://127.0.0.1:{dead}; }}"))
        r = request(web.port, "/x?y=1")
        self.assertEqual(r.status, 502)
        self.assertEqual(r.h("content-type"), "text/html")
        self.assertIn(b"<title>502 Bad Gateway</title>", r.body)
        self.assertLogLine(web, r"\[error\] \d+#\d+: \*\d+ connect\(\) failed \(111: Connection "
                                r"refused\) while connecting to upstream, "
                           + client_line(web, "GET", "/x?y=1") + ", "
                           + upstream_field(f"127.0.0.1:{dead}", "/x?y=1")
                           + rf", host: \"127\.0\.0\.1:{web.port}\"$")

    def test_upstream_closes_without_answer_is_502(self):
        def handler(conn, up):
            up.read_request(conn)  # and close without a word
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; }}"))
        r = request(web.port, "/silent")
        self.assertEqual(r.status, 502)
        self.assertLogLine(web, r"upstream prematurely closed connection while reading response "
                                r"header from upstream, " + client_line(web, "GET", "/silent")
                           + ", " + upstream_field(up.addr, "/silent"))

    def test_garbage_from_upstream(self):
        def handler(conn, up):
            if up.read_request(conn)[0] is not None:
                conn.sendall(b"this is not http\r\n\r\n")
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; }}"))
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as s:
            s.sendall(b"GET /garbage HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data, _ = read_until_close(s, 1)
        if web.is_nginx:
            # nginx 1.22 takes it for an HTTP/0.9 answer and passes the bytes on as they came,
            # with no status line.
            self.assertEqual(data, b"this is not http\r\n\r\n")
        else:
            # webcycle: a 502 (raw upstream bytes with no status line would let an upstream
            # forge whatever the client sees).
            self.assertTrue(data.startswith(b"HTTP/1.1 502 "), data)
        self.assertLogLine(web, r"upstream sent no valid HTTP/1\.0 header while reading "
                                r"response header from upstream, "
                           + client_line(web, "GET", "/garbage") + ", "
                           + upstream_field(up.addr, "/garbage"))

    # ---- 504 ---------------------------------------------------------------------------------
    def test_app_slower_than_read_timeout_is_504(self):
        app = self.start_app("pep3333_app:application")
        web = self.start_web(server_block(
            f"location / {{ proxy_pass http://127.0.0.1:{app.port}; "
            f"proxy_read_timeout 500ms; }}"))
        t0 = time.monotonic()
        r = request(web.port, "/sleep?s=1.5&id=slow")
        took = time.monotonic() - t0
        self.assertEqual(r.status, 504)
        self.assertIn(b"<title>504 Gateway Time-out</title>", r.body)
        self.assertGreaterEqual(took, 0.45)
        self.assertLess(took, 1.4)
        self.assertLogLine(web, r"\[error\] \d+#\d+: \*\d+ upstream timed out \(110: Connection "
                                r"timed out\) while reading response header from upstream, "
                           + client_line(web, "GET", "/sleep?s=1.5&id=slow") + ", "
                           + upstream_field(f"127.0.0.1:{app.port}", "/sleep?s=1.5&id=slow"))
        # Once the app is done sleeping, a quick request on the same location works.
        self.assertTrue(app.wait_event(lambda l: l.startswith("sleep-end ") and
                                       l.endswith(" slow"), 5))
        self.assertEqual(request(web.port, "/hello").status, 200)

    def test_read_timeout_between_body_pieces_closes_client(self):
        """The header came, then the upstream went quiet past proxy_read_timeout: the answer has
        started, so the client's connection is closed with the body incomplete."""
        def handler(conn, up):
            if up.read_request(conn)[0] is not None:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                up.stopping.wait(3)
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; "
                                          f"proxy_read_timeout 500ms; }}"))
        data, closed = self.fetch_closed(web, "/stall", timeout=3)
        self.assertTrue(closed, data)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: 100", head)
        # What was passed on before the timeout is a prefix of what came (nginx: nothing, its
        # buffer was not flushed); never 100 bytes.
        self.assertTrue(b"0123456789".startswith(body), body)
        self.assertLogLine(web, r"upstream timed out \(110: Connection timed out\) while reading "
                                r"upstream, " + client_line(web, "GET", "/stall") + ", "
                           + upstream_field(up.addr, "/stall"))

    # ---- closed mid-response -----------------------------------------------------------------
    def test_upstream_closes_mid_body_with_content_length(self):
        """The upstream promises 100000 bytes, sends 1000 and closes: the client gets the
        header and those bytes, then its connection closes (no keep-alive, no padding)."""
        def handler(conn, up):
            if up.read_request(conn)[0] is not None:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: 100000\r\n\r\n" + b"x" * 1000)
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; }}"))
        data, closed = self.fetch_closed(web, "/cut")
        self.assertTrue(closed, "the client connection was kept open after a cut body")
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertIn(b"Content-Length: 100000", head)
        self.assertEqual(body, b"x" * 1000)
        self.assertEqual(parse_responses(data)[0], [], "a cut body parsed as complete")
        self.assertLogLine(web, r"\[error\] \d+#\d+: \*\d+ upstream prematurely closed "
                                r"connection while reading upstream, "
                           + client_line(web, "GET", "/cut") + ", "
                           + upstream_field(up.addr, "/cut"))

    def test_upstream_closes_mid_chunked_body(self):
        """A chunked answer cut before its last chunk: the client never gets the terminating
        0-chunk, and its connection is closed."""
        def handler(conn, up):
            if up.read_request(conn)[0] is not None:
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n")
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; "
                                          f"proxy_http_version 1.1; }}"))
        data, closed = self.fetch_closed(web, "/cutchunk")
        self.assertTrue(closed)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        self.assertIn(b"hello", data)
        self.assertNotIn(b"\r\n0\r\n\r\n", data)
        self.assertEqual(parse_responses(data)[0], [], "a cut body parsed as complete")
        self.assertLogLine(web, r"upstream prematurely closed connection while reading "
                                r"upstream, " + client_line(web, "GET", "/cutchunk"))

    def test_close_delimited_body_is_complete(self):
        """An HTTP/1.0 answer with no length ends when the upstream closes: that is a whole
        body, passed on (chunked to an HTTP/1.1 client) and the connection kept."""
        def handler(conn, up):
            if up.read_request(conn)[0] is not None:
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; }}"))
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as s:
            s.sendall(b"GET /eof HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data, closed = read_until_close(s, 1.0)
        self.assertFalse(closed)
        [(status, headers, body)], rest = parse_responses(data)
        self.assertEqual((status, body, rest), (200, b"all of it", b""))
        self.assertEqual(dict(headers).get("transfer-encoding"), "chunked")


if __name__ == "__main__":
    unittest.main()
