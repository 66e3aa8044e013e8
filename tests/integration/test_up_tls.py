"""`webcycle up`'s demo over HTTPS: up makes a CA and a certificate for the stack's names in its
runtime folder at start (keys 0600, nothing in the demo folder), moves `listen 443 ssl` to a free
port (the tests give --port), and prints browse commands with --cacert; those commands, and curl
with the same --cacert, fetch the pages; without --cacert the certificate is not trusted (60)."""

import os
import re
import shlex
import stat
import subprocess
import unittest

from harness import server_bin
from test_up import DemoStackTest, has_command


@unittest.skipUnless(has_command("dns") and has_command("browse"), "dns / browse not built")
class UpHttpsTest(DemoStackTest):
    def https_commands(self):
        out = self.up.stdout()
        self.assertIn("\nhttps (certificates from the stack's own CA, ", out)
        return [shlex.split(l.strip()) for l in out.splitlines()
                if " browse --cacert " in l and "https://" in l]

    def test_printed_commands_fetch_the_pages(self):
        commands = self.https_commands()
        urls = [c[-1] for c in commands]
        self.assertTrue(any(u.startswith("https://www.mysite.test:") for u in urls), urls)
        self.assertTrue(any(u.startswith("https://app.mysite.test:") for u in urls), urls)
        for c in commands[:2]:
            r = subprocess.run([server_bin(), *c[1:]], capture_output=True, env=self.env,
                               timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"<html", r.stdout)
        www = next(u for u in urls if "www.mysite.test" in u)
        ca = commands[0][commands[0].index("--cacert") + 1]
        port = re.search(r":(\d+)/", www).group(1)
        r = subprocess.run(["curl", "-sS", "--noproxy", "*", "--cacert", ca, "--resolve",
                            f"www.mysite.test:{port}:127.0.0.1", www], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"<html", r.stdout)
        r = subprocess.run([server_bin(), "browse", www], capture_output=True, env=self.env,
                           timeout=30)
        self.assertEqual(r.returncode, 60, r.stderr)

    def test_keys_are_private_and_made_in_the_runtime_folder(self):
        tls_dir = os.path.join(self.up.runtime, "conf", "tls")
        for key in ("ca.key", "demo.key"):
            mode = stat.S_IMODE(os.stat(os.path.join(tls_dir, key)).st_mode)
            self.assertEqual(mode, 0o600, key)
        self.assertTrue(os.path.exists(os.path.join(self.up.runtime, "ca.pem")))
        for root, _, files in os.walk(self.up.demo):
            self.assertFalse([f for f in files if f.endswith((".key", ".crt"))], root)
