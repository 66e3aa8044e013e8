"""The master process: HUP reload (good and bad config), USR1 reopen, QUIT/TERM/INT stop, -s via
the pid file, worker_processes, and a dead worker replaced."""

import os
import signal
import subprocess
import time
import unittest

import harness
from harness import ServerTestCase, http_config, pid_alive, read_text, wait_until


def site(text, extra=""):
    return f"""
    {extra}
    server {{
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
        location = /v {{ return 200 "{text}\\n"; }}
    }}
    """


class SignalsTest(ServerTestCase):
    def body(self):
        try:
            status, _, body = self.server.get("/v")
        except OSError:
            return None
        return body.decode().strip() if status == 200 else None

    def wait_body(self, want, timeout=5.0):
        return wait_until(lambda: self.body() == want, timeout)

    def test_pid_file_holds_master_pid(self):
        s = self.start_server(site("v1"))
        # The file may exist a moment before its content does.
        self.assertTrue(wait_until(lambda: read_text(s.pid_path).strip(), 5))
        self.assertEqual(read_text(s.pid_path).strip(), str(s.master_pid))

    def test_worker_processes(self):
        s = self.start_server(site("v1"), worker_processes=3)
        workers = wait_until(lambda: len(s.worker_pids()) == 3 and s.worker_pids(), 5)
        self.assertTrue(workers, f"want 3 workers, have {s.worker_pids()}")
        self.assertEqual(self.body(), "v1")

    def test_worker_processes_auto(self):
        s = self.start_server(site("v1"), worker_processes="auto")
        cores = len(os.sched_getaffinity(0))
        self.assertTrue(wait_until(lambda: len(s.worker_pids()) == cores, 5),
                        f"want {cores} workers, have {s.worker_pids()}")

    def test_hup_lets_old_workers_finish_their_requests(self):
        size = 32 << 20
        s = self.start_server(site("v1"), files={"html/big.bin": b"z" * size})
        with s.connect() as c:
            c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            got = c.recv(4096)
            self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:40])
            s.write_config(http_config(site("v2")))
            s.signal(signal.SIGHUP)
            self.assertTrue(self.wait_body("v2"), "new config not applied while a request runs")
            c.settimeout(5)
            while True:
                chunk = c.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
        self.assertEqual(len(got) - (got.index(b"\r\n\r\n") + 4), size)

    def test_hup_reloads_new_config(self):
        s = self.start_server(site("v1"))
        self.assertEqual(self.body(), "v1")
        old_workers = set(wait_until(s.worker_pids, 5))
        s.write_config(http_config(site("v2")))
        s.signal(signal.SIGHUP)
        self.assertTrue(self.wait_body("v2"), "reload did not apply the new config")
        self.assertTrue(pid_alive(s.master_pid), "the master must survive a reload")
        # Old workers finish and exit; new ones replace them.
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in old_workers), 5),
                        "old workers did not exit after reload")
        new_workers = set(wait_until(s.worker_pids, 5))
        self.assertTrue(new_workers)
        self.assertFalse(new_workers & old_workers)
        self.assertTrue(s.wait_for_log(r"\[notice\] .*(reconfiguring|reload)"))

    def test_hup_with_bad_config_keeps_old_one(self):
        s = self.start_server(site("v1"))
        self.assertEqual(self.body(), "v1")
        s.write_config(http_config(site("v2", extra="bogus_directive on;")))
        s.signal(signal.SIGHUP)
        m = s.wait_for_log(r'\[emerg\] \d+#\d+: unknown directive "bogus_directive" in '
                           + s.conf_path.replace(".", r"\.") + r":\d+")
        self.assertIsNotNone(m, s.read_error_log())
        self.assertTrue(pid_alive(s.master_pid))
        for _ in range(5):
            self.assertEqual(self.body(), "v1")
            time.sleep(0.05)
        # A later good config still applies.
        s.write_config(http_config(site("v3")))
        s.signal(signal.SIGHUP)
        self.assertTrue(self.wait_body("v3"))

    def test_usr1_reopens_logs(self):
        s = self.start_server(site("v1"))
        self.assertEqual(self.body(), "v1")
        self.assertTrue(wait_until(lambda: "GET /v " in s.read_access_log(), 3))
        rotated = s.access_log_path + ".1"
        os.rename(s.access_log_path, rotated)
        os.rename(s.error_log_path, s.error_log_path + ".1")
        s.signal(signal.SIGUSR1)
        self.assertTrue(wait_until(lambda: os.path.exists(s.access_log_path), 5),
                        "USR1 must recreate access.log")
        self.assertTrue(wait_until(lambda: os.path.exists(s.error_log_path), 5),
                        "USR1 must recreate error.log")

        # Workers may reopen just after the master: poll until a request lands in the new file.
        def logged_in_new_file():
            self.server.get("/v?after")
            return "GET /v?after " in s.read_access_log()
        self.assertTrue(wait_until(logged_in_new_file, 5, 0.1))
        with open(rotated) as f:
            old = f.read()
        self.assertIn("GET /v HTTP/1.1", old)
        self.assertNotIn("GET /v?after", old.split("\n")[0])

    def assert_stops(self, sig):
        s = self.start_server(site("v1"), worker_processes=2)
        workers = wait_until(lambda: len(s.worker_pids()) == 2 and s.worker_pids(), 5)
        self.assertTrue(workers)
        s.signal(sig)
        code = s.wait_exit(5)
        self.assertIsNotNone(code, f"master did not exit on {sig.name}")
        self.assertEqual(code, 0)
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in workers), 5))
        self.assertFalse(os.path.exists(s.pid_path), "the pid file is removed on exit")
        with self.assertRaises(OSError):
            s.connect(timeout=1).close()

    def test_quit_stops_gracefully(self):
        self.assert_stops(signal.SIGQUIT)

    def test_term_stops(self):
        self.assert_stops(signal.SIGTERM)

    def test_int_stops(self):
        self.assert_stops(signal.SIGINT)

    def test_quit_lets_an_inflight_request_finish(self):
        size = 32 << 20  # more than loopback socket buffers hold, so the send is under way
        s = self.start_server(site("v1"), files={"html/big.bin": b"z" * size})
        with s.connect() as c:
            c.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            got = c.recv(4096)
            self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:40])
            time.sleep(0.1)
            s.signal(signal.SIGQUIT)
            c.settimeout(5)
            while True:
                chunk = c.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
        self.assertEqual(len(got) - (got.index(b"\r\n\r\n") + 4), size)
        self.assertEqual(s.wait_exit(5), 0)

    def test_s_flags_use_the_pid_file(self):
        s = self.start_server(site("v1"))
        self.assertTrue(wait_until(lambda: read_text(s.pid_path).strip(), 5))
        s.write_config(http_config(site("v2")))
        r = s.run_cli(["-s", "reload"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.wait_body("v2"))

        os.rename(s.access_log_path, s.access_log_path + ".1")
        r = s.run_cli(["-s", "reopen"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_until(lambda: os.path.exists(s.access_log_path), 5))

        r = s.run_cli(["-s", "quit"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(s.wait_exit(5), 0)

    def test_s_stop(self):
        s = self.start_server(site("v1"))
        self.assertTrue(wait_until(lambda: read_text(s.pid_path).strip(), 5))
        r = s.run_cli(["-s", "stop"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(s.wait_exit(5), 0)

    def test_s_without_running_server_fails(self):
        s = self.start_server(site("v1"), start=False)
        r = s.run_cli(["-s", "reload"])
        self.assertEqual(r.returncode, 1)
        # nginx prints this through its error-log format once the config is read.
        self.assertRegex(r.stderr, r"\[error\] .*open\(\) \"" + s.pid_path.replace(".", r"\.") +
                         r"\" failed \(2: No such file or directory\)")

    def test_killed_worker_is_replaced(self):
        s = self.start_server(site("v1"), worker_processes=2)
        workers = wait_until(lambda: len(s.worker_pids()) == 2 and s.worker_pids(), 5)
        self.assertTrue(workers)
        os.kill(workers[0], signal.SIGKILL)
        replaced = wait_until(
            lambda: (lambda w: len(w) == 2 and workers[0] not in w and w)(s.worker_pids()), 5)
        self.assertTrue(replaced, f"workers now {s.worker_pids()}")
        self.assertIn(workers[1], replaced)
        self.assertEqual(self.body(), "v1")
        self.assertTrue(s.wait_for_log(
            rf"\[alert\] \d+#\d+: worker process {workers[0]} exited on signal 9"))

    def test_workers_stop_when_the_master_is_killed(self):
        if harness.SERVER_KIND == "nginx":
            self.skipTest("nginx's workers outlive a killed master; webcycle's stop (see ARCHITECTURE)")
        s = self.start_server(site("v1"), worker_processes=2)
        workers = wait_until(lambda: len(s.worker_pids()) == 2 and s.worker_pids(), 5)
        self.assertTrue(workers)
        os.kill(s.proc.pid, signal.SIGKILL)
        s.wait_exit(5)
        self.assertTrue(wait_until(lambda: not any(pid_alive(p) for p in workers), 10),
                        f"workers {workers} outlived their master")
        with self.assertRaises(OSError):
            s.connect(timeout=1).close()


if __name__ == "__main__":
    unittest.main()


class LogFilesTest(ServerTestCase):
    """Log files are opened before any worker starts: a config naming one that cannot be opened
    is refused at start (nginx's message) and at reload (the old config keeps serving)."""

    body = SignalsTest.body

    BAD_LOG = "access_log /nonexistent-webcycle-dir/access.log;"

    def test_unopenable_access_log_refuses_to_start(self):
        s = self.start_server(site("v1", extra=self.BAD_LOG), start=False)
        cmd = s.command(["-g", "daemon off;"] if s.is_nginx else [])
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r'\[emerg\] .*open\(\) "/nonexistent-webcycle-dir/access\.log" '
                         r'failed \(2: No such file or directory\)')

    def test_reload_with_unopenable_access_log_keeps_old_config(self):
        s = self.start_server(site("v1"))
        self.assertEqual(self.body(), "v1")
        s.write_config(http_config(site("v2", extra=self.BAD_LOG)))
        s.signal(signal.SIGHUP)
        self.assertIsNotNone(s.wait_for_log(
            r'\[emerg\] .*open\(\) "/nonexistent-webcycle-dir/access\.log" failed'))
        for _ in range(5):
            self.assertEqual(self.body(), "v1")
            time.sleep(0.05)
        self.assertTrue(pid_alive(s.master_pid))
