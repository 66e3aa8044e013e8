"""The soak (issue 9): `webcycle up` on a copy of the demo stack (share/demo, on free high ports),
wrk sending mixed traffic for DURATION seconds -- static pages of www.mysite.test, dynamic pages
of app.mysite.test (the Python app behind the web server's proxy) and 404s -- while the RSS and
the open descriptors of every webcycle process (up, the web master and workers, the DNS server,
the app masters and workers) are sampled.

Pass:
- no socket error in wrk (connect, read, write, timeout) and no status other than the path's own
  (200 for the pages, 404 for the missing one);
- RSS: the total at the end is at most 10% + 8 MB above the total after the warm-up (the first
  tenth of the run, at least 5 s), and no process grew by more than that on its own;
- descriptors: once the load stopped and its connections closed, every process holds no more
  descriptors than it did before the load.

Run by scripts/soak.sh (DURATION=600 by default) and, for 60 s, by test_soak.py. Prints one
line per sample and a summary; exits 1 when a criterion fails. Needs wrk.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from harness import children_of, cmdline, free_ports

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("WEBCYCLE_SOURCE_DIR", os.path.join(HERE, "..", ".."))
DEMO = os.path.join(SOURCE, "share", "demo")

# (host, path, status): one in three requests of each kind.
TRAFFIC = [
    ("www.mysite.test", "/", 200),
    ("app.mysite.test", "/time", 200),
    ("www.mysite.test", "/no-such-page.html", 404),
    ("www.mysite.test", "/style.css", 200),
    ("app.mysite.test", "/", 200),
    ("www.mysite.test", "/missing/", 404),
]

WRK_SCRIPT = """
local traffic = { %s }
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  ok, bad, last_bad = 0, 0, ""
  sent = {}
  i = math.random(#traffic) - 1
end
function request()
  i = i %% #traffic + 1
  local t = traffic[i]
  return wrk.format("GET", t[2], { Host = t[1] })
end
-- Answers come back in the order the requests went out on each connection, but wrk does not
-- say which connection: the status is checked against the set of statuses of the traffic.
function response(status, headers, body)
  if status == 200 or status == 404 then ok = ok + 1 else bad = bad + 1; last_bad = status end
end
function done(summary, latency, requests)
  local ok_n, bad_n = 0, 0
  for _, t in ipairs(threads) do ok_n = ok_n + t:get("ok"); bad_n = bad_n + t:get("bad") end
  io.write(string.format("SOAK-RESULT {\\"requests\\": %%d, \\"ok\\": %%d, \\"bad\\": %%d, " ..
    "\\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, \\"timeout\\": %%d, " ..
    "\\"status_errors\\": %%d, \\"p50_ms\\": %%.2f, \\"p99_ms\\": %%.2f}\\n",
    summary.requests, ok_n, bad_n, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def descendants(pid):
    out, to_visit = [], [pid]
    while to_visit:
        p = to_visit.pop()
        out.append(p)
        to_visit.extend(children_of(p))
    return out


def proc_name(pid):
    """The subcommand and its first arguments: "web -c /path/webcycle.conf"."""
    return " ".join(cmdline(pid).split()[1:4]) or "?"


def sample(pid):
    """{pid: (name, rss_kb, fds)} for pid and its descendants."""
    out = {}
    for p in descendants(pid):
        try:
            rss = 0
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            fds = len(os.listdir(f"/proc/{p}/fd"))
        except OSError:
            continue
        out[p] = (proc_name(p), rss, fds)
    return out


def total_rss(s):
    return sum(v[1] for v in s.values())


class Stack:
    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="webcycle-soak-")
        demo = os.path.join(self.dir, "demo")
        shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns("__pycache__"))
        self.web_port, self.dns_port, app_port, search_port = free_ports(4)
        stack = os.path.join(demo, "stack.conf")
        with open(stack) as f:
            text = f.read()
        text = text.replace("127.0.0.1:8001", f"127.0.0.1:{app_port}")
        text = text.replace("127.0.0.1:8002", f"127.0.0.1:{search_port}")
        # Enough connections for the load, and upstream keep-alive so the soak also holds
        # pooled upstream connections over time.
        text = text.replace("worker_connections 512;", "worker_connections 4096;")
        with open(stack, "w") as f:
            f.write(text)
        self.stack = stack
        self.out_path = os.path.join(self.dir, "up.out")
        self.proc = None

    def start(self):
        self._out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "up", self.stack, "--port", str(self.web_port), "--dns-port",
             str(self.dns_port), "--runtime-dir", os.path.join(self.dir, "run"), "--grace", "5"],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"up exited with {self.proc.returncode}:\n{self.output()}")
            if " is up (" in self.output():
                time.sleep(0.5)
                return
            time.sleep(0.1)
        raise RuntimeError(f"up did not come up:\n{self.output()}")

    def output(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def warm(port):
    """One request of each kind, so every process has loaded what it loads once."""
    for host, path, status in TRAFFIC:
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                          .encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            got = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None
            if got != status:
                raise RuntimeError(f"warm-up: {host}{path} answered {data[:200]!r}")


def run(binary, duration, connections=16, threads=2, log=print):
    """Runs the soak; returns (passed, summary dict)."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed (scripts/install-deps.sh test)")
    stack = Stack(binary)
    try:
        stack.start()
        warm(stack.web_port)
        time.sleep(1)
        idle_before = sample(stack.proc.pid)
        script = os.path.join(stack.dir, "mix.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT % ", ".join(f'{{"{h}", "{p}"}}' for h, p, _ in TRAFFIC))
        cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
               "--timeout", "10s", "-s", script, f"http://127.0.0.1:{stack.web_port}/"]
        t0 = time.monotonic()
        load = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        warmup = max(5.0, duration / 10)
        every = max(1.0, min(30.0, duration / 20))
        samples = []
        while load.poll() is None:
            time.sleep(min(every, max(0.1, duration + 1 - (time.monotonic() - t0))))
            if load.poll() is not None:
                break
            s = sample(stack.proc.pid)
            at = time.monotonic() - t0
            samples.append((at, s))
            log(f"  t={at:6.1f}s  processes {len(s)}  RSS {total_rss(s) / 1024:7.1f} MB  "
                f"fds {sum(v[2] for v in s.values())}")
        out = load.communicate()[0]
        m = re.search(r"^SOAK-RESULT (\{.*\})$", out, re.M)
        if not m:
            raise RuntimeError(f"wrk gave no result:\n{out}")
        result = json.loads(m.group(1))
        # Descriptors once the load's connections are gone (bounded wait).
        deadline = time.monotonic() + 15
        while True:
            idle_after = sample(stack.proc.pid)
            grown = {p: (idle_before[p][2], v[2]) for p, v in idle_after.items()
                     if p in idle_before and v[2] > idle_before[p][2]}
            if not grown or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        new_pids = sorted(set(idle_after) - set(idle_before))
        after_warm = [s for at, s in samples if at >= warmup] or [s for _, s in samples]
        first, last = after_warm[0], after_warm[-1]
        rss_first, rss_last = total_rss(first), total_rss(last)
        bound = rss_first * 1.10 + 8 * 1024
        per_process = {p: (v[0], first[p][1], v[1]) for p, v in last.items() if p in first}
        grew = {p: x for p, x in per_process.items() if x[2] > x[1] * 1.10 + 8 * 1024}
        failures = []
        errors = {k: result[k] for k in ("connect", "read", "write", "timeout")}
        if any(errors.values()):
            failures.append(f"socket errors {errors}")
        if result["bad"]:
            failures.append(f"{result['bad']} answers with an unexpected status")
        if rss_last > bound:
            failures.append(f"RSS grew {rss_first / 1024:.1f} -> {rss_last / 1024:.1f} MB "
                            f"(bound {bound / 1024:.1f} MB)")
        if grew:
            failures.append("processes grew past the bound: " + "; ".join(
                f"{p} {n} {a / 1024:.1f} -> {b / 1024:.1f} MB" for p, (n, a, b) in grew.items()))
        if grown:
            failures.append("descriptors grew: " + "; ".join(
                f"{p} {proc_name(p)} {a} -> {b}" for p, (a, b) in grown.items()))
        if new_pids:
            failures.append(f"processes replaced during the soak: {new_pids}")
        summary = {
            "duration_s": duration, "connections": connections, **result,
            "rps": round(result["requests"] / duration),
            "rss_after_warmup_mb": round(rss_first / 1024, 1),
            "rss_end_mb": round(rss_last / 1024, 1),
            "fds_before": sum(v[2] for v in idle_before.values()),
            "fds_after": sum(v[2] for v in idle_after.values()),
            "processes": len(idle_after), "failures": failures,
        }
        log("  per process (RSS MB after warm-up -> end, fds before -> after):")
        for p, v in sorted(last.items()):
            log(f"    {p:>7} {v[0]:<40} {first.get(p, v)[1] / 1024:6.1f} -> {v[1] / 1024:6.1f}"
                f"   {idle_before.get(p, v)[2]} -> {idle_after.get(p, v)[2]}")
        return not failures, summary
    finally:
        stack.stop()


def main():
    binary = os.environ.get("WEBCYCLE_BIN") or sys.argv[1]
    duration = int(os.environ.get("DURATION", "600"))
    connections = int(os.environ.get("CONNECTIONS", "16"))
    print(f"soak: {duration} s of wrk -c {connections} against webcycle up (demo stack)")
    passed, summary = run(binary, duration, connections)
    print("SOAK " + ("PASS " if passed else "FAIL ") + json.dumps(summary))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
