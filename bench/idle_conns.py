#!/usr/bin/python3
"""Opens N keep-alive connections to 127.0.0.1:PORT, sends one GET on each, waits for every
response's headers, then holds the connections open (idle) until stdin closes or SIGTERM.

Prints "ready OPENED ANSWERED" on stdout once every connection has been answered (or DEADLINE
seconds passed), so a caller can measure the server's memory with N idle keep-alive connections;
then waits for SIGUSR1 (or SIGTERM, or HOLD seconds), prints "still OPEN" (how many the server had
not closed meanwhile) and exits, closing them all.

Usage: idle_conns.py PORT N PATH [DEADLINE_SECONDS [HOLD_SECONDS]]
"""
import errno
import os
import selectors
import signal
import socket
import sys
import time


def main():
    port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    deadline = time.monotonic() + (float(sys.argv[4]) if len(sys.argv) > 4 else 60.0)
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: idle_conns\r\n\r\n" % path).encode()
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else 120.0
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1, signal.SIGTERM])
    sel = selectors.DefaultSelector()
    socks = []
    answered = 0
    pending = {}  # socket -> bytes received so far, until the header block ends

    # Connect in batches so the listen backlog never overflows (a dropped SYN costs a 1 s retry).
    batch = 200
    i = 0
    while (i < n or pending) and time.monotonic() < deadline:
        while i < n and len(pending) < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", port))
            if err not in (0, errno.EINPROGRESS):
                print("connect failed: %s" % os.strerror(err), file=sys.stderr)
                s.close()
                i = n
                break
            socks.append(s)
            pending[s] = b""
            sel.register(s, selectors.EVENT_WRITE)
            i += 1
        for key, mask in sel.select(timeout=0.5):
            s = key.fileobj
            if mask & selectors.EVENT_WRITE:
                try:
                    s.send(request)
                except OSError:
                    sel.unregister(s)
                    del pending[s]
                    continue
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                del pending[s]
                continue
            got = pending[s] + data
            if b"\r\n\r\n" in got:
                # The body (small) is left in the socket buffer or already read; either way the
                # connection is idle from the server's side once the response is written.
                answered += 1
                sel.unregister(s)
                del pending[s]
            else:
                pending[s] = got

    print("ready %d %d" % (len(socks), answered), flush=True)

    # Hold until the caller has measured: SIGUSR1 (or SIGTERM, or HOLD seconds) ends the wait.
    signal.sigtimedwait([signal.SIGUSR1, signal.SIGTERM], hold)
    still = 0
    for s in socks:
        # Drain what is left of the response: EAGAIN means the connection is still open and idle,
        # end of stream or an error means the server closed it meanwhile.
        while True:
            try:
                if not s.recv(65536, socket.MSG_DONTWAIT):
                    break
            except BlockingIOError:
                still += 1
                break
            except OSError:
                break
    print("still %d" % still, flush=True)


if __name__ == "__main__":
    main()
