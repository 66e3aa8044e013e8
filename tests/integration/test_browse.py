"""`webcycle browse` against raw-socket peers (browse_peers.py): every body framing and redirect
kind compared byte for byte with curl, curl's flags (-i -I -o -X -d -H -f), curl's exit codes,
keep-alive across redirects, the -v trace, and a search against a small search engine."""

import json
import os
import socket
import tempfile
import unittest
import urllib.parse

from browse_peers import (BINARY, BODY_CL, BODY_CLOSE, PAGE, TEXT_FOR_GZIP, RawServer,
                          SearchServer, SilentServer, browse, curl)
from harness import free_ports


class BrowseRawTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = RawServer()
        cls.addClassCleanup(cls.server.stop)

    def url(self, path):
        return self.server.url(path)

    def same_as_curl(self, path, browse_args=(), curl_args=()):
        """browse and curl -s (-L: browse follows redirects) print the same bytes."""
        b = browse(self.url(path), *browse_args)
        c = curl("-L", self.url(path), *curl_args)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(b.stdout, c.stdout, f"{path}: browse and curl differ")
        return b

    # ---- framing ------------------------------------------------------------------------------
    def test_content_length(self):
        b = self.same_as_curl("/cl")
        self.assertEqual(b.stdout, BODY_CL)

    def test_chunked(self):
        b = self.same_as_curl("/chunked")
        self.assertIn(b"second chunk", b.stdout)
        self.assertNotIn(b"\r\n0\r\n", b.stdout)

    def test_close_delimited(self):
        self.assertEqual(self.same_as_curl("/close").stdout, BODY_CLOSE)
        self.assertEqual(self.same_as_curl("/http10").stdout, BODY_CLOSE)

    def test_binary_body_is_byte_identical(self):
        self.assertEqual(self.same_as_curl("/binary").stdout, BINARY)

    def test_empty_and_no_content(self):
        self.assertEqual(self.same_as_curl("/empty").stdout, b"")
        self.assertEqual(self.same_as_curl("/204").stdout, b"")

    def test_interim_responses_are_skipped(self):
        self.assertEqual(self.same_as_curl("/interim").stdout, BODY_CL)

    def test_gzip_and_deflate_with_compressed(self):
        for path in ("/gzip", "/gzip-chunked", "/deflate", "/raw-deflate"):
            b = self.same_as_curl(path, ["--compressed"], ["--compressed"])
            self.assertEqual(b.stdout, TEXT_FOR_GZIP, path)

    def test_without_compressed_nothing_is_asked_or_decoded(self):
        b = browse(self.url("/echo"))
        headers = dict((k.lower(), v) for k, v in json.loads(b.stdout)["headers"])
        self.assertNotIn("accept-encoding", headers)
        self.assertEqual(self.same_as_curl("/gzip").stdout, TEXT_FOR_GZIP)

    def test_request_is_curls(self):
        b = browse(self.url("/echo?x=1"))
        c = curl(self.url("/echo?x=1"))
        got, want = json.loads(b.stdout), json.loads(c.stdout)
        self.assertEqual(got["method"], "GET")
        self.assertEqual(got["target"], "/echo?x=1")
        names = lambda r: [n for n, _ in r["headers"]]
        self.assertEqual(names(got), names(want))
        hdr = dict(got["headers"])
        self.assertEqual(hdr["Host"], f"127.0.0.1:{self.server.port}")
        self.assertTrue(hdr["User-Agent"].startswith("webcycle/"), hdr)
        self.assertEqual(hdr["Accept"], "*/*")

    # ---- redirects ----------------------------------------------------------------------------
    def test_every_redirect_kind_with_a_post(self):
        # curl -L: 301/302/303 turn a POST into GET (without the body); 307/308 keep both.
        for code in (301, 302, 303, 307, 308):
            path = f"/redirect/{code}?to=/echo"
            b = browse(self.url(path), "-d", "a=1&b=2")
            c = curl("-L", self.url(path), "-d", "a=1&b=2")
            self.assertEqual(b.returncode, 0, b.stderr)
            got, want = json.loads(b.stdout), json.loads(c.stdout)
            self.assertEqual(got["method"], want["method"], code)
            self.assertEqual(got["body"], want["body"], code)
            self.assertEqual(got["method"], "POST" if code in (307, 308) else "GET", code)

    def test_relative_and_absolute_locations(self):
        other = RawServer()
        self.addCleanup(other.stop)
        for to in ("/cl", "301?to=/cl", "../cl", "./../x/../cl", other.url("/cl"),
                   f"//127.0.0.1:{other.port}/cl", "/cl#fragment"):
            path = "/redirect/302?to=" + urllib.parse.quote(to, safe="/:")
            b = self.same_as_curl(path)
            self.assertEqual(b.stdout, BODY_CL, to)

    def test_redirect_body_is_not_printed(self):
        self.assertEqual(self.same_as_curl("/redirect-chunked").stdout, BODY_CL)

    def test_keep_alive_across_redirects_to_the_same_host(self):
        before = self.server.connections
        b = browse(self.url("/redirect/301?to=/redirect/302%3Fto%3D/echo"), "-v")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(json.loads(b.stdout)["connection"], before + 1)
        self.assertEqual(self.server.connections, before + 1, "one connection for 3 requests")
        self.assertIn("reusing the connection", b.stderr)

    def test_too_many_redirects_is_47(self):
        b = browse(self.url("/loop"), "--max-redirs", "3")
        c = curl("-L", "--max-redirs", "3", self.url("/loop"))
        self.assertEqual(c.returncode, 47)
        self.assertEqual(b.returncode, 47, b.stderr)
        self.assertIn("maximum (3) redirects followed", b.stderr)
        self.assertEqual(b.stdout, b"")
        b = browse(self.url("/redirect/302?to=/cl"), "--max-redirs", "0")
        self.assertEqual(b.returncode, 47)
        b = browse(self.url("/redirect/302?to=/cl"), "--max-redirs", "1")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL))

    def test_redirect_to_https_is_followed(self):
        # Port 1 is closed: the https:// address is tried (test_tls.py has the real TLS cases).
        b = browse(self.url("/redirect/301?to=https://127.0.0.1:1/"))
        self.assertEqual(b.returncode, 7, b.stderr)
        self.assertIn("cannot connect to 127.0.0.1 port 1", b.stderr)

    # ---- curl's flags -------------------------------------------------------------------------
    def test_include_and_head_match_curl(self):
        for args in (["-i"], ["-I"]):
            for path in ("/cl", "/chunked", "/interim"):
                b = browse(self.url(path), *args)
                c = curl(*args, self.url(path))
                self.assertEqual(b.returncode, 0, b.stderr)
                self.assertEqual(b.stdout, c.stdout, f"{args} {path}")
        b = browse(self.url("/echo"), "-I")
        self.assertEqual(self.server.requests[-1].method, "HEAD")
        self.assertTrue(b.stdout.startswith(b"HTTP/1.1 200 OK\r\n"))
        # -i with redirects: every head, as curl -iL prints them.
        b = browse(self.url("/redirect/301?to=/cl"), "-i")
        c = curl("-iL", self.url("/redirect/301?to=/cl"))
        self.assertEqual(b.stdout, c.stdout)

    def test_output_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "body.bin")
            b = browse(self.url("/binary"), "-o", out)
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertEqual(b.stdout, b"")
            with open(out, "rb") as f:
                self.assertEqual(f.read(), BINARY)
            b = browse(self.url("/cl"), "-o", os.path.join(d, "no", "such", "dir"))
            self.assertEqual(b.returncode, 23)

    def test_method_data_and_headers(self):
        b = browse(self.url("/echo"), "-X", "PUT", "-d", "x=1", "-d", "y=2", "-H", "X-One: 1",
                   "-H", "Accept: text/html", "-H", "User-Agent:")
        got = json.loads(b.stdout)
        self.assertEqual(got["method"], "PUT")
        self.assertEqual(got["body"], "x=1&y=2")
        hdr = dict(got["headers"])
        self.assertEqual(hdr["X-One"], "1")
        self.assertEqual(hdr["Accept"], "text/html")
        self.assertEqual(hdr["Content-Type"], "application/x-www-form-urlencoded")
        self.assertNotIn("User-Agent", hdr)
        c = curl(self.url("/echo"), "-X", "PUT", "-d", "x=1", "-d", "y=2", "-H", "X-One: 1",
                 "-H", "Accept: text/html", "-H", "User-Agent:")
        want = json.loads(c.stdout)
        self.assertEqual(got["headers"], want["headers"])
        self.assertEqual(got["body"], want["body"])

    def test_data_from_a_file(self):
        with tempfile.NamedTemporaryFile("wb", delete=False) as f:
            f.write(b"name=webcycle\r\n&x=1\n")
        self.addCleanup(os.unlink, f.name)
        got = json.loads(browse(self.url("/echo"), "-d", "@" + f.name).stdout)
        want = json.loads(curl(self.url("/echo"), "-d", "@" + f.name).stdout)
        self.assertEqual(got["method"], "POST")
        self.assertEqual(got["body"], "name=webcycle&x=1")
        self.assertEqual(got["body"], want["body"])
        b = browse(self.url("/echo"), "-d", "@/nonexistent/file")
        self.assertEqual(b.returncode, 26)

    def test_fail_on_http_errors(self):
        b = browse(self.url("/notfound"), "-f")
        self.assertEqual(b.returncode, 22)
        self.assertEqual(b.stdout, b"")
        self.assertIn("404", b.stderr)
        self.assertEqual(curl("-f", self.url("/notfound")).returncode, 22)
        b = browse(self.url("/notfound"))
        self.assertEqual(b.returncode, 0)
        self.assertEqual(b.stdout, curl(self.url("/notfound")).stdout)

    # ---- failures -----------------------------------------------------------------------------
    def test_nothing_listening_is_7(self):
        port = free_ports(1)[0]
        b = browse(f"http://127.0.0.1:{port}/")
        self.assertEqual(b.returncode, 7, b.stderr)
        self.assertIn(f"cannot connect to 127.0.0.1 port {port}", b.stderr)
        self.assertEqual(curl(f"http://127.0.0.1:{port}/").returncode, 7)

    def test_server_that_never_answers_is_28(self):
        silent = SilentServer()
        self.addCleanup(silent.stop)
        b = browse(f"http://127.0.0.1:{silent.port}/", "--max-time", "0.5")
        self.assertEqual(b.returncode, 28, b.stderr)
        self.assertIn("timed out", b.stderr)

    def test_broken_replies(self):
        self.assertEqual(browse(self.url("/truncated")).returncode, 18)
        self.assertEqual(curl(self.url("/truncated")).returncode, 18)
        self.assertEqual(browse(self.url("/garbage")).returncode, 8)
        self.assertEqual(browse(self.url("/empty-reply")).returncode, 52)
        self.assertEqual(curl(self.url("/empty-reply")).returncode, 52)

    def test_unsupported_and_malformed(self):
        b = browse("ftp://example.test/")
        self.assertEqual(b.returncode, 1)
        self.assertIn('unsupported protocol "ftp"', b.stderr)
        self.assertEqual(browse("http://exa<mple.test/").returncode, 3)
        self.assertEqual(browse("http://example.test:99999/").returncode, 3)

    def test_bad_usage_is_2(self):
        for args in (["--nope", "x"], [], ["-o"], ["x", "--max-redirs", "many"],
                     ["x", "-H", "no colon"], ["x", "--max-time", "-1"],
                     ["x", "--search", "http://s/?q="]):
            b = browse(*args)
            self.assertEqual(b.returncode, 2, args)
            self.assertEqual(len(b.stderr.strip().splitlines()), 1, b.stderr)

    def test_help(self):
        b = browse("--help")
        self.assertEqual(b.returncode, 0)
        self.assertIn(b"usage: webcycle browse", b.stdout)

    # ---- the address bar ----------------------------------------------------------------------
    def test_address_without_scheme(self):
        b = browse(f"127.0.0.1:{self.server.port}/cl")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL))
        b = browse(f"localhost:{self.server.port}/cl")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)

    def test_ipv6_literal(self):
        try:
            v6 = RawServer(socket.AF_INET6, "::1")
        except OSError as e:
            self.skipTest(f"no IPv6 loopback here: {e}")
        self.addCleanup(v6.stop)
        b = browse(f"[::1]:{v6.port}/cl")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        got = json.loads(browse(f"http://[::1]:{v6.port}/echo").stdout)
        self.assertEqual(dict(got["headers"])["Host"], f"[::1]:{v6.port}")

    def test_text_rendering(self):
        b = browse(self.url("/page"), "--text")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(
            b.stdout.decode(),
            "Raw page\n========\n\n# Hello\n\nSee the CL page[1] and elsewhere[2].\n\nLinks:\n"
            f"  [1] http://127.0.0.1:{self.server.port}/cl\n  [2] http://example.test/x\n")
        # Not HTML: printed as it is.
        self.assertEqual(browse(self.url("/cl"), "--text").stdout, BODY_CL)

    # ---- -v -----------------------------------------------------------------------------------
    def test_verbose_tells_the_whole_cycle(self):
        b = browse(f"localhost:{self.server.port}/reqid", "-v")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(b.stdout, BODY_CL)
        err = b.stderr
        for needle in ('input "localhost:', "an address", "looking up localhost",
                       "resolve: ", "localhost is 127.0.0.1", "hosts file",
                       f"connecting to 127.0.0.1:{self.server.port}", "connected to",
                       "> GET /reqid HTTP/1.1", "> Host: localhost:", "< HTTP/1.1 200 OK",
                       "< X-Request-ID: 5f1e3c2a9b8d7e6f", "request id: 5f1e3c2a9b8d7e6f",
                       f"body: {len(BODY_CL)} bytes (Content-Length)", "done: 200 OK"):
            self.assertIn(needle, err)
        for line in err.splitlines():
            self.assertRegex(line, r"^\[ *\d+\.\d{3} ms\] [*<>] ")
        b = browse(self.url("/redirect/302?to=/cl"), "-v")
        self.assertIn("redirect 302 (1 of 50) to", b.stderr)


class BrowseSearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.search = SearchServer()
        cls.addClassCleanup(cls.search.stop)

    def test_words_are_a_search_shown_as_the_list_of_results(self):
        b = browse("how", "dns", "--search", self.search.template)
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(self.search.queries[-1], ("q=how+dns", "how dns"))
        self.assertEqual(
            b.stdout.decode(),
            "Search: how dns\n===============\n\n# 1 results for \u201chow dns\u201d\n\n"
            "  1. How DNS works[1]\n\nNew search[2]\n\nLinks:\n"
            "  [1] http://www.mysite.test/dns.html\n"
            f"  [2] http://127.0.0.1:{self.search.port}/\n")

    def test_environment_template_and_flag_precedence(self):
        env = {"WEBCYCLE_SEARCH": self.search.template}
        b = browse("dns", env=env)
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(self.search.queries[-1][1], "dns")
        self.assertIn(b"[1] http://www.mysite.test/dns.html", b.stdout)
        self.assertIn(b"[2] http://app.mysite.test/", b.stdout)
        # The flag wins over the environment.
        port = free_ports(1)[0]
        b = browse("dns", "--search", f"http://127.0.0.1:{port}/?q=%s", env=env)
        self.assertEqual(b.returncode, 7)

    def test_special_characters_are_encoded(self):
        b = browse("?c++ & dns/#1", "--search", self.search.template, "-v")
        self.assertEqual(b.returncode, 0, b.stderr)
        self.assertEqual(self.search.queries[-1], ("q=c%2B%2B+%26+dns%2F%231", "c++ & dns/#1"))
        self.assertIn("a search", b.stderr)


if __name__ == "__main__":
    unittest.main()
