"""The web server in front of an application server (issue 4), with the Flask app
(apps/proxy_app.py: apps/flask_app.py's routes and a few more): `location / { proxy_pass
http://127.0.0.1:APP; }`, nothing else configured.

Three stacks run the same tests:
- FlaskBehindWebcycleApp: the web server under test in front of `webcycle app`;
- FlaskBehindGunicorn: the web server under test in front of Debian's gunicorn 20.1;
- NginxInFrontOfWebcycleApp: Debian's nginx in front of `webcycle app`, whatever
  WEBCYCLE_TEST_SERVER says (skipped when that is the first class again, or nginx is absent).

The expectations are nginx's (WEBCYCLE_TEST_SERVER=nginx runs them against Debian's nginx). Most
answers are compared with what the app itself answers when asked directly: the proxy must pass
status, body and the app's headers through unchanged.
"""

import hashlib
import json
import os
import re
import socket
import time
import unittest

from proxy_harness import (APP_SERVER_KIND, SERVER_KIND, ProxyTestCase, parse_responses,
                           raw_exchange, read_until, read_until_close, request,
                           require_proxy_support, server_block)

# Headers a proxy hop sets itself (or that describe the framing of one hop): not compared.
HOP_HEADERS = {"date", "server", "connection", "keep-alive", "transfer-encoding"}


def multipart(fields, files, boundary="wcproxyboundary9x7Ff3"):
    out = []
    for name, value in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    for field, filename, ctype, data in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                   f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode() + data +
                   b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def end_to_end(resp):
    """The headers of resp a proxy must pass through, with cookie dates blanked, sorted by name
    (nginx moves Content-Length; headers of one name keep their order)."""
    out = []
    for n, v in resp.headers:
        if n in HOP_HEADERS:
            continue
        if n == "set-cookie":
            v = re.sub(r"(?i)(expires=)[^;]*", r"\1<date>", v)
        out.append((n, v))
    return sorted(out, key=lambda nv: nv[0])


