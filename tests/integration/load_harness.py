"""Client load for the reliability tests (test_faults.py, test_slow_clients.py): threads that send
GET requests in a loop until stopped, on a fresh connection each or on kept-alive connections,
recording every outcome (status, or the error that ended the request) and its latency.

Only the standard library; no process is started here.
"""

import http.client
import statistics
import threading
import time


class Outcome:
    __slots__ = ("path", "status", "error", "seconds", "at")

    def __init__(self, path, status, error, seconds, at):
        self.path, self.status, self.error, self.seconds, self.at = path, status, error, seconds, at

    def __repr__(self):
        return f"{self.path} -> {self.status or self.error} ({self.seconds * 1000:.0f} ms)"


class Load:
    """`threads` clients, each sending GET PATH (paths taken in turn) to 127.0.0.1:port until
    stop(). keepalive=True keeps one connection per client for as long as the server keeps it
    (a new one is opened after the server closes it between requests, as a browser does);
    otherwise each request has its own connection (Connection: close). `expect` maps a path to
    the status it must get; any other status, or an error, is a failure."""

    def __init__(self, port, paths, expect=None, threads=4, keepalive=False, timeout=10.0,
                 pause=0.0):
        self.port, self.paths, self.threads = port, list(paths), threads
        self.expect = expect or {}
        self.keepalive, self.timeout, self.pause = keepalive, timeout, pause
        self.outcomes = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = []

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self._client, args=(i,), daemon=True)
            self._workers.append(t)
            t.start()
        return self

    def stop(self):
        self._stop.set()
        for t in self._workers:
            t.join(self.timeout + 5)
        return self

    def run_for(self, seconds):
        self.start()
        time.sleep(seconds)
        return self.stop()

    def _client(self, index):
        conn = None
        n = index
        while not self._stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            t0 = time.monotonic()
            status, error = None, None
            try:
                headers = {} if self.keepalive else {"Connection": "close"}
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if not self.keepalive or r.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                error = type(e).__name__ + (f": {e}" if str(e) else "")
                conn.close()
                conn = None
            outcome = Outcome(path, status, error, time.monotonic() - t0, t0)
            with self._lock:
                self.outcomes.append(outcome)
            if self.pause:
                self._stop.wait(self.pause)
        if conn is not None:
            conn.close()

    # ---- results --------------------------------------------------------------------------------
    def failures(self, since=None, until=None):
        out = []
        with self._lock:
            for o in self.outcomes:
                if since is not None and o.at < since:
                    continue
                if until is not None and o.at >= until:
                    continue
                want = self.expect.get(o.path, 200)
                if o.error or o.status != want:
                    out.append(o)
        return out

    def served(self, since=None, until=None):
        with self._lock:
            return [o for o in self.outcomes
                    if o.status and (since is None or o.at >= since)
                    and (until is None or o.at < until)]


def p50(outcomes):
    return statistics.median(o.seconds for o in outcomes) if outcomes else float("inf")


def latency_probe(port, path, seconds, pause=0.05, timeout=10.0):
    """One client asking for `path` on a fresh connection every `pause` s for `seconds`: the
    normal client whose latency the attack tests compare. Returns the finished Load."""
    return Load(port, [path], threads=1, pause=pause, timeout=timeout).run_for(seconds)
