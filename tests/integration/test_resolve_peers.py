"""`webcycle resolve` against real DNS servers on loopback: dnsmasq (Debian's dnsmasq-base), NSD
(Debian's nsd) and `webcycle dns` (skipped while the binary has no `dns` command), each serving the
same names from a temp dir on a free port, started here and stopped by its PID.

The same checks run against each: A then AAAA, a CNAME chain, NXDOMAIN (exit 6), a name outside
the server's zone (REFUSED: exit 1), the search list, and an answer too big for UDP (TC, then TCP).
"""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from dns_fake import encode_name

BIN = os.environ.get("WEBCYCLE_BIN")
MANY = 100  # A records of many.mysite.test: ~1.6 KB, more than a 1232-byte EDNS payload

ZONE = """$ORIGIN mysite.test.
$TTL 300
@       IN SOA ns1 hostmaster 2026112401 3600 900 604800 60
        IN NS  ns1
ns1     IN A   127.0.0.53
www     IN A   127.0.0.1
        IN AAAA ::1
app     IN A   127.0.0.2
alias   IN CNAME chain
chain   IN CNAME www
""" + "".join(f"many    IN A   10.0.1.{i}\n" for i in range(1, MANY + 1))


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP (bound, noted, closed)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def answers(port, name="www.mysite.test"):
    """True once a server on `port` answers a query for `name`."""
    query = struct.pack("!HHHHHH", 4242, 0x0100, 1, 0, 0, 0) + encode_name(name) + b"\0\1\0\1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(query, ("127.0.0.1", port))
            data = s.recv(4096)
            return data[:2] == b"\x10\x92"
        except OSError:
            return False


class PeerMixin:
    """The checks; a subclass starts its server in start_server(dir, port) -> Popen."""

    has_many = True

    def setUp(self):
        if not BIN:
            raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
        self.dir = tempfile.mkdtemp(prefix="webcycle-resolve-peer-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.port = free_port()
        self.proc = self.start_server(self.dir, self.port)
        self.addCleanup(self.stop_server)
        deadline = time.monotonic() + 15
        while not answers(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.read("server.out")
                self.fail(f"{self.__class__.__name__}: server did not start: {out}")
            time.sleep(0.05)
        self.hosts = self.write("hosts", "127.0.0.1 localhost\n")
        self.resolv = self.write("resolv.conf", f"nameserver 127.0.0.1:{self.port}\n"
                                                "search mysite.test\n"
                                                "options timeout:2 attempts:1\n")

    def stop_server(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def read(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read()
        except OSError:
            return ""

    def popen(self, args):
        out = open(os.path.join(self.dir, "server.out"), "w")
        self.addCleanup(out.close)
        return subprocess.Popen(args, cwd=self.dir, stdout=out, stderr=subprocess.STDOUT)

    def resolve(self, *args):
        return subprocess.run([BIN, "resolve", *args, "--hosts", self.hosts,
                               "--resolv-conf", self.resolv],
                              capture_output=True, text=True, timeout=60)

    def test_a_then_aaaa(self):
        r = self.resolve("www.mysite.test")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        r = self.resolve("app.mysite.test", "-4")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)

    def test_cname_chain(self):
        r = self.resolve("alias.mysite.test", "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertIn("(canonical name www.mysite.test)", r.stderr)

    def test_nxdomain_is_site_not_found(self):
        r = self.resolve("nosuch.mysite.test.")
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertEqual(r.stderr, "webcycle: site not found: nosuch.mysite.test.\n")

    def test_name_outside_the_zone_is_refused(self):
        r = self.resolve("www.elsewhere.example.")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr, "webcycle: server failure looking up www.elsewhere.example. "
                                   f"(127.0.0.1:{self.port}: REFUSED)\n")

    def test_search_list(self):
        r = self.resolve("app", "-4", "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertIn("search list: app.mysite.test, app (ndots 1)", r.stderr)

    def test_truncated_answer_over_tcp(self):
        if not self.has_many:
            self.skipTest("this server has no big answer")
        r = self.resolve("many.mysite.test", "-4", "-v")
        self.assertEqual(r.returncode, 0, r.stderr)
        # In the server's order (dnsmasq's is its own): compare the sets.
        self.assertEqual(sorted(r.stdout.splitlines()), sorted(f"10.0.1.{i}" for i in range(1, MANY + 1)))
        self.assertIn("truncated (TC)", r.stderr)
        self.assertIn(f"answer from 127.0.0.1:{self.port} over TCP", r.stderr)


class DnsmasqTest(PeerMixin, unittest.TestCase):
    def start_server(self, d, port):
        if not os.path.exists("/usr/sbin/dnsmasq"):
            self.skipTest("dnsmasq is not installed (Debian's dnsmasq-base)")
        hosts = "127.0.0.1 www.mysite.test\n::1 www.mysite.test\n127.0.0.2 app.mysite.test\n"
        hosts += "".join(f"10.0.1.{i} many.mysite.test\n" for i in range(1, MANY + 1))
        self.write("dnsmasq.hosts", hosts)
        # dnsmasq started as root reads its hosts file after dropping to "nobody".
        os.chmod(d, 0o755)
        os.chmod(os.path.join(d, "dnsmasq.hosts"), 0o644)
        return self.popen([
            "/usr/sbin/dnsmasq", "-k", "--conf-file=/dev/null", f"--port={port}",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            f"--addn-hosts={d}/dnsmasq.hosts", f"--pid-file={d}/dnsmasq.pid",
            "--local=/mysite.test/", "--cname=alias.mysite.test,chain.mysite.test",
            "--cname=chain.mysite.test,www.mysite.test", "--log-facility=-"])


class NsdTest(PeerMixin, unittest.TestCase):
    def start_server(self, d, port):
        if not os.path.exists("/usr/sbin/nsd"):
            self.skipTest("nsd is not installed (Debian's nsd)")
        self.write("mysite.test.zone", ZONE)
        self.write("nsd.conf", f"""server:
  port: {port}
  ip-address: 127.0.0.1
  username: ""
  chroot: ""
  zonesdir: "{d}"
  pidfile: "{d}/nsd.pid"
  database: ""
  xfrdfile: "{d}/xfrd.state"
  xfrdir: "{d}"
  zonelistfile: "{d}/zone.list"
  logfile: "{d}/nsd.log"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: mysite.test
  zonefile: mysite.test.zone
""")
        return self.popen(["/usr/sbin/nsd", "-d", "-c", f"{d}/nsd.conf"])


class WebcycleDnsTest(PeerMixin, unittest.TestCase):
    def start_server(self, d, port):
        r = subprocess.run([BIN, "help", "dns"], capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest("this webcycle has no dns command yet")
        self.write("mysite.test.zone", ZONE)
        return self.popen([BIN, "dns", "--listen", f"127.0.0.1:{port}",
                           "--zone", f"mysite.test={d}/mysite.test.zone"])


if __name__ == "__main__":
    unittest.main()
