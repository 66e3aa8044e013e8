"""Sending one generated request to a server and reducing the answer to what must be the same on
both: the status, every header but Server and Date, and the body, with what legitimately differs
normalized (the server's own name in built-in pages, its own ports, the multipart boundary)."""

import email.utils
import re
import socket

from harness import parse_responses

IGNORED = {"server", "date"}
# Built-in pages name the server ("<center>nginx</center>"); both become this.
NAME = b"SERVER"


def read_answers(server, req, timeout=3.0):
    """Sends req.raw on a new connection to the server's port req.port. Returns (responses,
    rest, closed): the parsed responses, the bytes after them, and whether the server closed
    the connection (None for a single request: not waited for). Reads until
    every request has its answer and the last one is complete by its framing, or the server
    closes, or nothing comes for timeout seconds."""
    port = server.ports[req.port]
    want = len(req.head)
    buf = b""
    closed = False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(req.raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(timeout)
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, TimeoutError):
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
            resp, _ = parse_responses(strip_interim(buf), req.head)
            if len(resp) >= want and framed(resp[want - 1], req.head[want - 1]):
                # Every answer is in. Whether the server then closes matters for sequences
                # (keep-alive limits); a single answer's Connection header says it already.
                closed = wait_close(s, 0.5) if want > 1 else None
                break
    resp, rest = parse_responses(strip_interim(buf), req.head)
    return resp, rest, closed


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def strip_interim(buf):
    """The bytes without interim 100 Continue answers. The generator sends a request's content
    with its head, so RFC 9110 10.1.1 lets a server omit the 100 ("already received some or all
    of the content", or "the framing indicates that there is no content"); nginx sends it,
    webcycle does not. Not compared, then."""
    return buf.replace(CONTINUE, b"")


def framed(resp, head):
    status, headers, _ = resp
    h = dict(headers)
    return (head or status in (204, 304) or "content-length" in h
            or "chunked" in h.get("transfer-encoding", ""))


def wait_close(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


class Normalizer:
    """The substitutions for one server: its program name and its own ports."""

    def __init__(self, server):
        self.name = server.name.encode()
        self.ports = [str(p) for p in server.ports]

    def text(self, value):
        for i, p in enumerate(self.ports):
            value = value.replace(":" + p, f":PORT{i}")
        return value

    def body(self, data):
        data = re.sub(rb"<center>" + re.escape(self.name) + rb"(/[0-9.]+)?</center>",
                      b"<center>" + NAME + b"</center>", data)
        for i, p in enumerate(self.ports):
            data = data.replace(b":" + p.encode(), f":PORT{i}".encode())
        return data


def normalize(resp, norm, head):
    """(status, sorted [(name, value)], body) with the substitutions done. Content-Length is
    compared through the body when there is one (after normalizing it, the lengths would differ
    by the name's length), so it becomes 'BODY' when it matches the body's real length."""
    status, headers, body = resp
    ct = dict(headers).get("content-type", "")
    m = re.search(r"boundary=([^;\s]+)", ct)
    boundary = m.group(1) if m else None
    date = dict(headers).get("date")
    out = []
    for n, v in headers:
        if n in IGNORED:
            continue
        if n == "expires" and date:
            v = relative_expires(v, date)
        if boundary:
            v = v.replace(boundary, "BOUNDARY")
        if n == "content-length" and not head:
            v = "BODY" if v.isdigit() and int(v) == len(body) else f"{v} (body has {len(body)})"
        out.append((n, norm.text(v)))
    if boundary:
        body = body.replace(b"--" + boundary.encode(), b"--BOUNDARY")
    return status, sorted(out), norm.body(body)


def relative_expires(value, date):
    """`expires 1h` makes Expires the answer's time plus an hour, so two servers answering a
    second apart differ: compare it as an offset from the answer's own Date."""
    try:
        e = email.utils.parsedate_to_datetime(value)
        d = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return value
    if e.year in (1970, 2037):  # epoch and max are fixed dates, compared as they are
        return value
    # Both forms: 'expires modified' gives a fixed date, any other time one relative to Date;
    # expires_agree() takes the two sides as equal when either form is.
    return "Date%+ds @ %s" % ((e - d).total_seconds(), value)


def expires_agree(x, y):
    """Two normalized Expires values from relative_expires() that name the same time, either
    relative to their answers' Date or absolutely."""
    if x == y:
        return True
    xs, ys = x.split(" @ "), y.split(" @ ")
    return len(xs) == len(ys) == 2 and (xs[0] == ys[0] or xs[1] == ys[1])


def show(answer):
    if answer is None:
        return "    (no answer)"
    status, headers, body = answer
    lines = [f"    {status}"] + [f"    {n}: {v}" for n, v in headers]
    b = body if len(body) <= 600 else body[:600] + b"...(%d bytes)" % len(body)
    lines.append(f"    body {b!r}")
    return "\n".join(lines)


def answers(server, req):
    """The normalized answers (a list, one per request answered) and whether the connection was
    closed. A trailing partial answer or unparsed bytes are reported as such."""
    resp, rest, closed = read_answers(server, req)
    norm = Normalizer(server)
    out = [normalize(r, norm, req.head[i] if i < len(req.head) else False)
           for i, r in enumerate(resp)]
    return out, rest, closed


def diff(a, b):
    """Where two normalized answers differ, in words ('' when they are the same)."""
    if a == b:
        return ""
    if a is None or b is None:
        return "one side has no answer"
    what = []
    if a[0] != b[0]:
        what.append(f"status {a[0]} vs {b[0]}")
    ha, hb = dict_multi(a[1]), dict_multi(b[1])
    for n in sorted(set(ha) | set(hb)):
        if ha.get(n) != hb.get(n):
            what.append(f"{n}: {ha.get(n)} vs {hb.get(n)}")
    if a[2] != b[2]:
        what.append("body")
    return "; ".join(what)


def dict_multi(headers):
    d = {}
    for n, v in headers:
        d.setdefault(n, []).append(v)
    return d
