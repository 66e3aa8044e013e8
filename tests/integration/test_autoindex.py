"""autoindex as nginx writes it, byte for byte: html (names escaped, cut past 50 bytes, sizes
exact or human, UTC or local time), json, jsonp, xml; directories first, hidden names left out;
chunked to HTTP/1.1, to the close for HTTP/1.0; an index file still wins; a missing directory is
a 404. The expected pages were taken from Debian's nginx, and the test runs against it too
(WEBCYCLE_TEST_SERVER=nginx)."""

import os
import unittest

from harness import ServerTestCase, header

MTIME = 1709618828  # 05-Mar-2024 06:07:08 UTC


class AutoindexTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location /d/ { autoindex on; }
        location /human/ { alias html/d/; autoindex on; autoindex_exact_size off; }
        location /j/ { alias html/d/; autoindex on; autoindex_format json; }
        location /jp/ { alias html/d/; autoindex on; autoindex_format jsonp; }
        location /x/ { alias html/d/; autoindex on; autoindex_format xml; }
        location /withindex/ { autoindex on; }
        location /off/ { }
    }
    """
    FILES = {
        "html/d/file.txt": "abc\n",
        "html/d/big.bin": b"\0" * 123456,
        "html/d/a name & <x>.txt": "x\n",
        "html/d/.hidden": "h\n",
        "html/d/" + "n" * 60 + ".txt": "y\n",
        "html/d/sub/keep": "k\n",
        "html/withindex/index.html": "the index\n",
        "html/off/a.txt": "a\n",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = os.path.join(cls.server.html, "d")
        for name in os.listdir(d):
            os.utime(os.path.join(d, name), (MTIME, MTIME))

    def get(self, target, version="1.1"):
        return self.one(target, version=version)

    def test_html(self):
        status, headers, body = self.get("/d/")
        self.assertEqual(status, 200)
        self.assertEqual(header(headers, "content-type"), "text/html")
        self.assertEqual(header(headers, "transfer-encoding"), "chunked")
        self.assertIsNone(header(headers, "content-length"))
        self.assertIsNone(header(headers, "last-modified"))
        long_name = "n" * 60 + ".txt"
        want = (
            "<html>\r\n<head><title>Index of /d/</title></head>\r\n<body>\r\n"
            "<h1>Index of /d/</h1><hr><pre><a href=\"../\">../</a>\r\n"
            "<a href=\"sub/\">sub/</a>" + " " * 47 + "05-Mar-2024 06:07" + " " * 19 + "-\r\n"
            "<a href=\"a%20name%20%26%20%3Cx%3E.txt\">a name &amp; &lt;x&gt;.txt</a>" + " " * 35
            + "05-Mar-2024 06:07" + " " * 19 + "2\r\n"
            "<a href=\"big.bin\">big.bin</a>" + " " * 44 + "05-Mar-2024 06:07" + " " * 14
            + "123456\r\n"
            "<a href=\"file.txt\">file.txt</a>" + " " * 43 + "05-Mar-2024 06:07" + " " * 19
            + "4\r\n"
            f"<a href=\"{long_name}\">" + "n" * 47 + "..&gt;</a> 05-Mar-2024 06:07"
            + " " * 19 + "2\r\n"
            "</pre><hr></body>\r\n</html>\r\n")
        self.assertEqual(body.decode(), want)

    def test_human_sizes(self):
        _, _, body = self.get("/human/")
        lines = body.decode().split("\r\n")
        self.assertIn("<a href=\"sub/\">sub/</a>" + " " * 47 + "05-Mar-2024 06:07       -",
                      lines)
        self.assertIn("<a href=\"big.bin\">big.bin</a>" + " " * 44 + "05-Mar-2024 06:07    121K",
                      lines)
        self.assertIn("<a href=\"file.txt\">file.txt</a>" + " " * 43
                      + "05-Mar-2024 06:07       4", lines)

    def test_json_and_jsonp(self):
        status, headers, body = self.get("/j/")
        self.assertEqual(header(headers, "content-type"), "application/json")
        date = "Tue, 05 Mar 2024 06:07:08 GMT"
        want = ("[\r\n"
                f"{{ \"name\":\"sub\", \"type\":\"directory\", \"mtime\":\"{date}\" }},\r\n"
                f"{{ \"name\":\"a name & <x>.txt\", \"type\":\"file\", \"mtime\":\"{date}\", \"size\":2 }},\r\n"
                f"{{ \"name\":\"big.bin\", \"type\":\"file\", \"mtime\":\"{date}\", \"size\":123456 }},\r\n"
                f"{{ \"name\":\"file.txt\", \"type\":\"file\", \"mtime\":\"{date}\", \"size\":4 }},\r\n"
                f"{{ \"name\":\"{'n' * 60}.txt\", \"type\":\"file\", \"mtime\":\"{date}\", \"size\":2 }}\r\n"
                "]")
        self.assertEqual(body.decode(), want)
        status, headers, body = self.get("/jp/?callback=show")
        self.assertEqual(header(headers, "content-type"), "application/javascript")
        self.assertEqual(body.decode(), "/* callback */\r\nshow(" + want + ");")
        status, _, _ = self.get("/jp/?callback=a(b)")
        self.assertEqual(status, 400)

    def test_xml(self):
        status, headers, body = self.get("/x/")
        self.assertEqual(header(headers, "content-type"), "text/xml; charset=utf-8")
        text = body.decode()
        self.assertTrue(text.startswith("<?xml version=\"1.0\"?>\r\n<list>\r\n"
                                        "<directory mtime=\"2024-03-05T06:07:08Z\">sub</directory>\r\n"
                                        "<file mtime=\"2024-03-05T06:07:08Z\" size=\"2\">"
                                        "a name &amp; &lt;x&gt;.txt</file>\r\n"), text)
        self.assertTrue(text.endswith("</list>\r\n"))

    def test_http10_reads_to_the_close(self):
        status, headers, body = self.get("/d/", version="1.0")
        self.assertEqual(status, 200)
        self.assertIsNone(header(headers, "transfer-encoding"))
        self.assertEqual(header(headers, "connection"), "close")
        self.assertTrue(body.endswith(b"</html>\r\n"))

    def test_index_file_wins_and_off_is_forbidden(self):
        self.assertEqual(self.get("/withindex/")[2], b"the index\n")
        self.assertEqual(self.get("/off/")[0], 403)
        self.assertEqual(self.get("/d/nosuchdir/")[0], 404)

    def test_head(self):
        resp = self.server.exchange(b"HEAD /d/ HTTP/1.1\r\nHost: localhost\r\n\r\n", head=True)
        self.assertEqual(resp[0][0], 200)
        self.assertEqual(resp[0][2], b"")


if __name__ == "__main__":
    unittest.main()
