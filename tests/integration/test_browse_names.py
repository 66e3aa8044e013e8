"""`webcycle browse` finding the server by name: from a hosts file (--hosts, WEBCYCLE_HOSTS), from
`webcycle dns` (a zone on a loopback port named by a resolv.conf), from neither (exit 6, "site
not found"), and each resolved address tried in turn until one connects."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from browse_peers import BODY_CL, RawServer, browse, webcycle_bin
from harness import free_ports

ZONE = """$ORIGIN browse.test.
$TTL 300
@       IN SOA ns.browse.test. admin.browse.test. 1 3600 600 86400 300
@       IN NS  ns
ns      IN A   127.0.0.1
www     IN A   127.0.0.1
alias   IN CNAME www
"""


class BrowseNamesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = RawServer()
        cls.addClassCleanup(cls.server.stop)
        cls.dir = tempfile.mkdtemp(prefix="wc-browse-names-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_name_from_the_hosts_file(self):
        hosts = self.write("hosts", "127.0.0.1 www.hosts.test\n")
        url = f"http://www.hosts.test:{self.server.port}/cl"
        b = browse(url, "--hosts", hosts, "-v")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        self.assertIn("www.hosts.test is 127.0.0.1 (hosts file", b.stderr)
        self.assertIn("> Host: www.hosts.test:", b.stderr)
        # The environment names it too; the flag wins over it.
        b = browse(url, env={"WEBCYCLE_HOSTS": hosts})
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        empty = self.write("empty-hosts", "")
        b = browse(url, "--hosts", empty, env={"WEBCYCLE_HOSTS": hosts})
        self.assertEqual(b.returncode, 6, b.stderr)
        # The address bar form: the name without http://.
        b = browse(f"www.hosts.test:{self.server.port}/cl", "--hosts", hosts)
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)

    def test_a_name_known_by_neither_is_6(self):
        hosts = self.write("hosts-none", "127.0.0.1 other.test\n")
        b = browse("http://nowhere.browse.test/", "--hosts", hosts)
        self.assertEqual(b.returncode, 6, b.stderr)
        self.assertEqual(b.stdout, b"")
        self.assertTrue(b.stderr.startswith("webcycle: site not found: nowhere.browse.test"),
                        b.stderr)

    def test_connect_timeout_covers_the_lookup(self):
        # A nameserver that never answers (a bound UDP socket nobody reads), asked for 5 s:
        # --connect-timeout ends the wait first, with curl's 28 (the lookup's own timeout
        # would have been 6, "site not found").
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        self.addCleanup(silent.close)
        resolv = self.write("resolv-silent",
                            f"nameserver 127.0.0.1:{silent.getsockname()[1]}\n"
                            "options timeout:5 attempts:1\n")
        hosts = self.write("hosts-silent", "")
        b = browse("http://slow.browse.test/", "--hosts", hosts, "--resolv-conf", resolv,
                   "--connect-timeout", "0.3")
        self.assertEqual(b.returncode, 28, b.stderr)
        self.assertIn("timed out", b.stderr)
        b = browse("http://slow.browse.test/", "--hosts", hosts, "--resolv-conf", resolv,
                   "--max-time", "0.3")
        self.assertEqual(b.returncode, 28, b.stderr)

    def test_each_address_in_turn(self):
        # 127.0.0.2 is loopback too, but nothing listens there on this port: refused, then
        # the next address of the name connects.
        hosts = self.write("hosts-multi", "127.0.0.2 multi.test\n127.0.0.1 multi.test\n")
        b = browse(f"http://multi.test:{self.server.port}/cl", "--hosts", hosts, "-v")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        self.assertIn(f"connect to 127.0.0.2:{self.server.port} failed", b.stderr)
        self.assertIn(f"connected to 127.0.0.1:{self.server.port}", b.stderr)
        # None answers: 7, naming the host.
        port = free_ports(1)[0]
        b = browse(f"http://multi.test:{port}/", "--hosts", hosts)
        self.assertEqual(b.returncode, 7, b.stderr)
        self.assertIn(f"cannot connect to multi.test port {port}", b.stderr)

    def test_ipv4_then_ipv6(self):
        try:
            v6 = RawServer(socket.AF_INET6, "::1")
        except OSError as e:
            self.skipTest(f"no IPv6 loopback here: {e}")
        self.addCleanup(v6.stop)
        hosts = self.write("hosts-v6", "127.0.0.1 dual.test\n::1 dual.test\n")
        # The IPv6 server's port on 127.0.0.1 is (almost surely) closed: IPv4 is refused first.
        b = browse(f"http://dual.test:{v6.port}/cl", "--hosts", hosts, "-v")
        if f"connected to 127.0.0.1:{v6.port}" in b.stderr:
            self.skipTest("something listens on the same port on 127.0.0.1")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        self.assertIn(f"connected to [::1]:{v6.port}", b.stderr)
        b = browse(f"http://dual.test:{v6.port}/cl", "--hosts", hosts, "-6", "-v")
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        self.assertNotIn("127.0.0.1", b.stderr.split("is ", 1)[-1].split("\n")[0])


class BrowseDnsTest(unittest.TestCase):
    """Names from `webcycle dns`, through a resolv.conf naming its loopback port."""

    @classmethod
    def setUpClass(cls):
        binary = webcycle_bin()
        r = subprocess.run([binary, "dns", "--help"], capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise unittest.SkipTest("this binary has no `webcycle dns` yet")
        cls.server = RawServer()
        cls.addClassCleanup(cls.server.stop)
        cls.dir = tempfile.mkdtemp(prefix="wc-browse-dns-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        zone = os.path.join(cls.dir, "browse.test.zone")
        with open(zone, "w") as f:
            f.write(ZONE)
        cls.dns_port = cls.free_udp_and_tcp_port()
        with open(os.path.join(cls.dir, "dns.err"), "wb") as err:
            cls.proc = subprocess.Popen(
                [binary, "dns", "--listen", f"127.0.0.1:{cls.dns_port}", "--zone",
                 f"browse.test={zone}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err)
        cls.addClassCleanup(cls.stop_dns)
        cls.resolv = os.path.join(cls.dir, "resolv.conf")
        with open(cls.resolv, "w") as f:
            f.write(f"nameserver 127.0.0.1:{cls.dns_port}\noptions timeout:2 attempts:2\n")
        cls.hosts = os.path.join(cls.dir, "hosts")
        with open(cls.hosts, "w") as f:
            f.write("127.0.0.1 localhost\n")
        deadline = time.monotonic() + 10
        while True:
            r = subprocess.run([binary, "resolve", "www.browse.test", "--hosts", cls.hosts,
                                "--resolv-conf", cls.resolv], capture_output=True, text=True,
                               timeout=10)
            if r.returncode == 0:
                break
            if time.monotonic() > deadline or cls.proc.poll() is not None:
                raise AssertionError(f"webcycle dns did not answer: {r.stderr}")
            time.sleep(0.05)

    @staticmethod
    def free_udp_and_tcp_port():
        for _ in range(50):
            port = free_ports(1)[0]
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
            finally:
                u.close()
        raise AssertionError("no free port for UDP and TCP")

    @classmethod
    def stop_dns(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
            cls.proc.wait()

    def args(self, *more):
        return ["--hosts", self.hosts, "--resolv-conf", self.resolv, *more]

    def test_a_name_from_dns(self):
        b = browse(f"www.browse.test:{self.server.port}/cl", *self.args("-v"))
        self.assertEqual((b.returncode, b.stdout), (0, BODY_CL), b.stderr)
        self.assertIn(f"127.0.0.1:{self.dns_port}", b.stderr)  # the server asked, in the trace
        self.assertIn("www.browse.test is 127.0.0.1 (DNS", b.stderr)

    def test_a_cname_from_dns(self):
        b = browse(f"http://alias.browse.test:{self.server.port}/echo", *self.args())
        self.assertEqual(b.returncode, 0, b.stderr)
        headers = dict(json.loads(b.stdout)["headers"])
        self.assertEqual(headers["Host"], f"alias.browse.test:{self.server.port}")

    def test_a_name_dns_does_not_know_is_6(self):
        b = browse(f"http://shop.browse.test:{self.server.port}/", *self.args())
        self.assertEqual(b.returncode, 6, b.stderr)
        self.assertEqual(b.stderr.splitlines()[-1], "webcycle: site not found: shop.browse.test")


if __name__ == "__main__":
    unittest.main()
