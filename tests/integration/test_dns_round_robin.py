"""Several hosts behind one name (issue 11): `webcycle dns` rotates a name's A records per query
(dig sees the order change), a HUP'd zone with a short TTL is picked up by a web server whose
upstream says `server NAME:PORT resolve` (new address gets traffic, a removed one gets none, a
request already on a removed one finishes), and `browse` tries a name's next address when the
first one refuses."""

import http.server
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from browse_peers import browse
from dns_harness import DnsServer, webcycle_bin
from harness import QuietHandler, Server, free_ports, http_config, wait_until

ZONE = """$ORIGIN rr.test.
$TTL 1
@     IN SOA ns hostmaster {serial} 3600 600 86400 1
@     IN NS  ns
ns    IN A   127.0.0.1
{records}
"""


def zone_text(serial, addresses, name="app"):
    records = "\n".join(f"{name} IN A {a}" for a in addresses)
    return ZONE.format(serial=serial, records=records)


class Backend(QuietHandler, http.server.BaseHTTPRequestHandler):
    """Answers with the address it listens on; /slow waits for the test's event first."""

    release = None  # threading.Event, set per server

    def do_GET(self):
        if self.path == "/slow":
            self.server.arrived.set()
            self.server.release.wait(20)
        self.send(200, self.server.server_address[0].encode())


class Backends:
    """One HTTP server per loopback address, all on the same port (as app hosts would be)."""

    def __init__(self, addresses):
        self.port = None
        self.servers = {}
        for a in addresses:
            self.add(a)

    def add(self, address):
        while True:
            port = self.port or free_ports(1)[0]
            try:
                srv = http.server.ThreadingHTTPServer((address, port), Backend)
                break
            except OSError:
                if self.port:
                    raise
        self.port = port
        srv.daemon_threads = True
        srv.release = threading.Event()
        srv.arrived = threading.Event()
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.servers[address] = srv

    def stop(self):
        for srv in self.servers.values():
            srv.release.set()
            srv.shutdown()
            srv.server_close()


class ResolveTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wc-rr-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.zone = os.path.join(self.dir, "rr.test.zone")

    def assert_logged(self, web, pattern):
        self.assertIsNotNone(web.wait_for_log(pattern, timeout=10), web.read_error_log())

    def write_zone(self, serial, addresses):
        with open(self.zone + ".tmp", "w") as f:
            f.write(zone_text(serial, addresses))
        os.replace(self.zone + ".tmp", self.zone)

    def start_dns(self, *extra):
        dns = DnsServer("--zone", "rr.test=" + self.zone, *extra)
        self.addCleanup(dns.stop)
        return dns

    def answers(self, dns):
        r = dns.dig("app.rr.test", "A")
        self.assertEqual(r.status, "NOERROR", r.text)
        return [line.split()[-1] for line in r.answer]


class DigRoundRobin(ResolveTestCase):
    ADDRESSES = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]

    def test_order_rotates_per_query(self):
        self.write_zone(1, self.ADDRESSES)
        dns = self.start_dns()
        seen = [self.answers(dns) for _ in range(3)]
        for order in seen:
            self.assertEqual(sorted(order), self.ADDRESSES)
        # Each query starts one further: every address comes first once in three queries.
        self.assertEqual(sorted(o[0] for o in seen), self.ADDRESSES)
        self.assertEqual(seen[1], seen[0][1:] + seen[0][:1])
        # Over TCP as well.
        tcp = [[line.split()[-1] for line in dns.dig("app.rr.test", "A", "+tcp").answer]
               for _ in range(2)]
        self.assertNotEqual(tcp[0], tcp[1])

    def test_round_robin_off_keeps_zone_order(self):
        self.write_zone(1, self.ADDRESSES)
        conf = os.path.join(self.dir, "dns.conf")
        with open(conf, "w") as f:
            f.write("round_robin off;\n")
        dns = self.start_dns("-c", conf)
        for _ in range(3):
            self.assertEqual(self.answers(dns), self.ADDRESSES)
        # A bad value is refused with the directive's name.
        with open(conf, "w") as f:
            f.write("round_robin maybe;\n")
        dns2 = DnsServer("--zone", "rr.test=" + self.zone, "-c", conf, wait=False)
        self.addCleanup(dns2.stop)
        self.assertEqual(dns2.proc.wait(10), 1)
        self.assertIn('invalid value "maybe" in "round_robin" directive', dns2.stderr())
        # The flag: a usage error, exit 2.
        r = subprocess.run([webcycle_bin(), "dns", "--round-robin", "maybe"], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('--round-robin: "maybe" is not on or off', r.stderr)

    def test_reload_changes_the_answer(self):
        self.write_zone(1, self.ADDRESSES)
        dns = self.start_dns()
        self.write_zone(2, ["127.0.0.11", "127.0.0.14"])
        dns.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: sorted(self.answers(dns)) == ["127.0.0.11",
                                                                          "127.0.0.14"], 5))


