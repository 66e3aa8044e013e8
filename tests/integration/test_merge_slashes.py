"""merge_slashes as nginx has it: on (the default) "//a///b" is "/a/b" for location matching,
files and $uri; off keeps the slashes, so a location or file is found only by its exact path.
Runs against Debian's nginx too (WEBCYCLE_TEST_SERVER=nginx)."""

import unittest

from harness import ServerTestCase


class MergeSlashesTest(ServerTestCase):
    NPORTS = 2
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT0@;
        server_name localhost;
        root html;
        location = /exact/x { return 200 "exact uri=$uri\\n"; }
        location /show/ { return 200 "show uri=$uri\\n"; }
    }
    server {
        listen 127.0.0.1:@PORT1@;
        server_name localhost;
        merge_slashes off;
        root html;
        location = /exact/x { return 200 "exact uri=$uri\\n"; }
        location /show/ { return 200 "show uri=$uri\\n"; }
    }
    """
    FILES = {"html/a/b.txt": "b\n"}

    def get(self, path, port_index):
        status, _, body = self.one(path, port=self.server.ports[port_index])
        return status, body

    def test_on(self):
        self.assertEqual(self.get("//exact///x", 0), (200, b"exact uri=/exact/x\n"))
        self.assertEqual(self.get("/show//a//b/", 0), (200, b"show uri=/show/a/b/\n"))
        self.assertEqual(self.get("//a//b.txt", 0), (200, b"b\n"))

    def test_off(self):
        self.assertEqual(self.get("/show//a//b/", 1), (200, b"show uri=/show//a//b/\n"))
        self.assertEqual(self.get("/exact/x", 1), (200, b"exact uri=/exact/x\n"))
        self.assertEqual(self.get("//exact/x", 1)[0], 404)
        self.assertEqual(self.get("/a/./b.txt", 1), (200, b"b\n"))  # dot segments still go


if __name__ == "__main__":
    unittest.main()
