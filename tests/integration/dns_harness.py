"""Harness for the DNS server's integration tests (test_dns*.py): runs `webcycle dns` (and, to
compare, Debian's NSD) on free loopback ports in temp dirs, asks them with dig (bind9-dnsutils)
and with raw packets, and stops every process it started by its PID.
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = os.path.join(HERE, "zones")
MYSITE_ZONE = os.path.join(ZONES, "mysite.test.zone")
REVERSE_ZONE = os.path.join(ZONES, "1.0.127.in-addr.arpa.zone")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
DIG = shutil.which("dig") or "/usr/bin/dig"
NSD = shutil.which("nsd") or "/usr/sbin/nsd"


def webcycle_bin():
    path = os.environ.get("WEBCYCLE_BIN")
    if not path:
        raise unittest.SkipTest("WEBCYCLE_BIN is not set (run through ctest, or set it)")
    return path


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


# ---- raw packets ----

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(name, qtype=1, qid=0x1234, rd=False, edns=None, qclass=1, flags=None):
    """A query packet; edns = the UDP size to announce (None: no OPT)."""
    if flags is None:
        flags = 0x0100 if rd else 0
    arcount = 1 if edns is not None else 0
    pkt = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, arcount)
    pkt += encode_name(name) + struct.pack(">HH", qtype, qclass)
    if edns is not None:
        pkt += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    return pkt


def udp_exchange(port, packet, timeout=1.0, host="127.0.0.1"):
    """Sends one datagram; returns the reply's bytes or None when none comes within timeout."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(packet, (host, port))
        try:
            return s.recvfrom(65535)[0]
        except socket.timeout:
            return None
    finally:
        s.close()


def header(reply):
    """(id, flags, qd, an, ns, ar) of a reply."""
    return struct.unpack(">HHHHHH", reply[:12])


def rcode(reply):
    return header(reply)[1] & 0x0F


# ---- dig ----

class DigResult:
    def __init__(self, text):
        self.text = text
        self.status = None
        self.flags = []
        self.sections = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        self.edns = None  # the "; EDNS: ..." line
        self.ede = None
        self.truncated_retry = ";; Truncated, retrying in TCP mode." in text
        section = None
        for line in text.splitlines():
            if line.startswith(";; ->>HEADER<<-"):
                self.status = line.split("status: ")[1].split(",")[0]
            elif line.startswith(";; flags:"):
                self.flags = line[len(";; flags:"):].split(";")[0].split()
            elif line.startswith("; EDNS:"):
                self.edns = line
            elif line.startswith("; EDE:"):
                self.ede = line
            elif line.startswith(";; ") and line.endswith(" SECTION:"):
                section = line[3:-len(" SECTION:")]
            elif not line.strip() or line.startswith(";"):
                if not line.strip():
                    section = None
            elif section in self.sections:
                self.sections[section].append(" ".join(line.split()))

    @property
    def answer(self):
        return self.sections["ANSWER"]

    @property
    def authority(self):
        return self.sections["AUTHORITY"]

    @property
    def additional(self):
        return self.sections["ADDITIONAL"]

    def normalized(self):
        """What two servers must agree on: status, flags, EDNS/EDE lines and the sections."""
        return {
            "status": self.status,
            "flags": sorted(self.flags),
            "edns": self.edns,
            "ede": self.ede,
            "answer": self.answer,
            "authority": self.authority,
            "additional": self.additional,
        }


def dig(port, *args, host="127.0.0.1"):
    cmd = [DIG, "@" + host, "-p", str(port), "+norec", "+time=2", "+tries=1", "+nocmd",
           "+nostats"] + list(args)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return DigResult(proc.stdout)


# ---- servers ----

class Process:
    """A server process started here, stopped by its PID."""

    def __init__(self):
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="webcycle-dns-")
        self.stderr_path = os.path.join(self.dir, "stderr.log")

    def wait_ready(self, port):
        """Returns once the server answers; stops it (by PID) and raises when it does not."""
        try:
            self._wait_ready(port)
        except Exception:
            self.stop()
            raise

    def _wait_ready(self, port):
        deadline = time.monotonic() + START_TIMEOUT
        # A header with no question: FORMERR at once, even from a server that forwards.
        probe = struct.pack(">HHHHHH", 7, 0, 0, 0, 0, 0)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.stderr())
            if udp_exchange(port, probe, timeout=0.2) is not None:
                return
            time.sleep(0.05)
        raise RuntimeError("server did not answer: " + self.stderr())

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def signal(self, signo):
        os.kill(self.proc.pid, signo)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            self.proc.stderr_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class DnsServer(Process):
    """`webcycle dns` with the given flags (--listen added) on a free port."""

    def __init__(self, *args, port=None, wait=True, extra_listen=()):
        super().__init__()
        self.port = port or free_port()
        self.args = list(args)
        cmd = [webcycle_bin(), "dns", "--listen", "127.0.0.1:%d" % self.port]
        for listen in extra_listen:
            cmd += ["--listen", listen]
        cmd += self.args
        err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=self.dir)
        self.proc.stderr_file = err
        if wait:
            self.wait_ready(self.port)

    def dig(self, *args):
        return dig(self.port, *args)


class NsdServer(Process):
    """Debian's NSD serving zone files on a free port, from a config in a temp dir."""

    def __init__(self, zones):
        super().__init__()
        if not os.path.exists(NSD):
            raise unittest.SkipTest("nsd is not installed")
        self.port = free_port()
        conf = os.path.join(self.dir, "nsd.conf")
        lines = [
            "server:",
            '  ip-address: 127.0.0.1@%d' % self.port,
            '  username: ""',
            '  zonesdir: "%s"' % self.dir,
            '  pidfile: "%s/nsd.pid"' % self.dir,
            '  database: ""',
            '  zonelistfile: "%s/zone.list"' % self.dir,
            '  xfrdfile: "%s/xfrd.state"' % self.dir,
            '  xfrdir: "%s"' % self.dir,
            '  logfile: "%s/nsd.log"' % self.dir,
            "  server-count: 1",
            "  hide-version: yes",
            "  rrl-ratelimit: 0",  # response rate limiting would slip answers under load
            "  verbosity: 0",
            "remote-control:",
            "  control-enable: no",
        ]
        for origin, path in zones:
            lines += ["zone:", "  name: %s" % origin, '  zonefile: "%s"' % path]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([NSD, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=err, cwd=self.dir)
        self.proc.stderr_file = err
        self.wait_ready(self.port)

    def dig(self, *args):
        return dig(self.port, *args)
