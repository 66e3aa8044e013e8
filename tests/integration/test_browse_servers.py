"""`webcycle browse` against real servers, stdout compared byte for byte with curl's: `webcycle
web` and Debian's nginx (the same tests on each), the web server
proxying a chunked upstream, and Python's http.server."""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from browse_peers import BODY_CHUNKS, TEXT_FOR_GZIP, RawServer, browse, curl
import harness
from harness import ServerTestCase, free_ports

INDEX = b"<!DOCTYPE html><html><head><title>Browse test</title></head><body>" \
        b"<h1>It works</h1><p>A <a href=\"/docs/\">docs</a> link.</p></body></html>\n"
BIG = b"".join(b"line %06d of a big static file\n" % i for i in range(20000))
BINARY = bytes(range(256)) * 300


class BrowseWebServerTest(ServerTestCase):
    # @UPSTREAM@: the raw upstream's port, filled in setUpClass
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root @HTML@;
        index index.html;
        add_header X-Request-ID $request_id always;
        location = /go/301 { return 301 /index.html; }
        location = /go/302 { return 302 http://127.0.0.1:@PORT@/big.txt; }
        location = /go/303 { return 303 /docs/; }
        location = /go/307 { return 307 /index.html; }
        location = /go/308 { return 308 /index.html; }
        location /upstream/ { proxy_pass http://127.0.0.1:@UPSTREAM@/; }
        location /gz/ { gzip_static on; }
    }
    """
    FILES = {
        "html/index.html": INDEX,
        "html/big.txt": BIG,
        "html/binary.bin": BINARY,
        "html/docs/index.html": b"<p>docs</p>\n",
        "html/gz/page.html": INDEX * 50,
        "html/gz/page.html.gz": gzip.compress(INDEX * 50, mtime=0),
    }

    @classmethod
    def setUpClass(cls):
        cls.upstream = RawServer()
        cls.addClassCleanup(cls.upstream.stop)
        cls.CONFIG = cls.CONFIG.replace("@UPSTREAM@", str(cls.upstream.port))
        super().setUpClass()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.port}{path}"

    def same_as_curl(self, path, browse_args=(), curl_args=("-L",)):
        b = browse(self.url(path), *browse_args)
        c = curl(*curl_args, self.url(path))
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(b.stdout, c.stdout, path)
        return b

    def test_static_files(self):
        self.assertEqual(self.same_as_curl("/").stdout, INDEX)
        self.assertEqual(self.same_as_curl("/big.txt").stdout, BIG)
        self.assertEqual(self.same_as_curl("/binary.bin").stdout, BINARY)

    def test_directory_redirect(self):
        # nginx answers /docs with a 301 to /docs/ (an absolute URL).
        self.assertEqual(self.same_as_curl("/docs").stdout, b"<p>docs</p>\n")

    def test_redirect_kinds(self):
        for code in (301, 302, 303, 307, 308):
            self.same_as_curl(f"/go/{code}")

    def test_gzip_through_the_proxy_with_compressed(self):
        for path in ("/upstream/gzip", "/upstream/gzip-chunked"):
            b = self.same_as_curl(path, ["--compressed"], ["-L", "--compressed"])
            self.assertEqual(b.stdout, TEXT_FOR_GZIP)
            self.assertEqual(self.same_as_curl(path).stdout, TEXT_FOR_GZIP)

    def test_gzip_static_with_compressed(self):
        b = self.same_as_curl("/gz/page.html", ["--compressed", "-v"], ["-L", "--compressed"])
        self.assertEqual(b.stdout, INDEX * 50)
        self.assertIn("< Content-Encoding: gzip", b.stderr)
        self.assertIn(f"{len(INDEX) * 50} decoded", b.stderr)
        self.assertEqual(self.same_as_curl("/gz/page.html").stdout, INDEX * 50)

    def test_chunked_through_the_proxy(self):
        b = self.same_as_curl("/upstream/chunked")
        self.assertEqual(b.stdout, b"".join(BODY_CHUNKS))

    def test_head_and_include(self):
        b = browse(self.url("/index.html"), "-I")
        self.assertEqual(b.returncode, 0)
        self.assertRegex(b.stdout, rb"^HTTP/1.1 200 OK\r\n")
        self.assertIn(b"Content-Length: %d\r\n" % len(INDEX), b.stdout)
        self.assertTrue(b.stdout.endswith(b"\r\n\r\n"))
        b = browse(self.url("/index.html"), "-i")
        self.assertTrue(b.stdout.endswith(b"\r\n\r\n" + INDEX))

    def test_not_found(self):
        b = browse(self.url("/nope"), "-f")
        self.assertEqual((b.returncode, b.stdout), (22, b""))
        b = browse(self.url("/nope"))
        c = curl(self.url("/nope"))
        self.assertEqual(b.returncode, 0)
        self.assertEqual(b.stdout, c.stdout)

    def test_verbose_shows_the_request_id_of_the_access_log(self):
        b = browse(self.url("/index.html"), "-v")
        self.assertEqual(b.returncode, 0, b.stderr)
        ids = [l.split("request id: ", 1)[1].split()[0] for l in b.stderr.splitlines()
               if "request id: " in l]
        self.assertEqual(len(ids), 1, b.stderr)
        self.assertRegex(ids[0], r"^[0-9a-f]{32}$")

    def test_text_of_a_page(self):
        b = browse(self.url("/"), "--text")
        self.assertEqual(b.returncode, 0)
        self.assertEqual(b.stdout.decode(),
                         "Browse test\n===========\n\n# It works\n\nA docs[1] link.\n\nLinks:\n"
                         f"  [1] http://127.0.0.1:{self.server.port}/docs/\n")


@unittest.skipUnless(os.path.exists(harness.NGINX_BIN), "Debian's nginx is not installed "
                     "(scripts/install-deps.sh test installs it)")
class BrowseNginxTest(BrowseWebServerTest):
    """The same tests with Debian's nginx serving the same config and files, always (not only
    under WEBCYCLE_TEST_SERVER=nginx): browse must print what curl prints from nginx too."""

    @classmethod
    def setUpClass(cls):
        saved = harness.SERVER_KIND
        harness.SERVER_KIND = "nginx"
        try:
            super().setUpClass()
        finally:
            harness.SERVER_KIND = saved


class BrowsePythonHttpServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="wc-browse-py-")
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        os.makedirs(os.path.join(cls.root, "sub"))
        with open(os.path.join(cls.root, "index.html"), "wb") as f:
            f.write(INDEX)
        with open(os.path.join(cls.root, "sub", "data.bin"), "wb") as f:
            f.write(BINARY)
        cls.port = free_ports(1)[0]
        cls.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "http.server", str(cls.port), "--bind", "127.0.0.1",
             "--directory", cls.root], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL)
        cls.addClassCleanup(cls.stop)
        deadline = time.monotonic() + 10
        while curl(f"http://127.0.0.1:{cls.port}/").returncode != 0:
            if time.monotonic() > deadline or cls.proc.poll() is not None:
                raise AssertionError("python3 -m http.server did not start")
            time.sleep(0.05)

    @classmethod
    def stop(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()

    def check(self, path, *args):
        url = f"http://127.0.0.1:{self.port}{path}"
        b, c = browse(url, *args), curl("-L", url, *args)
        self.assertEqual(b.returncode, c.returncode, b.stderr)
        self.assertEqual(b.stdout, c.stdout, path)
        return b

    def test_files_listing_redirect_and_errors(self):
        self.assertEqual(self.check("/").stdout, INDEX)
        self.assertEqual(self.check("/sub/data.bin").stdout, BINARY)
        self.assertIn(b"data.bin", self.check("/sub").stdout)  # 301 /sub -> /sub/, a listing
        self.check("/missing")
        self.assertEqual(self.check("/missing", "-f").returncode, 22)
        self.check("/index.html", "-I")


if __name__ == "__main__":
    unittest.main()
