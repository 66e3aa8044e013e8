"""deploy/ (issue 11): the systemd units pass `systemd-analyze verify` and say what the servers
really do (Type=notify, reload by HUP, logs to files and the journal); the configs they name
pass the servers' own checks; the Containerfile's runtime packages hold every library the binary
links and its HEALTHCHECK is a real browse command; the Kubernetes manifests are run as written
(the app Deployment's command with its probes, the web Deployment's command on its ConfigMap's
config, proxying to the app by the Service's name)."""

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

from harness import free_ports, server_bin, stop_processes, wait_until

SOURCE = os.environ.get("WEBCYCLE_SOURCE_DIR",
                        os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
DEPLOY = os.path.join(SOURCE, "deploy")
SHARE = os.path.join(SOURCE, "share")
UNITS = ["webcycle-web.service", "webcycle-app@.service", "webcycle-dns.service"]

try:
    import yaml
except ImportError:  # Debian's python3-yaml (scripts/install-deps.sh test)
    yaml = None


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


def unit_values(text):
    """{key: [values]} of a unit file (comments and sections dropped)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def installed(text):
    """A deploy file's paths moved from a /usr install to this tree and a temp log folder."""
    return text.replace("/usr/share/webcycle/", SHARE + "/")


class TempDir:
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wc-deploy-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.procs = []
        self.addCleanup(self.stop_all)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def spawn(self, argv, env=None):
        e = dict(os.environ)
        e.update(env or {})
        log = open(os.path.join(self.dir, "proc-%d.log" % len(self.procs)), "wb")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             env=e, cwd=self.dir)
        p.log_file = log
        self.procs.append(p)
        return p

    def output(self, p):
        with open(p.log_file.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop_all(self):
        stop_processes(self.procs)
        for p in self.procs:
            p.log_file.close()


def get(url, timeout=3):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


class SystemdUnits(TempDir, unittest.TestCase):
    def test_units_pass_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed (Debian's systemd package)")
        names = []
        for unit in UNITS:
            # The units name /usr/bin/webcycle (a package install); verify checks that the
            # program exists, so the copies here name the binary under test.
            text = read(DEPLOY, "systemd", unit).replace("/usr/bin/webcycle", server_bin())
            name = unit.replace("@.service", "@demo.service")
            self.write(name, text)
            names.append(os.path.join(self.dir, name))
        r = subprocess.run([analyze, "verify", *names], capture_output=True, text=True,
                           timeout=60, cwd=self.dir)
        if r.returncode != 0 and ("Failed to" in r.stderr and "bus" in r.stderr.lower()):
            self.skipTest("systemd-analyze cannot run here: " + r.stderr.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        # No warning either (an unknown key or a bad value is only a warning to systemd).
        self.assertEqual(r.stderr.strip(), "", r.stderr)
        # The check can fail: a misspelt key is reported.
        bad = self.write("bad.service", "[Service]\nType=notify\nExecStrat=/bin/true\n"
                         "ExecStart=/bin/true\n")
        r = subprocess.run([analyze, "verify", bad], capture_output=True, text=True, timeout=60)
        self.assertIn("ExecStrat", r.stderr)

    def test_units_say_what_the_servers_do(self):
        for unit in UNITS:
            with self.subTest(unit=unit):
                v = unit_values(read(DEPLOY, "systemd", unit))
                self.assertEqual(v["Type"], ["notify"])  # core/notify.h: READY=1 etc.
                self.assertEqual(v["NotifyAccess"], ["main"])
                self.assertIn("/bin/kill -HUP $MAINPID", v["ExecReload"])
                self.assertEqual(v["StandardError"], ["journal"])
                self.assertTrue(v["LogsDirectory"][0].startswith("webcycle/"))
                self.assertEqual(v["DynamicUser"], ["yes"])
                self.assertEqual(v["NoNewPrivileges"], ["yes"])
                self.assertEqual(v["ProtectSystem"], ["strict"])
                start = v["ExecStart"][0]
                self.assertTrue(start.startswith("/usr/bin/webcycle "), start)
                # Log files go where LogsDirectory makes a writable folder.
                for path in re.findall(r"/var/log/[^\s;]+", start):
                    self.assertTrue(path.startswith("/var/log/" + v["LogsDirectory"][0] + "/"),
                                    path)

    def test_web_unit_config_passes_the_check(self):
        v = unit_values(read(DEPLOY, "systemd", "webcycle-web.service"))
        conf = read(DEPLOY, "config", "webcycle.conf")
        # Its logs and pid are in the folders the unit makes (LogsDirectory, RuntimeDirectory).
        self.assertIn("/var/log/" + v["LogsDirectory"][0] + "/", conf)
        self.assertIn("/run/" + v["RuntimeDirectory"][0] + "/", conf)
        conf = installed(conf).replace("/var/log/webcycle/web/", self.dir + "/")
        path = self.write("webcycle.conf", conf.replace("/run/webcycle-web/", self.dir + "/"))
        # The unit's own ExecStartPre check, on this file.
        argv = shlex.split(v["ExecStartPre"][0])
        argv[0] = server_bin()
        argv[argv.index("-c") + 1] = path
        argv[argv.index("-p") + 1] = self.dir + "/"
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_dns_unit_config_passes_the_check(self):
        v = unit_values(read(DEPLOY, "systemd", "webcycle-dns.service"))
        path = self.write("dns.conf", installed(read(DEPLOY, "config", "dns.conf")))
        argv = shlex.split(v["ExecStartPre"][0])
        argv[0] = server_bin()
        argv[argv.index("-c") + 1] = path
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("zone mysite.test. is ok", r.stderr)

    def test_app_unit_runs_with_the_demo_env(self):
        v = unit_values(read(DEPLOY, "systemd", "webcycle-app@.service"))
        env = {}
        for line in read(DEPLOY, "config", "app-demo.env").splitlines():
            if line and not line.startswith("#"):
                k, _, val = line.partition("=")
                env[k] = val
        port = free_ports(1)[0]
        env["BIND"] = "127.0.0.1:%d" % port
        env["CHDIR"] = installed(env["CHDIR"] + "/").rstrip("/")
        cmd = v["ExecStart"][0].replace("%i", "demo")
        cmd = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], cmd)
        cmd = cmd.replace("/var/log/webcycle/app-demo/", self.dir + "/")
        argv = shlex.split(cmd)
        argv[0] = server_bin()
        p = self.spawn(argv)
        ok = wait_until(lambda: get("http://127.0.0.1:%d/" % port)[0] == 200, 20)
        self.assertTrue(ok, self.output(p))
        self.assertTrue(wait_until(lambda: os.path.getsize(
            os.path.join(self.dir, "access.log")) > 0, 5), self.output(p))


class Container(TempDir, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.text = read(DEPLOY, "container", "Containerfile")
        # Joined continuation lines, comments dropped.
        self.lines = [l.strip() for l in self.text.replace("\\\n", " ").splitlines()
                      if l.strip() and not l.strip().startswith("#")]

    def instruction(self, name):
        return [l[len(name) + 1:] for l in self.lines if l.split()[0] == name]

    def test_debian_12_base_and_exposed_ports(self):
        self.assertEqual(self.instruction("FROM"), ["debian:12 AS build", "debian:12-slim"])
        exposed = " ".join(self.instruction("EXPOSE")).split()
        for port in ("80", "8080", "8000"):
            self.assertIn(port, exposed)
        self.assertEqual(self.instruction("CMD"), ['["webcycle", "up"]'])
        # The build installs the project's own build packages.
        self.assertTrue(any("install-deps.sh build" in l for l in self.instruction("RUN")))

    def test_runtime_packages_hold_every_linked_library(self):
        if not shutil.which("dpkg"):
            self.skipTest("dpkg is not available")
        runtime = self.text.split("FROM debian:12-slim", 1)[1]
        install = re.search(r"apt-get install[^&]*", runtime.replace("\\\n", " ")).group(0)
        packages = {w.split(":")[0] for w in install.split()[2:] if not w.startswith("-")}
        ldd = subprocess.run(["ldd", server_bin()], capture_output=True, text=True).stdout
        base = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:12-slim already
        for line in ldd.splitlines():
            m = re.search(r"=> (/\S+)", line)
            if not m or "libasan" in m.group(1) or "libubsan" in m.group(1):
                continue
            real = os.path.realpath(m.group(1))
            owner = None
            for candidate in (m.group(1), real, real.replace("/usr/lib/", "/lib/"),
                              real.replace("/lib/", "/usr/lib/", 1)):
                r = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
                if r.returncode == 0:
                    owner = r.stdout.split(":")[0]
                    break
            self.assertIsNotNone(owner, line)
            self.assertIn(owner, packages | base, f"{line.strip()} comes from {owner}")

    def test_healthcheck_is_a_real_browse(self):
        cmd = re.search(r"CMD (\[.*\])", " ".join(self.instruction("HEALTHCHECK"))).group(1)
        argv = json.loads(cmd)
        self.assertEqual(argv[:2], ["webcycle", "browse"])
        port = free_ports(1)[0]
        conf = self.write("web.conf", f"""pid {self.dir}/web.pid; error_log {self.dir}/error.log;
            events {{}} http {{ access_log off; server {{ listen 127.0.0.1:{port};
            location / {{ return 200 ok; }} location /down {{ return 503; }} }} }}""")
        self.spawn([server_bin(), "web", "-c", conf, "-p", self.dir + "/"])
        self.assertTrue(wait_until(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200, 10))

        def health(url):
            a = [server_bin()] + argv[1:-1] + [url]
            return subprocess.run(a, capture_output=True, timeout=30).returncode

        self.assertEqual(health(f"http://127.0.0.1:{port}/"), 0)
        self.assertEqual(health(f"http://127.0.0.1:{port}/down"), 22)  # -f: unhealthy
        self.assertNotEqual(health(f"http://127.0.0.1:{free_ports(1)[0]}/"), 0)


@unittest.skipIf(yaml is None, "python3-yaml is not installed (scripts/install-deps.sh test)")
class Kubernetes(TempDir, unittest.TestCase):
    def setUp(self):
        super().setUp()
        docs = list(yaml.safe_load_all(read(DEPLOY, "kubernetes", "webcycle.yaml")))
        self.by = {(d["kind"], d["metadata"]["name"]): d for d in docs}

    def container(self, name):
        spec = self.by[("Deployment", name)]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        self.assertEqual(spec["selector"]["matchLabels"], labels)
        (c,) = spec["template"]["spec"]["containers"]
        return c, labels

    def check_probes(self, c):
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        for probe in ("readinessProbe", "livenessProbe"):
            p = c[probe]
            target = (p.get("httpGet") or p.get("tcpSocket"))["port"]
            self.assertIn(target, ports, f"{probe} names a port the container does not have")
        return ports

    def check_service(self, name, labels, ports):
        svc = self.by[("Service", name)]
        self.assertEqual(svc["spec"]["selector"], labels)
        for p in svc["spec"]["ports"]:
            self.assertIn(p["targetPort"], ports)
        return svc

    def test_kinds_and_images(self):
        self.assertEqual(sorted(self.by), [("ConfigMap", "webcycle-web-config"),
                                           ("Deployment", "webcycle-app"),
                                           ("Deployment", "webcycle-web"),
                                           ("Service", "webcycle-app"),
                                           ("Service", "webcycle-web")])
        for name in ("webcycle-app", "webcycle-web"):
            c, _ = self.container(name)
            # The image deploy/container/Containerfile builds (its header says the tag).
            self.assertEqual(c["image"], "webcycle:latest")
            self.assertIn("-t webcycle:latest", read(DEPLOY, "container", "Containerfile"))
            self.assertEqual(c["command"][0], "webcycle")

    def test_app_deployment_runs_as_written(self):
        c, labels = self.container("webcycle-app")
        ports = self.check_probes(c)
        svc = self.check_service("webcycle-app", labels, ports)
        self.assertEqual(svc["spec"]["clusterIP"], "None")  # one A record per pod: `resolve`
        argv = list(c["command"])
        bind = argv[argv.index("--bind") + 1]
        self.assertEqual(bind, "0.0.0.0:%d" % ports["http"])
        port = free_ports(1)[0]
        argv[argv.index("--bind") + 1] = "127.0.0.1:%d" % port
        argv[argv.index("--chdir") + 1] = installed(argv[argv.index("--chdir") + 1] + "/")
        argv[0] = server_bin()
        p = self.spawn(argv)
        path = c["readinessProbe"]["httpGet"]["path"]
        self.assertTrue(wait_until(lambda: get(f"http://127.0.0.1:{port}{path}")[0] == 200, 20),
                        self.output(p))

    def test_web_deployment_runs_its_configmap(self):
        c, labels = self.container("webcycle-web")
        ports = self.check_probes(c)
        self.check_service("webcycle-web", labels, ports)
        conf = self.by[("ConfigMap", "webcycle-web-config")]["data"]["webcycle.conf"]
        (mount,) = [m for m in c["volumeMounts"] if m["name"] == "config"]
        argv = list(c["command"])
        self.assertEqual(argv[argv.index("-c") + 1], mount["mountPath"] + "/webcycle.conf")
        self.assertIn("listen %d default_server;" % ports["http"], conf)
        app_port = self.by[("Service", "webcycle-app")]["spec"]["ports"][0]["port"]
        self.assertIn("server webcycle-app:%d resolve" % app_port, conf)
        # The app, on loopback; the Service's name from a hosts file (the cluster DNS's part).
        app_c, _ = self.container("webcycle-app")
        app_argv = list(app_c["command"])
        aport, wport = free_ports(2)
        app_argv[app_argv.index("--bind") + 1] = "127.0.0.1:%d" % aport
        app_argv[app_argv.index("--chdir") + 1] = installed(
            app_argv[app_argv.index("--chdir") + 1] + "/")
        app_argv[0] = server_bin()
        self.spawn(app_argv)
        conf = installed(conf).replace("listen %d " % ports["http"], "listen 127.0.0.1:%d " % wport)
        conf = conf.replace("webcycle-app:%d" % app_port, "webcycle-app:%d" % aport)
        conf = conf.replace("pid /tmp/", "pid %s/" % self.dir).replace("/dev/stdout", "off")
        path = self.write("webcycle.conf", conf)
        argv[argv.index("-c") + 1] = path
        argv[argv.index("-p") + 1] = self.dir + "/"
        argv[0] = server_bin()
        r = subprocess.run(argv + ["-t"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        hosts = self.write("hosts", "127.0.0.1 webcycle-app\n")
        web = self.spawn(argv, env={"WEBCYCLE_HOSTS": hosts,
                                    "WEBCYCLE_RESOLV_CONF": self.write("resolv.conf", "")})
        probe = c["readinessProbe"]["httpGet"]["path"]
        probe_url = f"http://127.0.0.1:{wport}{probe}"
        self.assertTrue(wait_until(lambda: get(probe_url) == (200, b"ok\n"), 10),
                        self.output(web))
        # And the site itself, from the app pods through the Service's name.
        self.assertTrue(wait_until(lambda: get(f"http://127.0.0.1:{wport}/")[0] == 200, 20),
                        self.output(web))


if __name__ == "__main__":
    unittest.main()
