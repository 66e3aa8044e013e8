"""open_file_cache as nginx means it (issue 8): with max= and a long open_file_cache_valid a
file's answers come from the cache (a replaced file is not seen, a missing one stays 404 with
open_file_cache_errors on, and is seen at once with it off); `open_file_cache off` sees every
change at once; min_uses keeps nothing open before the N-th use. Runs against Debian's nginx
too (WEBCYCLE_TEST_SERVER=nginx). One worker, so one cache."""

import os
import unittest

from harness import ServerTestCase


class OpenFileCacheTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /cached/ {
            open_file_cache max=100 inactive=60s;
            open_file_cache_valid 60s;
            open_file_cache_errors on;
        }
        location /noerrors/ {
            open_file_cache max=100 inactive=60s;
            open_file_cache_valid 60s;
        }
        location /off/ { open_file_cache off; }
        location /minuses/ {
            open_file_cache max=100 inactive=60s;
            open_file_cache_valid 60s;
            open_file_cache_min_uses 3;
        }
    }
    """
    FILES = {"html/cached/a.txt": "one\n", "html/off/a.txt": "one\n",
             "html/minuses/a.txt": "one\n", "html/noerrors/a.txt": "one\n"}

    def fetch(self, path):
        status, _, body = self.one(path)
        return status, body.decode()

    def replace(self, rel, text):
        # A new file renamed over the old one: a new inode, as a deploy does it.
        path = self.server.path(rel)
        with open(path + ".new", "w") as f:
            f.write(text)
        os.rename(path + ".new", path)

    def test_cached_file_and_error(self):
        self.assertEqual(self.fetch("/cached/a.txt"), (200, "one\n"))
        self.replace("html/cached/a.txt", "two!\n")
        self.assertEqual(self.fetch("/cached/a.txt"), (200, "one\n"))
        self.assertEqual(self.fetch("/cached/b.txt")[0], 404)
        self.replace("html/cached/b.txt", "b\n")
        self.assertEqual(self.fetch("/cached/b.txt")[0], 404)  # the error is cached too

    def test_errors_not_cached_without_open_file_cache_errors(self):
        self.assertEqual(self.fetch("/noerrors/b.txt")[0], 404)
        self.replace("html/noerrors/b.txt", "b\n")
        self.assertEqual(self.fetch("/noerrors/b.txt"), (200, "b\n"))

    def test_off_sees_every_change(self):
        self.assertEqual(self.fetch("/off/a.txt"), (200, "one\n"))
        self.replace("html/off/a.txt", "two!\n")
        self.assertEqual(self.fetch("/off/a.txt"), (200, "two!\n"))
        self.assertEqual(self.fetch("/off/b.txt")[0], 404)
        self.replace("html/off/b.txt", "b\n")
        self.assertEqual(self.fetch("/off/b.txt"), (200, "b\n"))

    def test_min_uses(self):
        # Not kept before its third use: changes are seen; from the third on it is cached.
        self.assertEqual(self.fetch("/minuses/a.txt"), (200, "one\n"))
        self.replace("html/minuses/a.txt", "two!\n")
        self.assertEqual(self.fetch("/minuses/a.txt"), (200, "two!\n"))
        self.assertEqual(self.fetch("/minuses/a.txt"), (200, "two!\n"))
        self.replace("html/minuses/a.txt", "three\n")
        self.assertEqual(self.fetch("/minuses/a.txt"), (200, "two!\n"))


if __name__ == "__main__":
    unittest.main()
