"""An application that runs Python threads in `webcycle app` (threads_app.py): threads writing to
wsgi.errors and reading wsgi.input inside a request, and a background thread computing while the
worker's loop serves other requests (the loop gives up the GIL only while it waits in epoll). The
answers are right, every line reaches the error log, and nothing is reported by a sanitizer: this
file is also what scripts/tsan.sh runs against a ThreadSanitizer build."""

import concurrent.futures
import re
import unittest

from app_harness import AppTestCase


class AppThreadsTest(AppTestCase):
    APP = "threads_app:application"
    ARGS = ("-w", "1")
    WORKERS = 1

    def assert_no_sanitizer_report(self):
        out = self.server.output() + self.server.read_error_log()
        self.assertNotRegex(out, r"ThreadSanitizer|AddressSanitizer|runtime error:", out[-3000:])

    def test_threads_inside_a_request(self):
        body = b"x" * (4 * 30 * 7)
        r = self.server.request("/threads?n=4&k=30&t=A", method="POST", body=body)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body, b"threads 4 lines 120 bytes 840")
        self.assertTrue(self.server.wait_for_log(r"threads_app A: thread 3 line 29$"))
        log = self.server.read_error_log()
        self.assertEqual(len(re.findall(r"\] threads_app A: thread \d line \d+$", log, re.M)), 120)
        self.assert_no_sanitizer_report()

    def test_background_thread_while_serving(self):
        self.assertEqual(self.server.request("/background").body, b"started")
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda i: self.server.request(f"/hello?{i}"), range(200)))
        self.assertEqual({(r.status, r.body) for r in results}, {(200, b"hello")})
        r = self.server.request("/threads?n=3&k=5", method="POST", body=b"y" * 105)
        self.assertEqual(r.body, b"threads 3 lines 15 bytes 105")
        self.assert_no_sanitizer_report()


if __name__ == "__main__":
    unittest.main()
