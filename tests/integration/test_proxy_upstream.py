"""upstream blocks (issue 4): round robin, weight, least_conn, backup, down, max_fails and
fail_timeout, keepalive, and failover when an app server dies under load (no GET lost, a POST
not retried once sent).

The app servers run apps/pep3333_app.py with one worker each (WEBCYCLE_TEST_APP_SERVER picks
`webcycle app` or gunicorn): /pid tells which one answered, /sleep records "sleep-start PID ID"
in that server's events file, /env gives REMOTE_PORT (one value per upstream connection). The
web server runs one worker, so its balancing is deterministic; the exact sequences asserted are
nginx 1.22's (WEBCYCLE_TEST_SERVER=nginx).
"""

import collections
import re
import threading
import time
import unittest

from proxy_harness import (APP_SERVER_KIND, ProxyTestCase, dead_port, kill_app, request,
                           require_proxy_support, server_block, wait_until)

APP = "pep3333_app:application"
CONNECT_REFUSED = (r"connect\(\) failed \(111: Connection refused\) while connecting to "
                   r"upstream, client: 127\.0\.0\.1, server: localhost, request: \"GET /pid "
                   r"HTTP/1\.1\", upstream: \"http://127\.0\.0\.1:{port}/pid\", host: "
                   r"\"127\.0\.0\.1:{web}\"")


class UpstreamCase(ProxyTestCase):
    def setUp(self):
        require_proxy_support(need="upstream")

    def apps(self, n, **kw):
        out = [self.start_app(APP, name=f"up{i}", **kw) for i in range(n)]
        for a in out:
            a.pid = int(request(a.port, "/pid").body)
        return out

    def web(self, upstream_body, location_extra="", name="pool"):
        return self.start_web(f"upstream {name} {{\n{upstream_body}\n}}\n" + server_block(
            f"location / {{ proxy_pass http://{name}; {location_extra} }}"))

    def who(self, web, n, apps, path="/pid"):
        """n sequential GET path through web; returns the answering apps' indexes."""
        by_pid = {a.pid: i for i, a in enumerate(apps)}
        out = []
        for _ in range(n):
            r = request(web.port, path)
            self.assertEqual(r.status, 200, r)
            out.append(by_pid[int(r.body)])
        return out


class Balancing(UpstreamCase):
    def test_round_robin_alternates(self):
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port}; server 127.0.0.1:{a[1].port};")
        seq = self.who(web, 20, a)
        self.assertEqual(collections.Counter(seq), {0: 10, 1: 10})
        self.assertEqual(seq, [0, 1] * 10)

    def test_weight(self):
        """Smooth weighted round robin: weight 3 and 1 give A A B A, every 4 requests."""
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port} weight=3; server 127.0.0.1:{a[1].port};")
        seq = self.who(web, 40, a)
        self.assertEqual(collections.Counter(seq), {0: 30, 1: 10})
        self.assertEqual(seq, [0, 0, 1, 0] * 10)

    def test_least_conn_avoids_the_busy_server(self):
        """While one server holds a slow request, least_conn sends every other request to the
        one with no active connection (round robin would alternate)."""
        a = self.apps(2)
        web = self.web(f"least_conn; server 127.0.0.1:{a[0].port}; "
                       f"server 127.0.0.1:{a[1].port};")
        slow = {}
        t = threading.Thread(target=lambda: slow.setdefault(
            "r", request(web.port, "/sleep?s=1.5&id=slow")))
        t.start()
        try:
            started = wait_until(lambda: [i for i, x in enumerate(a)
                                          if x.wait_event(lambda l: l.endswith(" slow"), 0)], 5)
            self.assertEqual(len(started), 1, "the slow request did not start on one server")
            busy = started[0]
            seq = self.who(web, 6, a)
            self.assertEqual(seq, [1 - busy] * 6)
        finally:
            t.join(10)
        self.assertEqual(slow["r"].status, 200)
        # Both idle again: least_conn spreads the load over both.
        self.assertEqual(set(self.who(web, 4, a)), {0, 1})

    def test_down_server_never_used(self):
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port} down; server 127.0.0.1:{a[1].port};")
        self.assertEqual(self.who(web, 6, a), [1] * 6)
        self.assertEqual(a[0].events(), [])

    def test_backup_only_when_primaries_are_down(self):
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port}; server 127.0.0.1:{a[1].port} backup;")
        self.assertEqual(self.who(web, 6, a), [0] * 6)
        kill_app(a[0])
        self.assertEqual(self.who(web, 6, a), [1] * 6)


