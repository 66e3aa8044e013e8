"""A WSGI app that runs Python threads (test_app_threads.py, scripts/tsan.sh): the one way code in
webcycle's app server runs on a thread other than the worker's loop thread.

  /threads?n=N&k=K&t=T  N threads each write K lines ("threads_app T: ...") to wsgi.errors and read the request body's
                     share from wsgi.input (under a lock: WSGI gives no thread-safety promise),
                     joined before the answer: "threads N lines N*K bytes B"
  /background        starts a daemon thread that keeps computing and sleeping (holding and
                     releasing the GIL) while the worker's loop serves other requests
  /hello             "hello"
"""

import threading
import time

_background = []


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
    if path == "/threads":
        n, k, tag = int(query.get("n", "4")), int(query.get("k", "50")), query.get("t", "")
        errors, stream = environ["wsgi.errors"], environ["wsgi.input"]
        lock = threading.Lock()
        counts = {"lines": 0, "bytes": 0}

        def work(i):
            for j in range(k):
                errors.write(f"threads_app {tag}: thread {i} line {j}\n")
                with lock:
                    counts["lines"] += 1
                    counts["bytes"] += len(stream.read(7))
            errors.flush()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        body = f"threads {n} lines {counts['lines']} bytes {counts['bytes']}".encode()
    elif path == "/background":
        def spin():
            end = time.monotonic() + 5
            while time.monotonic() < end:
                sum(i * i for i in range(2000))
                time.sleep(0.001)
        t = threading.Thread(target=spin, daemon=True)
        t.start()
        _background.append(t)
        body = b"started"
    else:
        body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
