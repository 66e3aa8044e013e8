"""limit_except as nginx has it: the block's allow/deny and auth_basic apply to the methods it
does not name (GET names HEAD too), what it does not set comes from the location, and -t errors.
Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import base64
import re
import unittest

from harness import ServerTestCase

AUTH = "Authorization: Basic " + base64.b64encode(b"u:p").decode() + "\r\n"


class LimitExceptTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /ro/ {
            limit_except GET { deny all; }
        }
        location /auth/ {
            limit_except GET OPTIONS {
                auth_basic "writers";
                auth_basic_user_file htpasswd;
            }
        }
        location /inherit/ {
            deny 127.0.0.1;
            limit_except GET { }
        }
    }
    """
    FILES = {"conf/htpasswd": "u:{PLAIN}p\n", "html/ro/a.txt": "ro\n", "html/auth/a.txt": "a\n",
             "html/inherit/a.txt": "i\n"}

    def status(self, method, path, extra=""):
        body = b"x" if method in ("POST", "PUT") else b""
        return self.one(path, method=method, extra=extra, body=body)[0]

    def test_listed_methods_pass(self):
        self.assertEqual(self.status("GET", "/ro/a.txt"), 200)
        self.assertEqual(self.status("HEAD", "/ro/a.txt"), 200)  # GET names HEAD

    def test_other_methods_get_the_blocks_rules(self):
        self.assertEqual(self.status("POST", "/ro/a.txt"), 403)
        self.assertEqual(self.status("DELETE", "/ro/a.txt"), 403)

    def test_auth_for_other_methods(self):
        self.assertEqual(self.status("GET", "/auth/a.txt"), 200)
        self.assertEqual(self.status("POST", "/auth/a.txt"), 401)
        self.assertEqual(self.status("POST", "/auth/a.txt", AUTH), 405)  # let in; static says 405

    def test_unset_settings_come_from_the_location(self):
        self.assertEqual(self.status("GET", "/inherit/a.txt"), 403)
        self.assertEqual(self.status("POST", "/inherit/a.txt"), 403)


class LimitExceptConfigTest(ServerTestCase):
    def failing(self, body, pattern):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_bad_method(self):
        self.failing("server { listen 127.0.0.1:@PORT@; location / { limit_except FETCH { } } }",
                     r'invalid method "FETCH" in CONF:\d+')

    def test_not_in_server(self):
        self.failing("server { listen 127.0.0.1:@PORT@; limit_except GET { } }",
                     r'"limit_except" directive is not allowed here in CONF:\d+')

    def test_duplicate(self):
        self.failing("server { listen 127.0.0.1:@PORT@; location / { limit_except GET { } "
                     "limit_except POST { } } }",
                     r'"limit_except" directive is duplicate in CONF:\d+')


if __name__ == "__main__":
    unittest.main()
