"""Slow and hostile clients (issue 9), with Debian's slowhttptest: slowloris (-H), slow body
(R-U-Dead-Yet, -B) and slow read (-X) against `webcycle web` and against `webcycle app`. During
each attack a normal client keeps being served (its median latency stays under 10x the one
measured before the attack + 50 ms, and none of its requests fails), the server's memory stays
bounded (RSS of master + workers, a stated limit above the before-attack figure), and the attack's
connections are closed by the server as its timeouts say (slowhttptest's own count of closed
connections, and the server's "client timed out" log lines for `web`). Then 10,000 connections
held at once while a normal client is still served, and the header and body limits.

The CI attacks are short (ATTACK_SECONDS, default 10 s each); longer on demand:
    SLOW_ATTACK_SECONDS=120 SLOW_CONNECTIONS=4000 ctest -R slow_clients --output-on-failure
(the test prints its figures: requests served, latency before/during, RSS before/peak).
"""

import csv
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from app_harness import AppServer
from harness import ServerTestCase, http_config, wait_until
from load_harness import latency_probe, p50

SLOWHTTPTEST = shutil.which("slowhttptest")
SANITIZED = "ASAN_OPTIONS" in os.environ or "UBSAN_OPTIONS" in os.environ
ATTACK_SECONDS = int(os.environ.get("SLOW_ATTACK_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("SLOW_CONNECTIONS", "1000"))
HELD = 10000  # concurrent connections held in test_10000_connections
TIMEOUT_S = 3  # the servers' client timeouts in these tests

WEB_SITE = """
    client_header_timeout @HEADER_TIMEOUT@s;
    client_body_timeout @TIMEOUT@s;
    send_timeout @TIMEOUT@s;
    keepalive_timeout 10s;
    client_max_body_size 1m;
    server {
        listen 127.0.0.1:@PORT@ backlog=4096 sndbuf=32k;
        server_name localhost;
        root html;
        location = /ping { return 200 "pong\\n"; }
        location = /upload { proxy_pass http://127.0.0.1:@APP@; }
    }
"""
FILES = {"html/index.html": "<p>hello</p>\n", "html/big.bin": b"r" * (4 << 20)}


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def established(port):
    """The peer ports of the server-side ESTABLISHED TCP sockets on 127.0.0.1:port, from
    /proc/net/tcp. A socket the server closed leaves this state at once (FIN_WAIT, or gone), even
    while the client has not noticed yet (a slow reader has not read up to the FIN)."""
    peers, local = [], f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 3 and fields[1] == local and fields[3] == "01":
                peers.append(int(fields[2].split(":")[1], 16))
    return peers


class Sampler:
    """Samples, every 0.2 s in a thread, the summed RSS of pids() (peak, kB) and the server-side
    connections on port (peak, and the series as (seconds, count))."""

    def __init__(self, pids, port):
        self.pids, self.port, self.peak = pids, port, 0
        self.conns = []
        self.seen = {}  # peer port -> [first, last] time its server-side socket was seen open
        self.done = []  # lifetimes of earlier connections on a port seen again
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pids()))
            now = time.monotonic() - self._t0
            peers = established(self.port)
            for p in peers:
                life = self.seen.get(p)
                if life is None or now - life[1] > 1.0:  # a new connection on a reused port
                    if life is not None:
                        self.done.append(life[1] - life[0])
                    self.seen[p] = [now, now]
                else:
                    life[1] = now
            self.conns.append((now, len(peers)))
            self._stop.wait(0.2)

    def lifetimes(self):
        """How long each connection was seen open on the server's side (seconds)."""
        return sorted(self.done + [last - first for first, last in self.seen.values()])

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(5)


