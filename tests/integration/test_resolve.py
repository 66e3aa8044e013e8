"""`webcycle resolve` (SPEC.md "webcycle resolve") through the real binary, against the scriptable
fake server of dns_fake.py: the hosts file before DNS, the search list and ndots, timeout and
attempts, rotate, stray replies ignored, TC -> TCP, CNAMEs, the outcomes and their exit codes and
messages, -4/-6, -v, the configuration's bad lines, the environment and the flags.

Every test names its own resolv.conf (loopback servers only) and hosts file in a temp dir.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from dns_fake import FakeDns

BIN = os.environ.get("WEBCYCLE_BIN")

ZONE = {
    "www.mysite.test": [("A", "127.0.0.1"), ("AAAA", "::1")],
    "app.mysite.test": [("A", "127.0.0.2")],
    "v6only.mysite.test": [("AAAA", "2001:db8::6")],
    "alias.mysite.test": [("CNAME", "chain.mysite.test")],
    "chain.mysite.test": [("CNAME", "www.mysite.test")],
    "www.example.test": [("A", "192.0.2.80")],
}


def run(args, env_extra=None, env_drop=(), timeout=60):
    env = dict(os.environ)
    for k in env_drop:
        env.pop(k, None)
    env.update(env_extra or {})
    return subprocess.run([BIN, "resolve"] + args, capture_output=True, text=True, env=env,
                          timeout=timeout)


class ResolveTest(unittest.TestCase):
    def setUp(self):
        if not BIN:
            raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
        self.dir = tempfile.mkdtemp(prefix="webcycle-resolve-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.hosts = self.write("hosts", "127.0.0.1 localhost\n")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def fake(self, zone=None, script=None, tcp_script=None, host="127.0.0.1"):
        server = FakeDns(ZONE if zone is None else zone, script, tcp_script, host).start()
        self.addCleanup(server.stop)
        return server

    def resolv(self, servers, extra="options timeout:1 attempts:1\n", name="resolv.conf"):
        text = extra + "".join(f"nameserver {s.address}\n" for s in servers)
        return self.write(name, text)

    def resolve(self, name, servers, *flags, extra="options timeout:1 attempts:1\n", hosts=None):
        args = [name, "--hosts", hosts or self.hosts, "--resolv-conf", self.resolv(servers, extra)]
        return run(args + list(flags))

    # ---- hosts file and DNS ----

    def test_found_by_dns_ipv4_then_ipv6(self):
        dns = self.fake()
        r = self.resolve("www.mysite.test", [dns])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "127.0.0.1\n::1\n")
        self.assertEqual(r.stderr, "")
        self.assertEqual([(q.name, q.qtype, q.tcp) for q in dns.queries()],
                         [("www.mysite.test", "A", False), ("www.mysite.test", "AAAA", False)])
        # EDNS0 with a 1232-byte payload, and a fresh random ID per query.
        self.assertEqual({q.edns_size for q in dns.queries()}, {1232})

    def test_hosts_file_wins_over_dns(self):
        dns = self.fake()
        hosts = self.write("hosts2", "# mine\n10.1.2.3   www.mysite.test www\n")
        r = self.resolve("www.mysite.test", [dns], hosts=hosts)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "10.1.2.3\n")
        self.assertEqual(dns.queries(), [])

    def test_name_known_by_neither_is_site_not_found(self):
        dns = self.fake()
        r = self.resolve("nosuch.mysite.test", [dns])
        self.assertEqual(r.returncode, 6)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "webcycle: site not found: nosuch.mysite.test\n")
        # NXDOMAIN for A: the name does not exist, so AAAA is not asked.
        self.assertEqual(len(dns.queries()), 1)

    def test_nodata_is_site_not_found_too(self):
        dns = self.fake()
        r = self.resolve("app.mysite.test", [dns], "-6")
        self.assertEqual(r.returncode, 6)
        self.assertIn("site not found: app.mysite.test", r.stderr)

    def test_family_flags(self):
        dns = self.fake()
        r = self.resolve("www.mysite.test", [dns], "-4")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n"), r.stderr)
        r = self.resolve("www.mysite.test", [dns], "-6")
        self.assertEqual((r.returncode, r.stdout), (0, "::1\n"), r.stderr)
        self.assertEqual([q.qtype for q in dns.queries()], ["A", "AAAA"])
        r = self.resolve("v6only.mysite.test", [dns])
        self.assertEqual((r.returncode, r.stdout), (0, "2001:db8::6\n"), r.stderr)
        # The hosts file answers per family: a v4-only line does not answer -6.
        hosts = self.write("hosts4", "10.9.9.9 www.mysite.test\n")
        r = self.resolve("www.mysite.test", [dns], "-6", hosts=hosts)
        self.assertEqual((r.returncode, r.stdout), (0, "::1\n"), r.stderr)

    def test_ip_literal_and_localhost(self):
        r = run(["192.0.2.44", "--hosts", self.hosts, "--resolv-conf", self.resolv([])])
        self.assertEqual((r.returncode, r.stdout), (0, "192.0.2.44\n"), r.stderr)
        empty = self.write("empty-hosts", "")
        dns = self.fake()
        r = self.resolve("localhost", [dns], hosts=empty)
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertEqual(dns.queries(), [])

    # ---- resolv.conf's rules ----

    def test_search_list_and_ndots(self):
        dns = self.fake()
        extra = "search nosuch.test mysite.test\noptions ndots:2 timeout:1 attempts:1\n"
        r = self.resolve("www", [dns], "-4", extra=extra)
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n"), r.stderr)
        self.assertEqual([q.name for q in dns.queries()], ["www.nosuch.test", "www.mysite.test"])
        # "www.example" has 1 dot < ndots 2: the search list first, the name itself last.
        r = self.resolve("www.example", [dns], "-4", extra=extra)
        self.assertEqual(r.returncode, 6)
        self.assertEqual([q.name for q in dns.queries()[2:]],
                         ["www.example.nosuch.test", "www.example.mysite.test", "www.example"])
        # With ndots 1 the name itself goes first, and wins.
        r = self.resolve("www.example.test", [dns], "-4", extra="search mysite.test\n")
        self.assertEqual((r.returncode, r.stdout), (0, "192.0.2.80\n"), r.stderr)
        self.assertEqual(dns.queries()[5].name, "www.example.test")
        # A trailing dot: absolute, the search list is not used.
        r = self.resolve("www.", [dns], "-4", extra=extra)
        self.assertEqual(r.returncode, 6)
        self.assertEqual([q.name for q in dns.queries()[6:]], ["www"])

    def test_timeout_and_attempts(self):
        one = self.fake(script=["silent"])
        two = self.fake(script=["silent"])
        r = self.resolve("www.mysite.test", [one, two], "-4",
                         extra="options timeout:1 attempts:2\n")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertRegex(r.stderr, r"^webcycle: no answer from " + re.escape(one.address) + ", " +
                         re.escape(two.address) + r" after [0-9.]+ s \(4 queries\) looking up "
                         r"www\.mysite\.test\n$")
        # attempts rounds, each over the servers in order: one, two, one, two.
        order = sorted(one.queries() + two.queries(), key=lambda q: q.time)
        self.assertEqual([q in one.queries() for q in order], [True, False, True, False])
        self.assertEqual(len({q.id for q in order}), 4)

    def test_nothing_listening_is_no_answer(self):
        gone = FakeDns({})
        gone.udp.close()
        gone.tcp.close()
        r = self.resolve("www.mysite.test", [gone])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"webcycle: no answer from {gone.address} after", r.stderr)
        self.assertIn("refused: nothing listens there", r.stderr)

    def test_slow_answer_within_the_timeout_is_taken(self):
        dns = self.fake(script=[[("delay", 0.3), "answer"]])
        r = self.resolve("app.mysite.test", [dns], "-4", extra="options timeout:2 attempts:1\n")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertEqual(len(dns.queries()), 1)

    def test_ipv6_nameserver(self):
        dns = self.fake(host="::1", script=["tc"])
        r = self.resolve("www.mysite.test", [dns], "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertIn(f"asking [::1]:{dns.port} over UDP", r.stderr)
        self.assertIn(f"answer from [::1]:{dns.port} over TCP", r.stderr)
        self.assertEqual([q.tcp for q in dns.queries()], [False, True, False, True])

    def test_silent_first_server_then_second(self):
        silent = self.fake(script=["silent"])
        good = self.fake()
        r = self.resolve("app.mysite.test", [silent, good], "-4")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertEqual((len(silent.queries()), len(good.queries())), (1, 1))

    def test_rotate(self):
        one, two = self.fake(), self.fake()
        r = self.resolve("www.mysite.test", [one, two])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((len(one.queries()), len(two.queries())), (2, 0))
        # With rotate, each question starts at the next server: A and AAAA go to different ones.
        r = self.resolve("www.mysite.test", [one, two],
                         extra="options rotate timeout:1 attempts:1\n")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertEqual((len(one.queries()), len(two.queries())), (3, 1))

    # ---- replies: which are taken ----

    def test_stray_replies_are_ignored_and_the_right_one_taken(self):
        dns = self.fake(script=[["bad_id", ("other_name", "evil.test"), "other_type",
                                 "other_port", "other_address", "answer"]])
        r = self.resolve("app.mysite.test", [dns], "-4", "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertEqual(len(dns.queries()), 1)
        self.assertRegex(r.stderr, r"dropped a reply from 127\.0\.0\.1:\d+: id \d+, expected \d+")
        self.assertIn("dropped a reply from " + dns.address +
                      ": question evil.test. IN A, expected app.mysite.test. IN A", r.stderr)
        self.assertIn(": question app.mysite.test. IN MX, expected app.mysite.test. IN A", r.stderr)
        self.assertNotIn("203.0.113", r.stdout)

    def test_truncated_answer_goes_to_tcp(self):
        dns = self.fake(script=["tc"])
        r = self.resolve("www.mysite.test", [dns], "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertEqual([(q.qtype, q.tcp) for q in dns.queries()],
                         [("A", False), ("A", True), ("AAAA", False), ("AAAA", True)])
        self.assertIn(f"truncated (TC): asking {dns.address} again over TCP", r.stderr)
        self.assertIn(f"asking {dns.address} over TCP: www.mysite.test. IN A", r.stderr)

    def test_tcp_failure_after_tc(self):
        dns = self.fake(script=["tc"], tcp_script=[("rcode", "SERVFAIL")])
        r = self.resolve("www.mysite.test", [dns], "-4")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"webcycle: server failure looking up www.mysite.test "
                                   f"({dns.address}: SERVFAIL)\n")

    def test_cname_chain(self):
        dns = self.fake()
        r = self.resolve("alias.mysite.test", [dns], "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.1\n::1\n"), r.stderr)
        self.assertIn("alias.mysite.test.\t300\tIN\tCNAME\tchain.mysite.test.", r.stderr)
        self.assertIn("(canonical name www.mysite.test)", r.stderr)

    def test_alias_out_of_the_answer_is_asked_for(self):
        dns = self.fake(zone={"www.mysite.test": [("CNAME", "cdn.elsewhere.test")],
                              "cdn.elsewhere.test": [("A", "192.0.2.9")]},
                        script=[("answer_with", [("CNAME", "cdn.elsewhere.test")]), "answer"])
        r = self.resolve("www.mysite.test", [dns], "-4")
        self.assertEqual((r.returncode, r.stdout), (0, "192.0.2.9\n"), r.stderr)
        self.assertEqual([q.name for q in dns.queries()], ["www.mysite.test", "cdn.elsewhere.test"])

    def test_cname_loop_is_a_server_failure(self):
        dns = self.fake(zone={"loop1.test": [("CNAME", "loop2.test")],
                              "loop2.test": [("CNAME", "loop1.test")]},
                        script=[("answer_with", [("CNAME", "loop2.test")]),
                                ("answer_with", [("CNAME", "loop1.test")])])
        r = self.resolve("loop1.test", [dns], "-4")
        self.assertEqual(r.returncode, 1)
        self.assertIn("server failure looking up loop1.test", r.stderr)
        self.assertIn("CNAME loop", r.stderr)

    # ---- failures: exit codes and messages ----

    def test_servfail(self):
        dns = self.fake(script=[("rcode", "SERVFAIL")])
        r = self.resolve("www.mysite.test", [dns])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, f"webcycle: server failure looking up www.mysite.test "
                                   f"({dns.address}: SERVFAIL)\n")

    def test_servfail_then_a_good_server(self):
        bad = self.fake(script=[("rcode", "REFUSED")])
        good = self.fake()
        r = self.resolve("app.mysite.test", [bad, good], "-4")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)

    def test_nxdomain_from_the_script(self):
        dns = self.fake(script=[("rcode", "NXDOMAIN")])
        r = self.resolve("www.mysite.test", [dns])
        self.assertEqual(r.returncode, 6)
        self.assertEqual(r.stderr, "webcycle: site not found: www.mysite.test\n")

    # ---- -v ----

    def test_verbose_tells_each_step_with_its_time(self):
        dns = self.fake()
        r = self.resolve("app.mysite.test", [dns], "-4", "-v")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        lines = r.stderr.splitlines()
        steps = [l for l in lines if l.startswith("[")]
        for l in steps:
            self.assertRegex(l, r"^\[\d+\.\d{3} ms\] ")
        text = "\n".join(steps)
        self.assertIn(f"hosts file {self.hosts}: app.mysite.test not there", text)
        self.assertIn("search list: app.mysite.test (ndots 1)", text)
        self.assertRegex(text, r"asking " + re.escape(dns.address) +
                         r" over UDP: app\.mysite\.test\. IN A \(id \d+\)")
        self.assertRegex(text, r"answer from " + re.escape(dns.address) +
                         r" in [0-9.]+ ms: NOERROR aa ra, 1 answer")
        self.assertIn("  app.mysite.test.\t300\tIN\tA\t127.0.0.2", text)
        self.assertIn("found: 127.0.0.2", text)

    # ---- configuration ----

    def test_malformed_hosts_line_is_reported_and_skipped(self):
        dns = self.fake()
        hosts = self.write("bad-hosts", "127.0.0.1 localhost\n582.33.96.77 www.mysite.com\n"
                                        "10.0.0.5 good.test\n")
        r = self.resolve("good.test", [dns], hosts=hosts)
        self.assertEqual((r.returncode, r.stdout), (0, "10.0.0.5\n"))
        self.assertRegex(r.stderr, "^webcycle: " + re.escape(hosts) + r":2: .*582\.33\.96\.77")
        r = self.resolve("www.mysite.com", [dns], hosts=hosts)
        self.assertEqual(r.returncode, 6)
        self.assertIn(hosts + ":2: ", r.stderr)

    def test_malformed_resolv_conf_line_is_reported(self):
        dns = self.fake()
        r = self.resolve("app.mysite.test", [dns], "-4",
                         extra="options timeout:1 attempts:1\nnameserver 582.1.1.1\nfrobnicate\n")
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        path = os.path.join(self.dir, "resolv.conf")
        self.assertIn(f"webcycle: {path}:2: ", r.stderr)
        self.assertIn(f"webcycle: {path}:3: ", r.stderr)

    def test_environment_is_honoured_and_flags_override_it(self):
        env_dns, flag_dns = self.fake(), self.fake()
        env = {"WEBCYCLE_HOSTS": self.write("env-hosts", "10.0.0.1 byenv.test\n"),
               "WEBCYCLE_RESOLV_CONF": self.resolv([env_dns], name="env-resolv.conf")}
        r = run(["byenv.test"], env)
        self.assertEqual((r.returncode, r.stdout), (0, "10.0.0.1\n"), r.stderr)
        r = run(["app.mysite.test", "-4"], env)
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertEqual((len(env_dns.queries()), len(flag_dns.queries())), (1, 0))
        flag_resolv = self.resolv([flag_dns], name="flag-resolv.conf")
        r = run(["app.mysite.test", "-4", "--resolv-conf", flag_resolv, "--hosts", self.hosts], env)
        self.assertEqual((r.returncode, r.stdout), (0, "127.0.0.2\n"), r.stderr)
        self.assertEqual((len(env_dns.queries()), len(flag_dns.queries())), (1, 1))
        r = run(["byenv.test", "--hosts", self.hosts], env)
        self.assertEqual(r.returncode, 6)  # the flag's hosts file does not have it; DNS neither

    def test_file_named_that_cannot_be_read(self):
        missing = os.path.join(self.dir, "nosuch")
        r = run(["www.mysite.test", "--hosts", missing, "--resolv-conf", self.resolv([])])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, "^webcycle: cannot read hosts file: .*" + re.escape(missing))
        r = run(["www.mysite.test", "--hosts", self.hosts],
                {"WEBCYCLE_RESOLV_CONF": missing})
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, "^webcycle: cannot read resolv.conf: .*" + re.escape(missing))

    def test_bad_usage(self):
        for args in ([], ["a", "b"], ["--frob", "x"], ["x", "--hosts"], ["x", "-4", "-6"]):
            r = run(args)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith("webcycle: resolve: "), r.stderr)
            self.assertIn("'webcycle help resolve'", r.stderr)
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: webcycle resolve NAME", r.stdout)


if __name__ == "__main__":
    unittest.main()
