"""Peers for the `webcycle browse` integration tests: a raw-socket HTTP/1.1 server that answers
with exact bytes for every body framing (Content-Length, chunked, close-delimited, gzip, deflate,
1xx, redirects of every kind, a request echo), a server that accepts and never answers, and a
small search engine (http.server) whose results page is an <ol> of links. Also runs the binary
and curl the same way. Standard library only; threads are stopped in stop(), no process is
started here except `webcycle browse` and curl, which are waited for.
"""

import gzip
import http.server
import json
import os
import socket
import socketserver
import subprocess
import threading
import urllib.parse
import zlib

import unittest

BODY_CL = b"hello from a Content-Length body\n"
BODY_CHUNKS = [b"first chunk, ", b"second chunk, ", b"x" * 5000, b" and the last\n"]
BODY_CLOSE = b"a body that ends when the server closes\n" * 10
BINARY = bytes(range(256)) * 64 + b"\x00\r\n\r\n\x00"
TEXT_FOR_GZIP = (b"<html><body>" + b"compressible text, " * 2000 + b"</body></html>\n")
PAGE = (b"<!DOCTYPE html><html><head><title>Raw page</title></head><body>"
        b"<h1>Hello</h1><p>See <a href=\"/cl\">the CL page</a> and "
        b"<a href=\"http://example.test/x\">elsewhere</a>.</p></body></html>\n")


def _head(status, headers, version="HTTP/1.1"):
    reason = {100: "Continue", 103: "Early Hints", 200: "OK", 201: "Created",
              204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
              307: "Temporary Redirect", 308: "Permanent Redirect", 404: "Not Found",
              500: "Internal Server Error"}.get(status, "Something")
    out = f"{version} {status} {reason}\r\n"
    for name, value in headers:
        out += f"{name}: {value}\r\n"
    return (out + "\r\n").encode("latin-1")


def _chunked(pieces):
    out = b""
    for p in pieces:
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + b"0\r\n\r\n"


class Request:
    def __init__(self, connection, method, target, headers, body):
        self.connection = connection  # 1-based number of the TCP connection it came on
        self.method = method
        self.target = target
        self.headers = headers  # list of (name, value) as sent
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    @property
    def path(self):
        return urllib.parse.urlsplit(self.target).path

    @property
    def query(self):
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))


class RawServer:
    """HTTP/1.1 on raw sockets, keep-alive, answering with the exact bytes of respond()."""

    def __init__(self, family=socket.AF_INET, host="127.0.0.1"):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.host = host
        self.requests = []
        self.connections = 0
        self._stopping = False
        self._lock = threading.Lock()
        self._threads = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    def url(self, path="/"):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def stop(self):
        self._stopping = True
        self._accept.join(timeout=5)
        self.sock.close()
        for t in self._threads:
            t.join(timeout=5)

    def _accept_loop(self):
        while not self._stopping:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
            t = threading.Thread(target=self._serve, args=(conn, number), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn, number):
        conn.settimeout(0.2)
        buf = b""
        try:
            while not self._stopping:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    try:
                        chunk = conn.recv(65536)
                    except (socket.timeout, TimeoutError):
                        continue
                    if not chunk:
                        return
                    buf += chunk
                    continue
                lines = buf[:end].decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = []
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers.append((name, value.strip()))
                length = 0
                for n, v in headers:
                    if n.lower() == "content-length":
                        length = int(v)
                buf = buf[end + 4:]
                while len(buf) < length:
                    try:
                        chunk = conn.recv(65536)
                    except (socket.timeout, TimeoutError):
                        continue
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]
                req = Request(number, method, target, headers, body)
                with self._lock:
                    self.requests.append(req)
                data, close = self.respond(req)
                conn.sendall(data)
                if close:
                    return
        except OSError:
            return
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    # ---- the answers -------------------------------------------------------------------------
    def respond(self, req):
        """(bytes to send, close after). HEAD gets the same head without the body."""
        data, close = self._respond(req)
        if req.method == "HEAD":
            pos = 0
            while True:  # past the interim heads, up to the end of the final one
                end = data.find(b"\r\n\r\n", pos)
                if end < 0 or not data[pos + 9:pos + 10] == b"1":
                    break
                pos = end + 4
            data = data[:end + 4] if end >= 0 else data
        return data, close

    def _respond(self, req):
        path, q = req.path, req.query
        accepts = (req.header("Accept-Encoding") or "").lower()
        if path == "/cl":
            return _head(200, [("Content-Type", "text/plain"),
                               ("Content-Length", len(BODY_CL))]) + BODY_CL, False
        if path == "/chunked":
            return _head(200, [("Content-Type", "text/plain"),
                               ("Transfer-Encoding", "chunked")]) + _chunked(BODY_CHUNKS), False
        if path == "/close":
            return _head(200, [("Content-Type", "text/plain"),
                               ("Connection", "close")]) + BODY_CLOSE, True
        if path == "/http10":
            return _head(200, [("Content-Type", "text/plain")], "HTTP/1.0") + BODY_CLOSE, True
        if path == "/binary":
            return _head(200, [("Content-Type", "application/octet-stream"),
                               ("Content-Length", len(BINARY))]) + BINARY, False
        if path == "/empty":
            return _head(200, [("Content-Length", 0)]), False
        if path == "/204":
            return _head(204, []), False
        if path == "/interim":
            return (_head(100, []) + _head(103, [("Link", "</style.css>; rel=preload")]) +
                    _head(200, [("Content-Length", len(BODY_CL))]) + BODY_CL), False
        if path in ("/gzip", "/gzip-chunked", "/deflate", "/raw-deflate"):
            body, coding = TEXT_FOR_GZIP, None
            if path.startswith("/gzip") and "gzip" in accepts:
                body, coding = gzip.compress(TEXT_FOR_GZIP, mtime=0), "gzip"
            elif path == "/deflate" and "deflate" in accepts:
                body, coding = zlib.compress(TEXT_FOR_GZIP), "deflate"
            elif path == "/raw-deflate" and "deflate" in accepts:
                c = zlib.compressobj(wbits=-15)
                body, coding = c.compress(TEXT_FOR_GZIP) + c.flush(), "deflate"
            headers = [("Content-Type", "text/html"), ("Vary", "Accept-Encoding")]
            if coding:
                headers.append(("Content-Encoding", coding))
            if path == "/gzip-chunked":
                pieces = [body[i:i + 1000] for i in range(0, len(body), 1000)]
                return _head(200, headers + [("Transfer-Encoding", "chunked")]) + \
                    _chunked(pieces), False
            return _head(200, headers + [("Content-Length", len(body))]) + body, False
        if path == "/page":
            return _head(200, [("Content-Type", "text/html; charset=utf-8"),
                               ("Content-Length", len(PAGE))]) + PAGE, False
        if path.startswith("/redirect/") and path.rsplit("/", 1)[1].isdigit():
            code = int(path.rsplit("/", 1)[1])
            body = b"moved\n"
            return _head(code, [("Location", q.get("to", "/echo")),
                                ("Content-Length", len(body))]) + body, False
        if path == "/redirect-chunked":
            return _head(302, [("Location", "/cl"), ("Transfer-Encoding", "chunked")]) + \
                _chunked([b"moved ", b"along\n"]), False
        if path == "/loop":
            n = int(q.get("n", "0"))
            return _head(302, [("Location", f"/loop?n={n + 1}"), ("Content-Length", 0)]), False
        if path == "/notfound":
            body = b"<h1>404: no such page</h1>\n"
            return _head(404, [("Content-Type", "text/html"),
                               ("Content-Length", len(body))]) + body, False
        if path == "/reqid":
            return _head(200, [("X-Request-ID", "5f1e3c2a9b8d7e6f"),
                               ("Content-Length", len(BODY_CL))]) + BODY_CL, False
        if path == "/truncated":
            return _head(200, [("Content-Length", 1000)]) + b"only this", True
        if path == "/garbage":
            return b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", True
        if path == "/empty-reply":
            return b"", True
        # /echo and anything else: what the server got, as JSON.
        body = json.dumps({
            "method": req.method, "target": req.target, "connection": req.connection,
            "headers": req.headers, "body": req.body.decode("latin-1"),
        }, indent=1).encode() + b"\n"
        return _head(200, [("Content-Type", "application/json"),
                           ("Content-Length", len(body))]) + body, False


