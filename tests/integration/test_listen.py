"""listen: IPv4 and IPv6 loopback, several addresses per server, reuseport with several
workers."""

import socket
import unittest

from harness import ServerTestCase, parse_responses


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class ListenTest(ServerTestCase):
    def ask(self, family, addr, port, host="x"):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect((addr, port))
            s.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        (status, _, body), = parse_responses(data)[0]
        return status, body

    @unittest.skipUnless(ipv6_loopback(), "no IPv6 loopback here")
    def test_ipv6_and_ipv4_on_one_server(self):
        s = self.start_server("""
            server {
                listen 127.0.0.1:@PORT0@;
                listen [::1]:@PORT1@;
                location / { return 200 "both\\n"; }
            }""", nports=2, start=False)
        port6 = s.ports[1]
        s.ports = s.ports[:1]  # start() waits on IPv4 ports; the IPv6 one is checked below
        s.start()
        self.assertEqual(self.ask(socket.AF_INET, "127.0.0.1", s.port), (200, b"both\n"))
        self.assertEqual(self.ask(socket.AF_INET6, "::1", port6), (200, b"both\n"))

    def test_two_ports_two_servers(self):
        s = self.start_server("""
            server { listen 127.0.0.1:@PORT0@; location / { return 200 "zero\\n"; } }
            server { listen 127.0.0.1:@PORT1@; location / { return 200 "one\\n"; } }
            """, nports=2)
        self.assertEqual(self.ask(socket.AF_INET, "127.0.0.1", s.ports[0]), (200, b"zero\n"))
        self.assertEqual(self.ask(socket.AF_INET, "127.0.0.1", s.ports[1]), (200, b"one\n"))

    def test_reuseport_with_several_workers(self):
        s = self.start_server("""
            server { listen 127.0.0.1:@PORT@ reuseport; location / { return 200 "rp\\n"; } }
            """, worker_processes=2)
        for _ in range(20):
            self.assertEqual(self.ask(socket.AF_INET, "127.0.0.1", s.port), (200, b"rp\n"))

    def test_port_already_in_use_fails_to_start(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            port = busy.getsockname()[1]
            s = self.start_server(f"""
                server {{ listen 127.0.0.1:{port}; location / {{ return 200; }} }}
                """, start=False)
            r = s.run_cli(["-g", "daemon off;"] if s.is_nginx else [], timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr + s.read_error_log(),
                             rf"\[emerg\] .*bind\(\) to 127\.0\.0\.1:{port} failed "
                             r"\(98: Address already in use\)")


if __name__ == "__main__":
    unittest.main()
