"""add_header as nginx has it: the codes it applies to, `always`, variables and captures, empty
values, inheritance (a level with its own add_header replaces the enclosing level's), the place in
the head (after ETag, before Accept-Ranges and Content-Range; after a proxied answer's own
headers), and -t errors. Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import http.server
import re
import unittest

from harness import QuietHandler, ServerTestCase, UpstreamTestCase, header


class Upstream(QuietHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send(200, b"from upstream\n", [("X-Upstream", "yes")])


class AddHeaderTest(UpstreamTestCase):
    UPSTREAM_HANDLER = Upstream
    CONFIG = """
    add_header X-Http-Level on;
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        add_header X-Server-Level "server $uri";
        add_header X-Id $request_id always;
        location /own/ {
            add_header X-Own "own";
        }
        location /inherits/ {
        }
        location /always/ {
            add_header X-Always yes always;
            add_header X-Listed yes;
        }
        location /empty/ {
            add_header X-Empty $http_x_missing;
            add_header X-Full full;
        }
        location ~ ^/cap/(\\w+)\\.txt$ {
            add_header X-Capture "got $1";
        }
        location = /redirect {
            add_header X-Redirect here;
            return 302 /own/a.txt;
        }
        location = /teapot {
            add_header X-Teapot listed;
            add_header X-Teapot-Always yes always;
            return 418 "short and stout\\n";
        }
        location /proxy/ {
            add_header X-Proxied yes;
            proxy_pass http://127.0.0.1:@UPSTREAM@/;
        }
    }
    """
    FILES = {
        "html/index.html": "home\n",
        "html/own/a.txt": "own\n",
        "html/inherits/a.txt": "inherits\n",
        "html/always/a.txt": "always\n",
        "html/empty/a.txt": "empty\n",
        "html/cap/word.txt": "capture\n",
    }

    def names(self, headers):
        return [n for n, _ in headers]

    def test_server_level_values_with_variables(self):
        status, headers, _ = self.one("/index.html")
        self.assertEqual(status, 200)
        self.assertEqual(header(headers, "x-server-level"), "server /index.html")
        self.assertRegex(header(headers, "x-id"), r"^[0-9a-f]{32}$")
        # The server level has its own list: the http level's is not inherited.
        self.assertIsNone(header(headers, "x-http-level"))

    def test_a_location_with_its_own_list_replaces_the_enclosing_one(self):
        _, headers, _ = self.one("/own/a.txt")
        self.assertEqual(header(headers, "x-own"), "own")
        self.assertIsNone(header(headers, "x-server-level"))
        self.assertIsNone(header(headers, "x-id"))

    def test_a_location_without_add_header_inherits(self):
        _, headers, _ = self.one("/inherits/a.txt")
        self.assertEqual(header(headers, "x-server-level"), "server /inherits/a.txt")

    def test_only_listed_codes_without_always(self):
        status, headers, _ = self.one("/always/missing.txt")
        self.assertEqual(status, 404)
        self.assertEqual(header(headers, "x-always"), "yes")
        self.assertIsNone(header(headers, "x-listed"))
        status, headers, _ = self.one("/always/a.txt")
        self.assertEqual(status, 200)
        self.assertEqual(header(headers, "x-always"), "yes")
        self.assertEqual(header(headers, "x-listed"), "yes")

    def test_304_and_206_are_listed_codes(self):
        _, headers, _ = self.one("/always/a.txt")
        etag = header(headers, "etag")
        status, headers, _ = self.one("/always/a.txt", extra=f"If-None-Match: {etag}\r\n")
        self.assertEqual(status, 304)
        self.assertEqual(header(headers, "x-listed"), "yes")
        status, headers, _ = self.one("/always/a.txt", extra="Range: bytes=0-1\r\n")
        self.assertEqual(status, 206)
        self.assertEqual(header(headers, "x-listed"), "yes")

    def test_return_codes(self):
        status, headers, _ = self.one("/redirect")
        self.assertEqual(status, 302)
        self.assertEqual(header(headers, "x-redirect"), "here")
        status, headers, _ = self.one("/teapot")
        self.assertEqual(status, 418)
        self.assertIsNone(header(headers, "x-teapot"))
        self.assertEqual(header(headers, "x-teapot-always"), "yes")

    def test_an_empty_value_sends_no_header(self):
        _, headers, _ = self.one("/empty/a.txt")
        self.assertNotIn("x-empty", self.names(headers))
        self.assertEqual(header(headers, "x-full"), "full")

    def test_regex_captures(self):
        _, headers, _ = self.one("/cap/word.txt")
        self.assertEqual(header(headers, "x-capture"), "got word")

    def test_place_in_the_head(self):
        # After ETag, before Accept-Ranges (a 200) and before Content-Range (a 206).
        _, headers, _ = self.one("/always/a.txt")
        names = self.names(headers)
        self.assertLess(names.index("etag"), names.index("x-always"))
        self.assertLess(names.index("x-listed"), names.index("accept-ranges"))
        _, headers, _ = self.one("/always/a.txt", extra="Range: bytes=0-1\r\n")
        names = self.names(headers)
        self.assertLess(names.index("x-listed"), names.index("content-range"))

    def test_proxied_answers_get_them_after_the_upstream_headers(self):
        status, headers, body = self.one("/proxy/x")
        self.assertEqual((status, body), (200, b"from upstream\n"))
        names = self.names(headers)
        self.assertEqual(header(headers, "x-proxied"), "yes")
        self.assertLess(names.index("x-upstream"), names.index("x-proxied"))


class AddHeaderConfigTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr,
                         pattern.replace("CONF", re.escape(s.conf_path)))

    def test_bad_third_parameter(self):
        self.failing("server { listen 127.0.0.1:@PORT@; add_header X y sometimes; }",
                     r'invalid parameter "sometimes" in CONF:\d+')

    def test_unknown_variable(self):
        self.failing("server { listen 127.0.0.1:@PORT@; add_header X $nosuchvar; }",
                     r'unknown "nosuchvar" variable')

    def test_arity(self):
        self.failing("server { listen 127.0.0.1:@PORT@; add_header X; }",
                     r'invalid number of arguments in "add_header" directive in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
