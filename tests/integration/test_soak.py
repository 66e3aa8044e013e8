"""The soak (soak.py) for 60 s in CI: `webcycle up` on the demo stack under wrk's mixed traffic,
with zero socket errors, bounded RSS growth and no descriptor growth. Skipped in sanitizer builds
(their memory figures say nothing about a release build's, and the load would crowd the other
tests); the 10-minute run is scripts/soak.sh."""

import os
import shutil
import subprocess
import unittest

import soak
from harness import server_bin

DURATION = int(os.environ.get("SOAK_SECONDS", "60"))


def sanitized(binary):
    """True when the binary links a sanitizer runtime (an ASan/UBSan build)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return False
    if "libasan" in out or "libubsan" in out:
        return True
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


class SoakTest(unittest.TestCase):
    def test_soak(self):
        binary = server_bin()
        if sanitized(binary):
            self.skipTest("sanitizer build: the soak runs in the normal build only")
        if not shutil.which("wrk"):
            self.skipTest("wrk is not installed (scripts/install-deps.sh test)")
        lines = []
        passed, summary = soak.run(binary, DURATION, connections=8, threads=1, log=lines.append)
        print("\n" + "\n".join(lines) + f"\n  soak {DURATION} s: {summary}", end="")
        self.assertTrue(passed, summary["failures"])
        self.assertGreater(summary["requests"], DURATION * 50, "too little load to prove much")


if __name__ == "__main__":
    unittest.main()
