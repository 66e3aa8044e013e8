"""Faults under load (issue 9): a reload (HUP) while clients keep asking loses no request; `kill -9`
of a web worker costs only the requests it had in flight and the master starts a new one; an
application worker killed mid-request is a 502 for that request alone; an upstream that resets
is a 502 and the next request is served; a full disk under the access log costs log lines, never
answers; a log file removed under a running server comes back on USR1.

Load comes from load_harness.Load (Python client threads, fresh or kept-alive connections).
"""

import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import ServerTestCase, http_config, pid_alive, read_text, wait_until
from load_harness import Load
from proxy_harness import ProxyTestCase, request, server_block

SITE = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location = /v { return 200 "@TEXT@\\n"; }
    }
"""
FILES = {"html/index.html": "<p>hello</p>\n", "html/big.bin": b"b" * (256 << 10)}
PATHS = ["/v", "/index.html", "/big.bin", "/missing"]
EXPECT = {"/missing": 404}


def site(text="v1"):
    return SITE.replace("@TEXT@", text)


class ReloadUnderLoadTest(ServerTestCase):
    """HUP every 0.4 s for a few seconds while clients keep asking: every request is answered,
    on fresh connections and on kept-alive ones (a kept-alive connection an old worker gives up
    is closed only after an answer said Connection: close, or while no request is on it)."""

    def reload_under_load(self, keepalive):
        s = self.start_server(site(), files=FILES, worker_processes=2)
        self.assertTrue(wait_until(lambda: len(s.worker_pids()) == 2, 10))
        load = Load(s.port, PATHS, EXPECT, threads=4, keepalive=keepalive).start()
        reloads = 0
        try:
            time.sleep(0.5)
            for i in range(10):
                s.write_config(self.config_text(f"v{i + 2}"))
                s.signal(signal.SIGHUP)
                reloads += 1
                time.sleep(0.4)
            time.sleep(0.5)
        finally:
            load.stop()
        self.assertTrue(s.wait_for_log(r"reconfiguring"))
        served = len(load.served())
        self.assertGreater(served, 50, "too few requests to say anything")
        self.assertEqual(load.failures(), [], f"{served} served; error.log:\n"
                         + s.read_error_log()[-3000:])
        print(f"\n  reload under load ({'keep-alive' if keepalive else 'new connections'}): "
              f"{reloads} reloads, {served} requests, 0 failed", end="")

    def config_text(self, text):
        return http_config(site(text), worker_processes=2)

    def test_reload_under_load_new_connections(self):
        self.reload_under_load(keepalive=False)

    def test_reload_under_load_keepalive(self):
        self.reload_under_load(keepalive=True)


class KilledWorkerTest(ServerTestCase):
    def test_kill_9_of_a_worker_costs_only_its_inflight_requests(self):
        s = self.start_server(site(), files=FILES, worker_processes=2)
        workers = wait_until(lambda: len(s.worker_pids()) == 2 and s.worker_pids(), 10)
        self.assertTrue(workers)
        threads = 6
        load = Load(s.port, PATHS, EXPECT, threads=threads, keepalive=True).start()
        try:
            time.sleep(1.0)
            killed_at = time.monotonic()
            os.kill(workers[0], signal.SIGKILL)
            replaced = wait_until(
                lambda: (lambda w: len(w) == 2 and workers[0] not in w and w)(s.worker_pids()),
                10)
            self.assertTrue(replaced, s.worker_pids())
            time.sleep(1.5)
            after = time.monotonic()
            time.sleep(1.5)
        finally:
            load.stop()
        failed = load.failures()
        # One request in flight per client at most: only those on the killed worker's
        # connections can fail, and only around the kill.
        self.assertLessEqual(len(failed), threads, failed)
        self.assertTrue(all(o.at <= killed_at + 0.5 for o in failed), failed)
        self.assertEqual(load.failures(since=after), [])
        self.assertGreater(len(load.served(since=after)), 10)
        self.assertTrue(s.wait_for_log(
            rf"\[alert\] \d+#\d+: worker process {workers[0]} exited on signal 9"))
        print(f"\n  kill -9 of a worker under load: {len(load.served())} served, "
              f"{len(failed)} failed (in flight on the killed worker)", end="")


def mount_tmpfs(path, size):
    """Mounts a tmpfs of `size` at path; False when this process may not (not root, no
    CAP_SYS_ADMIN)."""
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0


class LogFaultsTest(ServerTestCase):
    def test_full_disk_under_the_access_log(self):
        disk = tempfile.mkdtemp(prefix="wc-fulldisk-")
        self.addCleanup(shutil.rmtree, disk, ignore_errors=True)
        if not mount_tmpfs(disk, "256k"):
            self.skipTest("cannot mount a tmpfs (needs root)")
        self.addCleanup(subprocess.run, ["umount", disk], capture_output=True)
        log = os.path.join(disk, "access.log")
        s = self.start_server(site(), files=FILES, access_log=log)
        self.addCleanup(s.stop)  # before the umount (cleanups run last-in first-out)
        self.assertEqual(s.get("/v")[0], 200)
        # Fill what is left of the disk.
        try:
            with open(os.path.join(disk, "filler"), "wb") as f:
                while True:
                    f.write(b"f" * 4096)
                    f.flush()
        except OSError:
            pass  # ENOSPC: the disk is full
        statuses = [s.get(f"/v?n={i}" + "x" * 200)[0] for i in range(300)]
        self.assertEqual(set(statuses), {200})
        self.assertTrue(s.wait_for_log(r"\[(alert|crit|error)\] .*\(28: No space left on device\)"),
                        s.read_error_log()[-2000:])
        # Room again: the log goes on.
        os.unlink(os.path.join(disk, "filler"))
        self.assertTrue(wait_until(
            lambda: s.get("/v?after-room")[0] == 200 and "after-room" in read_text(log), 5))

    def test_removed_log_file_comes_back_on_usr1(self):
        s = self.start_server(site(), files=FILES)
        self.assertEqual(s.get("/v?before")[0], 200)
        self.assertTrue(wait_until(lambda: "/v?before" in s.read_access_log(), 5))
        os.unlink(s.access_log_path)
        # Served meanwhile (into the unlinked file).
        self.assertEqual(s.get("/v?unlinked")[0], 200)
        s.signal(signal.SIGUSR1)
        self.assertTrue(wait_until(lambda: os.path.exists(s.access_log_path), 5))

        def logged():
            s.get("/v?recovered")
            return "/v?recovered" in s.read_access_log()
        self.assertTrue(wait_until(logged, 5, 0.1), s.read_error_log()[-2000:])


class UpstreamFaultsTest(ProxyTestCase):
    def test_upstream_reset_is_502_and_the_next_request_is_served(self):
        def handler(conn, up):
            head, _ = up.read_request(conn)
            if head and b"/reset" in head.split(b"\r\n")[0]:
                # SO_LINGER 0: close sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        up = self.raw_upstream(handler)
        web = self.start_web(server_block(f"location / {{ proxy_pass http://{up.addr}; }}"))
        for _ in range(3):
            self.assertEqual(request(web.port, "/reset").status, 502)
            r = request(web.port, "/fine")
            self.assertEqual((r.status, r.body), (200, b"ok\n"))
        self.assertLogLine(web, r"\[error\] .*(104: Connection reset by peer|prematurely closed)"
                                r".* while reading response header from upstream")

    def test_app_worker_killed_mid_request_is_502_for_that_one_only(self):
        app = self.start_app(args=["-w", "1", "-t", "60"], workers=1)
        web = self.start_web(server_block(
            f"location / {{ proxy_pass http://127.0.0.1:{app.port}; }}"))
        pid = int(request(web.port, "/pid").body)
        result = {}

        def slow():
            result["r"] = request(web.port, "/sleep?s=20", timeout=30)
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(1.0)  # the request is in the app's worker
        os.kill(pid, signal.SIGKILL)
        t.join(30)
        self.assertEqual(result["r"].status, 502, result["r"])
        self.assertTrue(wait_until(lambda: app.worker_pids() and pid not in app.worker_pids(), 10))
        r = request(web.port, "/pid")
        self.assertEqual(r.status, 200)
        self.assertNotEqual(int(r.body), pid)
        self.assertTrue(pid_alive(app.master_pid))


if __name__ == "__main__":
    unittest.main()
