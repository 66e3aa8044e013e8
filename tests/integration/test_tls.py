"""HTTPS in `webcycle web` (listen ... ssl and the ssl_* directives) and https:// in `webcycle
browse`, through the real binary with real clients: curl --cacert / -k, openssl s_client
(protocols, ciphers, SNI, session resumption with tickets and with the session cache), raw
sockets (a stalled handshake, garbage instead of a ClientHello), and browse compared with curl
against webcycle web and Debian's nginx serving the same certificate.

Certificates (a CA, and ECDSA P-256 certificates for a.test and b.test) are made once per run by
the openssl CLI in a temp dir.
"""

import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from browse_peers import browse, curl
from harness import ServerTestCase, Server, http_config

PKI = None  # the temp dir with ca.pem, a.pem/a.key, b.pem/b.key, other-ca.pem
BIG = os.urandom(3 * 1024 * 1024 + 123)


def openssl(*args, stdin=b"", timeout=15):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=timeout)


def setUpModule():
    global PKI
    PKI = tempfile.mkdtemp(prefix="wc-tls-pki-")
    for ca in ("ca", "other-ca"):
        r = openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", f"/CN=webcycle {ca}",
                    "-keyout", f"{PKI}/{ca}.key", "-out", f"{PKI}/{ca}.pem")
        assert r.returncode == 0, r.stderr
    for name in ("a", "b"):
        ext = f"{PKI}/{name}.ext"
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{name}.test,DNS:localhost,IP:127.0.0.1\n")
        r = openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", f"/CN={name}.test", "-keyout", f"{PKI}/{name}.key",
                    "-out", f"{PKI}/{name}.csr")
        assert r.returncode == 0, r.stderr
        r = openssl("x509", "-req", "-in", f"{PKI}/{name}.csr", "-CA", f"{PKI}/ca.pem",
                    "-CAkey", f"{PKI}/ca.key", "-CAcreateserial", "-days", "2",
                    "-extfile", ext, "-out", f"{PKI}/{name}.pem")
        assert r.returncode == 0, r.stderr
    with open(f"{PKI}/hosts", "w") as f:
        f.write("127.0.0.1 a.test b.test wrong.test\n")


def tearDownModule():
    shutil.rmtree(PKI, ignore_errors=True)


def s_client(port, *args, stdin=b"", servername="a.test"):
    """openssl s_client to 127.0.0.1:port; returns (returncode, stdout+stderr text)."""
    extra = ["-servername", servername] if servername else ["-noservername"]
    r = openssl("s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", f"{PKI}/ca.pem",
                *extra, *args, stdin=stdin)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def protocol_of(text):
    for line in text.splitlines():
        if line.strip().startswith("Protocol  :"):
            return line.split(":", 1)[1].strip()
    for line in text.splitlines():
        if line.startswith("New, "):  # "New, TLSv1.3, Cipher is ..."
            return line.split(",")[1].strip()
    return None


CONFIG = """
    @PROTOCOLS@
    server {
        listen 127.0.0.1:@PORT0@ ssl default_server;
        server_name a.test;
        ssl_certificate @PKI@/a.pem;
        ssl_certificate_key @PKI@/a.key;
        client_header_timeout 2s;
        keepalive_timeout 30s;
        root @HTML@;
        location = /v {
            return 200 "$scheme $https $ssl_protocol $ssl_server_name $ssl_session_reused $server_name $server_port\\n";
        }
        location /p/ { proxy_pass http://127.0.0.1:@UPSTREAM@/; }
    }
    server {
        listen 127.0.0.1:@PORT0@ ssl;
        server_name b.test;
        ssl_certificate @PKI@/b.pem;
        ssl_certificate_key @PKI@/b.key;
        location = /v { return 200 "b $ssl_server_name $server_name\\n"; }
        error_page 497 =301 https://$host:$server_port$request_uri;
    }
    server {
        listen 127.0.0.1:@PORT1@;
        server_name a.test;
        return 301 https://$host:@PORT0@$request_uri;
    }
    server {
        listen 127.0.0.1:@PORT2@ ssl;
        ssl_certificate @PKI@/a.pem;
        ssl_certificate_key @PKI@/a.key;
        ssl_protocols TLSv1.3;
        location = /v { return 200 "$ssl_protocol\\n"; }
    }
    server {
        listen 127.0.0.1:@PORT3@ ssl;
        ssl_certificate @PKI@/a.pem;
        ssl_certificate_key @PKI@/a.key;
        ssl_protocols TLSv1.2;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305;
        ssl_prefer_server_ciphers on;
        ssl_session_cache shared:SSL:1m;
        ssl_session_timeout 10m;
        ssl_session_tickets off;
        location = /v { return 200 "$ssl_protocol $ssl_cipher $ssl_session_reused\\n"; }
    }
"""