class PassiveHealth(UpstreamCase):
    def failures(self, web, port):
        pat = CONNECT_REFUSED.format(port=port, web=web.port)
        return len(re.findall(pat, web.read_error_log()))

    def test_dead_server_is_skipped_for_fail_timeout(self):
        """max_fails=1: the dead server is tried once, then skipped for fail_timeout; no client
        sees the failure (the request goes to the next server)."""
        a = self.apps(1)
        dead = dead_port()
        web = self.web(f"server 127.0.0.1:{dead} max_fails=1 fail_timeout=30s; "
                       f"server 127.0.0.1:{a[0].port};")
        self.assertEqual(self.who(web, 10, a), [0] * 10)
        self.assertTrue(wait_until(lambda: self.failures(web, dead) >= 1, 3))
        self.assertEqual(self.failures(web, dead), 1, web.read_error_log())

    def test_max_fails_counts_failures_before_skipping(self):
        a = self.apps(1)
        dead = dead_port()
        web = self.web(f"server 127.0.0.1:{dead} max_fails=3 fail_timeout=30s; "
                       f"server 127.0.0.1:{a[0].port};")
        self.assertEqual(self.who(web, 20, a), [0] * 20)
        self.assertTrue(wait_until(lambda: self.failures(web, dead) >= 3, 3))
        self.assertEqual(self.failures(web, dead), 3, web.read_error_log())

    def test_fail_timeout_expires(self):
        """After fail_timeout the dead server is tried again (once, then skipped again)."""
        a = self.apps(1)
        dead = dead_port()
        web = self.web(f"server 127.0.0.1:{dead} max_fails=1 fail_timeout=1s; "
                       f"server 127.0.0.1:{a[0].port};")
        self.assertEqual(self.who(web, 4, a), [0] * 4)
        self.assertTrue(wait_until(lambda: self.failures(web, dead) == 1, 3))
        # nginx keeps whole seconds: "now - checked <= fail_timeout" holds for up to 2 s.
        time.sleep(2.1)
        # (Weighted round robin lowered the failed server's effective weight: it is offered
        # again within a few requests, not necessarily the first.)
        self.assertEqual(self.who(web, 10, a), [0] * 10)
        self.assertTrue(wait_until(lambda: self.failures(web, dead) == 2, 3),
                        web.read_error_log())

    def test_max_fails_zero_never_skips(self):
        a = self.apps(1)
        dead = dead_port()
        web = self.web(f"server 127.0.0.1:{dead} max_fails=0; server 127.0.0.1:{a[0].port};")
        self.assertEqual(self.who(web, 10, a), [0] * 10)
        # Round robin keeps offering the dead one: every other request tries it first.
        self.assertTrue(wait_until(lambda: self.failures(web, dead) >= 5, 3))
        self.assertEqual(self.failures(web, dead), 5, web.read_error_log())

    def test_all_servers_dead_is_502(self):
        d1, d2 = dead_port(), dead_port()
        web = self.web(f"server 127.0.0.1:{d1}; server 127.0.0.1:{d2};")
        r = request(web.port, "/pid")
        self.assertEqual(r.status, 502)
        self.assertTrue(wait_until(lambda: self.failures(web, d1) == 1
                                   and self.failures(web, d2) == 1, 3), web.read_error_log())
        # Both marked failed: the next request finds no live server at once.
        r = request(web.port, "/pid")
        self.assertEqual(r.status, 502)
        self.assertTrue(web.wait_for_log(r"no live upstreams while connecting to upstream"),
                        web.read_error_log())


class Keepalive(UpstreamCase):
    def app_args(self):
        # gunicorn's sync worker closes every connection; its gthread worker keeps them.
        return ["-k", "gthread", "--threads", "2"] if APP_SERVER_KIND == "gunicorn" else []

    def remote_ports(self, web, path, n):
        ports = []
        for i in range(n):
            r = request(web.port, f"{path}/env?i={i}")
            self.assertEqual(r.status, 200, r)
            ports.append(r.json()["REMOTE_PORT"])
        return ports

    def test_keepalive_reuses_one_upstream_connection(self):
        a = self.start_app(APP, args=self.app_args(), name="ka")
        web = self.start_web(f"""
upstream ka {{ server 127.0.0.1:{a.port}; keepalive 4; }}
upstream noka {{ server 127.0.0.1:{a.port}; }}
""" + server_block("""
  location /ka/ { proxy_pass http://ka/; proxy_http_version 1.1;
                  proxy_set_header Connection ""; }
  location /noka/ { proxy_pass http://noka/; }
"""))
        ka = self.remote_ports(web, "/ka", 10)
        self.assertEqual(len(set(ka)), 1, ka)
        noka = self.remote_ports(web, "/noka", 10)
        self.assertEqual(len(set(noka)), 10, noka)

    def test_keepalive_pool_survives_app_closing_idle_connection(self):
        """The app closes an idle kept-alive connection (its --keep-alive is 1 s); the next
        request through the pool must still succeed (nginx retries a reused connection that
        turns out closed)."""
        a = self.start_app(APP, args=self.app_args() + ["--keep-alive", "1"], name="ka")
        web = self.start_web(f"upstream ka {{ server 127.0.0.1:{a.port}; keepalive 4; }}\n" +
                             server_block('location / { proxy_pass http://ka; '
                                          'proxy_http_version 1.1; '
                                          'proxy_set_header Connection ""; }'))
        first = self.remote_ports(web, "", 2)
        self.assertEqual(len(set(first)), 1)
        time.sleep(1.6)
        after = self.remote_ports(web, "", 3)
        self.assertEqual(len(set(after)), 1)
        self.assertNotEqual(after[0], first[0])


