"""The request generator: deterministic (random.Random seeded with SEED and the config's name), so
a failure is the same request on every run. Each request is raw bytes sent on a fresh connection
(or, for a sequence, several requests pipelined on one connection)."""

import dataclasses
import email.utils
import random

from . import site

SEED = 20261124


@dataclasses.dataclass
class Request:
    raw: bytes
    head: list  # per request on the connection: True when it is HEAD (no body in the answer)
    port: int = 0  # index into the server's ports
    why: str = ""  # what the generator meant to test, for the failure message
    parts: list = None  # each request's bytes, for a sequence (None: raw is one request)

    def describe(self):
        raw = self.raw if len(self.raw) <= 800 else self.raw[:800] + b"...(%d bytes)" % len(
            self.raw)
        return f"[port {self.port}] {self.why}\n{raw!r}"


@dataclasses.dataclass
class Spec:
    """What to ask a config: paths that exist (with the site file behind them, for validators),
    paths that do not, the Host values to use, and how many random requests to add."""
    name: str
    exist: dict  # path -> site file (relative, e.g. "html/index.html") or None
    missing: list
    hosts: list = dataclasses.field(default_factory=lambda: ["localhost"])
    ports: int = 1
    count: int = 300
    sequences: bool = False  # also pipelined sequences on one connection
    headers: list = dataclasses.field(default_factory=list)  # added to half the requests


METHODS = ["GET"] * 30 + ["HEAD"] * 8 + ["POST"] * 4 + ["OPTIONS"] * 2 + ["PUT", "DELETE",
           "BREW", "PROPFIND", "get", "TRACE", "PATCH"]

QUERIES = ["?x=1", "?a=1&b=2", "?", "?x=%20y&z", "?x=1&x=2", "?q=caf%C3%A9", "?a=b/c?d",
           "?empty=", "?x=" + "q" * 300, "?%zz", "?a+b=c+d"]

NON_ASCII = ["caf\u00e9.txt", "caf%C3%A9.txt", "caf%c3%a9.txt", "\u00fcber", "%E2%82%AC",
             "\u20ac/x", "%FF", "\u65e5\u672c"]


def _pct(ch):
    return "".join("%%%02X" % b for b in ch.encode())


