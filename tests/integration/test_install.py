"""The installed layout: `cmake --install` puts the binary in PREFIX/bin and mime.types in
PREFIX/share/webcycle, and `include mime.types;` finds that file when the config's folder has
none, both for an installed binary and for one run from its build folder. webcycle only."""

import os
import pathlib
import shutil
import subprocess
import tempfile
import unittest

from harness import server_bin

CONFIG = """
events {}
http {
    include mime.types;
    server { listen 127.0.0.1:1; root html; }
}
"""


@unittest.skipIf(os.environ.get("WEBCYCLE_TEST_SERVER") == "nginx", "webcycle's own install")
class InstallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="webcycle-install-")
        self.site = pathlib.Path(self.tmp, "site")
        (self.site / "conf").mkdir(parents=True)
        (self.site / "logs").mkdir()
        (self.site / "conf" / "webcycle.conf").write_text(CONFIG)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, binary):
        r = subprocess.run([binary, "web", "-p", str(self.site), "-T"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("test is successful", r.stderr)
        # -T shows the mime.types that was read, from the share folder, not the config's.
        self.assertRegex(r.stdout, r"# configuration file .*/share/(webcycle/)?mime\.types:")
        self.assertIn("text/css", r.stdout)

    def test_build_tree_binary_falls_back_to_the_source_share(self):
        self.check(server_bin())

    def test_installed_binary_uses_its_own_share(self):
        build_dir = pathlib.Path(server_bin()).resolve().parents[2]
        prefix = pathlib.Path(self.tmp, "prefix")
        r = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        binary = prefix / "bin" / "webcycle"
        self.assertTrue(binary.is_file())
        self.assertTrue((prefix / "share" / "webcycle" / "mime.types").is_file())
        self.check(str(binary))


if __name__ == "__main__":
    unittest.main()