class WebResolve(ResolveTestCase):
    """The web server's `resolve` upstream follows the zone through reloads."""

    def start_web(self, dns, backends, extra_server=""):
        config = http_config(f"""
            resolver 127.0.0.1:{dns.port};
            upstream apps {{
                server app.rr.test:{backends.port} resolve max_fails=0;
                {extra_server}
            }}
            server {{
                listen 127.0.0.1:@PORT@;
                location / {{ proxy_pass http://apps; proxy_next_upstream error timeout; }}
            }}""")
        web = Server(config)
        self.addCleanup(web.cleanup)
        web.start()
        return web

    def hits(self, web, n):
        out = []
        for _ in range(n):
            status, _, body = web.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0]
            out.append(body.decode() if status == 200 else f"status {status}")
        return out

    def test_peers_follow_the_zone(self):
        backends = Backends(["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"])
        self.addCleanup(backends.stop)
        self.write_zone(1, ["127.0.0.11", "127.0.0.12", "127.0.0.13"])
        dns = self.start_dns()
        web = self.start_web(dns, backends)
        # The first lookup is under way as the worker starts: wait for its log line.
        self.assert_logged(web, r"app\.rr\.test:\d+ resolved to 3 addresses")
        got = self.hits(web, 9)
        self.assertEqual(sorted(set(got)), ["127.0.0.11", "127.0.0.12", "127.0.0.13"], got)
        # .13 leaves, .14 joins; TTL 1 s: the worker asks again within about a second.
        self.write_zone(2, ["127.0.0.11", "127.0.0.12", "127.0.0.14"])
        changed = time.monotonic()
        dns.signal(signal.SIGHUP)
        self.assert_logged(web, r"\(-127\.0\.0\.13:\d+, \+127\.0\.0\.14:\d+\)")
        noticed = time.monotonic() - changed
        got = self.hits(web, 9)
        self.assertEqual(sorted(set(got)), ["127.0.0.11", "127.0.0.12", "127.0.0.14"], got)
        print(f"\n  zone change noticed by the web server in {noticed:.2f} s (TTL 1 s)")
        # NXDOMAIN: no servers left -> 502; the name back -> served again.
        with open(self.zone, "w") as f:
            f.write(zone_text(3, ["127.0.0.11"], name="other"))
        dns.signal(signal.SIGHUP)
        self.assert_logged(web, r"app\.rr\.test could not be resolved \(3: Host not found\)")
        self.assertTrue(wait_until(lambda: self.hits(web, 1) == ["status 502"], 10))
        self.write_zone(4, ["127.0.0.12"])
        dns.signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: self.hits(web, 1) == ["127.0.0.12"], 10))

    def test_request_on_a_removed_peer_finishes(self):
        backends = Backends(["127.0.0.13", "127.0.0.14"])
        self.addCleanup(backends.stop)
        self.write_zone(1, ["127.0.0.13"])
        dns = self.start_dns()
        web = self.start_web(dns, backends)
        self.assert_logged(web, r"resolved to 1 address ")
        slow = web.connect(timeout=20)
        self.addCleanup(slow.close)
        slow.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(backends.servers["127.0.0.13"].arrived.wait(10))
        self.write_zone(2, ["127.0.0.14"])
        dns.signal(signal.SIGHUP)
        self.assert_logged(web, r"\(-127\.0\.0\.13:\d+, \+127\.0\.0\.14:\d+\)")
        self.assertEqual(self.hits(web, 3), ["127.0.0.14"] * 3)
        # The request that was on .13 when it left the rotation still gets its answer.
        backends.servers["127.0.0.13"].release.set()
        data = b""
        slow.settimeout(10)
        while not data.endswith(b"127.0.0.13"):
            chunk = slow.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data)
        self.assertTrue(data.endswith(b"127.0.0.13"), data)


class BrowseEveryAddress(ResolveTestCase):
    def test_next_address_when_the_first_refuses(self):
        # Two A records through webcycle dns; nothing listens on 127.0.0.12's port. The rotation
        # puts each first in turn: both browses succeed, and one of them shows the refused try.
        backends = Backends(["127.0.0.11"])
        self.addCleanup(backends.stop)
        self.write_zone(1, ["127.0.0.12", "127.0.0.11"])
        dns = self.start_dns()
        resolv = os.path.join(self.dir, "resolv.conf")
        with open(resolv, "w") as f:
            f.write(f"nameserver 127.0.0.1:{dns.port}\n")
        hosts = os.path.join(self.dir, "hosts")
        open(hosts, "w").close()
        traces = []
        for _ in range(2):
            b = browse(f"http://app.rr.test:{backends.port}/", "--hosts", hosts,
                       "--resolv-conf", resolv, "-v")
            self.assertEqual((b.returncode, b.stdout), (0, b"127.0.0.11"), b.stderr)
            traces.append(b.stderr)
        refused = [t for t in traces if f"connect to 127.0.0.12:{backends.port} failed" in t]
        self.assertEqual(len(refused), 1, traces)
        self.assertIn(f"connected to 127.0.0.11:{backends.port}", refused[0])


if __name__ == "__main__":
    unittest.main()
