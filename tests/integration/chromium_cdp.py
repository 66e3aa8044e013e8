"""Headless Chromium driven over the DevTools protocol, standard library only.

Chromium is started with --remote-debugging-pipe: it reads commands on its fd 3 and writes
answers and events on its fd 4, each message one JSON object followed by a NUL byte. Every name
lookup goes through --host-resolver-rules (the names given map to the stack's address, every other
name is NOTFOUND), so the browser never asks a resolver outside the machine, and no proxy is used.
The browser is stopped by its PID.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

CHROMIUM = "/usr/bin/chromium"


class CdpError(Exception):
    pass


class Chromium:
    def __init__(self, resolver_rules, window=(1100, 900)):
        self.profile = tempfile.mkdtemp(prefix="webcycle-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}

        def fds():
            # The child's fd 3 reads our commands, its fd 4 writes its answers.
            # Through fresh copies, in case a pipe end is itself fd 3 or 4.
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             f"--host-resolver-rules={resolver_rules}, MAP * ~NOTFOUND",
             "--proxy-server=direct://", "--proxy-bypass-list=*",
             "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions",
             "--disable-features=DnsOverHttps,Translate,MediaRouter,OptimizationHints",
             "--metrics-recording-only", "--mute-audio",
             f"--window-size={window[0]},{window[1]}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=fds, pass_fds=(3, 4), env=env)
        os.close(to_child_r)
        os.close(from_child_w)
        self._next_id = 0
        self._answers = {}
        self._events = []
        self._cond = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.session = None

    # ---- transport ----------------------------------------------------------------------------
    def _drain_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._answers[msg["id"]] = msg
                    else:
                        self._events.append(msg)
                    self._cond.notify_all()

    def send(self, method, params=None, session=True, timeout=30.0):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        os.write(self._to_child, data)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._next_id not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise CdpError(f"no answer to {method}: {''.join(self._stderr)[-2000:]}")
                self._cond.wait(left)
            answer = self._answers.pop(self._next_id)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def event_count(self, method):
        with self._cond:
            return sum(1 for e in self._events if e.get("method") == method)

    def wait_event(self, method, after_count, timeout=30.0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while sum(1 for e in self._events if e.get("method") == method) <= after_count:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise CdpError(f"no {method} within {timeout} s")
                self._cond.wait(left)

    # ---- a page -------------------------------------------------------------------------------
    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def navigate(self, url, timeout=30.0):
        """Loads url and waits for its load event. Returns the navigation's error text or ''."""
        before = self.event_count("Page.loadEventFired")
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            return result["errorText"]
        self.wait_event("Page.loadEventFired", before, timeout)
        return ""

    def act_and_wait_load(self, expression, timeout=30.0):
        """Runs JS that navigates (a click, a form submit) and waits for the next page's load."""
        before = self.event_count("Page.loadEventFired")
        self.eval(expression)
        self.wait_event("Page.loadEventFired", before, timeout)

    def eval(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("Browser.close", session=False, timeout=5)
            except (CdpError, OSError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # by PID (Popen.kill)
                self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
