"""A scriptable fake DNS server for the resolver's integration tests (standard library only).

It serves a small zone over UDP and TCP on one loopback port, and can misbehave on purpose, as a
broken or hostile server would: answer slowly, with a wrong ID, for another name or type, from
another source port or address, with TC set, with an error RCODE, or not at all. Everything it
receives is recorded (name, type, transport, ID, EDNS size, time), so a test can count the
queries a resolver sent and see in which order.

    with FakeDns({"www.mysite.test": [("A", "192.0.2.1")]}) as dns:
        dns.script = ["bad_id", "answer"]     # per UDP query, in turn; the last one repeats
        ... run `webcycle resolve` with a resolv.conf naming dns.address ...
        dns.received  # [Query(name="www.mysite.test", qtype="A", tcp=False, ...)]

Script steps (each is a string, or a tuple for those with an argument). One step is used per UDP
query (the list's last step repeats); a step may also be a list of steps, all sent for the same
query, in order:
    "answer"                 the zone's answer (NXDOMAIN for an unknown name, NODATA for no
                             records of the type)
    ("rcode", "SERVFAIL")    an empty reply with that RCODE (SERVFAIL, REFUSED, NXDOMAIN, ...)
    "bad_id"                 the zone's answer with another ID (and a bogus address)
    ("other_name", NAME)     an answer for another question name
    "other_type"             an answer with the question's type changed to MX
    "other_port"             the right answer, sent from another socket (another source port)
    "other_address"          the right answer, sent from 127.0.0.2
    "tc"                     an empty reply with TC set (a TCP query gets the whole answer)
    ("delay", SECONDS)       waits, then goes on with the next steps of the same list
    "silent"                 no reply
    ("answer_with", [(TYPE, DATA), ...])  a NOERROR reply with these records for the name asked
TCP queries always get "answer" (unless tcp_script is set, same grammar).

Zone: {name: [(TYPE, DATA), ...]} with TYPE "A", "AAAA" or "CNAME"; names without a trailing dot,
matched case-insensitively. A CNAME is returned for any type asked, followed inside the zone
(as an authoritative server does).
"""

import collections
import socket
import struct
import threading
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "OPT": 41, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5}

Query = collections.namedtuple("Query", "name qtype tcp id edns_size time")


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def decode_name(data, pos):
    labels = []
    while True:
        n = data[pos]
        if n == 0:
            return ".".join(labels), pos + 1
        if n & 0xC0:
            raise ValueError("compressed name in a query")
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n


def rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "CNAME":
        return encode_name(value)
    raise ValueError(rtype)