class Upstream(threading.Thread):
    """A tiny HTTP/1.1 upstream for proxy_pass over a TLS listen."""

    def __init__(self):
        import http.server

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                body = f"upstream saw {self.path}\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        super().__init__(target=self.httpd.serve_forever, daemon=True)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class TlsWebTest(ServerTestCase):
    NPORTS = 4
    KIND = None  # None: the harness's (webcycle, or nginx under WEBCYCLE_TEST_SERVER=nginx)

    @classmethod
    def setUpClass(cls):
        cls.upstream = Upstream()
        cls.upstream.start()
        cls.addClassCleanup(cls.upstream.stop)
        # nginx 1.22's default is "TLSv1 TLSv1.1 TLSv1.2" (1.23.4 added TLSv1.3); webcycle's is
        # nginx 1.23.4's, "TLSv1.2 TLSv1.3", which nginx is told here so that both are compared.
        nginx = (cls.KIND or harness.SERVER_KIND) == "nginx"
        cls.CONFIG = CONFIG.replace("@PKI@", PKI).replace(
            "@UPSTREAM@", str(cls.upstream.httpd.server_address[1])).replace(
            "@PROTOCOLS@", "ssl_protocols TLSv1.2 TLSv1.3;" if nginx else "")
        cls.nginx = nginx
        cls.FILES = {"html/index.html": b"hello over tls\n", "html/big.bin": BIG}
        saved = harness.SERVER_KIND
        if cls.KIND:
            harness.SERVER_KIND = cls.KIND
        try:
            super().setUpClass()
        finally:
            harness.SERVER_KIND = saved
        cls.p0, cls.p1, cls.p2, cls.p3 = cls.server.ports

    def curl_a(self, path, *args, host="a.test", port=None):
        port = port or self.p0
        return self.server.curl("--cacert", f"{PKI}/ca.pem", "--resolve",
                                f"{host}:{port}:127.0.0.1", *args, f"https://{host}:{port}{path}")

    # ---- curl ----------------------------------------------------------------------------------
    def test_curl_with_cacert_and_the_ssl_variables(self):
        r = self.curl_a("/v")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), f"https on TLSv1.3 a.test . a.test {self.p0}\n")
        r = self.curl_a("/v", "--tlsv1.2", "--tls-max", "1.2")
        self.assertEqual(r.stdout.decode(), f"https on TLSv1.2 a.test . a.test {self.p0}\n")
        r = self.curl_a("/index.html")
        self.assertEqual(r.stdout, b"hello over tls\n")

    def test_curl_insecure_and_untrusted(self):
        r = self.server.curl("-k", f"https://127.0.0.1:{self.p0}/index.html")
        self.assertEqual((r.returncode, r.stdout), (0, b"hello over tls\n"), r.stderr)
        r = self.server.curl(f"https://127.0.0.1:{self.p0}/index.html")  # the system store
        self.assertEqual(r.returncode, 60, r.stderr)

    def test_access_log_unchanged_in_format(self):
        self.curl_a("/index.html", "-A", "tls-log-test")
        lines = [l for l in self.server.access_lines() if "tls-log-test" in l]
        wait = time.monotonic() + 3
        while not lines and time.monotonic() < wait:
            time.sleep(0.05)
            lines = [l for l in self.server.read_access_log().splitlines() if "tls-log-test" in l]
        self.assertTrue(lines)
        self.assertRegex(lines[-1], r'^127\.0\.0\.1 - - \[[^]]+\] "GET /index.html HTTP/1.1" 200 15 '
                                    r'"-" "tls-log-test"$')

    # ---- SNI -----------------------------------------------------------------------------------
    def test_sni_picks_the_certificate_and_the_server_block(self):
        for name in ("a", "b"):
            code, out = s_client(self.p0, "-verify_return_error", "-verify_hostname",
                                 f"{name}.test", servername=f"{name}.test")
            self.assertEqual(code, 0, out)
            self.assertIn(f"subject=CN = {name}.test", out)
        r = self.curl_a("/v", host="b.test")
        self.assertEqual(r.stdout.decode(), "b b.test b.test\n")
        # No SNI: the default server's certificate.
        code, out = s_client(self.p0, servername=None)
        self.assertIn("subject=CN = a.test", out)

    # ---- protocols and ciphers ------------------------------------------------------------------
    def test_tls10_and_11_refused_12_and_13_accepted_by_default(self):
        for flag in ("-tls1", "-tls1_1"):
            code, out = s_client(self.p0, flag)
            self.assertNotEqual(code, 0, out)
            self.assertIn("Cipher is (NONE)", out)
            self.assertIn("alert protocol version", out)
        for flag, want in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            code, out = s_client(self.p0, flag)
            self.assertEqual(code, 0, out)
            self.assertEqual(protocol_of(out), want, out)

    def test_ssl_protocols_is_honoured(self):
        code, out = s_client(self.p2, "-tls1_2")
        self.assertNotEqual(code, 0, out)
        code, out = s_client(self.p2, "-tls1_3")
        self.assertEqual((code, protocol_of(out)), (0, "TLSv1.3"), out)
        code, out = s_client(self.p3, "-tls1_3")
        self.assertNotEqual(code, 0, out)
        code, out = s_client(self.p3, "-tls1_2")
        self.assertEqual((code, protocol_of(out)), (0, "TLSv1.2"), out)

    def test_ssl_ciphers_and_server_preference(self):
        code, out = s_client(self.p3, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384")
        self.assertNotEqual(code, 0, out)
        # The client prefers CHACHA20; the server's order (AES128 first) wins.
        code, out = s_client(self.p3, "-tls1_2", "-cipher",
                             "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256")
        self.assertEqual(code, 0, out)
        self.assertIn("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", out)
        r = self.curl_a("/v", port=self.p3)
        self.assertEqual(r.stdout.decode(), "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 .\n")

    # ---- session resumption ---------------------------------------------------------------------
    def resume(self, port, *flags):
        sess = os.path.join(self.server.prefix, f"sess-{port}-{'-'.join(flags)}.pem")
        # A TLS 1.3 ticket comes after the handshake: keep the connection a moment.
        request = b"GET /v HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"
        code, first = s_client(port, *flags, "-sess_out", sess, "-ign_eof", stdin=request)
        self.assertEqual(code, 0, first)
        self.assertIn("New, ", first)
        code, second = s_client(port, *flags, "-sess_in", sess, "-ign_eof", stdin=request)
        self.assertEqual(code, 0, second)
        return second

    def test_session_resumption_with_tickets(self):
        for flag in ("-tls1_3", "-tls1_2"):
            out = self.resume(self.p0, flag)
            self.assertIn("Reused, ", out, flag)
            self.assertIn(" a.test r a.test ", out, flag)  # $ssl_session_reused

    def test_session_resumption_with_the_session_cache_and_no_tickets(self):
        out = self.resume(self.p3, "-tls1_2")
        self.assertIn("Reused, TLSv1.2", out)
        self.assertIn("ECDHE-ECDSA-AES128-GCM-SHA256 r", out)
        code, out = s_client(self.p3, "-tls1_2")
        self.assertEqual(code, 0, out)
        self.assertNotIn("TLS session ticket:", out)  # tickets off: none issued

    # ---- requests over TLS -------------------------------------------------------------------
    def test_redirect_from_http_to_https(self):
        r = self.server.curl("-sS", "-i", f"http://127.0.0.1:{self.p1}/v?x=1", "-H", "Host: a.test")
        self.assertIn(f"Location: https://a.test:{self.p0}/v?x=1".encode(), r.stdout)
        r = self.server.curl("-L", "--cacert", f"{PKI}/ca.pem", "--resolve",
                             f"a.test:{self.p0}:127.0.0.1", "--resolve",
                             f"a.test:{self.p1}:127.0.0.1", f"http://a.test:{self.p1}/v")
        self.assertEqual(r.stdout.decode(), f"https on TLSv1.3 a.test . a.test {self.p0}\n")

    def test_big_static_file_and_range(self):
        r = self.curl_a("/big.bin")
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), hashlib.sha256(BIG).hexdigest())
        r = self.curl_a("/big.bin", "-r", "1000000-2999999")
        self.assertEqual(r.stdout, BIG[1000000:3000000])
        r = self.curl_a("/big.bin", "-r", "5-9,100-109")
        self.assertIn(b"multipart/byteranges", self.curl_a("/big.bin", "-r", "5-9,100-109",
                                                          "-i").stdout)
        self.assertIn(BIG[5:10], r.stdout)

    def test_proxying_over_a_tls_listen(self):
        r = self.curl_a("/p/abc?d=1")
        self.assertEqual(r.stdout, b"upstream saw /abc?d=1\n")

    def tls_socket(self, port=None):
        ctx = ssl.create_default_context(cafile=f"{PKI}/ca.pem")
        raw = socket.create_connection(("127.0.0.1", port or self.p0), timeout=10)
        return ctx.wrap_socket(raw, server_hostname="a.test")

    def test_keep_alive_and_pipelining(self):
        s = self.tls_socket()
        try:
            req = b"GET /index.html HTTP/1.1\r\nHost: a.test\r\n\r\n"
            s.sendall(req * 3)
            data = b""
            while data.count(b"hello over tls\n") < 3:
                chunk = s.recv(65536)
                self.assertTrue(chunk, data)
                data += chunk
            self.assertEqual(data.count(b"HTTP/1.1 200 OK"), 3)
            # The same connection goes on after a pause (keep-alive).
            time.sleep(0.3)
            s.sendall(b"GET /v HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            rest = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            self.assertIn(b"https on TLSv1.3", rest)
            self.assertIn(b"Connection: close", rest)
        finally:
            s.close()

    def test_a_stalled_handshake_is_timed_out(self):
        raw = socket.create_connection(("127.0.0.1", self.p0), timeout=10)
        try:
            raw.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, then nothing
            start = time.monotonic()
            self.assertEqual(raw.recv(100), b"")  # closed by the server
            self.assertGreater(time.monotonic() - start, 1.0)  # client_header_timeout 2s
        finally:
            raw.close()
        self.assertTrue(self.server.wait_for_log(r"timed out.*while SSL handshaking", timeout=5))

    def raw_exchange(self, data):
        """Sends `data` on a plain TCP connection to the ssl port; returns all it got until the
        server closed ("" when it closed or reset without a word)."""
        raw = socket.create_connection(("127.0.0.1", self.p0), timeout=10)
        got = b""
        try:
            raw.sendall(data)
            while True:
                try:
                    chunk = raw.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                got += chunk
        finally:
            raw.close()
        return got

    def test_garbage_instead_of_a_client_hello(self):
        # The first byte says TLS handshake (0x16), the rest is not a ClientHello: OpenSSL's error
        # ends the connection (an alert at most, never an HTTP answer) and is logged.
        got = self.raw_exchange(b"\x16\x03\x01\x00\x05" + b"\x00" * 5)
        self.assertFalse(got.startswith(b"HTTP/"), got)
        if not self.nginx:
            self.assertTrue(self.server.wait_for_log(
                r"SSL_do_handshake\(\) failed \(SSL: error:[0-9A-F]+:SSL routines::"
                r".*while SSL handshaking, client: 127\.0\.0\.1", timeout=5))

    def test_plain_http_sent_to_an_https_port(self):
        # A first byte that cannot start a TLS record is plain HTTP (nginx's 497): a 400 page
        # that says why, byte for byte nginx's but for the footer, and the connection closes.
        got = self.raw_exchange(b"GET /index.html HTTP/1.1\r\nHost: a.test\r\n\r\n")
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), got)
        self.assertIn(b"\r\nConnection: close", head)
        server = b"nginx/1.22.1" if self.nginx else b"webcycle/"
        self.assertRegex(body, rb"^<html>\r\n<head><title>400 The plain HTTP request was sent to "
                               rb"HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad "
                               rb"Request</h1></center>\r\n<center>The plain HTTP request was "
                               rb"sent to HTTPS port</center>\r\n<hr><center>" + server)
        self.assertTrue(self.server.wait_for_log(
            r"\[info\] .*client sent plain HTTP request to HTTPS port while reading client "
            r"request headers, client: 127\.0\.0\.1, server: a\.test, "
            r'request: "GET /index\.html HTTP/1\.1"', timeout=5))
        # A 64-byte run of NULs is no request at all: the plain-HTTP parser's 400.
        got = self.raw_exchange(b"\x00" * 64)
        self.assertTrue(got.startswith(b"HTTP/1.1 400 Bad Request\r\n"), got)
        self.assertNotIn(b"HTTPS port", got)

    def test_error_page_497_sends_plain_http_to_https(self):
        got = self.raw_exchange(b"GET /v?x=1 HTTP/1.1\r\nHost: b.test\r\n\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 301 Moved Permanently\r\n"), got)
        self.assertIn(f"\r\nLocation: https://b.test:{self.p0}/v?x=1\r\n".encode(), got)

    # ---- browse --------------------------------------------------------------------------------
    def browse_a(self, path, *args, port=None, host="a.test"):
        return browse("--hosts", f"{PKI}/hosts", *args, f"https://{host}:{port or self.p0}{path}")

    def test_browse_prints_what_curl_prints(self):
        for path in ("/index.html", "/big.bin", "/v"):
            b = self.browse_a(path, "--cacert", f"{PKI}/ca.pem")
            c = self.curl_a(path)
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertEqual(b.stdout, c.stdout, path)
        for args in (["-i"], ["-I"]):
            b = self.browse_a("/index.html", "--cacert", f"{PKI}/ca.pem", *args)
            c = self.curl_a("/index.html", *args)
            strip = lambda t: b"\n".join(l for l in t.split(b"\n") if not l.startswith(b"Date:"))
            self.assertEqual(strip(b.stdout), strip(c.stdout))

    def test_browse_sni_and_verbose_tls_step(self):
        b = self.browse_a("/v", "--cacert", f"{PKI}/ca.pem", "-v", host="b.test")
        self.assertEqual(b.stdout, b"b b.test b.test\n")
        for line in ("* SSL connection using TLSv1.3 / TLS_", "* ALPN: server accepted http/1.1",
                     "*  subject: CN=b.test", "*  issuer: CN=webcycle ca",
                     "*  SSL certificate verify ok."):
            self.assertIn(line, b.stderr)

    def test_browse_exit_codes_as_curl(self):
        b = self.browse_a("/v")  # the system store does not know the test CA
        self.assertEqual(b.returncode, 60, b.stderr)
        self.assertIn("SSL certificate problem: unable to get local issuer certificate", b.stderr)
        b = self.browse_a("/v", "--cacert", f"{PKI}/ca.pem", host="wrong.test")
        self.assertEqual(b.returncode, 60, b.stderr)
        self.assertIn("SSL: no alternative certificate subject name matches target host name "
                      "'wrong.test'", b.stderr)
        self.assertEqual(curl("--cacert", f"{PKI}/ca.pem", "--resolve",
                              f"wrong.test:{self.p0}:127.0.0.1",
                              f"https://wrong.test:{self.p0}/v").returncode, 60)
        b = self.browse_a("/v", "-k", host="wrong.test")
        self.assertEqual(b.returncode, 0, b.stderr)
        b = self.browse_a("/v", "--cacert", f"{PKI}/ca.pem", port=self.p1)  # plain HTTP port
        self.assertEqual(b.returncode, 35, b.stderr)
        self.assertIn("wrong version number", b.stderr)
        self.assertEqual(curl("-k", f"https://127.0.0.1:{self.p1}/").returncode, 35)

    def test_browse_follows_http_to_https(self):
        b = browse("--hosts", f"{PKI}/hosts", "--cacert", f"{PKI}/ca.pem",
                   f"http://a.test:{self.p1}/v")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(b.stdout.decode(), f"https on TLSv1.3 a.test . a.test {self.p0}\n")


