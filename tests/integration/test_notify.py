"""sd_notify readiness (issue 11, deploy/systemd's Type=notify): with NOTIFY_SOCKET naming a
datagram socket, `webcycle web`, `app` and `dns` send READY=1 once they listen, RELOADING=1 and
then READY=1 around a HUP, and STOPPING=1 when they stop; a socket in the abstract namespace
("@name") works too, and without NOTIFY_SOCKET nothing is sent (the servers run as before)."""

import os
import signal
import socket
import shutil
import tempfile
import unittest

from app_harness import AppServer
from dns_harness import DnsServer
from harness import Server, http_config


class NotifySocket:
    """The service manager's end: an AF_UNIX datagram socket; messages() returns what came."""

    def __init__(self, abstract=False):
        self.dir = tempfile.mkdtemp(prefix="wc-notify-")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "wc-notify-%d-%d" % (os.getpid(), id(self))
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(self.dir, "notify")
            self.sock.bind(self.address)

    def next(self, timeout=15.0):
        """The next message as a dict of its KEY=VALUE lines; fails the test on timeout."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.splitlines() if "=" in line)

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class NotifyTest(unittest.TestCase):
    def notify_socket(self, abstract=False):
        n = NotifySocket(abstract)
        self.addCleanup(n.close)
        return n

    def with_env(self, name, value):
        old = os.environ.get(name)
        os.environ[name] = value

        def restore():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old

        self.addCleanup(restore)

    def assert_cycle(self, n, pid, port_open, reload_sig, stop_sig, wait_exit):
        ready = n.next()
        self.assertEqual(ready.get("READY"), "1", ready)
        self.assertEqual(ready.get("MAINPID"), str(pid), ready)
        # READY comes once the listening socket exists: a connection is accepted now.
        self.assertTrue(port_open())
        os.kill(pid, reload_sig)
        msg = n.next()
        self.assertEqual(msg.get("RELOADING"), "1", msg)
        self.assertIn("MONOTONIC_USEC", msg)
        self.assertEqual(n.next().get("READY"), "1")
        os.kill(pid, stop_sig)
        self.assertEqual(n.next().get("STOPPING"), "1")
        wait_exit()

    @staticmethod
    def tcp_open(port):
        def check():
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        return check

    def test_web(self):
        n = self.notify_socket()
        self.with_env("NOTIFY_SOCKET", n.address)
        web = Server(http_config("server { listen 127.0.0.1:@PORT@; }"))
        self.addCleanup(web.cleanup)
        web.start()
        self.assert_cycle(n, web.master_pid, self.tcp_open(web.port), signal.SIGHUP,
                          signal.SIGQUIT, lambda: web.wait_exit())

    def test_dns_with_an_abstract_socket(self):
        n = self.notify_socket(abstract=True)
        self.with_env("NOTIFY_SOCKET", n.address)
        dns = DnsServer()
        self.addCleanup(dns.stop)

        def answers():
            return dns.dig("x.test", "A").status == "REFUSED"

        self.assert_cycle(n, dns.proc.pid, answers, signal.SIGHUP, signal.SIGTERM,
                          lambda: dns.proc.wait(10))

    def test_app(self):
        n = self.notify_socket()
        app = AppServer(env={"NOTIFY_SOCKET": n.address})
        self.addCleanup(app.stop)
        app.start()
        self.assert_cycle(n, app.proc.pid, self.tcp_open(app.port), signal.SIGHUP,
                          signal.SIGTERM, lambda: app.proc.wait(15))

    def test_no_socket_no_message(self):
        os.environ.pop("NOTIFY_SOCKET", None)
        n = self.notify_socket()
        web = Server(http_config("server { listen 127.0.0.1:@PORT@; }"))
        self.addCleanup(web.cleanup)
        web.start()
        os.kill(web.master_pid, signal.SIGHUP)
        with self.assertRaises(socket.timeout):
            n.next(timeout=0.5)

    def test_bad_notify_socket_is_a_warning_not_a_failure(self):
        self.with_env("NOTIFY_SOCKET", "relative/path")
        web = Server(http_config("server { listen 127.0.0.1:@PORT@; return 200 up; }"))
        self.addCleanup(web.cleanup)
        web.start()
        self.assertIsNotNone(web.wait_for_log(
            r'\[warn\] .*NOTIFY_SOCKET "relative/path" is not a socket path'), web.read_error_log())
        status, _, _ = web.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0]
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
