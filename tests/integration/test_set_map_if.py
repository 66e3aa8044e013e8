"""set, map, if and regex server_name captures as nginx has them (issue 8), through the real
binary with curl: set in server, location and if blocks, in order with the other rewrite
statements, an unset variable read as empty; maps by host (hostnames, wildcards), by URI (regex
with numbered and named captures, the default, a value with variables), a map of a map, a map in
log_format; if with a variable, = and !=, ~ ~* !~ !~* (captures in the block), -f -d -e -x and
their negations, return/rewrite/set/break inside; a matched if in a location leaves try_files
out; regex server_name captures in return and root; and the -t errors. Runs against Debian's
nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import os
import re
import unittest

import harness
from harness import ServerTestCase


class SetMapIfTest(ServerTestCase):
    HTTP_KW = {"access_log": None}
    CONFIG = r"""
    log_format vars "$request_uri kind=$kind tag=$tag";
    access_log logs/access.log vars;
    map $host $kind {
        hostnames;
        default         plain;
        example.test    main;
        *.example.test  sub;
        www.tail.*      tail;
    }
    map $uri $tag {
        default                 none;
        /                       home;
        ~^/blog/(?<year>\d+)/(\d+)  "post-$year-$2";
        ~*^/DOCS/               "docs via $kind";
    }
    map $tag $tag_len {
        default long;
        home    short;
    }
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost example.test *.example.test www.tail.com;
        root html;
        set $origin "server-$host";

        location = / { return 200 "tag=$tag len=$tag_len\n"; }
        location = /info { return 200 "kind=$kind tag=$tag len=$tag_len origin=$origin\n"; }
        location /blog/ { return 200 "tag=$tag year=$year\n"; }
        location /docs/ { return 200 "$tag\n"; }
        location /order/ {
            set $a 1;
            set $b "$a-2";
            set $a 3;
            return 200 "a=$a b=$b unset=[$never]\n";
        }
        location = /never { set $never x; return 204; }
        location /cond/ {
            set $m "";
            if ($arg_t) { set $m "${m}t"; }
            if ($arg_e = "yes") { set $m "${m}e"; }
            if ($arg_n != "no") { set $m "${m}n"; }
            if ($http_user_agent ~* "^curl/") { set $m "${m}c"; }
            if ($uri !~ "^/cond/skip") { set $m "${m}s"; }
            return 200 "m=$m\n";
        }
        location /caps/ {
            if ($uri ~ "^/caps/(?<word>[a-z]+)/(\d+)$") { return 200 "word=$word num=$2\n"; }
            return 404;
        }
        location /files/ {
            alias html/;
            if (!-e $request_filename) { return 200 "missing\n"; }
            if (-d $request_filename) { return 200 "dir\n"; }
            if (-x $request_filename) { return 200 "exec\n"; }
            if (!-f $request_filename) { return 200 "not a file\n"; }
            if (-f $request_filename) { set $plain yes; }
            add_header X-Plain $plain;
        }
        location /rw/ {
            if ($arg_go) { rewrite ^/rw/(.*)$ /show/$1 last; }
            if ($arg_away) { rewrite ^ /elsewhere redirect; }
            if ($arg_stop) { set $s stopped; break; }
            return 200 "end s=[$s]\n";
        }
        location /show/ { return 200 "show $uri\n"; }
        location /tf/ {
            try_files $uri /fallback.txt;
            if ($arg_evil) { set $e 1; }
        }
    }
    server {
        listen 127.0.0.1:@PORT@;
        server_name ~^(?<user>[a-z]+)\.users\.test$ ~^site-([a-z])\.test$;
        root html/site-$1;
        location = /who { return 200 "user=$user one=$1\n"; }
    }
    """
    FILES = {
        "html/fallback.txt": "fallback\n",
        "html/a.txt": "plain file\n",
        "html/run.sh": "#!/bin/sh\n",
        "html/sub/x.txt": "x\n",
        "html/site-q/index.html": "site q\n",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.chmod(cls.server.path("html/run.sh"), 0o755)

    def body(self, target, host="localhost", status=200, *extra):
        r = self.server.curl("-i", "-H", f"Host: {host}", *extra,
                             f"http://127.0.0.1:{self.server.port}{target}")
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, body = r.stdout.decode("latin-1").partition("\r\n\r\n")
        self.assertEqual(int(head.split()[1]), status, head)
        self.last_head = head
        return body

    def test_set_in_order_and_from_the_server_level(self):
        self.assertEqual(self.body("/order/"), "a=3 b=1-2 unset=[]\n")
        self.assertIn("origin=server-localhost", self.body("/info"))

    def test_maps_by_host(self):
        for host, kind in [("example.test", "main"), ("EXAMPLE.test", "main"),
                           ("a.example.test", "sub"), ("a.b.example.test", "sub"),
                           ("www.tail.com", "tail"), ("localhost", "plain")]:
            self.assertIn(f"kind={kind} ", self.body("/info", host), host)

    def test_map_regex_captures_default_and_map_of_map(self):
        self.assertEqual(self.body("/blog/2024/07"), "tag=post-2024-07 year=2024\n")
        self.assertEqual(self.body("/docs/x", "a.example.test"), "docs via sub\n")
        self.assertIn("tag=none len=long", self.body("/info"))
        self.assertIn("tag=home len=short", self.body("/"))

    def test_map_in_log_format(self):
        self.body("/blog/1999/12", "example.test")
        lines = self.server.access_lines()
        self.assertTrue(any(l == "/blog/1999/12 kind=main tag=post-1999-12" for l in
                            self.server.access_lines()), lines)

    def test_if_conditions(self):
        self.assertEqual(self.body("/cond/?t=1&e=yes&n=no", "localhost", 200, "-A", "curl/8"),
                         "m=tecs\n")
        self.assertEqual(self.body("/cond/skip?t=0", "localhost", 200, "-A", "Other"), "m=n\n")

    def test_regex_captures_in_the_block(self):
        self.assertEqual(self.body("/caps/abc/42"), "word=abc num=42\n")
        self.body("/caps/ABC/42", "localhost", 404)

    def test_file_tests(self):
        self.assertEqual(self.body("/files/nope"), "missing\n")
        self.assertEqual(self.body("/files/sub/"), "dir\n")
        self.assertEqual(self.body("/files/run.sh"), "exec\n")
        self.assertEqual(self.body("/files/a.txt"), "plain file\n")
        self.assertEqual(header_value(self.last_head, "X-Plain"), "yes")

    def test_rewrite_break_and_return_inside_if(self):
        self.assertEqual(self.body("/rw/x?go=1"), "show /show/x\n")
        self.body("/rw/x?away=1", "localhost", 302)
        self.assertRegex(header_value(self.last_head, "Location"), r"/elsewhere\?away=1$")
        self.assertEqual(self.body("/rw/x"), "end s=[]\n")

    def test_break_inside_if_serves_the_location(self):
        # break stops the script: no return, the file under root (html/rw/a.txt: missing).
        self.body("/rw/a.txt?stop=1", "localhost", 404)

    def test_if_in_location_leaves_try_files_out(self):
        self.assertEqual(self.body("/tf/missing"), "fallback\n")
        self.body("/tf/missing?evil=1", "localhost", 404)

    def test_regex_server_name_captures(self):
        self.assertEqual(self.body("/who", "ann.users.test"), "user=ann one=ann\n")
        self.assertEqual(self.body("/", "site-q.test"), "site q\n")


def header_value(head, name):
    m = re.search(r"^" + re.escape(name) + r":\s*(.*?)\r?$", head, re.M | re.I)
    return m.group(1) if m else None


class ScriptingConfigErrorsTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_unknown_variable(self):
        self.failing("server { listen 127.0.0.1:@PORT@; location / { return 200 $nope; } }",
                     r'unknown "nope" variable')

    def test_directive_inside_if_that_webcycle_does_not_take_yet(self):
        if harness.SERVER_KIND == "nginx":
            self.skipTest("nginx takes add_header inside if")
        self.failing("server { listen 127.0.0.1:@PORT@; location / {\n"
                     "if ($arg_a) { add_header X y; } } }",
                     r'"add_header" directive is not supported inside "if" yet in CONF:\d+')

    def test_bad_condition(self):
        self.failing("server { listen 127.0.0.1:@PORT@; if ($a == b) { } }",
                     r'unexpected "==" in condition in CONF:\d+')

    def test_map_errors(self):
        self.failing("map $uri $x { default 1; default 2; }",
                     r'duplicate default map parameter in CONF:\d+')
        self.failing("map $uri $x { a b c; }",
                     r'invalid number of the map parameters in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
