"""rewrite as nginx has it: server-level rewrites before the location search, location-level
ones after it, no flag (go on with the next statement, then search again), last, break,
redirect, permanent, absolute replacements, captures (escaped in redirects), the request's
arguments kept, added to or dropped, `return` and `break` in the same script, cycles ending in
500, a rewritten URI sent to the upstream, and -t errors. Runs against Debian's nginx too
(WEBCYCLE_TEST_SERVER=nginx)."""

import http.server
import re
import unittest

from harness import QuietHandler, ServerTestCase, UpstreamTestCase, header


class Upstream(QuietHandler, http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send(200, f"upstream got {self.path}\n".encode())


class RewriteTest(UpstreamTestCase):
    UPSTREAM_HANDLER = Upstream
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        rewrite ^/srv/(.*)$ /loc/$1;
        rewrite ^/srvlast/(.*)$ /loc/$1 last;
        location /loc/ { return 200 "loc uri=$uri args=$args\\n"; }
        location /r/ {
            rewrite ^/r/(.*)$ /show/$1;
            return 200 "return after rewrite uri=$uri\\n";
        }
        location /b/ { rewrite ^/b/(.*)$ /new/$1 break; }
        location /red/ { rewrite ^/red/(.*)$ /target/$1 redirect; }
        location /perm/ { rewrite ^/perm/(.*)$ /target/$1?a=1 permanent; }
        location /abs/ { rewrite ^/abs/(.*)$ http://example.test/$1; }
        location /args/ { rewrite ^/args/(.*)$ /show/$1?n=1 last; }
        location /noargs/ { rewrite ^/noargs/(.*)$ /show/$1? last; }
        location /chain/ {
            rewrite ^/chain/(.*)$ /chain2/$1;
            rewrite ^/chain2/(.*)$ /show/chained-$1;
        }
        location /nomatch/ { rewrite ^/other/ /show/x last; return 200 "no match\\n"; }
        location /brk/ { break; return 200 "not reached\\n"; }
        location /loop/ { rewrite ^ /loop/x last; }
        location /show/ { return 200 "show uri=$uri args=$args\\n"; }
        location /up/ {
            rewrite ^/up/(.*)$ /backend/$1 break;
            proxy_pass http://127.0.0.1:@UPSTREAM@/ignored/;
        }
    }
    """
    FILES = {"html/new/x.txt": "newfile\n", "html/brk/a.txt": "brk file\n"}

    def body(self, target, status=200):
        got, _, body = self.one(target)
        self.assertEqual(got, status, target)
        return body.decode()

    def location(self, target, status):
        got, headers, _ = self.one(target)
        self.assertEqual(got, status, target)
        return header(headers, "location")

    def test_server_level_before_the_location_search(self):
        self.assertEqual(self.body("/srv/a%20b?q=1"), "loc uri=/loc/a b args=q=1\n")
        self.assertEqual(self.body("/srvlast/z"), "loc uri=/loc/z args=\n")

    def test_statements_go_on_after_a_rewrite_without_flag(self):
        self.assertEqual(self.body("/r/x"), "return after rewrite uri=/show/x\n")

    def test_break_serves_in_the_same_location(self):
        self.assertEqual(self.body("/b/x.txt"), "newfile\n")
        self.assertEqual(self.body("/brk/a.txt"), "brk file\n")

    def test_redirect_and_permanent(self):
        port = self.server.port
        self.assertEqual(self.location("/red/a%20b?q=1", 302),
                         f"http://localhost:{port}/target/a%20b?q=1")
        self.assertEqual(self.location("/perm/p?q=2", 301),
                         f"http://localhost:{port}/target/p?a=1&q=2")

    def test_absolute_replacement_redirects(self):
        self.assertEqual(self.location("/abs/a%20b?q=3", 302), "http://example.test/a%20b?q=3")

    def test_arguments(self):
        self.assertEqual(self.body("/args/a?q=4"), "show uri=/show/a args=n=1&q=4\n")
        self.assertEqual(self.body("/noargs/a?q=5"), "show uri=/show/a args=\n")

    def test_chain_then_search(self):
        self.assertEqual(self.body("/chain/c"), "show uri=/show/chained-c args=\n")

    def test_no_match_goes_on(self):
        self.assertEqual(self.body("/nomatch/x"), "no match\n")

    def test_cycle_is_500(self):
        self.one_status = self.one("/loop/")[0]
        self.assertEqual(self.one_status, 500)

    def test_rewritten_uri_goes_upstream(self):
        self.assertEqual(self.body("/up/a%20b?q=6"), "upstream got /backend/a%20b?q=6\n")


class ServerReturnTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        location / { return 404; }
        return 301 https://$host$request_uri;
    }
    """

    def test_a_server_level_return_answers_before_any_location(self):
        resp = self.server.exchange(b"GET /a?b=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertEqual(resp[0][0], 301)
        self.assertEqual(header(resp[0][1], "location"), "https://localhost/a?b=1")


class RewriteConfigTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_bad_flag(self):
        self.failing("server { listen 127.0.0.1:@PORT@; rewrite ^ /x sometimes; }",
                     r'invalid parameter "sometimes" in CONF:\d+')

    def test_bad_regex(self):
        self.failing("server { listen 127.0.0.1:@PORT@; rewrite ^(x /x; }",
                     r'pcre2?_compile\(\) failed: missing closing parenthesis in "\^\(x"')

    def test_not_at_http_level(self):
        self.failing("rewrite ^ /x;",
                     r'"rewrite" directive is not allowed here in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
