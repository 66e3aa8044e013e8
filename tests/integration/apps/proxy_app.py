"""The Flask test app (flask_app.py) with the routes the reverse-proxy tests need on top
(tests/integration/test_proxy*.py): `proxy_app:app`.

Extra routes:
  /abs_redirect        302 to /target as an absolute URL built from the Host the app was sent
                       (http://HOST:PORT/target): what proxy_redirect default rewrites
  /sha256 (POST)       reads the request body from wsgi.input in 1 MiB pieces (never whole) and
                       answers {"len": N, "sha256": HEX, "content_length": CONTENT_LENGTH}
  /blob?size=N         N bytes (a repeated 64 KiB pattern, bytes i % 251) with Content-Length
  /slow?n=N&delay=D&accel=0|1  N pieces "piece-I;" D seconds apart (no Content-Length);
                       accel=1 adds X-Accel-Buffering: no
  /pid                 the worker's PID
  /sleep?s=S           sleeps S seconds, answers "slept S"
"""

import hashlib
import os
import time

from flask import Response, redirect, request, stream_with_context, url_for

from flask_app import create_app

app = create_app()
PATTERN = bytes(i % 251 for i in range(65536))


@app.route("/abs_redirect")
def abs_redirect():
    return redirect(url_for("target", _external=True))


@app.route("/sha256", methods=["POST", "PUT"])
def sha256_body():
    h = hashlib.sha256()
    n = 0
    stream = request.environ["wsgi.input"]
    left = request.content_length
    while left is None or left > 0:
        chunk = stream.read(1048576 if left is None else min(1048576, left))
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
        if left is not None:
            left -= len(chunk)
    return {"len": n, "sha256": h.hexdigest(),
            "content_length": request.environ.get("CONTENT_LENGTH")}


def blob_bytes(size):
    whole, part = divmod(size, len(PATTERN))
    return PATTERN * whole + PATTERN[:part]


@app.route("/blob")
def blob():
    size = request.args.get("size", 65536, type=int)
    data = blob_bytes(size)
    return Response(data, mimetype="application/octet-stream",
                    headers={"Content-Length": str(len(data))})


@app.route("/slow")
def slow():
    n = request.args.get("n", 3, type=int)
    delay = request.args.get("delay", 0.5, type=float)

    def gen():
        for i in range(n):
            if i:
                time.sleep(delay)
            yield f"piece-{i};"
    headers = {"X-Accel-Buffering": "no"} if request.args.get("accel") == "1" else {}
    return Response(stream_with_context(gen()), mimetype="text/plain", headers=headers)


@app.route("/pid")
def pid():
    return Response(str(os.getpid()), mimetype="text/plain")


@app.route("/sleep")
def sleep():
    s = request.args.get("s", "1")
    time.sleep(float(s))
    return Response(f"slept {s}", mimetype="text/plain")
