"""Several hosts (issue 11): network namespaces joined by veth pairs to a bridge that lives in a
namespace of its own (10.77.0.0/24; no traffic touches the machine's own network), with
`webcycle` on each host: one DNS host, two web hosts, three app hosts (and a fourth, not in DNS
at first), and a client host. The client drives load through both web hosts by name; then an app
host goes down (its link), comes back, one app host is removed from DNS and a new one added
(zone edit + HUP, TTL 2 s). No request may fail that a client retry could not have saved, the new
host must get traffic within one TTL (plus a second of slack for a loaded machine), the removed
one none after that. The figures are printed and written to $WEBCYCLE_MULTIHOST_RESULTS (default
/tmp/webcycle-multihost.json).

Root and `ip netns` are needed; otherwise the test is skipped, saying which is missing. Every
process is stopped by its PID and every namespace deleted, whatever happens."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from harness import server_bin, stop_processes

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
TTL = 2
NET = "10.77.0."
HOSTS = {  # short name -> address
    "dns": NET + "53", "web1": NET + "21", "web2": NET + "22",
    "app1": NET + "11", "app2": NET + "12", "app3": NET + "13", "app4": NET + "14",
    "cli": NET + "100",
}
APP = """import os


def app(environ, start_response):
    body = os.environ["HOST_ID"].encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""
