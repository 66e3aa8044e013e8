"""location matching with nginx's precedence (=, ^~, longest prefix, regex in order, nested),
try_files, return, root vs alias."""

import unittest

from harness import ServerTestCase


class LocationTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;

        location = / { return 200 "exact-root\\n"; }
        location / { return 200 "prefix-root\\n"; }
        location = /exact { return 200 "exact\\n"; }
        location /docs/ { return 200 "docs\\n"; }
        location /docs/api/ { return 200 "docs-api\\n"; }
        location ^~ /static/ { return 200 "static\\n"; }
        location ~ ^/docs/.*\\.md$ { return 200 "md-regex\\n"; }
        location ~ \\.php$ { return 200 "php\\n"; }
        location ~ /first\\.regex { return 200 "first-regex\\n"; }
        location ~ /first { return 200 "second-regex\\n"; }
        location ~* \\.(png|jpg)$ { return 200 "image\\n"; }
        location /img/ { return 200 "img\\n"; }
        location /nest/ {
            location ~ \\.txt$ { return 200 "nested-regex\\n"; }
            location /nest/deeper/ { return 200 "nested-prefix\\n"; }
            return 200 "nest\\n";
        }

        location /files/ { }
        location /alias/ { alias html/aliased/; }
        location /rooted/ { root html/r; }

        location /try/ { try_files $uri $uri/ =404; }
        location /try2/ { try_files $uri /try2/fallback.txt; }
        location /try3/ { try_files /nothing /also-nothing =410; }

        location = /ret/301 { return 301 /elsewhere; }
        location = /ret/302 { return 302 http://other.invalid/x?y=1; }
        location = /ret/url { return http://other.invalid/url; }
        location = /ret/text { return 404 "custom not found\\n"; }
        location = /ret/204 { return 204; }
        location = /ret/403 { return 403; }
        location = /ret/ok { return 200; }
    }
    """
    FILES = {
        "html/files/a.txt": "files-a\n",
        "html/files/a.php": "<?php source must not matter ?>\n",
        "html/aliased/x.txt": "aliased-x\n",
        "html/alias/x.txt": "WRONG: alias must not append the location\n",
        "html/r/rooted/x.txt": "rooted-x\n",
        "html/rooted/x.txt": "WRONG: root must be html/r\n",
        "html/try/a.txt": "try-a\n",
        "html/try/dir/index.html": "try-dir-index\n",
        "html/try2/fallback.txt": "fallback\n",
        "html/try2/real.txt": "real\n",
    }

    def body(self, path):
        status, _, body = self.server.get(path)
        self.assertEqual(status, 200, path)
        return body.decode()

    def check(self, cases):
        for path, want in cases:
            with self.subTest(path=path):
                self.assertEqual(self.body(path), want)

    def test_exact_match(self):
        self.check([("/", "exact-root\n"), ("/exact", "exact\n"), ("/exact/", "prefix-root\n"),
                    ("/exactly", "prefix-root\n"), ("/exact?q=1", "exact\n")])

    def test_longest_prefix(self):
        self.check([("/docs/x", "docs\n"), ("/docs/api/x", "docs-api\n"),
                    ("/docs", "prefix-root\n"), ("/other", "prefix-root\n")])

    def test_regex_beats_prefix(self):
        self.check([("/docs/a.md", "md-regex\n"), ("/docs/api/a.md", "md-regex\n"),
                    ("/img/a.png", "image\n"), ("/img/a.txt", "img\n"), ("/x/y.php", "php\n")])

    def test_caret_tilde_prefix_stops_regex_search(self):
        self.check([("/static/a.php", "static\n"), ("/static/a.png", "static\n")])

    def test_first_matching_regex_wins(self):
        self.check([("/first.regex", "first-regex\n"), ("/firstx", "second-regex\n")])

    def test_case_sensitivity_of_regexes(self):
        self.check([("/x/A.PNG", "image\n"),  # ~* ignores case
                    ("/x/a.PHP", "prefix-root\n")])  # ~ does not

    def test_nested_locations(self):
        self.check([("/nest/a.txt", "nested-regex\n"), ("/nest/deeper/x", "nested-prefix\n"),
                    ("/nest/x", "nest\n")])

    def test_root_and_alias(self):
        self.check([("/files/a.txt", "files-a\n"), ("/alias/x.txt", "aliased-x\n"),
                    ("/rooted/x.txt", "rooted-x\n")])

    def test_try_files(self):
        self.check([("/try/a.txt", "try-a\n"), ("/try/dir/", "try-dir-index\n"),
                    ("/try2/real.txt", "real\n"), ("/try2/missing.txt", "fallback\n")])
        # "$uri/" finds the directory, and the static handler then asks for the slash.
        status, headers, _ = self.server.get("/try/dir")
        self.assertEqual(status, 301)
        self.assertEqual(headers["location"], f"http://127.0.0.1:{self.server.port}/try/dir/")
        status, _, _ = self.server.get("/try/missing.txt")
        self.assertEqual(status, 404)
        status, _, _ = self.server.get("/try3/x")
        self.assertEqual(status, 410)

    def test_return_redirects(self):
        status, headers, _ = self.server.get("/ret/301")
        self.assertEqual(status, 301)
        # A relative URL becomes absolute, from Host and the listening port.
        self.assertEqual(headers["location"], f"http://127.0.0.1:{self.server.port}/elsewhere")
        status, headers, body = self.server.get("/ret/302")
        self.assertEqual(status, 302)
        self.assertEqual(headers["location"], "http://other.invalid/x?y=1")
        self.assertIn(b"302 Found", body)
        status, headers, _ = self.server.get("/ret/url")
        self.assertEqual(status, 302)  # "return URL" means 302
        self.assertEqual(headers["location"], "http://other.invalid/url")

    def test_return_text(self):
        status, headers, body = self.server.get("/ret/text")
        self.assertEqual(status, 404)
        self.assertEqual(body, b"custom not found\n")
        self.assertEqual(headers["content-type"], "application/octet-stream")  # default_type

    def test_return_code_only(self):
        status, _, body = self.server.get("/ret/204")
        self.assertEqual((status, body), (204, b""))
        status, _, body = self.server.get("/ret/403")
        self.assertEqual(status, 403)
        self.assertIn(b"403 Forbidden", body)  # the built-in error page
        status, headers, body = self.server.get("/ret/ok")
        self.assertEqual((status, body), (200, b""))


if __name__ == "__main__":
    unittest.main()