class SilentServer:
    """Accepts connections and never answers (nor closes them until stop())."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._held = []
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stopping:
            try:
                conn, _ = self.sock.accept()
                self._held.append(conn)
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return

    def stop(self):
        self._stopping = True
        self._thread.join(timeout=5)
        for c in self._held:
            c.close()
        self.sock.close()


# ---- a small search engine ---------------------------------------------------------------------
SITES = [
    ("http://www.mysite.test/", "My site", "the static demo site: html css images"),
    ("http://www.mysite.test/dns.html", "How DNS works", "names addresses dns resolver zone"),
    ("http://app.mysite.test/", "The app", "a python application form post dns"),
    ("http://search.mysite.test/", "Search", "the search engine"),
]


class _SearchHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    queries = None  # set per server: the list of q values received

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(parts.query).get("q", [""])[0]
        self.server.queries.append((parts.query, q))
        words = q.lower().split()
        hits = [s for s in SITES if words and all(w in (s[1] + " " + s[2]).lower() for w in words)]
        items = "".join(f'<li><a href="{url}">{title}</a></li>' for url, title, _ in hits)
        esc = q.replace("&", "&amp;").replace("<", "&lt;")
        body = (f"<!DOCTYPE html><html><head><title>Search: {esc}</title></head><body>"
                f"<h1>{len(hits)} results for &ldquo;{esc}&rdquo;</h1><ol>{items}</ol>"
                f"<p><a href=\"/\">New search</a></p></body></html>\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class SearchServer:
    def __init__(self):
        socketserver.TCPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SearchHandler)
        self.httpd.queries = []
        self.port = self.httpd.server_address[1]
        self.template = f"http://127.0.0.1:{self.port}/search?q=%s"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={
            "poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def queries(self):
        return self.httpd.queries

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


# ---- running the clients -----------------------------------------------------------------------
def webcycle_bin():
    """$WEBCYCLE_BIN (even when WEBCYCLE_TEST_SERVER=nginx makes nginx the server under test)."""
    path = os.environ.get("WEBCYCLE_BIN")
    if not path:
        raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
    return path


def browse(*args, timeout=30, env=None, stdin=None):
    """Runs `webcycle browse ARGS`; returns CompletedProcess with bytes stdout and text stderr."""
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([webcycle_bin(), "browse", *args], capture_output=True, timeout=timeout,
                       env=e, stdin=stdin if stdin is not None else subprocess.DEVNULL)
    r.stderr = r.stderr.decode("utf-8", "replace")
    return r


def curl(*args, timeout=30):
    """curl -s ARGS (never through a proxy); CompletedProcess with bytes stdout."""
    r = subprocess.run(["curl", "--noproxy", "*", "-s", *args], capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    r.stderr = r.stderr.decode("utf-8", "replace")
    return r
