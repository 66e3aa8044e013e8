"""A real browser on the demo stack: headless Chromium (Debian's /usr/bin/chromium) driven over
the DevTools protocol (chromium_cdp.py) loads the static site and the app, submits the form, runs
a search and follows its first result, checking the DOM of each page (not just the status) and
saving a screenshot of each in an output folder that is printed (and kept).

Chromium's --host-resolver-rules map *.mysite.test to the stack's web port on 127.0.0.1 (so the
browser's own name lookup stands in for the hosts file and DNS, which test_up.py drives with
`webcycle browse`); every other name is NOTFOUND.
"""

import os
import re
import sys
import tempfile
import unittest

from harness import wait_until
from test_up import UpStack, read

CHROMIUM = "/usr/bin/chromium"


@unittest.skipUnless(os.path.exists(CHROMIUM),
                     f"{CHROMIUM} is absent (scripts/install-deps.sh installs Debian's chromium)")
class UpBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from chromium_cdp import Chromium
        cls.up = UpStack(with_dns=False)  # the browser resolves by its own rules here
        try:
            cls.up.start()
        except Exception:
            cls.up.cleanup()
            raise
        cls.out = os.environ.get("WEBCYCLE_TEST_OUTPUT") or tempfile.mkdtemp(
            prefix="webcycle-up-browser-")
        os.makedirs(cls.out, exist_ok=True)
        print(f"\nscreenshots: {cls.out}", file=sys.stderr)
        try:
            cls.browser = Chromium(f"MAP *.mysite.test 127.0.0.1:{cls.up.web_port}")
            cls.browser.open_page()
        except Exception:
            cls.up.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.up.cleanup()

    def load(self, url):
        error = self.browser.navigate(url)
        self.assertEqual(error, "", url)

    def shot(self, name):
        path = self.browser.screenshot(os.path.join(self.out, name))
        self.assertGreater(os.path.getsize(path), 1000)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def js(self, expression):
        return self.browser.eval(expression)

    def test_1_static_site(self):
        self.load("http://www.mysite.test/")
        self.assertEqual(self.js("document.title"), "My site: home")
        self.assertEqual(self.js("document.querySelector('header h1').textContent"),
                         "My site: home")
        # The stylesheet was fetched and applied, the image decoded.
        self.assertEqual(self.js("getComputedStyle(document.querySelector('header'))"
                                 ".backgroundColor"), "rgb(23, 50, 77)")
        self.assertTrue(wait_until(lambda: self.js(
            "document.querySelector('header img').complete && "
            "document.querySelector('header img').naturalWidth") == 96, timeout=10))
        self.shot("1-www-home.png")
        # Follow a link by clicking it.
        self.browser.act_and_wait_load("document.querySelector('a[href=\"/cycle.html\"]').click()")
        self.assertEqual(self.js("location.href"), "http://www.mysite.test/cycle.html")
        self.assertEqual(self.js("document.querySelectorAll('ol.cycle li').length"), 6)
        self.shot("2-www-cycle.png")
        access = read(os.path.join(self.up.logs, "access.log"))
        self.assertRegex(access, r'"GET /style.css HTTP/1.1" 200 .*HeadlessChrome')
        self.assertRegex(access, r'"GET /logo.svg HTTP/1.1" 200 .*HeadlessChrome')

    def test_2_app_page_made_per_request(self):
        self.load("http://app.mysite.test/time")
        self.assertEqual(self.js("document.querySelector('h1').textContent"), "What time is it")
        first = self.js("document.getElementById('request-id').textContent")
        self.assertRegex(first, r"^[0-9a-f]{32}$")
        self.shot("3-app-time.png")
        self.load("http://app.mysite.test/time")
        second = self.js("document.getElementById('request-id').textContent")
        self.assertNotEqual(first, second)  # made per request
        for rid in (first, second):
            self.assertTrue(wait_until(lambda: f"rid={rid}" in read(
                os.path.join(self.up.logs, "app-app.access.log")), timeout=5))
            self.assertIn(f"rid={rid}", read(os.path.join(self.up.logs, "access.log")))
        self.load("http://app.mysite.test/headers")
        headers = self.js("Object.fromEntries([...document.querySelectorAll('#headers tr')]"
                          ".map(r => [r.querySelector('th').textContent,"
                          " r.querySelector('td').textContent]))")
        self.assertEqual(headers["Host"], "app.mysite.test")
        self.assertIn("HeadlessChrome", headers["User-Agent"])

    def test_3_form_posts_and_shows_what_was_sent(self):
        self.load("http://app.mysite.test/form")
        self.js("document.getElementById('name').value = 'Ada Lovelace';"
                "document.getElementById('message').value = 'first program & <notes>';")
        self.shot("4-app-form.png")
        self.browser.act_and_wait_load("document.getElementById('send').click()")
        self.assertEqual(self.js("document.querySelector('h1').textContent"), "What you sent")
        fields = self.js("[...document.querySelectorAll('#fields tr')]"
                         ".map(r => [r.querySelector('th').textContent,"
                         " r.querySelector('td').textContent])")
        self.assertEqual(fields, [["name", "Ada Lovelace"],
                                  ["message", "first program & <notes>"]])
        self.shot("5-app-form-sent.png")
        self.assertTrue(wait_until(lambda: re.search(
            r'"POST /form HTTP/1.0" 200 .*HeadlessChrome',
            read(os.path.join(self.up.logs, "app-app.access.log"))), timeout=5))

    def test_4_search_and_follow_the_first_result(self):
        self.load("http://search.mysite.test/")
        self.js("document.getElementById('q').value = 'request cycle'")
        self.browser.act_and_wait_load("document.getElementById('go').click()")
        self.assertEqual(self.js("location.href"),
                         "http://search.mysite.test/search?q=request+cycle")
        results = self.js("[...document.querySelectorAll('#results li a')].map(a => a.href)")
        self.assertGreaterEqual(len(results), 5, results)
        self.assertEqual(results[0], "http://www.mysite.test/cycle.html")
        self.assertIn("http://app.mysite.test/time", results)
        self.shot("6-search-results.png")
        self.browser.act_and_wait_load("document.querySelector('#results li a').click()")
        self.assertEqual(self.js("document.title"), "The web request cycle")
        self.load("http://search.mysite.test/search?q=zebra")
        self.assertEqual(self.js("document.querySelectorAll('#results li').length"), 0)
        self.assertIn("Nothing", self.js("document.getElementById('none').textContent"))

    def test_5_unknown_name_is_not_resolved(self):
        error = self.browser.navigate("http://shop.example.test/")
        self.assertIn("NAME_NOT_RESOLVED", error)


if __name__ == "__main__":
    unittest.main()
