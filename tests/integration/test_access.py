"""allow / deny as nginx has them: rules in order, the first match decides, CIDR masks for IPv4
and IPv6, `all`, a level with its own rules replacing the enclosing level's, `return` (rewrite
phase) before the access check, the 403 and its error-log line, and -t errors and warnings. Runs
against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import re
import unittest

from harness import ServerTestCase


class AccessTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        deny 127.0.0.2;
        allow 127.0.0.0/8;
        deny all;
        location /own/ { deny 127.0.0.1; }
        location /inherits/ { }
        location /mask/ { allow 10.0.0.0/8; allow ::1; deny all; }
        location /first/ { allow all; deny 127.0.0.1; }
        location /ret/ { deny all; return 200 "returned\\n"; }
    }
    """
    FILES = {p + "/a.txt": "a\n" for p in ("html", "html/own", "html/inherits", "html/mask",
                                           "html/first", "html/ret")}

    def status(self, path):
        status, _, body = self.one(path)
        return status, body

    def test_server_rules(self):
        self.assertEqual(self.status("/a.txt")[0], 200)  # 127.0.0.1 is in 127.0.0.0/8

    def test_a_level_with_rules_replaces_the_enclosing(self):
        self.assertEqual(self.status("/own/a.txt")[0], 403)
        self.assertEqual(self.status("/inherits/a.txt")[0], 200)

    def test_masks_and_deny_all(self):
        self.assertEqual(self.status("/mask/a.txt")[0], 403)

    def test_first_match_decides(self):
        self.assertEqual(self.status("/first/a.txt")[0], 200)

    def test_return_runs_before_access(self):
        self.assertEqual(self.status("/ret/x"), (200, b"returned\n"))

    def test_denial_is_logged(self):
        self.server.exchange(b"GET /own/a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertIsNotNone(
            self.server.wait_for_log(r"\[error\] .*access forbidden by rule, client: 127\.0\.0\.1"))


class AccessConfigTest(ServerTestCase):
    def check(self, body, pattern, code):
        s = self.start_server(body, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, pattern.replace("CONF", re.escape(s.conf_path)))

    def test_bad_address(self):
        self.check("server { listen 127.0.0.1:@PORT@; allow 300.1.1.1; }",
                   r'invalid parameter "300\.1\.1\.1" in CONF:\d+', 1)
        self.check("server { listen 127.0.0.1:@PORT@; deny 10.0.0.0/33; }",
                   r'invalid parameter "10\.0\.0\.0/33" in CONF:\d+', 1)

    def test_low_bits_warning(self):
        self.check("server { listen 127.0.0.1:@PORT@; allow 10.1.2.3/8; }",
                   r'\[warn\].*low address bits of 10\.1\.2\.3/8 are meaningless in CONF:\d+', 0)


if __name__ == "__main__":
    unittest.main()
