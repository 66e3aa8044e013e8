"""Logs as nginx writes them: access log in `combined` (and any log_format with nginx's
variables), access_log off, and error.log lines in nginx's format."""

import datetime
import re
import time
import unittest

from harness import ServerTestCase, parse_responses, read_text, wait_until

VARS = ("remote_addr remote_user time_local time_iso8601 request status body_bytes_sent "
        "bytes_sent http_referer http_user_agent request_time host request_id request_method "
        "request_uri uri args server_port connection connection_requests").split()
FORMAT = "|".join("$" + v for v in VARS)

TIME_LOCAL = r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}"
ERROR_PREFIX = r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(\w+)\] (\d+)#(\d+): \*(\d+) "


class LogsTest(ServerTestCase):
    CONFIG = f"""
    log_format all '{FORMAT}';
    server {{
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        access_log logs/all.log all;
        access_log logs/access.log;
        location /off/ {{ access_log off; }}
    }}
    """
    FILES = {"html/a b.txt": "AB\n", "html/noidx/x": "x", "html/off/x": "x"}

    def setUp(self):
        # The shared server's logs grow across tests; each test looks only at what it adds.
        self.access_mark = len(self.server.read_access_log())
        self.all_mark = len(self.read_all())
        self.error_mark = len(self.server.read_error_log())

    def read_all(self):
        return read_text(self.server.path("logs/all.log"))

    def new_lines(self, reader, mark, n, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in reader()[mark:].splitlines() if l]
            if len(lines) >= n or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    def send_two(self):
        raw = self.server.raw(
            b"GET /a%20b.txt?x=1&y=2 HTTP/1.1\r\nHost: Example.COM:99\r\nReferer: http://r/\r\n"
            b"User-Agent: ua \"q\" \\ \xc3\xa9\r\n\r\n"
            b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return raw

    def test_combined_format(self):
        self.send_two()
        lines = self.new_lines(self.server.read_access_log, self.access_mark, 2)
        self.assertEqual(len(lines), 2, lines)
        # nginx escapes '"', '\\' and non-ASCII bytes as \xHH. (Control bytes would be escaped
        # too, but a strict parser refuses them in a field value, so none are sent.)
        self.assertRegex(lines[0], rf'^127\.0\.0\.1 - - \[{TIME_LOCAL}\] '
                         r'"GET /a%20b\.txt\?x=1&y=2 HTTP/1\.1" 200 3 "http://r/" '
                         r'"ua \\x22q\\x22 \\x5C \\xC3\\xA9"$')
        self.assertRegex(lines[1], rf'^127\.0\.0\.1 - - \[{TIME_LOCAL}\] '
                         r'"GET /nope HTTP/1\.1" 404 \d+ "-" "-"$')
        stamp = re.search(r"\[(.*?)\]", lines[0]).group(1)
        when = datetime.datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z")
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - when).total_seconds()), 120)

    def test_log_format_variables(self):
        raw = self.send_two()
        lines = self.new_lines(self.read_all, self.all_mark, 2)
        self.assertEqual(len(lines), 2, lines)
        first, second = (dict(zip(VARS, l.split("|"))) for l in lines)
        self.assertEqual(len(lines[0].split("|")), len(VARS), lines[0])
        responses = parse_responses(raw)[0]
        head_len = raw.index(b"\r\n\r\n") + 4
        self.assertEqual(first["remote_addr"], "127.0.0.1")
        self.assertEqual(first["remote_user"], "-")
        self.assertRegex(first["time_local"], f"^{TIME_LOCAL}$")
        self.assertRegex(first["time_iso8601"],
                         r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
        self.assertEqual(first["request"], "GET /a%20b.txt?x=1&y=2 HTTP/1.1")
        self.assertEqual(first["status"], "200")
        self.assertEqual(first["body_bytes_sent"], "3")
        self.assertEqual(first["bytes_sent"], str(head_len + 3))
        self.assertEqual(second["body_bytes_sent"], str(len(responses[1][2])))
        self.assertEqual(int(first["bytes_sent"]) + int(second["bytes_sent"]), len(raw))
        self.assertEqual(first["http_referer"], "http://r/")
        self.assertEqual(second["http_referer"], "-")  # an empty value is logged as "-"
        self.assertEqual(first["http_user_agent"], r"ua \x22q\x22 \x5C \xC3\xA9")
        self.assertRegex(first["request_time"], r"^\d+\.\d{3}$")
        self.assertEqual(first["host"], "example.com")  # lower-cased, port removed
        self.assertEqual(second["host"], "x")
        self.assertRegex(first["request_id"], r"^[0-9a-f]{32}$")
        self.assertNotEqual(first["request_id"], second["request_id"])
        self.assertEqual(first["request_method"], "GET")
        self.assertEqual(first["request_uri"], "/a%20b.txt?x=1&y=2")
        self.assertEqual(first["uri"], "/a b.txt")  # decoded
        self.assertEqual(first["args"], "x=1&y=2")
        self.assertEqual(second["args"], "-")
        self.assertEqual(first["server_port"], str(self.server.port))
        self.assertEqual(first["connection"], second["connection"])
        self.assertEqual((first["connection_requests"], second["connection_requests"]),
                         ("1", "2"))
        # A new connection gets a new, larger serial number.
        self.server.raw(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        third = self.new_lines(self.read_all, self.all_mark, 3)[2].split("|")
        self.assertGreater(int(third[VARS.index("connection")]), int(first["connection"]))
        self.assertEqual(third[VARS.index("connection_requests")], "1")

    def test_access_log_off(self):
        self.server.raw(b"GET /off/x HTTP/1.1\r\nHost: x\r\n\r\n"
                        b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        lines = self.new_lines(self.server.read_access_log, self.access_mark, 2, timeout=1)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn('"GET /nope HTTP/1.1" 404', lines[0])
        all_lines = self.new_lines(self.read_all, self.all_mark, 2, timeout=0.3)
        self.assertEqual(len(all_lines), 1, all_lines)

    def error_lines(self, n):
        return self.new_lines(self.server.read_error_log, self.error_mark, n)

    def find_error(self, needle, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            for line in self.server.read_error_log()[self.error_mark:].splitlines():
                if needle in line:
                    return line
            if time.monotonic() > deadline:
                self.fail(f"no error.log line with {needle!r}: "
                          f"{self.server.read_error_log()[self.error_mark:]}")
            time.sleep(0.02)

    def test_error_log_404_line(self):
        port = self.server.port
        self.server.raw(f"GET /x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
                        .encode())
        line = self.find_error("/html/x")
        m = re.match(ERROR_PREFIX + r'open\(\) "(.*)" failed \(2: No such file or directory\), '
                     r'client: 127\.0\.0\.1, server: localhost, request: "GET /x HTTP/1\.1", '
                     rf'host: "127\.0\.0\.1:{port}"$', line)
        self.assertIsNotNone(m, line)
        level, pid, tid, cid, path = m.groups()
        self.assertEqual(level, "error")
        self.assertEqual(path, self.server.path("html/x"))
        self.assertIn(int(pid), self.server.worker_pids())
        stamp = datetime.datetime.strptime(line[:19], "%Y/%m/%d %H:%M:%S")
        self.assertLess(abs((datetime.datetime.now() - stamp).total_seconds()), 120)

    def test_error_log_level_filters(self):
        s = self.start_server("""
            error_log logs/http-error.log error;
            server { listen 127.0.0.1:@PORT@; server_name localhost; root html; }
            """)
        # A 404 (logged at error) and a keep-alive close (nginx: info) on one connection.
        s.exchange(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        path = s.path("logs/http-error.log")
        self.assertTrue(s.wait_for_log(r"\[error\] .*open\(\) .*/html/nope\" failed", path=path))
        text = read_text(path)
        self.assertNotRegex(text, r"\[(info|notice|debug)\]")

    def test_error_log_403_directory_line(self):
        self.server.raw(b"GET /noidx/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        line = self.find_error("is forbidden")
        self.assertRegex(line, ERROR_PREFIX + r'directory index of "' +
                         re.escape(self.server.path("html/noidx/")) + r'" is forbidden, '
                         r'client: 127\.0\.0\.1, server: localhost, request: "GET /noidx/ '
                         r'HTTP/1\.1", host: "x"$')
        self.assertIn("[error]", line)


if __name__ == "__main__":
    unittest.main()


class RemotePortTest(ServerTestCase):
    """$remote_port is the client's source port."""
    CONFIG = """
    log_format ports "$remote_addr:$remote_port";
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        access_log logs/ports.log ports;
    }
    """
    FILES = {"html/a.txt": "a\n"}

    def test_remote_port_is_the_client_port(self):
        with self.server.connect() as s:
            port = s.getsockname()[1]
            s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while s.recv(4096):
                pass
        path = self.server.path("logs/ports.log")
        self.assertTrue(wait_until(lambda: read_text(path).strip(), 3))
        self.assertEqual(read_text(path).strip(), f"127.0.0.1:{port}")