@unittest.skipUnless(os.path.exists(harness.NGINX_BIN), "Debian's nginx is not installed")
class TlsNginxTest(TlsWebTest):
    """The same tests against Debian's nginx with the same certificates: what webcycle web does
    is what nginx does, and browse prints what curl prints from nginx too."""
    KIND = "nginx"


class TlsConfigTest(unittest.TestCase):
    def check(self, body):
        s = Server(http_config(body.replace("@PKI@", PKI)))
        self.addCleanup(s.cleanup)
        r = subprocess.run(s.command(["-t"]), capture_output=True, text=True, timeout=10)
        return s, r

    def test_an_ssl_listen_needs_a_certificate(self):
        s, r = self.check("server {\n listen 127.0.0.1:@PORT@ ssl;\n}\n")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r'no "ssl_certificate" is defined for the "listen \.\.\. ssl" '
                                   r'directive in .*webcycle\.conf:\d+')

    def test_bad_certificate_files_fail_the_test(self):
        s, r = self.check("server {\n listen 127.0.0.1:@PORT@ ssl;\n"
                          " ssl_certificate @PKI@/missing.pem;\n ssl_certificate_key @PKI@/a.key;\n}\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f'cannot load certificate "{PKI}/missing.pem"', r.stderr)
        s, r = self.check("server {\n listen 127.0.0.1:@PORT@ ssl;\n"
                          " ssl_certificate @PKI@/a.pem;\n ssl_certificate_key @PKI@/b.key;\n}\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("key values mismatch", r.stderr)
        s, r = self.check("server {\n listen 127.0.0.1:@PORT@ ssl;\n"
                          " ssl_certificate @PKI@/a.pem;\n}\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f'no "ssl_certificate_key" is defined for certificate "{PKI}/a.pem"',
                      r.stderr)

    def test_directive_values(self):
        ok = ("ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache builtin:1000 shared:X:1m;"
              " ssl_session_timeout 1h; ssl_session_tickets off; ssl_stapling off;"
              " ssl_prefer_server_ciphers on; ssl_ciphers HIGH:!aNULL;")
        s, r = self.check(ok + "server { listen 127.0.0.1:@PORT@; }")
        self.assertEqual(r.returncode, 0, r.stderr)
        for bad, message in (("ssl_protocols TLSv9;", 'invalid value "TLSv9"'),
                             ("ssl_session_cache shared:X;", 'invalid session cache "shared:X"'),
                             ("ssl_session_cache fancy;", 'invalid session cache "fancy"')):
            s, r = self.check(bad + "server { listen 127.0.0.1:@PORT@; }")
            self.assertEqual(r.returncode, 1, bad)
            self.assertIn(message, r.stderr)

    @unittest.skipIf(harness.SERVER_KIND == "nginx", "webcycle's own refusal")
    def test_ocsp_stapling_is_refused_by_name(self):
        s, r = self.check("ssl_stapling on; server { listen 127.0.0.1:@PORT@; }")
        self.assertEqual(r.returncode, 1)
        self.assertIn('"ssl_stapling on" is not supported yet', r.stderr)


if __name__ == "__main__":
    unittest.main()
