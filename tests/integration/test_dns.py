"""`webcycle dns` asked by dig (bind9-dnsutils): every record type of SPEC.md, NXDOMAIN, NODATA,
CNAME chains, TCP, EDNS, truncation, REFUSED, the hosts file, forwarding, HUP reload, the query
log, -t and -c."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from dns_harness import (MYSITE_ZONE, REVERSE_ZONE, DnsServer, build_query, dig, free_port,
                         header, udp_exchange, webcycle_bin)

ZONE_ARGS = ["--zone", "mysite.test=" + MYSITE_ZONE,
             "--zone", "1.0.127.in-addr.arpa=" + REVERSE_ZONE]


class Records(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DnsServer(*ZONE_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def one(self, name, qtype, *extra):
        r = self.server.dig(name, qtype, *extra)
        self.assertEqual(r.status, "NOERROR", r.text)
        self.assertIn("aa", r.flags, r.text)
        return r

    def test_every_type(self):
        cases = [
            ("www.mysite.test", "A", "www.mysite.test. 300 IN A 127.0.0.1"),
            ("www.mysite.test", "AAAA", "www.mysite.test. 300 IN AAAA ::1"),
            ("mysite.test", "SOA", "mysite.test. 300 IN SOA ns1.mysite.test. "
             "hostmaster.mysite.test. 2026112401 3600 900 604800 60"),
            ("mysite.test", "NS", "mysite.test. 300 IN NS ns1.mysite.test."),
            ("mysite.test", "MX", "mysite.test. 300 IN MX 10 mail.mysite.test."),
            ("txt.mysite.test", "TXT", 'txt.mysite.test. 300 IN TXT "hello world" "second string"'),
            ("alias.mysite.test", "CNAME", "alias.mysite.test. 300 IN CNAME www.mysite.test."),
            ("_http._tcp.mysite.test", "SRV",
             "_http._tcp.mysite.test. 300 IN SRV 10 5 8080 www.mysite.test."),
            ("1.1.0.127.in-addr.arpa", "PTR", "1.1.0.127.in-addr.arpa. 3600 IN PTR many.mysite.test."),
        ]
        for name, qtype, line in cases:
            with self.subTest(qtype=qtype):
                self.assertIn(line, self.one(name, qtype).answer)

    def test_positive_answer_has_ns_and_glue(self):
        r = self.one("www.mysite.test", "A")
        self.assertEqual(r.authority, ["mysite.test. 300 IN NS ns1.mysite.test.",
                                       "mysite.test. 300 IN NS ns2.mysite.test."])
        self.assertIn("ns1.mysite.test. 300 IN A 127.0.0.53", r.additional)
        self.assertIn("ns2.mysite.test. 300 IN AAAA ::54", r.additional)

    def test_nxdomain_has_soa_with_negative_ttl(self):
        r = self.server.dig("nope.mysite.test", "A")
        self.assertEqual(r.status, "NXDOMAIN")
        self.assertIn("aa", r.flags)
        self.assertEqual(r.answer, [])
        self.assertEqual(len(r.authority), 1)
        self.assertTrue(r.authority[0].startswith("mysite.test. 60 IN SOA "), r.text)

    def test_nodata(self):
        for name in ("www.mysite.test", "deep.mysite.test"):  # a type it lacks; an empty non-terminal
            r = self.server.dig(name, "MX")
            self.assertEqual(r.status, "NOERROR")
            self.assertEqual(r.answer, [])
            self.assertTrue(r.authority[0].startswith("mysite.test. 60 IN SOA "), r.text)

    def test_cname_chain(self):
        r = self.one("chain.mysite.test", "A")
        self.assertEqual(r.answer, [
            "chain.mysite.test. 300 IN CNAME alias2.mysite.test.",
            "alias2.mysite.test. 300 IN CNAME alias.mysite.test.",
            "alias.mysite.test. 300 IN CNAME www.mysite.test.",
            "www.mysite.test. 300 IN A 127.0.0.1",
        ])

    def test_cname_loop_ends(self):
        r = self.one("loop1.mysite.test", "A")
        self.assertEqual(len(r.answer), 2)

    def test_wildcard(self):
        r = self.one("anything.wild.mysite.test", "A")
        self.assertEqual(r.answer, ["anything.wild.mysite.test. 300 IN A 127.0.0.77"])
        r = self.one("exact.wild.mysite.test", "A")
        self.assertEqual(r.answer, ["exact.wild.mysite.test. 300 IN A 127.0.0.78"])

    def test_referral_below_a_cut(self):
        r = self.server.dig("host.sub.mysite.test", "A")
        self.assertEqual(r.status, "NOERROR")
        self.assertNotIn("aa", r.flags)
        self.assertEqual(r.authority, ["sub.mysite.test. 300 IN NS ns.sub.mysite.test."])
        self.assertEqual(r.additional, ["ns.sub.mysite.test. 300 IN A 127.0.0.60"])

    def test_refused_outside(self):
        r = self.server.dig("www.example.com", "A")
        self.assertEqual(r.status, "REFUSED")
        self.assertNotIn("aa", r.flags)

    def test_case_is_echoed(self):
        r = self.one("WwW.MySite.TEST", "A")
        self.assertEqual(r.answer, ["WwW.MySite.TEST. 300 IN A 127.0.0.1"])

    def test_tcp(self):
        r = self.one("www.mysite.test", "A", "+tcp")
        self.assertEqual(r.answer, ["www.mysite.test. 300 IN A 127.0.0.1"])

    def test_edns(self):
        r = self.one("www.mysite.test", "A")
        self.assertEqual(r.edns, "; EDNS: version: 0, flags:; udp: 1232")
        r = self.one("www.mysite.test", "A", "+noedns")
        self.assertIsNone(r.edns)
        r = self.one("www.mysite.test", "A", "+dnssec")
        self.assertEqual(r.edns, "; EDNS: version: 0, flags: do; udp: 1232")

    def test_badvers(self):
        reply = udp_exchange(self.server.port, build_query("www.mysite.test", edns=1232)[:-11] +
                             b"\0\x00\x29\x04\xd0\x00\x01\x00\x00\x00\x00")
        self.assertIsNotNone(reply)
        _, flags, qd, an, ns, ar = header(reply)
        self.assertEqual(flags & 0x0F, 0)
        self.assertEqual((an, ns, ar), (0, 0, 1))
        self.assertEqual(reply[-6], 1)  # extended RCODE 1: BADVERS (16)

    def test_truncation_over_udp_and_full_over_tcp(self):
        for name, qtype in (("big.mysite.test", "TXT"), ("many.mysite.test", "A")):
            with self.subTest(name=name):
                r = self.server.dig(name, qtype, "+noedns", "+ignore")
                self.assertIn("tc", r.flags, r.text)
                self.assertEqual(r.answer, [])
                r = self.server.dig(name, qtype, "+bufsize=600", "+ignore")
                self.assertIn("tc", r.flags, r.text)
                r = self.server.dig(name, qtype, "+tcp")
                self.assertNotIn("tc", r.flags)
                self.assertEqual(len(r.answer), 3 if qtype == "TXT" else 40)
                r = self.server.dig(name, qtype, "+noedns")  # dig retries over TCP itself
                self.assertTrue(r.truncated_retry, r.text)
                self.assertEqual(len(r.answer), 3 if qtype == "TXT" else 40)

    def test_bigger_bufsize_avoids_truncation(self):
        r = self.server.dig("big.mysite.test", "TXT", "+bufsize=1232", "+ignore")
        self.assertNotIn("tc", r.flags)
        self.assertEqual(len(r.answer), 3)


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


class Ipv6(unittest.TestCase):
    @unittest.skipUnless(have_ipv6_loopback(), "no IPv6 loopback on this machine")
    def test_answers_on_ipv6(self):
        port = None
        server = DnsServer(*ZONE_ARGS, wait=True, extra_listen=["[::1]:0"])
        try:
            # The [::1]:0 listen got a port of its own; the log names it.
            for line in server.stderr().splitlines():
                if "listening on [::1]:" in line:
                    port = int(line.split("[::1]:")[1].split()[0])
            self.assertIsNotNone(port, server.stderr())
            r = dig(port, "www.mysite.test", "A", host="::1")
            self.assertEqual(r.answer, ["www.mysite.test. 300 IN A 127.0.0.1"])
            r = dig(port, "www.mysite.test", "A", "+tcp", host="::1")
            self.assertEqual(r.answer, ["www.mysite.test. 300 IN A 127.0.0.1"])
        finally:
            server.stop()


class HostsFile(unittest.TestCase):
    def test_hosts_names(self):
        d = tempfile.mkdtemp()
        try:
            hosts = os.path.join(d, "hosts")
            with open(hosts, "w") as f:
                f.write("127.0.0.5 hosty.test alias.hosty.test\n::5 hosty.test\n"
                        "582.33.96.77 www.mysite.com\n")
            server = DnsServer("--hosts", hosts, *ZONE_ARGS)
            try:
                r = server.dig("hosty.test", "A")
                self.assertEqual(r.status, "NOERROR")
                self.assertIn("aa", r.flags)
                self.assertEqual(r.answer, ["hosty.test. 0 IN A 127.0.0.5"])
                self.assertEqual(server.dig("alias.hosty.test", "A").answer,
                                 ["alias.hosty.test. 0 IN A 127.0.0.5"])
                self.assertEqual(server.dig("hosty.test", "AAAA").answer,
                                 ["hosty.test. 0 IN AAAA ::5"])
                self.assertEqual(server.dig("-x", "127.0.0.5").answer,
                                 ["5.0.0.127.in-addr.arpa. 0 IN PTR hosty.test."])
                r = server.dig("hosty.test", "MX")
                self.assertEqual((r.status, r.answer), ("NOERROR", []))
                # The zone still answers its own names.
                self.assertEqual(server.dig("www.mysite.test", "A").answer,
                                 ["www.mysite.test. 300 IN A 127.0.0.1"])
                self.assertIn("hosts:3: ", server.stderr())
            finally:
                server.stop()
        finally:
            shutil.rmtree(d)


class Forward(unittest.TestCase):
    def test_forward_to_a_second_server(self):
        upstream = DnsServer("--zone", "mysite.test=" + MYSITE_ZONE)
        try:
            front = DnsServer("--forward", "127.0.0.1:%d" % upstream.port,
                              "--zone", "1.0.127.in-addr.arpa=" + REVERSE_ZONE)
            try:
                r = front.dig("www.mysite.test", "A")
                self.assertEqual(r.status, "NOERROR")
                self.assertEqual(r.answer, ["www.mysite.test. 300 IN A 127.0.0.1"])
                r = front.dig("nope.mysite.test", "A")
                self.assertEqual(r.status, "NXDOMAIN")
                r = front.dig("www.mysite.test", "A", "+tcp")
                self.assertEqual(r.answer, ["www.mysite.test. 300 IN A 127.0.0.1"])
                # A truncated upstream answer: a TCP client gets it whole (relayed over TCP), a
                # UDP client gets TC and retries over TCP.
                r = front.dig("many.mysite.test", "A", "+tcp", "+noedns")  # 512 bytes upstream: TC
                self.assertEqual(len(r.answer), 40, r.text)
                r = front.dig("many.mysite.test", "A", "+noedns")
                self.assertTrue(r.truncated_retry, r.text)
                self.assertEqual(len(r.answer), 40)
                # Its own zone is still answered by itself.
                r = front.dig("1.1.0.127.in-addr.arpa", "PTR")
                self.assertIn("aa", r.flags)
                # The client's ID comes back.
                reply = udp_exchange(front.port, build_query("www.mysite.test", qid=0xBEEF),
                                     timeout=3)
                self.assertEqual(header(reply)[0], 0xBEEF)
            finally:
                front.stop()
        finally:
            upstream.stop()

    def test_servfail_when_upstream_is_silent(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            front = DnsServer("--forward", "127.0.0.1:%d" % silent.getsockname()[1])
            try:
                reply = udp_exchange(front.port, build_query("www.example.com", qid=0x4242),
                                     timeout=6)
                self.assertIsNotNone(reply)
                self.assertEqual(header(reply)[0], 0x4242)
                self.assertEqual(header(reply)[1] & 0x0F, 2)  # SERVFAIL
            finally:
                front.stop()
        finally:
            silent.close()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


ZONE_V1 = """$TTL 60
@ IN SOA ns1 hostmaster 1 3600 900 604800 60
  IN NS ns1
