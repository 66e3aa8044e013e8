"""gunicorn's request corpus (../shared/corpora/gunicorn-requests.json) sent raw to the server:
every `error` case is refused (a 4xx, or a close without any 2xx), every `requests` case gets one
response per request. The corpus is read in place, never copied; without it the test skips."""

import base64
import concurrent.futures
import json
import os
import socket
import time
import unittest

from harness import HERE, SERVER_KIND, Server, http_config, parse_responses

SOURCE_DIR = os.environ.get("WEBCYCLE_SOURCE_DIR", os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(SOURCE_DIR, "..", "shared", "corpora", "gunicorn-requests.json")

SITE = """
    # Incomplete cases (a header or body cut short) end by timeout, so keep the timeouts short.
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_timeout 5s;
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        location / { return 200 "ok\\n"; }
    }
"""

# gunicorn settings with no webcycle/nginx equivalent: the case is skipped, saying why.
UNSUPPORTED = {
    "proxy_protocol": "PROXY protocol is not supported",
    "forwarded_allow_ips": "no X-Forwarded-* scheme checks",
    "header_map": "headers with '_' are dropped as nginx does (underscores_in_headers off); "
                  "there is no setting to refuse or keep them",
    "permit_obsolete_folding": "obs-fold is always refused (issue 2)",
    "strip_header_spaces": "whitespace before ':' is always refused (issue 2)",
    "permit_unconventional_http_method": "no lenient-method switch",
    "casefold_http_method": "no lenient-method switch",
    "limit_request_fields": "no limit on the number of header fields",
}


# Error cases Debian's nginx 1.22 accepts (checked by running this file against it) and issue 2
# requires webcycle to refuse. Under nginx these are skipped, saying why; under webcycle they
# are asserted like every other case.
NGINX_ACCEPTS = {
    "invalid/009": "no limit on the number of header fields (gunicorn's is 100)",
    "invalid/041": "duplicate Content-Type is accepted",
    "invalid/rfc9110_field_value_ctl_bel_01": "control bytes (BEL) in field values pass",
    "invalid/rfc9110_field_value_ctl_del_01": "DEL in field values passes",
    "invalid/rfc9110_trailer_forbidden_cl_01": "trailers are not checked (Content-Length)",
    "invalid/rfc9110_trailer_forbidden_host_01": "trailers are not checked (Host)",
    "invalid/rfc9110_trailer_forbidden_te_01": "trailers are not checked (Transfer-Encoding)",
    "invalid/rfc9112_chunked_missing_final_crlf_01": "`return` answers before the body ends",
}


def limit_config(config):
    """nginx directives equivalent to a case's gunicorn limits, or (None, reason)."""
    config = config or {}
    for key, why in UNSUPPORTED.items():
        if key in config:
            return None, f"{key}: {why}"
    line = config.get("limit_request_line")
    field = config.get("limit_request_field_size")
    if field == 0:
        field = None  # gunicorn: 0 means its default
    if field is not None and field < 1024:
        return None, (f"limit_request_field_size {field}: large_client_header_buffers cannot "
                      "be smaller than the request line")
    size = max(line or 0, field or 0)
    if size:
        # One header line (or the request line) must fit in one buffer.
        return f"large_client_header_buffers 4 {size + 2};", None
    # gunicorn's defaults: limit_request_line 4094, limit_request_field_size 8190.
    return "large_client_header_buffers 4 4k;", None


def incomplete_body(case):
    """True when a `requests` case's bytes hold less body than its Content-Length announces
    (gunicorn's valid/099 does): such a request is still incomplete for a server, which may
    answer it or wait for the rest."""
    for req in case.get("requests", []):
        for name, value in req["headers"]:
            if name.upper() == "CONTENT-LENGTH" and value.strip().isdigit():
                if int(value) > len(base64.b64decode(req["body_b64"])):
                    return True
    return False


def load_cases():
    with open(CORPUS) as f:
        return json.load(f)["cases"]


def exchange(server, raw, want, timeout):
    """Sends raw, reads until `want` responses arrived (then a short grace for extra ones), the
    server closed, or `timeout` passed. Returns (bytes, closed)."""
    with server.connect() as s:
        try:
            s.sendall(raw)
        except OSError:
            pass  # the server may refuse and close before reading everything
        buf = b""
        deadline = time.monotonic() + timeout
        grace_until = None
        while True:
            now = time.monotonic()
            end = min(deadline, grace_until) if grace_until else deadline
            if now >= end:
                return buf, False
            s.settimeout(end - now)
            try:
                chunk = s.recv(65536)
            except (socket.timeout, TimeoutError):
                return buf, False
            except ConnectionResetError:
                return buf, True
            if not chunk:
                return buf, True
            buf += chunk
            if want and grace_until is None and len(parse_responses(buf)[0]) >= want:
                grace_until = time.monotonic() + 0.3


def expected_responses(case):
    """One response per request, except that an HTTP/1.1 request without Host must be answered
    400 and the connection closed (RFC 9112 3.2): requests after it go unanswered."""
    n = 0
    for req in case["requests"]:
        n += 1
        names = {h[0].upper() for h in req["headers"]}
        if tuple(req["version"]) == (1, 1) and "HOST" not in names:
            return n, True
    return n, False


def with_host(case):
    """The case's bytes with "Host: x" added to each HTTP/1.1 request that has none, so that the
    framing of every request is exercised rather than the first one refused for lacking Host.
    None when a request line cannot be found in the bytes."""
    raw = base64.b64decode(case["raw_b64"])
    pos = 0
    for req in case["requests"]:
        names = {h[0].upper() for h in req["headers"]}
        if tuple(req["version"]) != (1, 1) or "HOST" in names:
            continue
        line = (f"{req['method']} ".encode("latin-1") + req["target"].encode("utf-8") +
                b" HTTP/1.1")
        at = raw.find(line, pos)
        if at < 0:
            return None
        eol = raw.find(b"\n", at) + 1
        raw = raw[:eol] + b"Host: x\r\n" + raw[eol:]
        pos = eol
    return raw


# `requests` cases a server may still refuse (with a 4xx/501 and a close), as nginx does: the
# stream is well-formed but asks for something a static web server does not do.
MAY_REFUSE = {
    "valid/009": "Transfer-Encoding identity (501)",
    "valid/017": "duplicate If-Match (nginx: 400)",
    "valid/025": "Transfer-Encoding gzip before chunked, in two fields",
    "valid/025_line": "Transfer-Encoding gzip, chunked (501)",
    "valid/029": "Transfer-Encoding identity then chunked, in two fields",
    "valid/030": "Transfer-Encoding identity then chunked, in two fields",
    "valid/rfc9112_smuggle_gzip_chunked_01": "Transfer-Encoding gzip, chunked (501)",
    "valid/rfc9112_smuggle_te_identity_chunked_01": "Transfer-Encoding identity, chunked (501)",
    "valid/rfc9112_target_absolute_userinfo_01": "userinfo in the target (nginx: 400)",
    "valid/rfc9112_target_asterisk_options_01": "OPTIONS * (nginx: 400)",
    "valid/rfc9112_target_authority_connect_01": "CONNECT (nginx: 400)",
    "valid/rfc9112_target_authority_ipv6_01": "CONNECT (nginx: 400)",
}


@unittest.skipUnless(os.path.exists(CORPUS), f"corpus absent: {CORPUS}")
class CorporaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = load_cases()
        cls.servers = {}
        cls.reported = set()
        cls.is_nginx = SERVER_KIND == "nginx"

    @classmethod
    def server_for(cls, extra):
        if extra not in cls.servers:
            s = Server(http_config(extra + SITE))
            cls.addClassCleanup(s.cleanup)
            s.start()
            cls.servers[extra] = s
        return cls.servers[extra]

    def run_cases(self, expect, transform=None):
        jobs, skipped = [], []
        for case in self.cases:
            if case["expect"] != expect:
                continue
            extra, why = limit_config(case.get("config"))
            if extra is None:
                skipped.append((case["name"], why))
                continue
            if expect == "requests" and incomplete_body(case):
                skipped.append((case["name"], "body shorter than its Content-Length: incomplete"))
                continue
            if transform and transform(case) is None:
                skipped.append((case["name"], "a request line is not found in the bytes"))
                continue
            jobs.append((case, self.server_for(extra)))
        for name, why in skipped:
            if name not in self.reported:
                self.reported.add(name)
                print(f"\n  skip {name}: {why}", end="")

        def one(job):
            case, server = job
            if transform:
                raw = transform(case)
                want = len(case["requests"])
            else:
                raw = base64.b64decode(case["raw_b64"])
                want = expected_responses(case)[0] if expect == "requests" else 0
            # Long enough for a body timeout or nginx's 5 s lingering close on a cut-short body.
            return exchange(server, raw, want, timeout=8)

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(one, jobs))
        self.assertGreater(len(jobs), 40, "most of the corpus must run")
        return [(case, data, closed) for (case, _), (data, closed) in zip(jobs, results)]

    def test_error_cases_are_refused(self):
        for case, data, closed in self.run_cases("error"):
            with self.subTest(case=case["name"], error=case.get("error")):
                if self.is_nginx and case["name"] in NGINX_ACCEPTS:
                    self.skipTest("nginx accepts this: " + NGINX_ACCEPTS[case["name"]])
                statuses = [r[0] for r in parse_responses(data)[0]]
                self.assertFalse([s for s in statuses if 200 <= s < 300],
                                 f"accepted: {statuses} {data[:200]!r}")
                if statuses:
                    self.assertTrue(400 <= statuses[-1] < 500 or statuses[-1] in (501, 505),
                                    statuses)
                self.assertTrue(closed, f"connection left open after {statuses}")

    def test_request_cases_get_one_response_each(self):
        for case, data, closed in self.run_cases("requests"):
            want, host_missing = expected_responses(case)
            with self.subTest(case=case["name"]):
                resp, rest = parse_responses(data)
                statuses = [r[0] for r in resp]
                self.assertEqual(len(resp), want, f"{statuses} {data[-300:]!r}")
                if host_missing:
                    self.assertEqual(statuses[-1], 400)
                    self.assertTrue(closed)
                for status in statuses[:-1] if host_missing else statuses:
                    # 200 from `return`; a refusal of a coding or method nginx lacks is allowed
                    # (then the connection closes, so it can only be the last).
                    self.assertIn(status, (200, 400, 501), statuses)
                self.assertTrue(all(s == 200 for s in statuses[:-1]), statuses)

    def test_request_cases_with_host_are_each_answered(self):
        """The same streams with Host added where HTTP/1.1 lacks it: every request is answered
        200 from `return`, in order, on one connection (unless listed in MAY_REFUSE)."""
        for case, data, closed in self.run_cases("requests", with_host):
            with self.subTest(case=case["name"]):
                resp, rest = parse_responses(data)
                statuses = [r[0] for r in resp]
                if case["name"] in MAY_REFUSE and statuses[-1:] != [200]:
                    self.assertEqual(len(statuses), 1, statuses)
                    self.assertIn(statuses[0], (400, 501))
                    self.assertTrue(closed)
                    continue
                self.assertEqual(statuses, [200] * len(case["requests"]),
                                 f"{data[-300:]!r}")
                self.assertEqual([r[2] for r in resp], [b"ok\n"] * len(statuses))
                self.assertEqual(rest, b"")


if __name__ == "__main__":
    unittest.main()