class Failover(UpstreamCase):
    def test_app_killed_mid_load_no_get_lost(self):
        """Four clients send GETs (each a 20 ms app request) through a two-server upstream; one
        server is killed (SIGKILL) in the middle. Every GET is answered 200: the ones in flight
        on the dead server are retried on the other (proxy_next_upstream error timeout)."""
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port}; server 127.0.0.1:{a[1].port};")
        results, lock = [], threading.Lock()
        stop_at = time.monotonic() + 2.0

        def client(k):
            n = 0
            while time.monotonic() < stop_at and n < 300:
                try:
                    st = request(web.port, f"/sleep?s=0.02&id=c{k}-{n}", timeout=10).status
                except OSError as e:
                    st = f"error {e}"
                with lock:
                    results.append(st)
                n += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.7)
        killed_after = len(a[0].events())
        kill_app(a[0])
        for t in threads:
            t.join(15)
        self.assertGreater(killed_after, 0, "the first server got no request before the kill")
        self.assertGreater(len(results), 20)
        self.assertEqual(collections.Counter(results), {200: len(results)})
        # Every request after the kill went to the live server.
        self.assertEqual(self.who(web, 4, a[1:] + a[:1]), [0] * 4)

    def in_flight_then_kill(self, method):
        """Sends METHOD /sleep?s=2&id=X through a two-server upstream, waits until one server
        has started it, kills that one; returns (response, killed app, the other app)."""
        a = self.apps(2)
        web = self.web(f"server 127.0.0.1:{a[0].port}; server 127.0.0.1:{a[1].port};")
        self.web_server = web
        out = {}
        body = b"payload" if method == "POST" else None
        t = threading.Thread(target=lambda: out.setdefault("r", request(
            web.port, f"/sleep?s=2&id={method}-1", method=method, body=body, timeout=15)))
        t.start()
        started = wait_until(lambda: [i for i, x in enumerate(a)
                                      if x.wait_event(lambda l: l.endswith(f" {method}-1"), 0)],
                             5)
        self.assertEqual(len(started), 1)
        victim, other = a[started[0]], a[1 - started[0]]
        kill_app(victim)
        t.join(15)
        return out.get("r"), victim, other

    def test_get_in_flight_is_retried_on_the_other_server(self):
        r, victim, other = self.in_flight_then_kill("GET")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"slept 2")
        self.assertTrue(other.wait_event(lambda l: l.endswith(" GET-1"), 1))

    def test_post_in_flight_is_not_retried(self):
        """A POST already sent is not sent again (non_idempotent is not in
        proxy_next_upstream): the client gets 502 and the other server never sees it."""
        r, victim, other = self.in_flight_then_kill("POST")
        self.assertEqual(r.status, 502)
        time.sleep(0.2)
        self.assertEqual([l for l in other.events() if "POST-1" in l], [])
        self.assertTrue(self.web_server.wait_for_log(
            rf"upstream prematurely closed connection while reading response header from "
            rf"upstream, client: 127\.0\.0\.1, server: localhost, request: \"POST "
            rf"/sleep\?s=2&id=POST-1 HTTP/1\.1\", upstream: \"http://127\.0\.0\.1:"
            rf"{victim.port}/sleep\?s=2&id=POST-1\""), self.web_server.read_error_log())

    def test_post_to_a_dead_server_goes_to_the_next(self):
        """A POST that could not be sent (connect refused) is passed to the next server."""
        a = self.apps(1)
        dead = dead_port()
        web = self.web(f"server 127.0.0.1:{dead}; server 127.0.0.1:{a[0].port};")
        r = request(web.port, "/echo", method="POST", body=b"once")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["body"], "once")


if __name__ == "__main__":
    unittest.main()
