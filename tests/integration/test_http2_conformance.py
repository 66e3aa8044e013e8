"""RFC 9113 conformance of `web`'s HTTP/2 (h2spec-style, written as raw frames): each case sends
frames a client must not send and asserts what RFC 9113 (and nghttp2, which implements it)
requires -- a connection error (GOAWAY with the code) or a stream error (RST_STREAM with the code)
-- plus the PING ack, the GOAWAY of a graceful stop and a plain request as a control.

HPACK here is the literal-without-indexing form only (RFC 7541 6.2.2, no Huffman), which every
decoder must take; responses are not decoded beyond the frame layer (":status 200" is the static
table's index 8, one byte 0x88, in the servers under test).
"""

import signal
import socket
import struct
import time
import unittest

from harness import ServerTestCase, SERVER_KIND, wait_until

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, \
    FRAME_SIZE_ERROR = range(7)


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def literal(name, value):
    name, value = name.encode(), value.encode()
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def block(path="/index.html", method="GET", extra=(), pseudo_extra=()):
    b = literal(":method", method) + literal(":scheme", "http") + literal(":path", path) + \
        literal(":authority", "localhost")
    for n, v in pseudo_extra:
        b += literal(n, v)
    for n, v in extra:
        b += literal(n, v)
    return b


class Peer:
    """A raw HTTP/2 client connection: sends bytes, reads frames until a condition or close."""

    def __init__(self, port, preface=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.closed = False
        if preface:
            self.send(PREFACE + frame(SETTINGS, 0, 0))

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True

    def frames(self, until, timeout=5.0):
        """Reads frames until until(frame) is true (returns that frame) or the connection closes
        or time runs out (returns None). A frame is (type, flags, stream, payload)."""
        deadline = time.monotonic() + timeout
        while True:
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                f = (self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], "big") & 0x7fffffff,
                     self.buf[9:9 + n])
                self.buf = self.buf[9 + n:]
                if f[0] == SETTINGS and not f[1] & ACK:
                    self.send(frame(SETTINGS, ACK, 0))
                if until(f):
                    return f
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                got = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                got = b""
            if not got:
                self.closed = True
                return None
            self.buf += got

    def goaway(self):
        f = self.frames(lambda f: f[0] == GOAWAY)
        return None if f is None else int.from_bytes(f[3][4:8], "big")

    def rst(self, stream):
        f = self.frames(lambda f: (f[0] == RST_STREAM and f[2] == stream) or f[0] == GOAWAY)
        if f is None or f[0] == GOAWAY:
            return None
        return int.from_bytes(f[3][:4], "big")

    def wait_closed(self, timeout=5.0):
        self.frames(lambda f: False, timeout)
        return self.closed

    def close(self):
        self.sock.close()


@unittest.skipIf(SERVER_KIND == "nginx",
                 "nginx 1.22 answers most malformed header blocks with a 400 on the stream and "
                 "lets several frame errors pass (docs/NGINX.md, HTTP/2)")