ns1 IN A 127.0.0.53
www IN A 127.0.0.1
"""


class Reload(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.zone = os.path.join(self.dir, "reload.test.zone")
        write(self.zone, ZONE_V1)
        self.qlog = os.path.join(self.dir, "query.log")
        self.server = DnsServer("--zone", "reload.test=" + self.zone, "--query-log", self.qlog)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.dir)

    def wait_for(self, predicate):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def test_good_zone_changes_the_answer(self):
        self.assertEqual(self.server.dig("www.reload.test", "A").answer,
                         ["www.reload.test. 60 IN A 127.0.0.1"])
        write(self.zone, ZONE_V1.replace(" 1 3600", " 2 3600").replace("127.0.0.1", "127.0.0.2"))
        self.server.signal(signal.SIGHUP)
        self.assertTrue(self.wait_for(lambda: "serial 2" in self.server.stderr()),
                        self.server.stderr())
        self.assertEqual(self.server.dig("www.reload.test", "A").answer,
                         ["www.reload.test. 60 IN A 127.0.0.2"])

    def test_bad_zone_keeps_the_old_answer(self):
        self.server.dig("www.reload.test", "A")
        write(self.zone, ZONE_V1 + "oops IN A 999.1.1.1\n")
        self.server.signal(signal.SIGHUP)
        where = self.zone + ":6:"
        self.assertTrue(self.wait_for(lambda: where in self.server.stderr()), self.server.stderr())
        self.assertIn("[error]", self.server.stderr())
        self.assertEqual(self.server.dig("www.reload.test", "A").answer,
                         ["www.reload.test. 60 IN A 127.0.0.1"])

    def logged(self):
        """The query log's lines about reload.test (the harness's readiness probes aside)."""
        if not os.path.exists(self.qlog):
            return []
        with open(self.qlog) as f:
            return [line for line in f.read().splitlines() if "reload.test" in line]

    def test_query_log_line(self):
        self.server.dig("www.reload.test", "A")
        self.server.dig("nope.reload.test", "A", "+tcp")
        self.assertTrue(self.wait_for(lambda: len(self.logged()) >= 2))
        lines = self.logged()
        self.assertRegex(lines[0], r"^\d\d-[A-Z][a-z][a-z]-\d{4} \d\d:\d\d:\d\d\.\d{3} client "
                         r"127\.0\.0\.1#\d+: query: www\.reload\.test IN A -E \(127\.0\.0\.1\) "
                         r"NOERROR 1$")
        self.assertRegex(lines[1], r"query: nope\.reload\.test IN A -ET \(127\.0\.0\.1\) NXDOMAIN 0$")

    def test_usr1_reopens_the_query_log(self):
        self.server.dig("www.reload.test", "A")
        self.assertTrue(self.wait_for(lambda: os.path.exists(self.qlog)))
        os.rename(self.qlog, self.qlog + ".1")
        self.server.signal(signal.SIGUSR1)
        self.assertTrue(self.wait_for(lambda: os.path.exists(self.qlog)))
        self.server.dig("www.reload.test", "A")
        self.assertTrue(self.wait_for(lambda: len(self.logged()) == 1))


class CommandLine(unittest.TestCase):
    def run_dns(self, *args):
        return subprocess.run([webcycle_bin(), "dns"] + list(args), capture_output=True,
                              text=True, timeout=30)

    def test_check_mode(self):
        r = self.run_dns("-t", "--zone", "mysite.test=" + MYSITE_ZONE)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = tempfile.mkdtemp()
        try:
            bad = os.path.join(d, "bad.zone")
            write(bad, ZONE_V1 + "\nx IN MX nope\n")
            r = self.run_dns("-t", "--zone", "reload.test=" + bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn(bad + ":7:", r.stderr)
        finally:
            shutil.rmtree(d)

    def test_bad_flags_exit_2(self):
        for args in (["--nope"], ["--listen", "127.0.0.1:99999"], ["--zone", "nofile"],
                     ["--forward", "not an address"], ["--listen"]):
            with self.subTest(args=args):
                r = self.run_dns(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("webcycle: "), r.stderr)

    def test_help(self):
        r = self.run_dns("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--zone ORIGIN=FILE", r.stdout)

    def test_config_file(self):
        d = tempfile.mkdtemp()
        try:
            shutil.copy(MYSITE_ZONE, os.path.join(d, "mysite.test.zone"))
            port = free_port()
            conf = os.path.join(d, "dns.conf")
            write(conf, "dns {\n  listen 127.0.0.1:%d;\n  zone mysite.test mysite.test.zone;\n"
                  "  query_log query.log;\n}\n" % port)
            r = self.run_dns("-t", "-c", conf)
            self.assertEqual(r.returncode, 0, r.stderr)
            server = DnsServer("-c", conf, port=port)
            try:
                self.assertEqual(dig(port, "www.mysite.test", "A").answer,
                                 ["www.mysite.test. 300 IN A 127.0.0.1"])
            finally:
                server.stop()
            write(conf, "dns {\n  zone mysite.test;\n}\n")
            r = self.run_dns("-t", "-c", conf)
            self.assertEqual(r.returncode, 1)
            self.assertIn(conf + ":2", r.stderr)
        finally:
            shutil.rmtree(d)

    def test_pid_file(self):
        d = tempfile.mkdtemp()
        try:
            pid_path = os.path.join(d, "dns.pid")
            server = DnsServer("--pid", pid_path, "--zone", "mysite.test=" + MYSITE_ZONE)
            try:
                with open(pid_path) as f:
                    self.assertEqual(int(f.read()), server.proc.pid)
            finally:
                server.stop()
            self.assertFalse(os.path.exists(pid_path))  # removed on a clean stop
        finally:
            shutil.rmtree(d)

    def test_missing_zone_file_fails_to_start(self):
        r = self.run_dns("--listen", "127.0.0.1:0", "--zone", "x.test=/nonexistent/x.zone")
        self.assertEqual(r.returncode, 1)
        self.assertIn('open() "/nonexistent/x.zone" failed', r.stderr)


if __name__ == "__main__":
    unittest.main()
