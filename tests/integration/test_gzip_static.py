"""gzip_static (on, always) and gzip_vary as nginx has them: FILE.gz sent with Content-Encoding
to an HTTP/1.1 client whose Accept-Encoding takes gzip (q above 0) and that is not behind a proxy
(Via), with the .gz file's ETag and length, no ranges; the plain file otherwise; Vary only with
gzip_vary. Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import gzip
import unittest

from harness import ServerTestCase, header

PLAIN = b"hello world, hello world, hello world\n"
GZ = gzip.compress(PLAIN, mtime=0)


class GzipStaticTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        gzip_static on;
        location /v/ { gzip_vary on; alias html/; }
        location /al/ { gzip_static always; alias html/; }
        location /off/ { gzip_static off; alias html/; }
    }
    """
    FILES = {"html/a.txt": PLAIN, "html/a.txt.gz": GZ, "html/b.txt": "only plain\n"}

    def get(self, path, extra="", version="1.1"):
        return self.one(path, extra=extra, version=version)

    def test_gzip_for_a_client_that_takes_it(self):
        status, headers, body = self.get("/a.txt", "Accept-Encoding: gzip, deflate\r\n")
        self.assertEqual((status, body), (200, GZ))
        self.assertEqual(header(headers, "content-encoding"), "gzip")
        self.assertEqual(header(headers, "content-type"), "text/plain")
        self.assertIsNone(header(headers, "accept-ranges"))
        self.assertIsNone(header(headers, "vary"))
        names = [n for n, _ in headers]
        self.assertEqual(names.index("content-encoding"), names.index("etag") + 1)

    def test_plain_otherwise(self):
        for extra, version in [("", "1.1"), ("Accept-Encoding: gzip;q=0\r\n", "1.1"),
                               ("Accept-Encoding: deflate\r\n", "1.1"),
                               ("Accept-Encoding: gzip\r\nVia: 1.1 proxy\r\n", "1.1"),
                               ("Accept-Encoding: gzip\r\n", "1.0")]:
            with self.subTest(extra=extra, version=version):
                status, headers, body = self.get("/a.txt", extra, version)
                self.assertEqual((status, body), (200, PLAIN))
                self.assertIsNone(header(headers, "content-encoding"))

    def test_no_gz_file(self):
        status, headers, body = self.get("/b.txt", "Accept-Encoding: gzip\r\n")
        self.assertEqual((status, body), (200, b"only plain\n"))
        self.assertIsNone(header(headers, "content-encoding"))

    def test_ranges_are_not_served_from_the_gz(self):
        status, headers, body = self.get("/a.txt", "Accept-Encoding: gzip\r\nRange: bytes=0-3\r\n")
        self.assertEqual((status, body), (200, GZ))

    def test_vary(self):
        _, headers, _ = self.get("/v/a.txt", "Accept-Encoding: gzip\r\n")
        self.assertEqual(header(headers, "vary"), "Accept-Encoding")
        _, headers, _ = self.get("/v/a.txt")
        self.assertEqual(header(headers, "vary"), "Accept-Encoding")

    def test_always_and_off(self):
        status, headers, body = self.get("/al/a.txt")
        self.assertEqual((status, body), (200, GZ))
        self.assertEqual(header(headers, "content-encoding"), "gzip")
        _, headers, body = self.get("/off/a.txt", "Accept-Encoding: gzip\r\n")
        self.assertEqual(body, PLAIN)


if __name__ == "__main__":
    unittest.main()