class Http2Conformance(ServerTestCase):
    CONFIG = """
        server {
            listen 127.0.0.1:@PORT@ http2;
            root @HTML@;
        }
    """
    FILES = {"html/index.html": "<p>hello h2</p>\n"}

    def peer(self, preface=True):
        p = Peer(self.server.port, preface)
        self.addCleanup(p.close)
        return p

    def connection_error(self, data, code, preface=True):
        p = self.peer(preface)
        p.send(data)
        self.assertEqual(p.goaway(), code)
        self.assertTrue(p.wait_closed(), "the connection stays open after GOAWAY")

    def stream_error(self, data, stream, code):
        p = self.peer()
        p.send(data)
        self.assertEqual(p.rst(stream), code)
        # The connection lives on: a new stream is answered.
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, stream + 2, block()))
        self.assertIsNotNone(p.frames(lambda f: f[0] == HEADERS and f[2] == stream + 2))

    # ---- the control ---------------------------------------------------------------------------
    def test_get(self):
        p = self.peer()
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block()))
        h = p.frames(lambda f: f[0] == HEADERS and f[2] == 1)
        self.assertIsNotNone(h)
        self.assertEqual(h[3][:1], b"\x88")  # :status 200
        d = p.frames(lambda f: f[0] == DATA and f[2] == 1 and f[1] & END_STREAM)
        self.assertIsNotNone(d)

    # ---- 3.4 preface ---------------------------------------------------------------------------
    def test_bad_preface(self):
        # An HTTP/1.1 request on a cleartext http2 listen: SETTINGS then GOAWAY(PROTOCOL_ERROR)
        # and the close, with nginx 1.22's error.log line.
        self.connection_error(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", PROTOCOL_ERROR, preface=False)
        self.assertTrue(self.server.wait_for_log(
            "invalid connection preface while processing HTTP/2 connection, client: 127.0.0.1"))

    def test_preface_not_followed_by_settings(self):
        self.connection_error(PREFACE + frame(PING, 0, 0, b"12345678"), PROTOCOL_ERROR,
                              preface=False)

    # ---- frames on stream 0 that must not be (6.1, 6.2, 6.4) and off it (6.5, 6.7) -------------
    def test_data_on_stream_0(self):
        self.connection_error(frame(DATA, 0, 0, b"x"), PROTOCOL_ERROR)

    def test_headers_on_stream_0(self):
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 0, block()),
                              PROTOCOL_ERROR)

    def test_rst_stream_on_stream_0(self):
        self.connection_error(frame(RST_STREAM, 0, 0, struct.pack(">I", 8)), PROTOCOL_ERROR)

    def test_settings_on_a_stream(self):
        self.connection_error(frame(SETTINGS, 0, 1), PROTOCOL_ERROR)

    def test_ping_on_a_stream(self):
        self.connection_error(frame(PING, 0, 1, b"12345678"), PROTOCOL_ERROR)

    def test_goaway_on_a_stream(self):
        self.connection_error(frame(GOAWAY, 0, 1, struct.pack(">II", 0, 0)), PROTOCOL_ERROR)

    # ---- stream identifiers (5.1.1) -------------------------------------------------------------
    def test_headers_on_even_stream(self):
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 2, block()),
                              PROTOCOL_ERROR)

    def test_stream_id_reused(self):
        # Stream 1 is half-closed (remote) when the second HEADERS comes: 5.1 says STREAM_CLOSED.
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 1, block()) +
                              frame(HEADERS, END_STREAM | END_HEADERS, 1, block()),
                              STREAM_CLOSED)

    def test_trailers_on_open_stream_are_fine(self):
        p = self.peer()
        p.send(frame(HEADERS, END_HEADERS, 3, block(method="POST")) +
               frame(HEADERS, END_HEADERS, 5, block(method="POST")) +
               frame(DATA, 0, 3, b"abc") +
               frame(HEADERS, END_STREAM | END_HEADERS, 3, literal("x-trailer", "1")))
        self.assertIsNotNone(p.frames(lambda f: f[0] == HEADERS and f[2] == 3))

    def test_stream_id_going_backwards(self):
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 5, block()) +
                              frame(HEADERS, END_STREAM | END_HEADERS, 3, block()),
                              PROTOCOL_ERROR)

    # ---- DATA on idle / closed streams (5.1) ----------------------------------------------------
    def test_data_on_idle_stream(self):
        self.connection_error(frame(DATA, 0, 1, b"x"), PROTOCOL_ERROR)

    def test_data_on_closed_stream(self):
        p = self.peer()
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block()))
        self.assertIsNotNone(p.frames(lambda f: f[0] == DATA and f[1] & END_STREAM))
        p.send(frame(DATA, 0, 1, b"late"))
        # RFC 9113 5.1 "closed": a stream error, or a connection error, of type STREAM_CLOSED.
        f = p.frames(lambda f: f[0] in (GOAWAY, RST_STREAM))
        self.assertIsNotNone(f)
        code = int.from_bytes(f[3][4:8] if f[0] == GOAWAY else f[3][:4], "big")
        self.assertEqual(code, STREAM_CLOSED)

    def test_data_on_half_closed_remote_stream(self):
        # END_STREAM on HEADERS: the client may not send DATA on it any more (5.1: a stream error
        # STREAM_CLOSED; nghttp2 makes it a connection error, which 5.4.1 allows).
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                    block(path="/missing")) + frame(DATA, 0, 1, b"x"),
                              STREAM_CLOSED)

    # ---- WINDOW_UPDATE (6.9) --------------------------------------------------------------------
    def test_window_update_zero_on_connection(self):
        self.connection_error(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0)), PROTOCOL_ERROR)

    def test_window_update_zero_on_stream(self):
        # 6.9: a stream error PROTOCOL_ERROR; nghttp2 ends the connection (5.4.1 allows it).
        self.connection_error(frame(HEADERS, END_HEADERS, 1, block(method="POST")) +
                              frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 0)), PROTOCOL_ERROR)

    def test_window_overflow_on_connection(self):
        self.connection_error(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7fffffff)),
                              FLOW_CONTROL_ERROR)

    def test_window_overflow_on_stream(self):
        self.stream_error(frame(HEADERS, END_HEADERS, 1, block(method="POST")) +
                          frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 0x7fffffff)), 1,
                          FLOW_CONTROL_ERROR)

    # ---- frame sizes (4.2, 6.5, 6.7, 6.9) -------------------------------------------------------
    def test_settings_length_not_multiple_of_6(self):
        self.connection_error(frame(SETTINGS, 0, 0, b"\x00\x03\x00\x00\x00"), FRAME_SIZE_ERROR)

    def test_ping_length_not_8(self):
        self.connection_error(frame(PING, 0, 0, b"1234567"), FRAME_SIZE_ERROR)

    def test_settings_ack_with_payload(self):
        self.connection_error(frame(SETTINGS, ACK, 0, struct.pack(">HI", 3, 100)),
                              FRAME_SIZE_ERROR)

    def test_window_update_length_not_4(self):
        self.connection_error(frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01"), FRAME_SIZE_ERROR)

    @unittest.skipIf(SERVER_KIND == "nginx", "nginx announces a 16 MiB SETTINGS_MAX_FRAME_SIZE")
    def test_frame_over_max_frame_size(self):
        # webcycle announces 16384 (the default); a frame above it is a connection error.
        self.connection_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                    block(extra=[("x-pad", "p" * 100)] * 170)),
                              FRAME_SIZE_ERROR)

    # ---- SETTINGS values (6.5.2) ----------------------------------------------------------------
    def test_settings_enable_push_2(self):
        self.connection_error(frame(SETTINGS, 0, 0, struct.pack(">HI", 2, 2)), PROTOCOL_ERROR)

    def test_settings_initial_window_too_big(self):
        self.connection_error(frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0x80000000)),
                              FLOW_CONTROL_ERROR)

    def test_settings_max_frame_size_too_small(self):
        self.connection_error(frame(SETTINGS, 0, 0, struct.pack(">HI", 5, 16383)),
                              PROTOCOL_ERROR)

    def test_settings_max_frame_size_too_big(self):
        self.connection_error(frame(SETTINGS, 0, 0, struct.pack(">HI", 5, 1 << 24)),
                              PROTOCOL_ERROR)

    # ---- CONTINUATION (6.10) --------------------------------------------------------------------
    def test_continuation_split_is_fine(self):
        b = block()
        p = self.peer()
        p.send(frame(HEADERS, END_STREAM, 1, b[:7]) + frame(CONTINUATION, 0, 1, b[7:20]) +
               frame(CONTINUATION, END_HEADERS, 1, b[20:]))
        self.assertIsNotNone(p.frames(lambda f: f[0] == HEADERS and f[2] == 1))

    def test_other_frame_between_headers_and_continuation(self):
        b = block()
        self.connection_error(frame(HEADERS, END_STREAM, 1, b[:7]) +
                              frame(PING, 0, 0, b"12345678") +
                              frame(CONTINUATION, END_HEADERS, 1, b[7:]), PROTOCOL_ERROR)

    def test_continuation_on_another_stream(self):
        b = block()
        self.connection_error(frame(HEADERS, END_STREAM, 1, b[:7]) +
                              frame(CONTINUATION, END_HEADERS, 3, b[7:]), PROTOCOL_ERROR)

    def test_continuation_without_headers(self):
        self.connection_error(frame(CONTINUATION, END_HEADERS, 1, block()), PROTOCOL_ERROR)

    # ---- header fields (8.2, 8.3): stream errors -----------------------------------------------
    def test_connection_specific_field(self):
        for name, value in (("connection", "keep-alive"), ("keep-alive", "timeout=5"),
                            ("transfer-encoding", "chunked"), ("upgrade", "h2c"),
                            ("proxy-connection", "x"), ("te", "gzip")):
            with self.subTest(name=name):
                self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                        block(extra=[(name, value)])), 1, PROTOCOL_ERROR)

    def test_te_trailers_is_allowed(self):
        p = self.peer()
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block(extra=[("te", "trailers")])))
        self.assertIsNotNone(p.frames(lambda f: f[0] == HEADERS and f[2] == 1))

    def test_uppercase_field_name(self):
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                block(extra=[("X-Upper", "1")])), 1, PROTOCOL_ERROR)

    def test_missing_pseudo_headers(self):
        for missing in (":method", ":path", ":scheme"):
            b = b"".join(literal(n, v) for n, v in ((":method", "GET"), (":scheme", "http"),
                                                    (":path", "/"), (":authority", "localhost"))
                         if n != missing)
            with self.subTest(missing=missing):
                self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1, b), 1,
                                  PROTOCOL_ERROR)

    def test_duplicate_pseudo_header(self):
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                block(pseudo_extra=[(":path", "/again")])), 1, PROTOCOL_ERROR)

    def test_unknown_pseudo_header(self):
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                block(pseudo_extra=[(":foo", "x")])), 1, PROTOCOL_ERROR)

    def test_response_pseudo_header_in_request(self):
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                block(pseudo_extra=[(":status", "200")])), 1, PROTOCOL_ERROR)

    def test_pseudo_header_after_regular(self):
        b = literal(":method", "GET") + literal(":scheme", "http") + literal("x-a", "1") + \
            literal(":path", "/")
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1, b), 1, PROTOCOL_ERROR)

    def test_empty_path(self):
        self.stream_error(frame(HEADERS, END_STREAM | END_HEADERS, 1, block(path="")), 1,
                          PROTOCOL_ERROR)

    def test_content_length_mismatch(self):
        self.stream_error(frame(HEADERS, END_HEADERS, 1,
                                block(method="POST", extra=[("content-length", "5")])) +
                          frame(DATA, END_STREAM, 1, b"abc"), 1, PROTOCOL_ERROR)

    # ---- PING (6.7) -----------------------------------------------------------------------------
    def test_ping_is_acked(self):
        p = self.peer()
        p.send(frame(PING, 0, 0, b"pingpong"))
        f = p.frames(lambda f: f[0] == PING)
        self.assertIsNotNone(f)
        self.assertEqual(f[1] & ACK, ACK)
        self.assertEqual(f[3], b"pingpong")


class Http2Shutdown(ServerTestCase):
    """A graceful stop (QUIT) sends GOAWAY(NO_ERROR) on an open HTTP/2 connection, then closes."""

    def test_goaway_on_graceful_stop(self):
        s = self.start_server("""
            server { listen 127.0.0.1:@PORT@ http2; root @HTML@; }
        """, files={"html/index.html": "x\n"})
        p = Peer(s.port)
        self.addCleanup(p.close)
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block()))
        self.assertIsNotNone(p.frames(lambda f: f[0] == DATA and f[1] & END_STREAM))
        s.signal(signal.SIGQUIT)
        f = p.frames(lambda f: f[0] == GOAWAY, timeout=10)
        self.assertIsNotNone(f, "no GOAWAY on a graceful stop")
        self.assertEqual(int.from_bytes(f[3][4:8], "big"), NO_ERROR)
        self.assertEqual(int.from_bytes(f[3][:4], "big"), 1)  # the last stream taken
        self.assertTrue(p.wait_closed(10))
        s.wait_exit(10)


if __name__ == "__main__":
    unittest.main()