def mutate(rng, path):
    """One odd variant of path (a str that may hold non-ASCII, encoded as UTF-8 on the wire)."""
    kind = rng.randrange(19)
    slashes = [i for i, c in enumerate(path) if c == "/"]
    if not slashes:
        return "/" + path
    if kind == 0:  # percent-encode one character that is not a slash
        idx = [i for i, c in enumerate(path) if c not in "/?"]
        if idx:
            i = rng.choice(idx)
            enc = _pct(path[i])
            if rng.random() < 0.3:
                enc = enc.lower()
            return path[:i] + enc + path[i + 1:]
        return path + "%2e"
    if kind == 1:  # an encoded slash
        i = rng.choice(slashes)
        return path[:i] + rng.choice(["%2F", "%2f"]) + path[i + 1:] if i else path + "%2F"
    if kind == 2:  # a dot segment that stays inside
        i = rng.choice(slashes)
        return path[:i] + rng.choice(["/.", "/x/..", "/./.", "/%2e", "/x/%2E%2E"]) + path[i:]
    if kind == 3:  # dot segments that climb out of the root
        return rng.choice(["/..", "/../..", "/x/../..", "/%2e%2e", "/.%2e"]) + path
    if kind == 4:  # double slashes
        i = rng.choice(slashes)
        return path[:i] + rng.choice(["/", "//"]) + path[i:]
    if kind == 5:  # a query string
        return path + rng.choice(QUERIES)
    if kind == 6:  # a long segment
        return path.rstrip("/") + "/" + "a" * rng.choice([200, 1000, 3000, 7000])
    if kind == 7:  # non-ASCII, raw or encoded
        return path.rstrip("/") + "/" + rng.choice(NON_ASCII)
    if kind == 8:  # case changed
        return path.upper()
    if kind == 9:  # bad percent-encoding
        return path + rng.choice(["%", "%z", "%0", "%zz", "%00", "%0a"])
    if kind == 10:  # trailing slash added or taken away
        return path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"
    if kind == 11:  # trailing dot segments
        return path + rng.choice(["/.", "/..", "/./", "/../"])
    if kind == 12:
        return path + rng.choice([";a=b", "#frag", "\\x", "%3F", "%23", "%25", "+", "%20"])
    if kind == 13:  # spaces and others encoded in the name
        return path + rng.choice(["%20", "%2520", "~", "!$&'()*,;=:@"])
    if kind == 14:  # a known odd file
        return rng.choice(["/with%20space.txt", "/with space.txt", "/caf\u00e9.txt",
                           "/caf%C3%A9.txt", "/100%25.txt", "/100%.txt", "/a+b.txt",
                           "/a%2Bb.txt", "/.hidden", "/UPPER.TXT", "/upper.txt"])
    if kind == 15:
        return path + rng.choice(QUERIES) + rng.choice(["", "&y=2"])
    if kind == 16:  # two mutations
        return mutate(rng, mutate(rng, path))
    if kind == 17:
        return rng.choice(["*", "", "x", "http://localhost" + path, "HTTP://LOCALHOST" + path,
                           "http://other.example" + path, "//" + path.lstrip("/")])
    return path


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def conditionals(rng, rel):
    """Validator headers for site file rel: its real ETag/Last-Modified, or wrong ones."""
    etag = site.etag(rel)
    lm = site.last_modified()
    choices = [
        f"If-None-Match: {etag}", 'If-None-Match: "nope"', "If-None-Match: *",
        f'If-None-Match: "a", {etag}', f"If-None-Match: W/{etag}",
        f"If-Modified-Since: {lm}", f"If-Modified-Since: {http_date(site.MTIME - 3600)}",
        f"If-Modified-Since: {http_date(site.MTIME + 3600)}",
        "If-Modified-Since: not a date",
        f"If-Modified-Since: {lm}\r\nIf-None-Match: \"nope\"",
        f"If-Modified-Since: {http_date(site.MTIME - 3600)}\r\nIf-None-Match: {etag}",
        f"If-Match: {etag}", 'If-Match: "nope"', "If-Match: *",
        f"If-Unmodified-Since: {lm}", f"If-Unmodified-Since: {http_date(site.MTIME - 3600)}",
        f"If-Unmodified-Since: {http_date(site.MTIME + 3600)}",
    ]
    return rng.choice(choices)


RANGES = ["bytes=0-9", "bytes=-20", "bytes=100-", "bytes=0-0,5-9", "bytes=0-5,3-8",
          "bytes=10-5", "bytes=99999-", "bytes=0-1,99999-", "bytes=abc", "items=0-1",
          "bytes=0-", "bytes=-0", "bytes=0-99999", "bytes= 0-1", "bytes=1-2,4-5,7-8",
          "bytes=0-1, 3-4", "bytes=-99999"]


def ranges(rng, rel):
    h = "Range: " + rng.choice(RANGES)
    if rel is not None and rng.random() < 0.3:
        h += "\r\nIf-Range: " + rng.choice(
            [site.etag(rel), '"nope"', site.last_modified(), http_date(site.MTIME + 60),
             "W/" + site.etag(rel)])
    return h