def slowhttptest(mode, url, seconds, out_prefix, connections, extra=()):
    """Starts slowhttptest in `mode` (-H, -B or -X) with `connections` for `seconds`, stats
    into out_prefix.csv; returns the Popen (the caller waits)."""
    cmd = [SLOWHTTPTEST, mode, "-c", str(connections), "-r", str(max(connections // 4, 50)),
           "-l", str(seconds), "-u", url, "-p", "5", "-g", "-o", out_prefix, *extra]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def read_stats(out_prefix):
    """slowhttptest's CSV: one row a second with closed / pending / connected counts."""
    try:
        with open(out_prefix + ".csv", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return []
    return [{k.strip().lower(): int(v) for k, v in r.items() if k and v and v.strip().isdigit()}
            for r in rows]


@unittest.skipUnless(SLOWHTTPTEST, "slowhttptest is not installed (scripts/install-deps.sh test)")
class SlowClientsBase:
    """One attack: a target, the normal client's path, the pids whose RSS counts."""

    # For CONNECTIONS slow connections. Under ASan, freed memory waits in its quarantine (up to
    # 256 MB by default) before reuse, so the bound there is larger by that much.
    RSS_GROWTH_LIMIT_KB = (160 + (256 if SANITIZED else 0)) * 1024

    def attack(self, mode, url, probe_port, probe_path, pids, extra=(), connections=CONNECTIONS):
        work = tempfile.mkdtemp(prefix="wc-slow-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        before = latency_probe(probe_port, probe_path, 1.5)
        self.assertEqual(before.failures(), [], "the server fails before any attack")
        rss_before = rss_kb(pids())
        with Sampler(pids, probe_port) as sampler:
            attacker = slowhttptest(mode, url, ATTACK_SECONDS, os.path.join(work, "stats"),
                                    connections, extra)
            self.addCleanup(lambda: attacker.poll() is None and attacker.kill())
            time.sleep(min(4.0, ATTACK_SECONDS / 3))  # the attack's connections are up
            during = latency_probe(probe_port, probe_path, ATTACK_SECONDS / 2)
            try:
                out, _ = attacker.communicate(timeout=ATTACK_SECONDS + 60)
            except subprocess.TimeoutExpired:
                attacker.kill()
                out, _ = attacker.communicate()
        stats = read_stats(os.path.join(work, "stats"))
        self.assertTrue(stats, f"no slowhttptest statistics:\n{out[-2000:]}")
        peak_connected = max(r.get("connected", 0) for r in stats)
        # The server's side: each attack connection is closed about TIMEOUT_S after it last
        # made progress, long before the attacker's next step (every 3 * TIMEOUT_S).
        peak_server = max((n for _, n in sampler.conns), default=0)
        lives = sampler.lifetimes()
        longest = lives[-1] if lives else 0
        typical = lives[len(lives) // 2] if lives else 0
        p99 = lives[len(lives) * 99 // 100] if lives else 0
        b, d = p50(before.served()), p50(during.served())
        figures = (f"{mode} {url}: {connections} attack connections (slowhttptest saw up to "
                   f"{peak_connected} connected; server side: peak {peak_server} open, {len(lives)} "
                   f"in all, open {typical:.1f} s typically, p99 {p99:.1f} s, {longest:.1f} s at most); normal client {len(during.served())}"
                   f" served during, p50 {b * 1000:.1f} ms before / {d * 1000:.1f} ms during; "
                   f"RSS {rss_before // 1024} MB before, peak {sampler.peak // 1024} MB")
        print("\n  " + figures, end="")
        self.assertEqual(during.failures(), [], figures)
        self.assertGreater(len(during.served()), 5, figures)
        self.assertLess(d, 10 * b + 0.05, figures)
        self.assertLess(sampler.peak - rss_before, self.RSS_GROWTH_LIMIT_KB, figures)
        self.assertGreater(len(lives), connections // 2, f"the attack did not connect\n"
                           f"{figures}\n{out[-1500:]}")
        # Without the timeouts they would live until the attacker's next step, 3 * TIMEOUT_S.
        self.assertLess(p99, 2 * TIMEOUT_S + 1, f"attack connections not timed out\n{figures}")
        return stats


class WebSlowClientsTest(SlowClientsBase, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.app = AppServer("pep3333_app:application", ["-w", "1", "-t", str(TIMEOUT_S)])
        cls.addClassCleanup(cls.app.cleanup)
        cls.app.start(workers=1)
        cls.web = None

    def start_web(self, header_timeout=TIMEOUT_S):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        site = WEB_SITE.replace("@APP@", str(self.app.port)).replace("@TIMEOUT@", str(TIMEOUT_S))
        config = http_config(site.replace("@HEADER_TIMEOUT@", str(header_timeout)),
                             main=f"worker_rlimit_nofile {min(hard, HELD + 1000)};")
        # Room for HELD connections in the one worker (the harness's default is 1024).
        config = config.replace("worker_connections 1024;", f"worker_connections {HELD + 2000};")
        return self.start_server("FULL:" + config, files=FILES)

    def pids(self, s):
        return lambda: [s.master_pid] + s.worker_pids()

    def test_slowloris(self):
        s = self.start_web()
        self.attack("-H", f"http://127.0.0.1:{s.port}/index.html", s.port, "/index.html",
                    self.pids(s), extra=["-i", str(TIMEOUT_S * 3), "-x", "24"])
        self.assertTrue(s.wait_for_log(r"client timed out \(110: Connection timed out\) while "
                                       r"reading client request headers"))

    def test_slow_body(self):
        s = self.start_web()
        self.attack("-B", f"http://127.0.0.1:{s.port}/upload", s.port, "/index.html",
                    self.pids(s), extra=["-i", str(TIMEOUT_S * 3), "-x", "10", "-s", "8192"])
        self.assertTrue(s.wait_for_log(r"client timed out \(110: Connection timed out\) while "
                                       r"reading (client request body|upstream)"
                                       r"|client timed out"))

    def test_slow_read(self):
        s = self.start_web()
        # Reads 32 bytes every 3*TIMEOUT_S s through a tiny window: send_timeout closes it.
        self.attack("-X", f"http://127.0.0.1:{s.port}/big.bin", s.port, "/index.html",
                    self.pids(s),
                    extra=["-k", "2", "-n", str(TIMEOUT_S * 3), "-w", "16", "-y", "32", "-z", "32"])
        self.assertTrue(s.wait_for_log(r"client timed out \(110: Connection timed out\) while "
                                       r"sending response to client"))

    def test_10000_connections_held_and_still_serving(self):
        # This process holds HELD sockets and so does the server (which inherits the limit):
        # raise the soft limit to the hard one, and the hard one where it is too low (with
        # CAP_SYS_RESOURCE).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = max(hard, HELD + 1000)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
        except (ValueError, OSError) as e:
            self.skipTest(f"cannot raise RLIMIT_NOFILE from {soft}/{hard} to {want}: {e}")
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        s = self.start_web(header_timeout=120)  # held, not timed out, for the whole test
        rss_before = rss_kb(self.pids(s)())
        socks = []
        self.addCleanup(lambda: [c.close() for c in socks])
        t0 = time.monotonic()
        for i in range(HELD):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", s.port))
            socks.append(c)
        # Every connection gets half a request (the server must hold it, within its header
        # timeout) -- sent once the connect completed.
        pending = list(socks)
        deadline = time.monotonic() + 20
        while pending and time.monotonic() < deadline:
            left = []
            for c in pending:
                try:
                    c.send(b"GET /index.html HTTP/1.1\r\n")
                except BlockingIOError:
                    left.append(c)
                except OSError as e:
                    self.fail(f"a held connection failed: {e}")
            pending = left
            if pending:
                time.sleep(0.05)
        self.assertEqual(pending, [], "connections not established")
        setup = time.monotonic() - t0
        held = wait_until(lambda: len(established(s.port)) >= HELD, 10, 0.2)
        self.assertTrue(held, f"{len(established(s.port))} established")
        # ESTABLISHED counts connections still in the accept queue too: a first request waits
        # behind them (FIFO) until the server has taken them all (slow under ASan).
        first = latency_probe(s.port, "/index.html", 0.1, timeout=60)
        self.assertEqual(first.failures(), [])
        settle = time.monotonic() - t0 - setup
        probe = latency_probe(s.port, "/index.html", 2.0)
        rss = rss_kb(self.pids(s)())
        print(f"\n  {HELD} connections held (set up in {setup:.1f} s, all accepted "
              f"{settle:.1f} s later); normal client "
              f"{len(probe.served())} served, p50 {p50(probe.served()) * 1000:.1f} ms; RSS "
              f"{rss_before // 1024} MB before, {rss // 1024} MB with them", end="")
        self.assertEqual(probe.failures(), [])
        self.assertGreater(len(probe.served()), 3)
        self.assertLess(rss - rss_before, 400 * 1024)
        # Nothing logged about running out of connections or descriptors.
        self.assertNotRegex(s.read_error_log(), r"worker_connections are not enough|"
                                                r"accept4\(\) failed")

    def test_header_and_body_limits(self):
        s = self.start_web()
        many = "".join(f"X-H{i}: {'v' * 100}\r\n" for i in range(400))  # 40 KB of head
        self.assertIn(s.exchange(f"GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())[0][0],
                      (400, 431))
        self.assertEqual(s.exchange(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                         [0][0], 414)
        self.assertEqual(s.exchange(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 +
                                    b"\r\n\r\n")[0][0], 431)
        self.assertEqual(s.exchange(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                    b"2000000\r\n\r\n")[0][0], 413)
        # A chunked body is counted as it comes: a chunk-size past the limit is a 413 at once
        # (as nginx), not a body read to its end.
        for chunks in ([b"200000\r\n"], [b"100000\r\n" + b"c" * 0x100000 + b"\r\n", b"1\r\n"]):
            with s.connect() as c:
                c.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                try:
                    for chunk in chunks:
                        c.sendall(chunk)
                except OSError:
                    pass  # refused mid-body
                c.settimeout(2)  # well under client_body_timeout's 3 s: no 408
                got = c.recv(200)
            self.assertTrue(got.startswith(b"HTTP/1.1 413"), got)


class AppSlowClientsTest(SlowClientsBase, unittest.TestCase):
    """`webcycle app` alone (no web server in front): its -t timeout closes slow clients."""

    def start_app(self):
        a = AppServer("pep3333_app:application",
                      ["-w", "1", "-t", str(TIMEOUT_S), "--keep-alive", "2"])
        self.addCleanup(a.cleanup)
        a.start(workers=1)
        return a

    def pids(self, a):
        return lambda: [a.master_pid] + a.worker_pids()

    def test_slowloris(self):
        a = self.start_app()
        self.attack("-H", f"http://127.0.0.1:{a.port}/hello", a.port, "/hello", self.pids(a),
                    extra=["-i", str(TIMEOUT_S * 3), "-x", "24"])

    def test_slow_body(self):
        a = self.start_app()
        self.attack("-B", f"http://127.0.0.1:{a.port}/hello", a.port, "/hello", self.pids(a),
                    extra=["-i", str(TIMEOUT_S * 3), "-x", "10", "-s", "8192"])

    def test_slow_read(self):
        a = self.start_app()
        # A 256 KB file sent by wsgi.file_wrapper (sendfile: the attack, not the app's own work,
        # is what is measured). Not 4 MB as for `web`: the app has no send-buffer bound (gunicorn
        # has none either), and 1000 slow readers of 4 MB each would park ~4 GB in the kernel's
        # autotuned loopback buffers, past tcp_mem, which stalls every TCP socket of the machine
        # (see docs/RELIABILITY.md).
        a.write_file("state/slow.bin", b"s" * (256 << 10))
        # A quarter of the connections: each slow reader's request runs the (single-worker)
        # Python app once, so 1000 of them are first of all a flood of 1000 WSGI calls.
        self.attack("-X", f"http://127.0.0.1:{a.port}/file?name=slow.bin&length=1", a.port,
                    "/hello", self.pids(a), connections=max(CONNECTIONS // 4, 50),
                    extra=["-k", "2", "-n", str(TIMEOUT_S * 3), "-w", "16", "-y", "32", "-z", "32"])

    def test_header_and_body_limits(self):
        a = self.start_app()
        many = "".join(f"X-H{i}: v\r\n" for i in range(150))  # over limit_request_fields 100
        for raw, want in (
                (f"GET /hello HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode(), 400),
                (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                (b"GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 400)):
            with socket.create_connection(("127.0.0.1", a.port), timeout=5) as c:
                c.sendall(raw)
                got = c.recv(100)
            self.assertTrue(got.startswith(f"HTTP/1.1 {want}".encode()) or
                            got.startswith(b"HTTP/1.1 431"), got)


if __name__ == "__main__":
    unittest.main()
