"""charset and charset_types as nginx has them (without recoding): "; charset=NAME" on the
Content-Type of the listed types (text/html always), on error pages and returned text too, never
on 301/302, never twice, `charset off`. Runs against Debian's nginx too
(WEBCYCLE_TEST_SERVER=nginx)."""

import http.server
import unittest

from harness import QuietHandler, UpstreamTestCase, header


class Upstream(QuietHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        kind = "text/plain; charset=koi8-r" if "named" in self.path else "text/plain"
        self.send(200, b"up\n", [("Content-Type", kind)])


class CharsetTest(UpstreamTestCase):
    UPSTREAM_HANDLER = Upstream
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        charset utf-8;
        location = /r301 { return 301 /a.html; }
        location = /r307 { return 307 /a.html; }
        location = /t { default_type text/plain; return 200 "x"; }
        location /j/ { charset_types application/json; alias html/; }
        location /all/ { charset_types *; alias html/; }
        location /off/ { charset off; alias html/; }
        location /up/ { proxy_pass http://127.0.0.1:@UPSTREAM@/; }
    }
    """
    FILES = {"html/a.html": "<p>hi</p>\n", "html/a.txt": "t\n", "html/a.json": "{}\n",
             "html/a.png": b"\x89PNG"}

    def content_type(self, path):
        return header(self.one(path)[1], "content-type")

    def test_listed_types(self):
        self.assertEqual(self.content_type("/a.html"), "text/html; charset=utf-8")
        self.assertEqual(self.content_type("/a.txt"), "text/plain; charset=utf-8")
        self.assertEqual(self.content_type("/a.json"), "application/json")
        self.assertEqual(self.content_type("/a.png"), "image/png")

    def test_error_pages_and_return(self):
        self.assertEqual(self.content_type("/missing"), "text/html; charset=utf-8")
        self.assertEqual(self.content_type("/t"), "text/plain; charset=utf-8")

    def test_not_on_301_and_302(self):
        self.assertEqual(self.content_type("/r301"), "text/html")
        self.assertEqual(self.content_type("/r307"), "text/html; charset=utf-8")

    def test_charset_types(self):
        self.assertEqual(self.content_type("/j/a.json"), "application/json; charset=utf-8")
        self.assertEqual(self.content_type("/j/a.html"), "text/html; charset=utf-8")
        self.assertEqual(self.content_type("/j/a.txt"), "text/plain")
        self.assertEqual(self.content_type("/all/a.png"), "image/png; charset=utf-8")

    def test_off(self):
        self.assertEqual(self.content_type("/off/a.html"), "text/html")

    def test_proxied_answers(self):
        self.assertEqual(self.content_type("/up/plain"), "text/plain; charset=utf-8")
        self.assertEqual(self.content_type("/up/named"), "text/plain; charset=koi8-r")


if __name__ == "__main__":
    unittest.main()