def build(method, target, version="HTTP/1.1", host="localhost", headers=(), body=b""):
    lines = [f"{method} {target} {version}".encode("utf-8")]
    if host is not None:
        lines.append(f"Host: {host}".encode("utf-8"))
    for h in headers:
        lines.append(h.encode("utf-8"))
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def generate(spec):
    """The requests for spec: every path plainly (GET, HEAD, HTTP/1.0), then spec.count random
    ones."""
    rng = random.Random(f"{SEED}-{spec.name}")
    out = []
    paths = list(spec.exist) + list(spec.missing)
    host0 = spec.hosts[0]
    for port in range(spec.ports):
        for p in paths:
            out.append(Request(build("GET", p, host=host0), [False], port, f"GET {p}"))
            for h in spec.headers:
                out.append(Request(build("GET", p, host=host0, headers=[h]), [False], port,
                                   f"GET {p} with {h}"))
            out.append(Request(build("HEAD", p, host=host0), [True], port, f"HEAD {p}"))
            out.append(Request(build("GET", p, "HTTP/1.0", host=None), [False], port,
                               f"GET {p} HTTP/1.0"))
        for h in spec.hosts[1:]:
            for p in paths[:3]:
                out.append(Request(build("GET", p, host=h), [False], port, f"GET {p} Host {h}"))
    for _ in range(spec.count):
        path = rng.choice(paths)
        rel = spec.exist.get(path)
        target = mutate(rng, path) if rng.random() < 0.55 else path
        if target != path:
            rel = None  # validators only for the file itself
        method = rng.choice(METHODS)
        headers = []
        why = []
        version = "HTTP/1.1"
        host = rng.choice(spec.hosts) if rng.random() < 0.3 else host0
        r = rng.random()
        if r < 0.12:
            version = "HTTP/1.0"
            if rng.random() < 0.5:
                host = None
            if rng.random() < 0.3:
                headers.append("Connection: keep-alive")
        elif r < 0.16:
            headers.append("Connection: close")
        elif r < 0.17:
            version = rng.choice(["HTTP/2.0", "HTTP/1.2", "HTTP/0.9"])
        if rel is not None and rng.random() < 0.45:
            headers.append(conditionals(rng, rel))
            why.append("conditional")
        if rng.random() < 0.25:
            headers.append(ranges(rng, rel if rel is not None else (
                "html/big.txt")))
            why.append("range")
        if rng.random() < 0.1:
            headers.append(rng.choice(["Accept-Encoding: gzip", "Accept: */*",
                                       "User-Agent: diff-test", "X-Forwarded-For: 203.0.113.9",
                                       "Expect: 100-continue", "Cookie: a=b"]))
        if spec.headers and rng.random() < 0.5:
            headers.append(rng.choice(spec.headers))
        body = b""
        if method in ("POST", "PUT", "PATCH"):
            body = rng.choice([b"", b"a=1&b=2", b"x" * 100])
        raw = build(method, target, version, host, headers, body)
        out.append(Request(raw, [method == "HEAD"], rng.randrange(spec.ports),
                           f"{method} {target!r} {version} host={host} {' '.join(why)}"))
    if spec.sequences:
        out += sequences(rng, spec)
    return out


def sequences(rng, spec):
    """Pipelined requests on one connection: 1 to 7 of them, the last asking to close (a server
    that stops earlier, at keepalive_requests or an HTTP/1.0 request, closes first)."""
    out = []
    paths = list(spec.exist) + list(spec.missing)
    for _ in range(60):
        n = rng.randrange(1, 8)
        parts, heads = [], []
        for i in range(n):
            method = rng.choice(["GET", "GET", "GET", "HEAD", "POST"])
            p = rng.choice(paths)
            headers = []
            version = "HTTP/1.1"
            if i == n - 1:
                headers.append("Connection: close")
            elif rng.random() < 0.1:
                version = "HTTP/1.0"
                if rng.random() < 0.7:
                    headers.append("Connection: keep-alive")
            if rng.random() < 0.15:
                headers.append(ranges(rng, spec.exist.get(p)))
            body = b"abc" if method == "POST" else b""
            parts.append(build(method, p, version, "localhost", headers, body))
            heads.append(method == "HEAD")
        out.append(Request(b"".join(parts), heads, 0, f"{n} pipelined requests", parts))
    return out