WEB_CONF = """worker_processes 1;
pid {dir}/web.pid;
error_log {dir}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    resolver {dns}:53;
    upstream apps {{
        server app.svc.test:8000 resolve max_fails=1 fail_timeout=3s;
        keepalive 8;
    }}
    server {{
        listen {addr}:80;
        location / {{
            proxy_pass http://apps;
            proxy_connect_timeout 1s;
            proxy_read_timeout 3s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def zone(serial, apps):
    lines = [f"$ORIGIN svc.test.", f"$TTL {TTL}",
             f"@ IN SOA ns hostmaster {serial} 3600 600 86400 {TTL}", "@ IN NS ns",
             f"ns IN A {HOSTS['dns']}", f"www IN A {HOSTS['web1']}", f"www IN A {HOSTS['web2']}"]
    lines += [f"app IN A {HOSTS[a]}" for a in apps]
    return "\n".join(lines) + "\n"


def run(*argv, check=True):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=check)


def netns_available():
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_SYS_ADMIN"
    if not shutil.which("ip"):
        return "the ip command (iproute2) is not installed"
    probe = "wcmh-probe-%d" % os.getpid()
    r = run("ip", "netns", "add", probe, check=False)
    if r.returncode != 0:
        return "ip netns is unavailable here: " + r.stderr.strip()
    run("ip", "netns", "del", probe, check=False)
    return None


class MultiHost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = netns_available()
        if why:
            raise unittest.SkipTest(why)

    def setUp(self):
        self.tag = "wcmh%d" % os.getpid()
        self.namespaces = []
        self.procs = []
        self.dir = tempfile.mkdtemp(prefix="wc-multihost-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.addCleanup(self.teardown_hosts)
        self.build_network()

    # ---- the network ---------------------------------------------------------------------------
    def ns(self, host):
        return f"{self.tag}-{host}"

    def build_network(self):
        br = self.ns("br")
        run("ip", "netns", "add", br)
        self.namespaces.append(br)
        run("ip", "-n", br, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", br, "link", "set", "br0", "up")
        for host, addr in HOSTS.items():
            ns = self.ns(host)
            run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
            # Both ends are created inside namespaces: nothing appears in the machine's own.
            run("ip", "-n", br, "link", "add", "v" + host, "type", "veth", "peer", "name", "eth0",
                "netns", ns)
            run("ip", "-n", br, "link", "set", "v" + host, "master", "br0", "up")
            run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")

    def link(self, host, state):
        run("ip", "-n", self.ns(host), "link", "set", "eth0", state)

    def spawn(self, host, argv, name):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        # `ip netns exec` execs the command: the PID is the server's own.
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(host), *argv], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT)
        p.log = log
        p.name = name
        self.procs.append(p)
        return p

    def teardown_hosts(self):
        stop_processes(self.procs)
        for p in self.procs:
            p.log.close()
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)

    def log_of(self, name):
        with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
            return f.read()

    def wait_port(self, host, addr, port, proto="tcp", timeout=20):
        code = ("import socket,sys,time\n"
                f"d=time.time()+{timeout}\n"
                "while time.time()<d:\n"
                "  try:\n"
                f"    socket.create_connection(('{addr}',{port}),1).close(); sys.exit(0)\n"
                "  except OSError: time.sleep(0.05)\n"
                "sys.exit(1)\n")
        if proto == "udp":
            code = ("import socket,sys,time\n"
                    f"d=time.time()+{timeout}\n"
                    "q=bytes(12)\n"
                    "while time.time()<d:\n"
                    "  s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.2)\n"
                    f"  s.sendto(q,('{addr}',{port}))\n"
                    "  try: s.recv(512); sys.exit(0)\n"
                    "  except OSError: pass\n"
                    "sys.exit(1)\n")
        r = subprocess.run(["ip", "netns", "exec", self.ns(host), PYTHON, "-c", code],
                           timeout=timeout + 10)
        return r.returncode == 0

    # ---- the hosts -----------------------------------------------------------------------------
    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        return path

    def start_hosts(self):
        wc = server_bin()
        self.zone = self.write("svc.test.zone", zone(1, ["app1", "app2", "app3"]))
        self.dns = self.spawn("dns", [wc, "dns", "--listen", HOSTS["dns"] + ":53",
                                      "--zone", "svc.test=" + self.zone], "dns")
        appdir = os.path.join(self.dir, "app")
        os.makedirs(appdir)
        self.write("app/hostapp.py", APP)
        for a in ("app1", "app2", "app3", "app4"):
            self.spawn(a, [wc, "app", "-b", HOSTS[a] + ":8000", "-w", "1", "--chdir", appdir,
                           "-e", "HOST_ID=" + a, "hostapp:app"], a)
        for w in ("web1", "web2"):
            d = os.path.join(self.dir, w)
            os.makedirs(d)
            conf = self.write(w + "/webcycle.conf",
                              WEB_CONF.format(dir=d, dns=HOSTS["dns"], addr=HOSTS[w]))
            self.spawn(w, [wc, "web", "-c", conf, "-p", d + "/"], w)
        self.assertTrue(self.wait_port("cli", HOSTS["dns"], 53, "udp"), self.log_of("dns"))
        for a in ("app1", "app2", "app3", "app4"):
            self.assertTrue(self.wait_port("cli", HOSTS[a], 8000), self.log_of(a))
        for w in ("web1", "web2"):
            self.assertTrue(self.wait_port("cli", HOSTS[w], 80), self.log_of(w))

    def start_load(self):
        resolv = self.write("client-resolv.conf", f"nameserver {HOSTS['dns']}:53\n"
                            "options timeout:1 attempts:2\n")
        hosts = self.write("client-hosts", "")
        self.stop_file = os.path.join(self.dir, "stop")
        self.out_file = os.path.join(self.dir, "requests.jsonl")
        self.load = self.spawn("cli", [PYTHON, os.path.join(HERE, "multihost_load.py"),
                                       server_bin(), "www.svc.test", resolv, hosts,
                                       self.stop_file, self.out_file, "4"], "load")

    def stop_load(self):
        open(self.stop_file, "w").close()
        self.load.wait(30)
        with open(self.out_file) as f:
            return [json.loads(line) for line in f if line.strip()]

    def reload_zone(self, serial, apps):
        self.write("svc.test.zone", zone(serial, apps))
        os.kill(self.dns.pid, signal.SIGHUP)
        return time.time()

    # ---- the test ------------------------------------------------------------------------------
    def test_hosts_come_and_go_under_load(self):
        test_start = time.monotonic()
        self.start_hosts()
        setup_secs = time.monotonic() - test_start
        self.start_load()
        events = {}
        time.sleep(3)
        events["app2 down"] = time.time()
        self.link("app2", "down")
        time.sleep(4)
        events["app2 up"] = time.time()
        self.link("app2", "up")
        time.sleep(4)
        events["app3 removed from DNS"] = self.reload_zone(2, ["app1", "app2"])
        time.sleep(TTL + 2)
        events["app4 added to DNS"] = self.reload_zone(3, ["app1", "app2", "app4"])
        time.sleep(TTL + 3)
        end = time.time()
        recs = self.stop_load()
        recs.sort(key=lambda r: r["t"])

        def between(a, b):
            return [r for r in recs if a <= r["t"] < b]

        t0 = recs[0]["t"] if recs else end
        failed = [r for r in recs if r["failed"]]
        saved = [r for r in recs if r["retried"] and not r["failed"]]
        per_web = {w: sum(1 for r in recs if r["web"] == HOSTS[w]) for w in ("web1", "web2")}
        per_app = {a: sum(1 for r in recs if r["app"] == a) for a in HOSTS if a.startswith("app")}
        down, up = events["app2 down"], events["app2 up"]
        slow_while_down = [r for r in between(down, up + 1) if r["secs"] > 0.9]
        removed, added = events["app3 removed from DNS"], events["app4 added to DNS"]
        last_app3 = max((r["t"] for r in recs if r["app"] == "app3"), default=None)
        first_app4 = min((r["t"] for r in recs if r["app"] == "app4"), default=None)
        first_app2_back = min((r["t"] for r in recs if r["app"] == "app2" and r["t"] > up),
                              default=None)
        last_app2_down = max((r["t"] for r in between(down, up) if r["app"] == "app2"),
                             default=None)
        figures = {
            "hosts": {"web": 2, "app": 4, "dns": 1, "client": 1},
            "ttl_s": TTL,
            "setup_s": round(setup_secs, 2),
            "load_s": round(end - t0, 2),
            "requests": len(recs),
            "requests_per_s": round(len(recs) / max(end - t0, 0.001), 1),
            "first_attempt_failures_saved_by_retry": len(saved),
            "failures_after_retry": len(failed),
            "per_web_host": per_web,
            "per_app_host": per_app,
            "app2_down_slow_requests_over_0.9s": len(slow_while_down),
            "app2_down_last_answer_after_s": None if last_app2_down is None
            else round(last_app2_down - down, 2),
            "app2_back_first_answer_after_s": None if first_app2_back is None
            else round(first_app2_back - up, 2),
            "app3_removed_last_answer_after_s": None if last_app3 is None
            else round(last_app3 - removed, 2),
            "app4_added_first_answer_after_s": None if first_app4 is None
            else round(first_app4 - added, 2),
        }
        out = os.environ.get("WEBCYCLE_MULTIHOST_RESULTS", "/tmp/webcycle-multihost.json")
        try:
            with open(out, "w") as f:
                json.dump(figures, f, indent=2)
        except OSError:
            pass
        print("\nmulti-host figures: " + json.dumps(figures, indent=2))
        diag = "\n".join(f"--- {n}\n{self.log_of(n)[-2000:]}" for n in ("web1", "web2", "dns"))

        # Enough traffic to see each event (a sanitizer build on a busy machine is slow).
        self.assertGreater(len(recs), 50, diag)
        self.assertTrue(between(added + TTL + 1.5, end), "no traffic at the end: " + diag)
        self.assertEqual(failed[:5], [], diag)  # none a retry could not save
        self.assertGreater(per_web["web1"], 0)
        self.assertGreater(per_web["web2"], 0)
        for a in ("app1", "app2", "app3"):
            self.assertGreater(per_app[a], 0, a)
        self.assertIsNotNone(first_app2_back, "app2 got no traffic after coming back")
        # Removed: nothing after one TTL (plus slack); requests already on it may finish.
        self.assertIsNotNone(last_app3)
        self.assertLess(last_app3 - removed, TTL + 1.5, figures)
        # Added: traffic within one TTL (plus slack for the lookup and a loaded machine).
        self.assertIsNotNone(first_app4, "app4 never got traffic: " + diag)
        self.assertLess(first_app4 - added, TTL + 1.5, figures)
        self.assertEqual([r for r in recs if r["app"] == "app4" and r["t"] < added], [])


if __name__ == "__main__":
    unittest.main()
