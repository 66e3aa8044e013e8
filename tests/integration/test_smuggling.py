"""Request smuggling: every framing ambiguity is refused with a 4xx and a closed connection, and
the request hidden behind it is never answered."""

import unittest

from harness import ServerTestCase, parse_responses

POST = b"POST / HTTP/1.1\r\nHost: x\r\n"
GET = b"GET / HTTP/1.1\r\nHost: x\r\n"
# The request a smuggler hides after the first one: answering it means the framing was misread.
NEXT = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


class SmugglingTest(ServerTestCase):
    CONFIG = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        location / { return 200 "ok\\n"; }
        location /smuggled { return 200 "SMUGGLED\\n"; }
    }
    """

    def refused(self, data, statuses=range(400, 500)):
        """Sends data; asserts exactly one response, with a status in statuses, and a close."""
        raw, closed = self.server.raw_closed(data, timeout=3)
        self.assertNotIn(b"SMUGGLED", raw)
        resp = parse_responses(raw)[0]
        self.assertEqual(len(resp), 1, f"want one refusal, got {[r[0] for r in resp]}: {raw!r}")
        self.assertIn(resp[0][0], statuses)
        self.assertTrue(closed, "connection must be closed after a framing error")
        return resp[0][0]

    def refused_body(self, data):
        """For errors inside a body: the request may have been answered before the body was
        read, but the connection must close and what follows must never be answered."""
        raw, closed = self.server.raw_closed(data, timeout=3)
        self.assertNotIn(b"SMUGGLED", raw)
        statuses = [r[0] for r in parse_responses(raw)[0]]
        self.assertTrue(closed, "connection must be closed after a bad chunk")
        self.assertTrue(all(s == 200 or 400 <= s < 500 for s in statuses), statuses)
        self.assertLessEqual(statuses.count(200), 1, statuses)
        return statuses

    def test_control_valid_pipeline_is_answered(self):
        # Proves the checks below can tell a refusal from acceptance.
        resp = self.server.exchange(POST + b"Content-Length: 5\r\n\r\nhello" + NEXT, n=2)
        self.assertEqual([r[2] for r in resp], [b"ok\n", b"SMUGGLED\n"])

    def test_content_length_with_transfer_encoding(self):
        self.assertEqual(self.refused(
            POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(
            POST + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + NEXT), 400)

    def test_transfer_encoding_other_than_final_chunked(self):
        for te in (b"chunked, gzip", b"identity", b"gzip", b"xchunked", b"chunked, chunked",
                   b"chunked;x=1", b"\tchunked, chunked"):
            with self.subTest(te=te):
                self.refused(POST + b"Transfer-Encoding: " + te + b"\r\n\r\n0\r\n\r\n" + NEXT,
                             statuses=(400, 501))
        with self.subTest(te="two chunked fields"):
            self.refused(POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"0\r\n\r\n" + NEXT, statuses=(400, 501))

    def test_codings_before_a_final_chunked(self):
        # RFC 9112 frames these by the final chunked; nginx refuses them (501) as it decodes no
        # other coding. Either is safe: refused and closed, or framed as chunked.
        for te in (b"gzip, chunked", b"identity, chunked"):
            with self.subTest(te=te):
                data = (POST + b"Transfer-Encoding: " + te + b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
                        NEXT)
                raw, closed = self.server.raw_closed(data, timeout=1)
                resp = parse_responses(raw)[0]
                if self.server.is_nginx:
                    self.assertEqual([r[0] for r in resp], [501])
                if len(resp) == 1 and resp[0][0] in (400, 501):
                    self.assertTrue(closed)
                else:
                    self.assertEqual([r[2] for r in resp], [b"ok\n", b"SMUGGLED\n"])

    def test_transfer_encoding_in_http10(self):
        # An HTTP/1.0 recipient may not know chunked: RFC 9112 6.1 says treat it as faulty framing.
        self.refused(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + NEXT,
                     statuses=(400, 501))

    def test_chunked_coding_name_is_case_insensitive(self):
        resp = self.server.exchange(
            POST + b"Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + NEXT, n=2)
        self.assertEqual([r[2] for r in resp], [b"ok\n", b"SMUGGLED\n"])

    def test_differing_duplicate_content_length(self):
        self.assertEqual(self.refused(
            POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" + NEXT), 400)

    def test_identical_duplicate_content_length(self):
        # RFC 9110 8.6 lets a server accept identical duplicates; nginx refuses them. Either way
        # the stream must not desynchronise.
        raw, closed = self.server.raw_closed(
            POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + NEXT, timeout=1)
        statuses = [r[0] for r in parse_responses(raw)[0]]
        if statuses != [200, 200]:
            self.assertEqual(statuses, [400])
            self.assertTrue(closed)
            self.assertNotIn(b"SMUGGLED", raw)

    def test_malformed_content_length(self):
        for cl in (b"-1", b"+5", b"0x5", b"5, 5", b"5 5", b"99999999999999999999999", b""):
            with self.subTest(cl=cl):
                self.refused(POST + b"Content-Length: " + cl + b"\r\n\r\nhello" + NEXT,
                             statuses=(400, 413))

    def test_obs_fold(self):
        self.assertEqual(self.refused(GET + b"X-A: a\r\n b\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(GET + b"X-A: a\r\n\tb\r\n\r\n" + NEXT), 400)
        # A fold that would extend Content-Length is the dangerous one.
        self.assertEqual(self.refused(POST + b"Content-Length: 1\r\n 0\r\n\r\nhello" + NEXT), 400)

    def test_whitespace_before_colon(self):
        self.assertEqual(self.refused(GET + b"X-A : a\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(GET + b"X-A\t: a\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(POST + b"Content-Length : 5\r\n\r\nhello" + NEXT), 400)
        self.assertEqual(self.refused(
            POST + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + NEXT), 400)

    def test_whitespace_before_first_header(self):
        self.assertEqual(self.refused(b"GET / HTTP/1.1\r\n Host: x\r\n\r\n" + NEXT), 400)

    def test_bad_chunk_size(self):
        for size in (b"zz", b"-5", b"0x5", b"ffffffffffffffffff5", b""):
            with self.subTest(size=size):
                self.refused_body(POST + b"Transfer-Encoding: chunked\r\n\r\n" + size +
                                  b"\r\nhello\r\n0\r\n\r\n" + NEXT)

    def test_chunk_data_longer_than_its_size(self):
        self.refused_body(POST + b"Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" +
                          NEXT)
        self.refused_body(POST + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n" +
                          NEXT)

    def test_nul(self):
        self.assertEqual(self.refused(GET + b"X-A: a\x00b\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(GET + b"X-\x00A: ab\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT), 400)

    def test_bare_cr(self):
        self.assertEqual(self.refused(GET + b"X-A: a\rb\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(b"GET / HTTP/1.1\r\nHost: x\rX-A: ab\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(b"GET / HTTP/1.1\rHost: x\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(POST + b"Content-Length: 5\r\rX: y\r\n\r\nhello" + NEXT),
                         400)

    def test_bad_header_names(self):
        self.assertEqual(self.refused(GET + b"X A: ab\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(GET + b": ab\r\n\r\n" + NEXT), 400)

    def test_duplicate_host(self):
        self.assertEqual(self.refused(GET + b"Host: y\r\n\r\n" + NEXT), 400)

    def test_bad_host(self):
        self.assertEqual(self.refused(b"GET / HTTP/1.1\r\nHost: x/y\r\n\r\n" + NEXT), 400)

    def test_bad_method(self):
        # Methods are case-sensitive tokens; nginx accepts only upper-case letters and '_'.
        self.assertEqual(self.refused(b"get / HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT), 400)
        self.assertEqual(self.refused(b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT), 400)


if __name__ == "__main__":
    unittest.main()
