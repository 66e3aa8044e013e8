"""Virtual hosts: server_name exact, *.wildcard, trailing wildcard, ~regex, .domain, and the
fallback to default_server or the first server of a listen address."""

import unittest

from harness import ServerTestCase


class VhostTest(ServerTestCase):
    NPORTS = 2
    CONFIG = """
    server { listen 127.0.0.1:@PORT0@; server_name first.test; return 200 "first\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name exact.test www.exact.test;
             return 200 "exact\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name *.wild.test; return 200 "wild\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name *.deep.wild.test; return 200 "deep\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name www.trail.*; return 200 "trail\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name .dot.test; return 200 "dot\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name ~^re\\d+\\.wild\\.test$;
             return 200 "regex-wild\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name ~^[a-z]+\\.regex\\.test$;
             return 200 "regex\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name ~^bob\\.; return 200 "second-regex\\n"; }
    server { listen 127.0.0.1:@PORT0@; server_name ~^case\\.test$; return 200 "icase\\n"; }

    server { listen 127.0.0.1:@PORT1@; server_name a.test; return 200 "p1-a\\n"; }
    server { listen 127.0.0.1:@PORT1@ default_server; server_name b.test;
             return 200 "p1-default\\n"; }
    """

    def body(self, host, port_index=0):
        port = self.server.ports[port_index]
        host_line = f"Host: {host}\r\n" if host is not None else ""
        version = "1.1" if host is not None else "1.0"
        resp = self.server.exchange(f"GET / HTTP/{version}\r\n{host_line}\r\n".encode(),
                                    port=port)
        self.assertTrue(resp, f"no response for host {host!r}")
        self.assertEqual(resp[0][0], 200, host)
        return resp[0][2].decode().strip()

    def check(self, cases, port_index=0):
        for host, want in cases:
            with self.subTest(host=host):
                self.assertEqual(self.body(host, port_index), want)

    def test_exact(self):
        self.check([("exact.test", "exact"), ("www.exact.test", "exact"),
                    ("first.test", "first")])

    def test_host_is_case_insensitive_and_port_and_trailing_dot_ignored(self):
        self.check([("EXACT.Test", "exact"), (f"exact.test:{self.server.port}", "exact"),
                    ("exact.test.", "exact")])

    def test_leading_wildcard(self):
        self.check([("a.wild.test", "wild"), ("a.b.wild.test", "wild"),
                    ("x.deep.wild.test", "deep"),  # the longest wildcard wins
                    ("wild.test", "first")])  # "*.wild.test" needs at least one label more

    def test_trailing_wildcard(self):
        self.check([("www.trail.com", "trail"), ("www.trail.co.uk", "trail")])

    def test_dot_domain_matches_domain_and_subdomains(self):
        self.check([("dot.test", "dot"), ("a.dot.test", "dot"), ("a.b.dot.test", "dot")])

    def test_precedence(self):
        self.check([
            ("www.trail.wild.test", "wild"),  # leading wildcard over trailing wildcard
            ("re1.wild.test", "wild"),  # wildcard over regex
            ("bob.regex.test", "regex"),  # first matching regex in config order
            ("bob.other", "second-regex"),
        ])

    def test_regex(self):
        self.check([("abc.regex.test", "regex"), ("abc1.regex.test", "first"),
                    ("CASE.Test", "icase")])

    def test_unknown_host_goes_to_first_server(self):
        self.check([("unknown.test", "first"), ("127.0.0.1", "first"), (None, "first")])

    def test_default_server(self):
        self.check([("a.test", "p1-a"), ("unknown.test", "p1-default"), (None, "p1-default"),
                    ("exact.test", "p1-default")],  # names on another address do not apply
                   port_index=1)


if __name__ == "__main__":
    unittest.main()