class FlaskProxyTests:
    """Mixin: the tests; the concrete classes below say which servers run."""

    APP_KIND = None
    WEB_KIND = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_proxy_support(cls.WEB_KIND)
        cls.app = cls.cls_start_app("proxy_app:app", kind=cls.APP_KIND)
        cls.web = cls.cls_start_web(server_block(
            f"location / {{ proxy_pass http://127.0.0.1:{cls.app.port}; }}",
            extra="client_max_body_size 20m;"))

    def via(self, path, **kw):
        return request(self.web.port, path, **kw)

    def direct(self, path, **kw):
        return request(self.app.port, path, **kw)

    def same_as_direct(self, path, status, **kw):
        """Asks the app through the proxy and directly: same status, body, end-to-end headers."""
        p, d = self.via(path, **kw), self.direct(path, **kw)
        self.assertEqual(p.status, status, p)
        self.assertEqual(d.status, status, d)
        self.assertEqual(p.body, d.body)
        self.assertEqual(end_to_end(p), end_to_end(d))
        return p

    # ---- routes, JSON, forms, uploads ------------------------------------------------------
    def test_hello(self):
        r = self.same_as_direct("/", 200)
        self.assertEqual(r.body, b"Hello, World!")
        self.assertEqual(r.h("content-type"), "text/plain; charset=utf-8")
        self.assertEqual(r.h("content-length"), "13")

    def test_route_with_argument(self):
        r = self.same_as_direct("/user/alice", 200)
        self.assertEqual(r.body, b"<p>Hello, alice!</p>")
        self.assertEqual(r.h("content-type"), "text/html; charset=utf-8")

    def test_query_string(self):
        r = self.same_as_direct("/query?a=1&a=2&b=%20x&c=", 200)
        self.assertEqual(r.json(), {"a": ["1", "2"], "b": [" x"], "c": [""]})

    def test_json_get(self):
        r = self.same_as_direct("/json", 200)
        self.assertEqual(r.h("content-type"), "application/json")
        self.assertEqual(r.json(), {"items": [1, 2, 3], "name": "webcycle",
                                    "nested": {"ok": True}})

    def test_json_post(self):
        doc = {"k": "v", "n": [1, 2, {"deep": None}], "u": "\u00e9\u4e2d"}
        r = self.same_as_direct("/json", 200, method="POST", body=json.dumps(doc).encode(),
                                headers={"Content-Type": "application/json"})
        self.assertEqual(r.json(), {"method": "POST", "received": doc})

    def test_form_post(self):
        r = self.same_as_direct("/form", 200, method="POST", body=b"a=1&a=2&b=x+y&c=%26",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.json(), {"content_type": "application/x-www-form-urlencoded",
                                    "fields": {"a": ["1", "2"], "b": ["x y"], "c": ["&"]}})

    def test_multipart_upload(self):
        big = os.urandom(3 * 1024 * 1024 + 17)
        small = b"col1,col2\r\n1,2\r\n"
        body, ctype = multipart({"title": "two files"},
                                [("doc", "big.bin", "application/octet-stream", big),
                                 ("doc", "small.csv", "text/csv", small)])
        r = self.via("/upload", method="POST", body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"fields": {"title": "two files"}, "files": [
            {"field": "doc", "filename": "big.bin", "size": len(big),
             "sha256": hashlib.sha256(big).hexdigest(), "content_type": "application/octet-stream"},
            {"field": "doc", "filename": "small.csv", "size": len(small),
             "sha256": hashlib.sha256(small).hexdigest(), "content_type": "text/csv"}]})

    def test_chunked_request_body(self):
        """A chunked request body reaches the app whole (nginx reads it and sends it on with a
        Content-Length over its HTTP/1.0 upstream request)."""
        pieces = [b"a" * 1000, b"b" * 70000, b"c"]
        r = self.via("/sha256", method="POST", body=iter(pieces), chunked=True)
        self.assertEqual(r.status, 200, r)
        whole = b"".join(pieces)
        self.assertEqual(r.json()["len"], len(whole))
        self.assertEqual(r.json()["sha256"], hashlib.sha256(whole).hexdigest())
        self.assertEqual(r.json()["content_length"], str(len(whole)))

    # ---- streaming ---------------------------------------------------------------------------
    def test_streamed_response_is_chunked_to_http11_client(self):
        """Flask streams /stream without a length: an HTTP/1.1 client gets it chunked, whole."""
        [r] = raw_exchange(self.web.port, b"GET /stream?n=5 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.h("transfer-encoding"), "chunked")
        self.assertIsNone(r.h("content-length"))
        self.assertEqual(r.body, b"".join(b"line %d\n" % i for i in range(5)))

    def test_streamed_response_to_http10_client(self):
        """An HTTP/1.0 client gets the streamed body unframed and the connection closed."""
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=5) as s:
            s.sendall(b"GET /stream?n=4 HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data, closed = read_until_close(s, 5)
        self.assertTrue(closed)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertNotIn(b"chunked", head.lower())
        self.assertEqual(body, b"".join(b"line %d\n" % i for i in range(4)))

    def test_stream_with_context(self):
        r = self.same_as_direct("/stream_ctx?name=proxy", 200)
        self.assertEqual(r.body, b"hello proxy!")

    # ---- redirects ---------------------------------------------------------------------------
    def test_relative_redirect_passes_through(self):
        """Flask 2.2 sends Location: /target (relative); nothing to rewrite, it is passed on."""
        r = self.via("/redirect")
        self.assertEqual(r.status, 302)
        self.assertEqual(self.direct("/redirect").h("location"), "/target")
        self.assertEqual(r.h("location"), "/target")
        self.assertEqual(self.via(r.h("location")).body, b"you arrived")

    def test_absolute_redirect_to_app_address_is_rewritten(self):
        """The app builds http://127.0.0.1:APP/target from the Host it was sent ($proxy_host);
        proxy_redirect default turns that prefix ('http://127.0.0.1:APP/' = the proxy_pass URL)
        into '/', and the client is sent to the web server, not around it."""
        d = self.direct("/abs_redirect", headers={"Host": f"127.0.0.1:{self.app.port}"})
        self.assertEqual(d.h("location"), f"http://127.0.0.1:{self.app.port}/target")
        r = self.via("/abs_redirect")
        self.assertEqual(r.status, 302)
        self.assertEqual(r.h("location"), f"http://127.0.0.1:{self.web.port}/target")
        self.assertEqual(r.body, d.body)
        self.assertEqual(request(self.web.port, "/target").body, b"you arrived")

    # ---- errors ------------------------------------------------------------------------------
    def test_app_404_passed_through(self):
        r = self.same_as_direct("/missing", 404)
        self.assertIn(b"<title>404 Not Found</title>", r.body)

    def test_unknown_route_404_passed_through(self):
        self.same_as_direct("/no/such/route", 404)

    def test_app_500_passed_through(self):
        r = self.same_as_direct("/error", 500)
        self.assertIn(b"<title>500 Internal Server Error</title>", r.body)

    def test_method_not_allowed_passed_through(self):
        r = self.same_as_direct("/form", 405)
        self.assertEqual(r.h("allow"), self.direct("/form").h("allow"))

    # ---- cookies -----------------------------------------------------------------------------
    def test_set_cookie_headers_passed_through(self):
        r = self.same_as_direct("/cookie/set", 200)
        cookies = r.all("set-cookie")
        self.assertEqual(len(cookies), 2)
        self.assertEqual(cookies[0], "flavour=oatmeal; HttpOnly; Path=/")
        self.assertTrue(cookies[1].startswith("other=1; Expires="), cookies[1])

    def test_cookie_header_reaches_app(self):
        r = self.via("/cookie/get", headers={"Cookie": "flavour=oatmeal; other=1"})
        self.assertEqual(r.json(), {"cookies": {"flavour": "oatmeal", "other": "1"}})

    def test_session_round_trip(self):
        r1 = self.via("/session")
        self.assertEqual(r1.json(), {"n": 1})
        cookie = r1.h("set-cookie").split(";")[0]
        r2 = self.via("/session", headers={"Cookie": cookie})
        self.assertEqual(r2.json(), {"n": 2})

    # ---- HEAD, keep-alive on the client side -----------------------------------------------
    def test_head_then_get_on_one_connection(self):
        """HEAD is passed on as HEAD: the answer has the app's headers and no body, and the
        connection goes on (the GET after it is answered right)."""
        data = (b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"
                b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        rs = raw_exchange(self.web.port, data, n=2, head=[True, False])
        self.assertEqual([r.status for r in rs], [200, 200])
        self.assertEqual(rs[0].h("content-length"), "13")
        self.assertEqual(rs[0].h("content-type"), "text/plain; charset=utf-8")
        self.assertEqual(rs[0].body, b"")
        self.assertEqual(rs[1].body, b"Hello, World!")

    def test_head_of_streamed_route(self):
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=5) as s:
            s.sendall(b"HEAD /stream HTTP/1.1\r\nHost: localhost\r\n\r\n"
                      b"GET /user/x HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = read_until(s, 3, lambda b: b"Hello, x!" in b)
        rs, rest = parse_responses(data, head=[True, False])
        self.assertEqual([r[0] for r in rs], [200, 200], data)
        self.assertEqual(rs[1][2], b"<p>Hello, x!</p>")
        self.assertEqual(rest, b"")

    def test_client_keepalive_sequential_and_pipelined(self):
        with socket.create_connection(("127.0.0.1", self.web.port), timeout=5) as s:
            for i in range(5):
                s.sendall(f"GET /user/u{i} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
                data = read_until(s, 3, lambda b: len(parse_responses(b)[0]) >= 1)
                [(status, headers, body)], rest = parse_responses(data)
                self.assertEqual((status, body, rest), (200, f"<p>Hello, u{i}!</p>".encode(),
                                                        b""))
                self.assertNotEqual(dict(headers).get("connection"), "close")
            s.sendall(b"".join(f"GET /user/p{i} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
                               for i in range(3)))
            data = read_until(s, 3, lambda b: len(parse_responses(b)[0]) >= 3)
            rs, rest = parse_responses(data)
            self.assertEqual([b for _, _, b in rs], [f"<p>Hello, p{i}!</p>".encode()
                                                      for i in range(3)])
            # Still open: one more request is answered.
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data, closed = read_until_close(s, 3)
            self.assertTrue(closed)
            self.assertTrue(data.endswith(b"Hello, World!"), data)


class FlaskBehindWebcycleApp(FlaskProxyTests, ProxyTestCase):
    APP_KIND = APP_SERVER_KIND


class FlaskBehindGunicorn(FlaskProxyTests, ProxyTestCase):
    APP_KIND = "gunicorn"


@unittest.skipIf(SERVER_KIND == "nginx" and APP_SERVER_KIND == "webcycle",
                 "same stack as FlaskBehindWebcycleApp under WEBCYCLE_TEST_SERVER=nginx")
class NginxInFrontOfWebcycleApp(FlaskProxyTests, ProxyTestCase):
    """Debian's nginx in front of `webcycle app`: the app server must work behind the real
    nginx, not just behind `webcycle web`."""
    APP_KIND = "webcycle"
    WEB_KIND = "nginx"


if __name__ == "__main__":
    unittest.main()
