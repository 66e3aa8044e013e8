"""expires as nginx has it: TIME (max-age and Expires from now), negative (no-cache), modified
(from the file's mtime), @TIME-OF-DAY, epoch, max, off, the codes it applies to, inheritance,
replacing a proxied answer's own Expires/Cache-Control, its place before add_header's headers,
and -t errors. Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import email.utils
import http.server
import os
import re
import time
import unittest

from harness import QuietHandler, ServerTestCase, UpstreamTestCase, header

MTIME = 1700000000  # Tue, 14 Nov 2023 22:13:20 GMT


class Upstream(QuietHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send(200, b"upstream\n", [("Cache-Control", "private"),
                                        ("Expires", "Wed, 21 Oct 2015 07:28:00 GMT")])


def seconds(date):
    return int(email.utils.parsedate_to_datetime(date).timestamp())


class ExpiresTest(UpstreamTestCase):
    UPSTREAM_HANDLER = Upstream
    CONFIG = """
    expires 1h;
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /neg/ { expires -10m; }
        location /mod/ { expires modified 2d; }
        location /epoch/ { expires epoch; }
        location /max/ { expires max; }
        location /off/ { expires off; }
        location /daily/ { expires @15h30m; }
        location /order/ { expires 60; add_header X-After yes; }
        location = /teapot { return 418 "x\\n"; }
        location /proxy/ { expires 5m; proxy_pass http://127.0.0.1:@UPSTREAM@/; }
    }
    """
    FILES = {d + "/a.txt": "a\n" for d in
             ("html", "html/neg", "html/mod", "html/epoch", "html/max", "html/off",
              "html/daily", "html/order")}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.utime(os.path.join(cls.server.html, "mod", "a.txt"), (MTIME, MTIME))

    def test_time_from_now(self):
        status, headers, _ = self.one("/a.txt")  # inherited from the http level
        self.assertEqual(status, 200)
        self.assertEqual(header(headers, "cache-control"), "max-age=3600")
        self.assertEqual(seconds(header(headers, "expires")) - seconds(header(headers, "date")),
                         3600)

    def test_negative_is_no_cache(self):
        _, headers, _ = self.one("/neg/a.txt")
        self.assertEqual(header(headers, "cache-control"), "no-cache")
        self.assertEqual(seconds(header(headers, "expires")) - seconds(header(headers, "date")),
                         -600)

    def test_modified(self):
        _, headers, _ = self.one("/mod/a.txt")
        self.assertEqual(seconds(header(headers, "expires")), MTIME + 2 * 86400)
        self.assertEqual(header(headers, "cache-control"), "no-cache")  # already past

    def test_epoch_and_max(self):
        _, headers, _ = self.one("/epoch/a.txt")
        self.assertEqual(header(headers, "expires"), "Thu, 01 Jan 1970 00:00:01 GMT")
        self.assertEqual(header(headers, "cache-control"), "no-cache")
        _, headers, _ = self.one("/max/a.txt")
        self.assertEqual(header(headers, "expires"), "Thu, 31 Dec 2037 23:55:55 GMT")
        self.assertEqual(header(headers, "cache-control"), "max-age=315360000")

    def test_off(self):
        _, headers, _ = self.one("/off/a.txt")
        self.assertIsNone(header(headers, "expires"))
        self.assertIsNone(header(headers, "cache-control"))

    def test_daily(self):
        _, headers, _ = self.one("/daily/a.txt")
        expires = seconds(header(headers, "expires"))
        local = time.localtime(expires)
        self.assertEqual((local.tm_hour, local.tm_min, local.tm_sec), (15, 30, 0))
        max_age = int(header(headers, "cache-control").removeprefix("max-age="))
        self.assertEqual(expires - seconds(header(headers, "date")), max_age)
        self.assertTrue(0 < max_age <= 86400)

    def test_not_on_other_codes(self):
        status, headers, _ = self.one("/teapot")
        self.assertEqual(status, 418)
        self.assertIsNone(header(headers, "expires"))
        status, headers, _ = self.one("/missing")
        self.assertEqual(status, 404)
        self.assertIsNone(header(headers, "cache-control"))

    def test_before_add_header(self):
        _, headers, _ = self.one("/order/a.txt")
        names = [n for n, _ in headers]
        self.assertLess(names.index("etag"), names.index("expires"))
        self.assertLess(names.index("expires"), names.index("cache-control"))
        self.assertLess(names.index("cache-control"), names.index("x-after"))

    def test_replaces_the_upstreams(self):
        _, headers, body = self.one("/proxy/x")
        self.assertEqual(body, b"upstream\n")
        self.assertEqual([v for n, v in headers if n == "cache-control"], ["max-age=300"])
        self.assertEqual(len([v for n, v in headers if n == "expires"]), 1)
        self.assertEqual(seconds(header(headers, "expires")) - seconds(header(headers, "date")),
                         300)


class ExpiresConfigTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_bad_values(self):
        self.failing("server { listen 127.0.0.1:@PORT@; expires soon; }",
                     r'"expires" directive invalid value in CONF:\d+')
        self.failing("server { listen 127.0.0.1:@PORT@; expires later 1h; }",
                     r'"expires" directive invalid value in CONF:\d+')
        self.failing("server { listen 127.0.0.1:@PORT@; expires @25h; }",
                     r'daily time value must be less than 24 hours in CONF:\d+')
        self.failing("server { listen 127.0.0.1:@PORT@; expires modified @1h; }",
                     r'daily time cannot be used with "modified" parameter in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
