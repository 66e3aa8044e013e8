"""Malformed packets sent to `webcycle dns` as raw UDP and TCP: junk, a cut header, QR set,
QDCOUNT 0 and 2, compression-pointer loops, other opcodes, random bytes. The server never
crashes, answers FORMERR / NOTIMP or nothing, and never sends more than it was sent."""

import random
import socket
import struct
import unittest

from dns_harness import (MYSITE_ZONE, DnsServer, build_query, encode_name, header, rcode,
                         udp_exchange)

FORMERR, NOTIMP = 1, 4


class Malformed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DnsServer("--zone", "mysite.test=" + MYSITE_ZONE)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def send(self, packet, timeout=0.5):
        return udp_exchange(self.server.port, packet, timeout=timeout)

    def assert_alive(self):
        reply = self.send(build_query("www.mysite.test", qid=0x7777), timeout=2)
        self.assertIsNotNone(reply, "the server stopped answering")
        self.assertEqual(header(reply)[0], 0x7777)
        self.assertEqual(self.server.proc.poll(), None)

    def test_no_answer_without_a_header(self):
        for packet in (b"", b"\x00", b"junk!", build_query("www.mysite.test")[:11]):
            with self.subTest(packet=packet):
                self.assertIsNone(self.send(packet, timeout=0.3))
        self.assert_alive()

    def test_responses_are_ignored(self):
        q = bytearray(build_query("www.mysite.test"))
        q[2] |= 0x80  # QR
        self.assertIsNone(self.send(bytes(q), timeout=0.3))
        self.assert_alive()

    def test_header_only_is_formerr(self):
        q = struct.pack(">HHHHHH", 0x1111, 0x0100, 0, 0, 0, 0)
        reply = self.send(q)
        self.assertEqual(len(reply), 12)
        self.assertEqual(header(reply), (0x1111, 0x8100 | FORMERR, 0, 0, 0, 0))

    def test_two_questions_is_formerr(self):
        q = struct.pack(">HHHHHH", 0x2222, 0, 2, 0, 0, 0)
        q += (encode_name("www.mysite.test") + struct.pack(">HH", 1, 1)) * 2
        reply = self.send(q)
        self.assertEqual(rcode(reply), FORMERR)
        self.assertLessEqual(len(reply), len(q))
        self.assertEqual(header(reply)[3:], (0, 0, 0))

    def test_pointer_loop_is_formerr_header_sized(self):
        # The question's name is a pointer to itself, then one to the other in a pair.
        for name in (b"\xc0\x0c", b"\x01a\xc0\x0e\x01b\xc0\x0c"):
            q = struct.pack(">HHHHHH", 0x3333, 0, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
            reply = self.send(q)
            self.assertIsNotNone(reply)
            self.assertEqual(rcode(reply), FORMERR)
            self.assertEqual(len(reply), 12)
        self.assert_alive()

    def test_counts_beyond_the_packet_are_formerr(self):
        q = bytearray(build_query("www.mysite.test"))
        q[7] = 200  # ANCOUNT with no records
        reply = self.send(bytes(q))
        self.assertEqual(rcode(reply), FORMERR)
        self.assertLessEqual(len(reply), len(q))

    def test_other_opcodes_are_notimp(self):
        for opcode in (1, 2, 4, 5):
            with self.subTest(opcode=opcode):
                q = build_query("www.mysite.test", flags=opcode << 11)
                reply = self.send(q)
                self.assertEqual(rcode(reply), NOTIMP)
                self.assertEqual((header(reply)[1] >> 11) & 0xF, opcode)
                self.assertLessEqual(len(reply), len(q))

    def test_random_junk_never_amplifies(self):
        rng = random.Random(20261124)
        for i in range(1000):
            size = rng.choice([12, 13, 17, 20, 29, 40, 64, 100, 300, 512])
            packet = bytearray(rng.getrandbits(8) for _ in range(size))
            if i % 2:
                packet[2] &= 0x7F  # a query, so that it gets past the QR check
            if i % 3 == 0:
                packet[4:6] = b"\x00\x01"  # one question, to reach the name parser
            reply = self.send(bytes(packet), timeout=0.05)
            if reply is not None:
                self.assertLessEqual(len(reply), len(packet), packet.hex())
        self.assert_alive()

    def test_oversized_datagram(self):
        reply = self.send(build_query("www.mysite.test") + b"\0" * 5000)
        if reply is not None:
            self.assertEqual(rcode(reply), FORMERR)
            self.assertLessEqual(len(reply), 4096)
        self.assert_alive()

    def test_tcp_junk_and_short_frames(self):
        for payload in (b"\x00\x05junk!", b"\x00\x00", b"\xff\xff" + b"x" * 100, b"\x00"):
            with self.subTest(payload=payload):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=2)
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                data = b""
                try:
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except socket.timeout:
                    pass
                s.close()
                self.assertLessEqual(len(data), len(payload))
        self.assert_alive()

    def test_tcp_several_queries_on_one_connection(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=2)
        try:
            data = b""
            for qid in (1, 2, 3):
                q = build_query("www.mysite.test", qid=qid)
                data += struct.pack(">H", len(q)) + q
            s.sendall(data)
            ids = []
            buf = b""
            while len(ids) < 3:
                chunk = s.recv(4096)
                self.assertTrue(chunk)
                buf += chunk
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                    n = struct.unpack(">H", buf[:2])[0]
                    ids.append(header(buf[2:2 + n])[0])
                    buf = buf[2 + n:]
            self.assertEqual(ids, [1, 2, 3])
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
