"""error_page as nginx has it: a page for the error's status (internal redirect as GET, args
kept), `=CODE` and `=` (the page's own status), named locations (method kept), redirects to a
URL (302, or =301...), inheritance, no second error page (an error inside the page gets the
built-in one), error pages for proxied 502s, the page's head (no Last-Modified, no ranges or
304s), and -t errors. Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import re
import socket
import unittest

from harness import ServerTestCase, free_ports, header


class ErrorPageTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        error_page 404 /errors/404.html;
        error_page 403 =200 /index.html;
        error_page 405 = @named;
        error_page 410 http://example.test/gone;
        error_page 418 =301 http://example.test/tea;
        error_page 500 /errors/missing500.html;
        error_page 502 503 /errors/50x.html;
        location @named { return 202 "named $request_method $uri\\n"; }
        location = /gone { return 410; }
        location = /tea { return 418; }
        location = /forbid { return 403; }
        location = /post { return 405; }
        location = /boom { return 500; }
        location = /status { error_page 404 /show-status; return 404; }
        location = /show-status { return 200 "status $status uri $uri args $args\\n"; }
        location = /args { error_page 404 /show-status?from=$uri; return 404; }
        location = /eq { error_page 404 = /show-status; return 404; }
        location /own/ { error_page 404 /errors/own.html; }
        location /inherits/ { }
        location /errors/ { internal; }
        location = /upstream-down { proxy_pass http://127.0.0.1:@DEAD@; }
        location = /method { error_page 404 /errors/method; return 404; }
        location = /errors/method { return 200 "method $request_method\\n"; }
    }
    """
    FILES = {
        "html/index.html": "home\n",
        "html/errors/404.html": "custom not found\n",
        "html/errors/own.html": "own not found\n",
        "html/errors/50x.html": "try again later\n",
    }

    @classmethod
    def setUpClass(cls):
        # A port nothing listens on: proxy_pass to it fails with 502.
        cls.CONFIG = cls.CONFIG.replace("@DEAD@", str(free_ports(1)[0]))
        super().setUpClass()

    def test_a_page_for_the_status(self):
        status, headers, body = self.one("/missing")
        self.assertEqual((status, body), (404, b"custom not found\n"))
        self.assertEqual(header(headers, "content-type"), "text/html")
        # The page is the error's answer: no Last-Modified, no Accept-Ranges; ETag stays.
        self.assertIsNone(header(headers, "last-modified"))
        self.assertIsNone(header(headers, "accept-ranges"))
        self.assertIsNotNone(header(headers, "etag"))

    def test_the_page_ignores_conditionals_and_ranges(self):
        status, headers, body = self.one("/missing", extra='If-None-Match: *\r\nRange: bytes=0-2\r\n')
        self.assertEqual((status, body), (404, b"custom not found\n"))
        self.assertIsNone(header(headers, "content-range"))

    def test_head_keeps_head(self):
        status, headers, body = self.one("/missing", method="HEAD")
        self.assertEqual((status, body), (404, b""))
        self.assertEqual(header(headers, "content-length"), str(len("custom not found\n")))

    def test_post_becomes_get_for_a_uri(self):
        status, _, body = self.one("/missing", method="POST", body=b"x=1")
        self.assertEqual((status, body), (404, b"custom not found\n"))
        status, _, body = self.one("/method", method="POST", body=b"x=1")
        self.assertEqual((status, body), (404, b"method GET\n"))

    def test_overwrite_code(self):
        status, headers, body = self.one("/forbid")
        self.assertEqual((status, body), (200, b"home\n"))
        self.assertIsNotNone(header(headers, "last-modified"))  # an ordinary 200 then

    def test_equals_takes_the_page_status(self):
        status, _, body = self.one("/eq")
        self.assertEqual((status, body), (200, b"status 200 uri /show-status args \n"))

    def test_status_variable_and_uri_in_the_page(self):
        status, _, body = self.one("/status")
        self.assertEqual((status, body), (404, b"status 404 uri /show-status args \n"))

    def test_args_in_the_page_uri(self):
        status, _, body = self.one("/args")
        self.assertEqual((status, body), (404, b"status 404 uri /show-status args from=/args\n"))

    def test_named_location_keeps_the_method(self):
        status, _, body = self.one("/post", method="POST", body=b"x")
        self.assertEqual((status, body), (202, b"named POST /post\n"))

    def test_redirects(self):
        status, headers, _ = self.one("/gone")
        self.assertEqual(status, 302)
        self.assertEqual(header(headers, "location"), "http://example.test/gone")
        status, headers, _ = self.one("/tea")
        self.assertEqual(status, 301)
        self.assertEqual(header(headers, "location"), "http://example.test/tea")

    def test_no_second_error_page(self):
        # /boom's page is missing: the built-in 404 (not the 404 page, not a 500), connection
        # closed as after the 500.
        status, headers, body = self.one("/boom")
        self.assertEqual(status, 404)
        self.assertIn(b"<title>404 Not Found</title>", body)
        self.assertEqual(header(headers, "connection"), "close")

    def test_inheritance(self):
        status, _, body = self.one("/own/x")
        self.assertEqual((status, body), (404, b"own not found\n"))
        status, _, body = self.one("/inherits/x")
        self.assertEqual((status, body), (404, b"custom not found\n"))

    def test_internal_pages_are_not_reachable_directly(self):
        status, _, body = self.one("/errors/404.html")
        # The direct request gets 404 from `internal`, whose page is the 404 page itself.
        self.assertEqual((status, body), (404, b"custom not found\n"))

    def test_proxied_502_gets_the_page(self):
        status, _, body = self.one("/upstream-down")
        self.assertEqual((status, body), (502, b"try again later\n"))


class ErrorPageConfigTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_code_range(self):
        self.failing("server { listen 127.0.0.1:@PORT@; error_page 200 /x; }",
                     r'value "200" must be between 300 and 599 in CONF:\d+')

    def test_499(self):
        self.failing("server { listen 127.0.0.1:@PORT@; error_page 499 /x; }",
                     r'invalid value "499" in CONF:\d+')

    def test_bad_overwrite(self):
        self.failing("server { listen 127.0.0.1:@PORT@; error_page 404 =abc /x; }",
                     r'invalid value "=abc" in CONF:\d+')

    def test_arity(self):
        self.failing("server { listen 127.0.0.1:@PORT@; error_page 404; }",
                     r'invalid number of arguments in "error_page" directive in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
