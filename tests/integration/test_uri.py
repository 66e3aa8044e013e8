"""URI normalization: percent-decoding, dot segments, repeated slashes, and whatever the encoding,
never a byte from outside root. A secret file sits beside root; no answer may contain it."""

import unittest

from harness import ServerTestCase, parse_responses

SECRET = b"SECRET-beside-root\n"


class UriTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location = /sub/exact { return 200 "exact\\n"; }
    }
    """
    FILES = {
        "html/a.txt": "A\n",
        "html/a b.txt": "AB\n",
        "html/d/b.txt": "B\n",
        "html/%41.txt": "literal percent\n",
        "html/\u00fc.txt": "u-umlaut\n",
        "secret.txt": SECRET,  # PREFIX/secret.txt, beside root (PREFIX/html)
    }

    def get(self, target):
        raw = self.server.raw(
            f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(), timeout=2)
        self.assertNotIn(SECRET.strip(), raw, f"{target} leaked the file outside root")
        resp = parse_responses(raw)[0]
        self.assertTrue(resp, f"no response to {target}: {raw!r}")
        return resp[0][0], resp[0][2]

    def check(self, cases):
        for target, status, body in cases:
            with self.subTest(target=target):
                got_status, got_body = self.get(target)
                self.assertEqual(got_status, status)
                if body is not None:
                    self.assertEqual(got_body, body)

    def test_percent_decoding(self):
        self.check([
            ("/a%20b.txt", 200, b"AB\n"),
            ("/%61.txt", 200, b"A\n"),
            ("/a%2etxt", 200, b"A\n"),
            ("/%c3%bc.txt", 200, b"u-umlaut\n"),
            # decoded once only: %25 is '%', so this names the file "%41.txt"
            ("/%2541.txt", 200, b"literal percent\n"),
            ("/%41.txt", 404, None),  # decodes to /A.txt, which does not exist
            ("/d%2fb.txt", 200, b"B\n"),  # an encoded slash is a slash after decoding
        ])

    def test_query_is_not_part_of_the_path(self):
        self.check([("/a.txt?q=/../secret.txt", 200, b"A\n")])

    def test_bad_percent_encoding_is_400(self):
        self.check([("/%", 400, None), ("/%zz", 400, None), ("/a%2", 400, None)])

    def test_dot_segments_inside_root(self):
        self.check([
            ("/./a.txt", 200, b"A\n"),
            ("/d/../a.txt", 200, b"A\n"),
            ("/d/%2e%2e/a.txt", 200, b"A\n"),
            ("/d/%2E%2E/a.txt", 200, b"A\n"),
            ("/d/.%2e/a.txt", 200, b"A\n"),
            ("/sub/../a.txt", 200, b"A\n"),  # through a directory that does not exist
        ])

    def test_repeated_slashes_merge(self):
        self.check([("//a.txt", 200, b"A\n"), ("/d//b.txt", 200, b"B\n"),
                    ("///d///b.txt", 200, b"B\n")])

    def test_dot_dot_above_root_is_400(self):
        self.check([
            ("/../secret.txt", 400, None),
            ("/d/../../secret.txt", 400, None),
            ("/%2e%2e/secret.txt", 400, None),
            ("/%2E%2e/secret.txt", 400, None),
            ("/%2e%2e%2fsecret.txt", 400, None),
            ("/..%2fsecret.txt", 400, None),
            ("/d%2f..%2f..%2fsecret.txt", 400, None),
            ("/..", 400, None),
            ("/../", 400, None),
        ])

    def test_overlong_utf8_and_backslash_are_plain_bytes(self):
        # %c0%ae is an overlong '.', %c0%af an overlong '/': they must not act as dots or slashes.
        # nginx treats them as ordinary bytes of a name that does not exist: 404.
        self.check([
            ("/%c0%ae%c0%ae/secret.txt", 404, None),
            ("/%c0%ae%c0%ae%c0%afsecret.txt", 404, None),
            ("/%e0%80%ae%e0%80%ae/secret.txt", 404, None),
            ("/..%5csecret.txt", 404, None),
            ("/..%c1%9csecret.txt", 404, None),
        ])

    def test_nul_byte_is_400(self):
        self.check([("/a.txt%00", 400, None), ("/a.txt%00.html", 400, None),
                    ("/%00", 400, None)])

    def test_target_must_start_with_slash(self):
        self.check([("a.txt", 400, None), ("../secret.txt", 400, None)])

    def test_locations_match_the_normalized_uri(self):
        self.check([("/sub/%65xact", 200, b"exact\n"), ("/x/../sub/exact", 200, b"exact\n"),
                    ("//sub//exact", 200, b"exact\n")])

    def test_trailing_slash_on_a_file_is_404(self):
        self.check([("/d/b.txt/", 404, None)])


if __name__ == "__main__":
    unittest.main()
