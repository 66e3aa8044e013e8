"""auth_basic as nginx has it: 401 with WWW-Authenticate for missing or wrong credentials, the
password file's formats ({PLAIN}, {SHA}, {SSHA}, $apr1$, bcrypt and SHA-512 crypt), read per
request, `auth_basic off` in a nested location, $remote_user in the access log, the error-log
lines, a missing file (403), allow/deny checked too. Runs against Debian's nginx too
(WEBCYCLE_TEST_SERVER=nginx)."""

import base64
import crypt  # deprecated in 3.11 but present; the system's crypt(3), as htpasswd -B uses
import hashlib
import os
import subprocess
import unittest

from harness import ServerTestCase, header


def ssha(password, salt=b"saltsalt"):
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def apr1(password):
    return subprocess.run(["openssl", "passwd", "-apr1", "-salt", "abcdefgh", password],
                          capture_output=True, text=True, check=True).stdout.strip()


PASSWORDS = "\n".join([
    "# users of the test",
    "plain:{PLAIN}p1",
    "sha:{SHA}" + base64.b64encode(hashlib.sha1(b"p2").digest()).decode(),
    "ssha:" + ssha("p3"),
    "apr:" + apr1("p4"),
    "bcrypt:" + crypt.crypt("p5", crypt.mksalt(crypt.METHOD_BLOWFISH)),
    "sha512:" + crypt.crypt("p6", crypt.mksalt(crypt.METHOD_SHA512)) + ":a comment",
    "",
])


class AuthBasicTest(ServerTestCase):
    HTTP_KW = {"access_log": None}
    CONFIG = """
    log_format withuser '$remote_user $status $uri';
    access_log logs/access.log withuser;
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /private/ {
            auth_basic "Private Area";
            auth_basic_user_file htpasswd;
            location /private/open/ { auth_basic off; }
        }
        location /nofile/ { auth_basic "x"; auth_basic_user_file /nonexistent/htpasswd; }
        location /denied/ { deny all; auth_basic "x"; auth_basic_user_file htpasswd; }
    }
    """
    FILES = {
        "conf/htpasswd": PASSWORDS,
        "html/private/a.txt": "secret\n",
        "html/private/open/a.txt": "open\n",
        "html/nofile/a.txt": "x\n",
        "html/denied/a.txt": "x\n",
    }

    def get(self, path, user=None, password=None, raw=None):
        extra = ""
        if raw is not None:
            extra = f"Authorization: {raw}\r\n"
        elif user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            extra = f"Authorization: Basic {token}\r\n"
        return self.one(path, extra=extra)

    def test_no_credentials_is_a_challenge(self):
        status, headers, _ = self.get("/private/a.txt")
        self.assertEqual(status, 401)
        self.assertEqual(header(headers, "www-authenticate"), 'Basic realm="Private Area"')

    def test_every_password_format(self):
        for user, password in [("plain", "p1"), ("sha", "p2"), ("ssha", "p3"), ("apr", "p4"),
                               ("bcrypt", "p5"), ("sha512", "p6")]:
            with self.subTest(user=user):
                status, _, body = self.get("/private/a.txt", user, password)
                self.assertEqual((status, body), (200, b"secret\n"))
                status, headers, _ = self.get("/private/a.txt", user, password + "x")
                self.assertEqual(status, 401)
                self.assertIsNotNone(header(headers, "www-authenticate"))

    def test_unknown_user_and_bad_headers(self):
        self.assertEqual(self.get("/private/a.txt", "nobody", "p1")[0], 401)
        self.assertEqual(self.get("/private/a.txt", raw="Basic !!!notbase64")[0], 401)
        self.assertEqual(self.get("/private/a.txt", raw="Bearer abc")[0], 401)
        self.assertEqual(
            self.get("/private/a.txt", raw="Basic " + base64.b64encode(b"nocolon").decode())[0],
            401)

    def test_errors_are_logged(self):
        self.get("/private/a.txt", "plain", "wrong")
        self.assertIsNotNone(self.server.wait_for_log(r'\[error\] .*user "plain": password mismatch'))
        self.get("/private/a.txt", "ghost", "x")
        self.assertIsNotNone(self.server.wait_for_log(r'\[error\] .*user "ghost" was not found in ".*htpasswd"'))

    def test_off_in_a_nested_location(self):
        self.assertEqual(self.get("/private/open/a.txt")[2], b"open\n")

    def test_the_file_is_read_per_request(self):
        path = self.server.path("conf/htpasswd")
        with open(path, "a") as f:
            f.write("late:{PLAIN}p7\n")
        self.assertEqual(self.get("/private/a.txt", "late", "p7")[0], 200)

    def test_missing_file_is_forbidden(self):
        self.assertEqual(self.get("/nofile/a.txt", "plain", "p1")[0], 403)

    def test_deny_comes_first(self):
        self.assertEqual(self.get("/denied/a.txt")[0], 403)

    def test_remote_user_in_the_log(self):
        self.get("/private/a.txt", "plain", "p1")
        self.assertIsNotNone(self.server.wait_for_log(r"^plain 200 /private/a\.txt$", which="access"))


if __name__ == "__main__":
    unittest.main()