class FakeDns:
    def __init__(self, zone=None, script=None, tcp_script=None, host="127.0.0.1"):
        self.zone = {k.lower().rstrip("."): v for k, v in (zone or {}).items()}
        self.script = list(script or ["answer"])
        self.tcp_script = list(tcp_script or ["answer"])
        self.received = []
        self.host = host
        self._lock = threading.Lock()
        self._udp_count = 0
        self._tcp_count = 0
        self._stop = threading.Event()
        # One port for UDP and TCP, as a DNS server has. host "::1" serves over IPv6.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _ in range(50):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(family, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((host, port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            break
        else:
            raise RuntimeError("no free port for both UDP and TCP")
        self.udp, self.tcp, self.port = udp, tcp, port
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]

    @property
    def address(self):
        """As resolv.conf names it: "127.0.0.1:PORT", "[::1]:PORT"."""
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def queries(self, tcp=None):
        with self._lock:
            return [q for q in self.received if tcp is None or q.tcp == tcp]

    # ---- answering ----

    def _parse(self, data, tcp):
        qid, flags, qdcount, _an, _ns, arcount = struct.unpack("!HHHHHH", data[:12])
        name, pos = decode_name(data, 12)
        qtype, qclass = struct.unpack("!HH", data[pos:pos + 4])
        pos += 4
        edns = None
        if arcount:
            # The OPT record: root name, type 41, CLASS = payload size.
            if data[pos] == 0:
                otype, osize = struct.unpack("!HH", data[pos + 1:pos + 5])
                if otype == 41:
                    edns = osize
        q = Query(name, TYPE_NAMES.get(qtype, str(qtype)), tcp, qid, edns, time.monotonic())
        with self._lock:
            self.received.append(q)
        return q, flags, qtype, qclass

    def _lookup(self, name, qtype):
        """(rcode, [(owner, TYPE, DATA)]) as an authoritative server answers inside the zone."""
        records, seen, current = [], set(), name.lower().rstrip(".")
        if current not in self.zone:
            return RCODES["NXDOMAIN"], []
        while current in self.zone and current not in seen:
            seen.add(current)
            entries = self.zone[current]
            cname = [d for t, d in entries if t == "CNAME"]
            if cname and qtype != TYPES["CNAME"]:
                records.append((current, "CNAME", cname[0]))
                current = cname[0].lower().rstrip(".")
                continue
            records += [(current, t, d) for t, d in entries if TYPES[t] == qtype]
            break
        return 0, records

    def _message(self, qid, flags, name, qtype, qclass, rcode, records, tc=False, edns=False):
        rd = flags & 0x0100
        out_flags = 0x8000 | 0x0400 | rd | 0x0080 | rcode | (0x0200 if tc else 0)
        body = encode_name(name) + struct.pack("!HH", qtype, qclass)
        for owner, rtype, value in records:
            data = rdata(rtype, value)
            body += encode_name(owner) + struct.pack("!HHIH", TYPES[rtype], 1, 300, len(data)) + data
        opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0) if edns else b""
        header = struct.pack("!HHHHHH", qid, out_flags, 1, len(records), 0, 1 if edns else 0)
        return header + body + opt

    def _replies(self, step, q, flags, qtype, qclass):
        """[(bytes or None, how)] for one step; how is "same", "other_port" or "other_address"."""
        edns = q.edns_size is not None
        kind, arg = (step, None) if isinstance(step, str) else (step[0], step[1])
        if kind == "silent":
            return []
        if kind == "delay":
            time.sleep(arg)
            return []
        if kind == "rcode":
            return [(self._message(q.id, flags, q.name, qtype, qclass, RCODES[arg], [], edns=edns),
                     "same")]
        if kind == "tc":
            return [(self._message(q.id, flags, q.name, qtype, qclass, 0, [], tc=True, edns=edns),
                     "same")]
        if kind == "answer_with":
            recs = [(q.name, t, d) for t, d in arg]
            return [(self._message(q.id, flags, q.name, qtype, qclass, 0, recs, edns=edns), "same")]
        rcode, records = self._lookup(q.name, qtype)
        if kind == "answer":
            return [(self._message(q.id, flags, q.name, qtype, qclass, rcode, records, edns=edns),
                     "same")]
        bogus = [(q.name, "A", "203.0.113.66")] if qtype == 1 else [(q.name, "AAAA", "2001:db8::66")]
        if kind == "bad_id":
            return [(self._message((q.id + 1) & 0xFFFF, flags, q.name, qtype, qclass, 0, bogus,
                                   edns=edns), "same")]
        if kind == "other_name":
            other = [(arg, "A", "203.0.113.67")] if qtype == 1 else [(arg, "AAAA", "2001:db8::67")]
            return [(self._message(q.id, flags, arg, qtype, qclass, 0, other, edns=edns), "same")]
        if kind == "other_type":
            return [(self._message(q.id, flags, q.name, TYPES["MX"], qclass, 0, [], edns=edns),
                     "same")]
        if kind in ("other_port", "other_address"):
            return [(self._message(q.id, flags, q.name, qtype, qclass, 0, bogus, edns=edns), kind)]
        raise ValueError(f"unknown script step {step!r}")

    def _step(self, script, n):
        step = script[min(n, len(script) - 1)]
        return step if isinstance(step, list) else [step]

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q, flags, qtype, qclass = self._parse(data, False)
            except (ValueError, struct.error, IndexError):
                continue
            steps = self._step(self.script, self._udp_count)
            self._udp_count += 1
            for step in steps:
                for msg, how in self._replies(step, q, flags, qtype, qclass):
                    if how == "same":
                        self.udp.sendto(msg, peer)
                    else:
                        host = "127.0.0.2" if how == "other_address" else self.host
                        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                            s.bind((host, 0))
                            s.sendto(msg, peer)

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self._tcp_exchange(conn)
                except (OSError, ValueError, struct.error, IndexError):
                    pass

    def _tcp_exchange(self, conn):
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = conn.recv(65535)
            if not chunk:
                return
            buf += chunk
        n = struct.unpack("!H", buf[:2])[0]
        q, flags, qtype, qclass = self._parse(buf[2:2 + n], True)
        steps = self._step(self.tcp_script, self._tcp_count)
        self._tcp_count += 1
        for step in steps:
            for msg, _how in self._replies(step, q, flags, qtype, qclass):
                conn.sendall(struct.pack("!H", len(msg)) + msg)
