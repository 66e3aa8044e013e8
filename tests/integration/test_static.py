"""Static files as nginx serves them: types, index, redirects, errors, validators, ranges, big
bodies."""

import email.utils
import os
import random
import re
import unittest

from harness import ServerTestCase, header, parse_responses, sha256

BIG = random.Random(2).randbytes(3 * 1024 * 1024 + 17)
ALPHA = b"abcdefghijklmnopqrstuvwxyz"
MTIME = 1700000000  # fixed, so Last-Modified and ETag are known


class StaticTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        sendfile on;
        location /small/ { sendfile off; }
    }
    """
    FILES = {
        "html/index.html": "<h1>home</h1>\n",
        "html/style.css": "body{}\n",
        "html/data.json": "{}\n",
        "html/a.txt": ALPHA,
        "html/noext": "raw\n",
        "html/pic.PNG": b"\x89PNG",
        "html/d/index.html": "dir index\n",
        "html/noidx/x.txt": "x\n",
        "html/big.bin": BIG,
        "html/small/a.txt": ALPHA,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.utime(os.path.join(cls.server.html, "a.txt"), (MTIME, MTIME))

    def req(self, target, method="GET", extra=b""):
        data = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.server.port}\r\n"
                .encode() + extra + b"\r\n")
        r = self.server.exchange(data, head=(method == "HEAD"))
        self.assertEqual(len(r), 1, f"no complete response to {method} {target}")
        return r[0]

    def test_get_index_of_root(self):
        status, headers, body = self.server.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"<h1>home</h1>\n")
        self.assertEqual(headers["content-type"], "text/html")
        self.assertEqual(headers["content-length"], str(len(body)))

    def test_content_type_from_mime_types(self):
        for path, ctype in (("/style.css", "text/css"), ("/data.json", "application/json"),
                            ("/a.txt", "text/plain"), ("/index.html", "text/html"),
                            ("/pic.PNG", "image/png"),  # extensions match case-insensitively
                            ("/noext", "application/octet-stream")):  # default_type
            with self.subTest(path=path):
                status, headers, _ = self.server.get(path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["content-type"], ctype)

    def test_head_has_headers_and_no_body(self):
        # Read the raw stream: a body after HEAD's headers would show up as a second "response".
        raw = self.server.raw(
            f"HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n"
            f"Connection: close\r\n\r\n".encode())
        resp, rest = parse_responses(raw, head=[True, False])
        self.assertEqual(len(resp), 2, raw)
        self.assertEqual(resp[0][0], 200)
        self.assertEqual(header(resp[0][1], "content-length"), "26")
        self.assertEqual(resp[0][2], b"")
        self.assertEqual(resp[1][2], b"<h1>home</h1>\n")
        self.assertEqual(rest, b"")

    def test_directory_index(self):
        status, _, body = self.server.get("/d/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"dir index\n")

    def test_directory_without_slash_redirects(self):
        # nginx builds Location from the Host header's name and the listening port.
        status, headers, body = self.req("/d")
        self.assertEqual(status, 301)
        self.assertEqual(header(headers, "location"), f"http://127.0.0.1:{self.server.port}/d/")
        self.assertIn(b"301 Moved Permanently", body)

    def test_directory_redirect_keeps_query(self):
        status, headers, _ = self.req("/d?x=1&y=2")
        self.assertEqual(status, 301)
        self.assertEqual(header(headers, "location"),
                         f"http://127.0.0.1:{self.server.port}/d/?x=1&y=2")

    def test_redirect_without_host_uses_server_address(self):
        raw = self.server.raw(b"GET /d HTTP/1.0\r\n\r\n")
        (status, headers, _), = parse_responses(raw)[0]
        self.assertEqual(status, 301)
        self.assertIn(header(headers, "location"),
                      (f"http://127.0.0.1:{self.server.port}/d/",
                       f"http://localhost:{self.server.port}/d/"))

    def test_directory_without_index_is_403(self):
        status, _, body = self.server.get("/noidx/")
        self.assertEqual(status, 403)
        self.assertIn(b"403 Forbidden", body)

    def test_missing_file_is_404(self):
        status, headers, body = self.server.get("/missing.html")
        self.assertEqual(status, 404)
        self.assertEqual(headers["content-type"], "text/html")
        self.assertIn(b"404 Not Found", body)
        status, _, _ = self.server.get("/a.txt/more")  # a file used as a directory
        self.assertEqual(status, 404)

    def test_post_to_static_file_is_405(self):
        status, _, body = self.server.get("/a.txt", method="POST", body=b"data")
        self.assertEqual(status, 405)
        self.assertIn(b"405 Not Allowed", body)

    def test_etag_and_last_modified(self):
        status, headers, _ = self.server.get("/a.txt")
        self.assertEqual(status, 200)
        # nginx's strong ETag: "<mtime in hex>-<size in hex>".
        self.assertEqual(headers["etag"], f'"{MTIME:x}-{len(ALPHA):x}"')
        self.assertEqual(headers["last-modified"], email.utils.formatdate(MTIME, usegmt=True))
        self.assertEqual(headers.get("accept-ranges"), "bytes")

    def test_if_none_match(self):
        etag = f'"{MTIME:x}-{len(ALPHA):x}"'
        for value, want in ((etag, 304), ('"other"', 200), (f'"x", {etag}', 304), ("*", 304)):
            with self.subTest(value=value):
                status, headers, body = self.req("/a.txt", extra=f"If-None-Match: {value}\r\n"
                                                 .encode())
                self.assertEqual(status, want)
                if want == 304:
                    self.assertEqual(body, b"")
                    self.assertEqual(header(headers, "etag"), etag)
                else:
                    self.assertEqual(body, ALPHA)

    def test_if_modified_since(self):
        same = email.utils.formatdate(MTIME, usegmt=True)
        before = email.utils.formatdate(MTIME - 3600, usegmt=True)
        status, _, body = self.req("/a.txt", extra=f"If-Modified-Since: {same}\r\n".encode())
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        status, _, body = self.req("/a.txt", extra=f"If-Modified-Since: {before}\r\n".encode())
        self.assertEqual(status, 200)
        self.assertEqual(body, ALPHA)

    def test_range_single(self):
        for rng, want_body, want_cr in (("bytes=0-4", b"abcde", "bytes 0-4/26"),
                                        ("bytes=20-", b"uvwxyz", "bytes 20-25/26"),
                                        ("bytes=-3", b"xyz", "bytes 23-25/26"),
                                        ("bytes=24-1000", b"yz", "bytes 24-25/26")):
            with self.subTest(range=rng):
                status, headers, body = self.req("/a.txt", extra=f"Range: {rng}\r\n".encode())
                self.assertEqual(status, 206)
                self.assertEqual(body, want_body)
                self.assertEqual(header(headers, "content-range"), want_cr)
                self.assertEqual(header(headers, "content-length"), str(len(want_body)))

    def test_range_multipart(self):
        status, headers, body = self.req("/a.txt", extra=b"Range: bytes=0-4,10-12\r\n")
        self.assertEqual(status, 206)
        ctype = header(headers, "content-type")
        m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", ctype)
        self.assertIsNotNone(m, ctype)
        boundary = m.group(1).encode()
        parts = body.split(b"--" + boundary)
        # preamble, two parts, and the closing "--\r\n"
        self.assertEqual(len(parts), 4, body)
        self.assertEqual(parts[3], b"--\r\n")
        want = ((b"abcde", "bytes 0-4/26"), (b"klm", "bytes 10-12/26"))
        for part, (data, crange) in zip(parts[1:3], want):
            head, _, payload = part.partition(b"\r\n\r\n")
            fields = dict(l.split(": ", 1) for l in head.decode().strip().split("\r\n"))
            self.assertEqual(fields["Content-Type"], "text/plain")
            self.assertEqual(fields["Content-Range"], crange)
            self.assertEqual(payload, data + b"\r\n")

    def test_range_not_satisfiable(self):
        status, headers, _ = self.req("/a.txt", extra=b"Range: bytes=100-200\r\n")
        self.assertEqual(status, 416)
        self.assertEqual(header(headers, "content-range"), "bytes */26")

    def test_large_file_body_intact(self):
        r = self.server.curl("-o", "-", "-D", "/dev/stderr", f"{self.server.base_url}/big.bin")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout), len(BIG))
        self.assertEqual(sha256(r.stdout), sha256(BIG))
        self.assertRegex(r.stderr.decode(), rf"(?i)content-length: {len(BIG)}\r\n")

    def test_large_file_range_from_middle(self):
        start, end = 1_000_000, 2_500_000
        status, headers, body = self.req("/big.bin", extra=f"Range: bytes={start}-{end}\r\n"
                                         .encode())
        self.assertEqual(status, 206)
        self.assertEqual(sha256(body), sha256(BIG[start:end + 1]))

    def test_sendfile_off_serves_same_bytes(self):
        status, _, body = self.server.get("/small/a.txt")
        self.assertEqual(status, 200)
        self.assertEqual(body, ALPHA)

    def test_keepalive_many_files_on_one_connection(self):
        # A body left unread or sent twice would desynchronise the following responses.
        req = b"".join(f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                       for p in ("/a.txt", "/big.bin", "/index.html", "/a.txt"))
        resp = self.server.exchange(req, n=4)
        self.assertEqual([r[0] for r in resp], [200] * 4)
        self.assertEqual(resp[0][2], ALPHA)
        self.assertEqual(sha256(resp[1][2]), sha256(BIG))
        self.assertEqual(resp[2][2], b"<h1>home</h1>\n")
        self.assertEqual(resp[3][2], ALPHA)


class IndexAndTypesTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        index missing.html second.html;
        location /typed/ {
            types { text/x-special sp; }
            default_type text/x-default;
        }
        location /plain/ { index index.txt; }
    }
    """
    FILES = {
        "html/second.html": "second\n",
        "html/sub/second.html": "sub second\n",
        "html/typed/a.sp": "special\n",
        "html/typed/a.html": "html here\n",
        "html/typed/noext": "none\n",
        "html/plain/index.txt": "text index\n",
    }

    def test_index_tries_each_file_in_order(self):
        status, headers, body = self.server.get("/")
        self.assertEqual((status, body), (200, b"second\n"))
        self.assertEqual(self.server.get("/sub/")[2], b"sub second\n")

    def test_index_file_type_comes_from_its_own_name(self):
        status, headers, body = self.server.get("/plain/")
        self.assertEqual((status, body), (200, b"text index\n"))
        self.assertEqual(headers["content-type"], "text/plain")

    def test_types_block_replaces_inherited_types(self):
        # A location's `types` replaces the http-level map entirely, as in nginx.
        for path, ctype in (("/typed/a.sp", "text/x-special"), ("/typed/a.html", "text/x-default"),
                            ("/typed/noext", "text/x-default")):
            with self.subTest(path=path):
                status, headers, _ = self.server.get(path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["content-type"], ctype)


if __name__ == "__main__":
    unittest.main()
