"""HTTP/1.1 connection handling: keep-alive, pipelining, HTTP/1.0, Connection, request bodies,
Expect: 100-continue, HEAD."""

import socket
import time
import unittest

from harness import ServerTestCase, header, parse_responses, read_until, read_until_close

FILES = {f"html/f{i}.txt": f"file {i}\n" for i in range(10)}
FILES["html/index.html"] = "home\n"


def get(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()


class Http11Test(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /r { return 200 "ok\\n"; }
    }
    """
    FILES = FILES

    def test_keepalive_serves_several_requests_on_one_connection(self):
        with self.server.connect() as s:
            for i in range(3):
                s.sendall(get(f"/f{i}.txt"))
                data = read_until(s, 3, lambda b: parse_responses(b)[0])
                (status, headers, body), = parse_responses(data)[0]
                self.assertEqual(status, 200)
                self.assertEqual(body, f"file {i}\n".encode())
                self.assertEqual(header(headers, "connection"), "keep-alive")
                self.assertIsNotNone(header(headers, "date"))

    def test_pipelined_requests_answered_in_order(self):
        paths = [f"/f{i % 10}.txt" for i in range(30)]
        data = b"".join(get(p) for p in paths[:-1]) + get(paths[-1], "Connection: close\r\n")
        raw, closed = self.server.raw_closed(data, timeout=5)
        resp, rest = parse_responses(raw)
        self.assertTrue(closed, "Connection: close on the last request must close")
        self.assertEqual(rest, b"")
        self.assertEqual([r[2] for r in resp], [f"file {p[2]}\n".encode() for p in paths])

    def test_pipelined_requests_sent_byte_by_byte(self):
        data = get("/f1.txt") + get("/f2.txt", "Connection: close\r\n")
        with self.server.connect() as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(len(data)):
                s.send(data[i:i + 1])
            raw, closed = read_until_close(s, 3)
        self.assertEqual([r[2] for r in parse_responses(raw)[0]], [b"file 1\n", b"file 2\n"])

    def test_http10_closes_by_default(self):
        raw, closed = self.server.raw_closed(b"GET /f1.txt HTTP/1.0\r\n\r\n", timeout=3)
        (status, headers, body), = parse_responses(raw)[0]
        self.assertEqual(status, 200)
        self.assertEqual(body, b"file 1\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 200 OK\r\n"), raw[:40])
        self.assertEqual(header(headers, "connection"), "close")
        self.assertTrue(closed)

    def test_http10_keepalive(self):
        req = b"GET /f1.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        with self.server.connect() as s:
            s.sendall(req)
            data = read_until(s, 3, lambda b: parse_responses(b)[0])
            (status, headers, body), = parse_responses(data)[0]
            self.assertEqual(header(headers, "connection"), "keep-alive")
            s.sendall(b"GET /f2.txt HTTP/1.0\r\n\r\n")
            raw, closed = read_until_close(s, 3)
        self.assertEqual(parse_responses(raw)[0][0][2], b"file 2\n")
        self.assertTrue(closed)

    def test_connection_close(self):
        raw, closed = self.server.raw_closed(get("/f3.txt", "Connection: close\r\n"), timeout=3)
        (status, headers, body), = parse_responses(raw)[0]
        self.assertEqual(body, b"file 3\n")
        self.assertEqual(header(headers, "connection"), "close")
        self.assertTrue(closed)

    def test_connection_close_among_other_tokens(self):
        raw, closed = self.server.raw_closed(get("/f3.txt", "Connection: TE, Close\r\n"),
                                             timeout=3)
        self.assertEqual(len(parse_responses(raw)[0]), 1)
        self.assertTrue(closed)

    def test_content_length_body_is_consumed(self):
        data = (b"POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world" +
                get("/f4.txt", "Connection: close\r\n"))
        resp = parse_responses(self.server.raw(data))[0]
        self.assertEqual([(r[0], r[2]) for r in resp], [(200, b"ok\n"), (200, b"file 4\n")])

    def test_chunked_body_is_consumed(self):
        body = (b"5;name=value\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\n"
                b"Trailer-Field: x\r\n\r\n")
        data = (b"POST /r HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body +
                get("/f5.txt", "Connection: close\r\n"))
        resp = parse_responses(self.server.raw(data))[0]
        self.assertEqual([(r[0], r[2]) for r in resp], [(200, b"ok\n"), (200, b"file 5\n")])

    def test_chunked_body_split_across_packets(self):
        with self.server.connect() as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(b"POST /r HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe")
            time.sleep(0.05)
            s.sendall(b"llo\r\n0\r")
            time.sleep(0.05)
            s.sendall(b"\n\r\n" + get("/f6.txt", "Connection: close\r\n"))
            raw, _ = read_until_close(s, 3)
        resp = parse_responses(raw)[0]
        self.assertEqual([r[2] for r in resp], [b"ok\n", b"file 6\n"])

    def test_expect_100_continue(self):
        with self.server.connect() as s:
            s.sendall(b"POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      b"Expect: 100-continue\r\n\r\n")
            first = read_until(s, 3, lambda b: b"\r\n\r\n" in b)
            self.assertTrue(first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), first)
            s.sendall(b"hello" + get("/f7.txt", "Connection: close\r\n"))
            rest, _ = read_until_close(s, 3)
        resp = parse_responses(first + rest)[0]
        self.assertEqual([(r[0], r[2]) for r in resp], [(100, b""), (200, b"ok\n"),
                                                        (200, b"file 7\n")])

    def test_head_has_no_body(self):
        data = (b"HEAD /r HTTP/1.1\r\nHost: x\r\n\r\nHEAD /f1.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
                get("/f8.txt", "Connection: close\r\n"))
        resp, rest = parse_responses(self.server.raw(data), head=[True, True, False])
        self.assertEqual(rest, b"")
        self.assertEqual([(r[0], r[2]) for r in resp],
                         [(200, b""), (200, b""), (200, b"file 8\n")])
        self.assertEqual(header(resp[1][1], "content-length"), "7")

    def test_http11_without_host_is_400_and_closes(self):
        raw, closed = self.server.raw_closed(b"GET /f1.txt HTTP/1.1\r\n\r\n", timeout=3)
        self.assertEqual(parse_responses(raw)[0][0][0], 400)
        self.assertTrue(closed)

    def test_empty_lines_before_request_are_ignored(self):
        raw = self.server.raw(b"\r\n\r\n" + get("/f9.txt", "Connection: close\r\n"))
        resp = parse_responses(raw)[0]
        self.assertEqual([(r[0], r[2]) for r in resp], [(200, b"file 9\n")])

    def test_http2_request_line_is_505(self):
        raw, closed = self.server.raw_closed(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", timeout=3)
        self.assertEqual(parse_responses(raw)[0][0][0], 505)
        self.assertTrue(closed)

    def test_curl_keepalive_reuses_connection(self):
        url = self.server.base_url
        r = self.server.curl("-v", "-o", "/dev/null", "-o", "/dev/null", f"{url}/f1.txt",
                             f"{url}/f2.txt")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"Re-using existing connection", r.stderr)


if __name__ == "__main__":
    unittest.main()


class SplitHeadTest(ServerTestCase):
    """A head that arrives in pieces is parsed by the connection's own parser between reads; an
    error found in a later piece is answered like any other (and the server survives it)."""
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
    }
    """
    FILES = {"html/a.txt": "a\n"}

    def send_in_pieces(self, pieces):
        with self.server.connect() as s:
            for piece in pieces[:-1]:
                s.sendall(piece)
                time.sleep(0.05)
            s.sendall(pieces[-1])
            return read_until_close(s, 3)

    def test_error_in_a_later_piece_gets_400_and_a_close(self):
        for pieces in ([b"GET /a.txt HTTP/1.1\r\nHo", b"st : x\r\n\r\n"],
                       [b"GET /a.txt HT", b"TP/1.1\r\nHost: x\r\nBad\x00Name: y\r\n\r\n"],
                       [b"GET /a.txt HTTP/1.1\r\n", b"Host: x\r\n", b" folded\r\n\r\n"]):
            with self.subTest(pieces=pieces):
                data, closed = self.send_in_pieces(pieces)
                responses = parse_responses(data)[0]
                self.assertEqual([r[0] for r in responses], [400], data)
                self.assertTrue(closed)
        # The worker is still there and serves the next client.
        self.assertEqual(self.server.get("/a.txt")[0], 200)

    def test_valid_head_in_pieces_is_served(self):
        data, _ = self.send_in_pieces([b"GET /a.t", b"xt HTTP/1.1\r\nHost:", b" x\r\nConnection: close\r\n\r\n"])
        (status, _, body), = parse_responses(data)[0]
        self.assertEqual((status, body), (200, b"a\n"))
