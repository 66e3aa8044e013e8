"""HTTP/2 in `web` through real clients: curl --http2-prior-knowledge (static files, HEAD, 304,
Range, 404, redirects, a proxied upstream, a POST body), nghttp with many concurrent streams and
h2load with zero errors, against a cleartext `listen ... http2` (prior knowledge, as nginx 1.22).
The same expectations hold for Debian's nginx (WEBCYCLE_TEST_SERVER=nginx) except where said.
"""

import http.server
import json
import os
import re
import shutil
import subprocess
import unittest

from harness import (SERVER_KIND, QuietHandler, ServerTestCase, UpstreamTestCase, sha256,
                     wait_until)

NGHTTP = shutil.which("nghttp")
H2LOAD = shutil.which("h2load")

BIG = bytes(range(256)) * 4096  # 1 MiB, larger than every window


class Upstream(QuietHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/stream"):
            # No Content-Length: close-delimited, so the proxy relays it as it comes.
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for i in range(50):
                self.wfile.write(b"line %d\n" % i)
            return
        if self.path.startswith("/big"):
            self.send(200, BIG * 3, [("Content-Type", "application/octet-stream")])
            return
        body = json.dumps({"path": self.path, "host": self.headers.get("Host"),
                           "cookie": self.headers.get("Cookie")}).encode()
        self.send(200, body, [("Content-Type", "application/json"), ("X-Up", "1"),
                              ("Connection", "keep-alive")])

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        self.send(201, b"got %d %s" % (len(data), sha256(data).encode()),
                  [("Content-Type", "text/plain")])


class Http2Curl(UpstreamTestCase):
    UPSTREAM_HANDLER = Upstream
    CONFIG = """
        server {
            listen 127.0.0.1:@PORT@ http2;
            server_name localhost;
            root @HTML@;
            location /up/ { proxy_pass http://127.0.0.1:@UPSTREAM@/; }
            location = /old { return 301 /index.html; }
            location /small/ { client_max_body_size 10; proxy_pass http://127.0.0.1:@UPSTREAM@/; }
            error_page 404 /404.html;
        }
    """
    FILES = {"html/index.html": "<p>hello h2</p>\n", "html/404.html": "not here\n",
             "html/big.bin": BIG}

    def curl2(self, *args):
        r = self.server.curl("--http2-prior-knowledge", "-D", "-", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.assertTrue(lines[0].startswith("HTTP/2 "), lines[0])
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.assertEqual(name, name.lower(), "HTTP/2 field names are lower case")
            fields.setdefault(name, value.strip())
        return status, fields, body

    def url(self, path):
        return f"http://localhost:{self.server.port}{path}"

    def test_static_file(self):
        status, h, body = self.curl2("--resolve", f"localhost:{self.server.port}:127.0.0.1",
                                     self.url("/index.html"))
        self.assertEqual(status, 200)
        self.assertEqual(body, b"<p>hello h2</p>\n")
        self.assertEqual(h["content-length"], str(len(body)))
        self.assertEqual(h["content-type"], "text/html")
        self.assertIn("etag", h)
        self.assertIn("last-modified", h)
        for forbidden in ("connection", "keep-alive", "transfer-encoding"):
            self.assertNotIn(forbidden, h)

    def test_big_file_through_flow_control(self):
        r = self.server.curl("--http2-prior-knowledge", f"{self.server.base_url}/big.bin")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha256(r.stdout), sha256(BIG))

    def test_head(self):
        r = self.server.curl("--http2-prior-knowledge", "-I",
                             f"{self.server.base_url}/index.html")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout)
        self.assertIn(b"\r\ncontent-length: 16\r\n", r.stdout)
        self.assertTrue(r.stdout.endswith(b"\r\n\r\n"), "no body after a HEAD's head")

    def test_not_modified(self):
        _, h, _ = self.curl2(f"{self.server.base_url}/index.html")
        status, h2, body = self.curl2("-H", f"If-None-Match: {h['etag']}",
                                      f"{self.server.base_url}/index.html")
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")

    def test_range(self):
        status, h, body = self.curl2("-r", "3-7", f"{self.server.base_url}/index.html")
        self.assertEqual(status, 206)
        self.assertEqual(body, b"hello")
        self.assertEqual(h["content-range"], "bytes 3-7/16")

    def test_not_found_with_error_page(self):
        status, h, body = self.curl2(f"{self.server.base_url}/missing")
        self.assertEqual(status, 404)
        self.assertEqual(body, b"not here\n")

    def test_redirect(self):
        status, h, _ = self.curl2(f"{self.server.base_url}/old")
        self.assertEqual(status, 301)
        self.assertTrue(h["location"].endswith("/index.html"), h["location"])

    def test_proxied(self):
        status, h, body = self.curl2("-H", "Cookie: a=1", "-H", "Cookie: b=2",
                                     f"{self.server.base_url}/up/x?q=1")
        self.assertEqual(status, 200)
        got = json.loads(body)
        self.assertEqual(got["path"], "/x?q=1")
        self.assertEqual(h["x-up"], "1")
        self.assertNotIn("connection", h)
        # curl sends one cookie field; crumbs (RFC 9113 8.2.3) are joined with "; ".
        self.assertIn("a=1", got["cookie"])
        self.assertIn("b=2", got["cookie"])

    def test_proxied_streamed_body(self):
        status, h, body = self.curl2(f"{self.server.base_url}/up/stream")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"".join(b"line %d\n" % i for i in range(50)))

    def test_proxied_big_body(self):
        # 3 MiB: more than the proxy keeps in memory (it spills to a file) and than the stream's
        # window, so the DATA frames follow the client's WINDOW_UPDATEs.
        r = self.server.curl("--http2-prior-knowledge", f"{self.server.base_url}/up/big")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha256(r.stdout), sha256(BIG * 3))

    @unittest.skipUnless(NGHTTP, "nghttp (nghttp2-client) is not installed")
    def test_small_windows(self):
        # 4 KiB stream windows, 64 KiB for the connection: every DATA frame must fit them (nghttp
        # fails on a FLOW_CONTROL_ERROR), so the static file and the proxied answer wait for
        # WINDOW_UPDATEs all the way.
        for path, want in (("/big.bin", BIG), ("/up/big", BIG * 3)):
            with self.subTest(path=path):
                r = subprocess.run([NGHTTP, "-w", "12", "-W", "16",
                                    f"{self.server.base_url}{path}"], capture_output=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(sha256(r.stdout), sha256(want))

    def test_post_body_proxied(self):
        data = os.urandom(200000)
        path = os.path.join(self.server.prefix, "tmp", "post.bin")
        with open(path, "wb") as f:
            f.write(data)
        status, _, body = self.curl2("--data-binary", "@" + path, f"{self.server.base_url}/up/p")
        self.assertEqual(status, 201)
        self.assertEqual(body, b"got %d %s" % (len(data), sha256(data).encode()))

    @unittest.skipIf(SERVER_KIND == "nginx", "nginx resets the stream (curl exits 92)")
    def test_post_too_large(self):
        r = self.server.curl("--http2-prior-knowledge", "-D", "-", "--data-binary", "x" * 100,
                             f"{self.server.base_url}/small/p")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/2 413"), r.stdout)

    def test_access_log(self):
        self.curl2("-A", "h2-log-test", f"{self.server.base_url}/index.html?log=1")
        line = wait_until(lambda: next((l for l in self.server.read_access_log().splitlines()
                                        if "h2-log-test" in l), None))
        self.assertIsNotNone(line)
        self.assertIn('"GET /index.html?log=1 HTTP/2.0" 200 16 ', line)


@unittest.skipUnless(NGHTTP and H2LOAD, "nghttp2-client (nghttp, h2load) is not installed")
class Http2Load(ServerTestCase):
    CONFIG = """
        server {
            listen 127.0.0.1:@PORT@ http2;
            root @HTML@;
        }
    """
    FILES = {f"html/f{i}.txt": (f"file {i}\n" * (i + 1)) for i in range(40)}
    FILES["html/1k.txt"] = "k" * 1024

    def test_nghttp_many_concurrent_streams(self):
        urls = [f"{self.server.base_url}/f{i}.txt" for i in range(40)]
        r = subprocess.run([NGHTTP, "-n", "-s", "-m", "3", *urls], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        # -s prints one line per stream with its status.
        rows = re.findall(rb"^\s*\d+\s+\S+\s+\S+\s+\S+\s+(\d{3})\s+\d+\s+/f\d+\.txt$",
                          r.stdout, re.M)
        self.assertEqual(rows, [b"200"] * 120, r.stdout)

    def test_nghttp_bodies(self):
        r = subprocess.run([NGHTTP, f"{self.server.base_url}/f7.txt",
                            f"{self.server.base_url}/f3.txt"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.decode().splitlines()),
                         sorted(["file 7"] * 8 + ["file 3"] * 4))

    def test_h2load_no_errors(self):
        r = subprocess.run([H2LOAD, "-n", "2000", "-c", "10", "-m", "10",
                            f"{self.server.base_url}/1k.txt"], capture_output=True,
                           timeout=120)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(m.group(4), "2000", out)
        self.assertEqual(m.group(5), "0", out)
        self.assertEqual(m.group(6), "0", out)
        self.assertIn("status codes: 2000 2xx", out)


class Http2Directives(ServerTestCase):
    """http2_max_concurrent_streams and http2_chunk_size reach the wire; bad values fail -t."""

    def test_settings_and_chunk_size(self):
        from test_http2_conformance import DATA, END_HEADERS, END_STREAM, HEADERS, SETTINGS, \
            Peer, block, frame
        s = self.start_server("""
            http2_max_concurrent_streams 7;
            http2_chunk_size 1k;
            server { listen 127.0.0.1:@PORT@ http2; root @HTML@; }
        """, files={"html/index.html": "x" * 5000})
        p = Peer(s.port)
        self.addCleanup(p.close)
        f = p.frames(lambda f: f[0] == SETTINGS and not f[1] & 1)
        self.assertIsNotNone(f)
        settings = {int.from_bytes(f[3][i:i + 2], "big"): int.from_bytes(f[3][i + 2:i + 6], "big")
                    for i in range(0, len(f[3]), 6)}
        self.assertEqual(settings.get(3), 7)  # SETTINGS_MAX_CONCURRENT_STREAMS
        p.send(frame(HEADERS, END_STREAM | END_HEADERS, 1, block()))
        sizes = []
        p.frames(lambda f: f[0] == DATA and (sizes.append(len(f[3])) or f[1] & END_STREAM))
        self.assertEqual(sum(sizes), 5000)
        self.assertLessEqual(max(sizes), 1024)

    def test_log_variables(self):
        s = self.start_server("""
            log_format h2 '$server_protocol $status $body_bytes_sent "$request" $uri $args';
            server {
                listen 127.0.0.1:@PORT@ http2;
                root @HTML@;
                access_log logs/h2.log h2;
            }
        """, files={"html/index.html": "12345\n"})
        r = s.curl("--http2-prior-knowledge", f"{s.base_url}/index.html?a=1")
        self.assertEqual(r.returncode, 0, r.stderr)
        log = s.path("logs/h2.log")
        self.assertTrue(s.wait_for_log(
            r'^HTTP/2\.0 200 6 "GET /index\.html\?a=1 HTTP/2\.0" /index\.html a=1$',
            path=log), open(log).read() if os.path.exists(log) else "no log")

    def test_bad_values_fail_the_test(self):
        cases = [("http2_chunk_size 0;",
                  "the http2 chunk size cannot be zero in "),
                 ("http2_recv_buffer_size 32;",
                  '"http2_recv_buffer_size" directive value is too small')]
        if SERVER_KIND != "nginx":
            cases.append(("http2_push_preload on;", "http2_push_preload"))  # nginx has it
        for directive, message in cases:
            with self.subTest(directive=directive):
                s = self.start_server(f"""
                    {directive}
                    server {{ listen 127.0.0.1:@PORT@ http2; }}
                """, start=False)
                r = s.run_cli(["-t"])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr)


class Http2OverTls(ServerTestCase):
    """`listen ... ssl http2`: ALPN picks h2 for curl --http2 and h2load; a client offering only
    http/1.1 gets HTTP/1.1 on the same listen. A self-signed P-256 certificate made here."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.pki = tempfile.mkdtemp(prefix="wc-h2-pki-")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                            "/CN=localhost", "-keyout", f"{cls.pki}/k.pem", "-out",
                            f"{cls.pki}/c.pem"], capture_output=True, timeout=30)
        if r.returncode != 0:
            raise unittest.SkipTest(f"openssl cannot make a certificate: {r.stderr!r}")
        cls.CONFIG = f"""
            server {{
                listen 127.0.0.1:@PORT@ ssl http2;
                ssl_certificate {cls.pki}/c.pem;
                ssl_certificate_key {cls.pki}/k.pem;
                root @HTML@;
            }}
        """
        cls.FILES = {"html/index.html": "<p>over tls</p>\n", "html/1k.txt": "k" * 1024}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.pki, ignore_errors=True)

    def test_curl_alpn_h2(self):
        r = self.server.curl("-k", "--http2", "-D", "-",
                             f"https://127.0.0.1:{self.server.port}/index.html")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout)
        self.assertTrue(r.stdout.endswith(b"<p>over tls</p>\n"), r.stdout)

    def test_curl_http11_on_the_same_listen(self):
        r = self.server.curl("-k", "--http1.1", "-D", "-",
                             f"https://127.0.0.1:{self.server.port}/index.html")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200"), r.stdout)

    @unittest.skipUnless(H2LOAD, "h2load (nghttp2-client) is not installed")
    def test_h2load_over_tls(self):
        r = subprocess.run([H2LOAD, "-n", "500", "-c", "4", "-m", "8",
                            f"https://127.0.0.1:{self.server.port}/1k.txt"],
                           capture_output=True, timeout=120)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())
        self.assertIn("Application protocol: h2", out)
        self.assertIn("requests: 500 total, 500 started, 500 done, 500 succeeded, 0 failed, "
                      "0 errored", out)


if __name__ == "__main__":
    unittest.main()
