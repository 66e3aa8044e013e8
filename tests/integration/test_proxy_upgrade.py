"""Connection: upgrade (WebSocket) through the reverse proxy: with the usual nginx config
(proxy_http_version 1.1; Upgrade $http_upgrade; Connection "upgrade") the 101 reaches the client
and bytes then flow both ways until one side closes; without that config the upgrade headers are
dropped (hop-by-hop) and the upstream answers as plain HTTP. Checked against nginx too."""

import socket
import time
import unittest

from proxy_harness import ProxyTestCase, server_block


def echo_upgrade(conn, up):
    """A tiny WebSocket-like upstream: 101 when asked to upgrade, then echo in upper case."""
    head, _ = up.read_request(conn)
    if head is None:
        return
    text = head.decode("latin-1").lower()
    if "upgrade: wc-echo" not in text or "connection: upgrade" not in text:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nno upgrade")
        return
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: wc-echo\r\nConnection: Upgrade\r\n"
                 b"X-Tunnel: yes\r\n\r\nhello")
    conn.settimeout(5)
    while True:
        try:
            data = conn.recv(65536)
        except (socket.timeout, OSError):
            return
        if not data:
            return
        conn.sendall(data.upper())


def read_some(s, until, timeout=5.0):
    buf = b""
    deadline = time.monotonic() + timeout
    s.settimeout(0.2)
    while until not in buf and time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
    return buf


class UpgradeTest(ProxyTestCase):
    def web(self, extra):
        up = self.raw_upstream(echo_upgrade)
        body = server_block(f"location / {{ proxy_pass http://{up.addr}; {extra} }}")
        return self.start_web(body), up

    def test_websocket_style_tunnel(self):
        web, up = self.web('proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; '
                           'proxy_set_header Connection "upgrade"; proxy_read_timeout 5s;')
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as s:
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: wc-echo\r\nConnection: Upgrade\r\n\r\n")
            got = read_some(s, b"hello")
            self.assertTrue(got.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"), got)
            head = got.split(b"\r\n\r\n", 1)[0].lower()
            self.assertIn(b"\r\nupgrade: wc-echo", head)
            self.assertIn(b"\r\nconnection: upgrade", head)
            self.assertIn(b"\r\nx-tunnel: yes", head)
            self.assertTrue(got.endswith(b"\r\n\r\nhello"), got)  # bytes after the 101 pass too
            for word in (b"first", b"second message", b"y" * 100000 + b"end"):
                s.sendall(word)
                echoed = read_some(s, b"END" if len(word) > 100 else word.upper(), timeout=5)
                # Compared by length and ends: a failure must not print 100 kB.
                self.assertEqual((len(echoed), echoed[:20], echoed[-20:]),
                                 (len(word), word.upper()[:20], word.upper()[-20:]))
        self.assertIn("Upgrade: wc-echo", up.head_lines())

    def test_upstream_close_ends_the_client_connection(self):
        def once(conn, up):
            up.read_request(conn)
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: wc-echo\r\n"
                         b"Connection: Upgrade\r\n\r\nbye")
        up = self.raw_upstream(once)
        web = self.start_web(server_block(
            f"location / {{ proxy_pass http://{up.addr}; proxy_http_version 1.1; "
            f'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; }}'))
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: wc-echo\r\nConnection: Upgrade\r\n\r\n")
            got = b""
            s.settimeout(5)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        self.assertTrue(got.startswith(b"HTTP/1.1 101"), got)
        self.assertTrue(got.endswith(b"bye"), got)

    def test_without_the_config_the_upgrade_is_not_passed(self):
        web, up = self.web("")
        with socket.create_connection(("127.0.0.1", web.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: wc-echo\r\nConnection: Upgrade\r\n\r\n")
            got = read_some(s, b"no upgrade")
        self.assertTrue(got.startswith(b"HTTP/1.1 200"), got)
        lines = [l.lower() for l in up.head_lines()]
        self.assertFalse(any(l.startswith("upgrade:") for l in lines), lines)


if __name__ == "__main__":
    unittest.main()
