"""The multi-host test's client (run inside its network namespace by test_multihost.py): looks the
site's name up through `webcycle resolve` (the DNS host's rotating answer, re-read every 0.5 s
by one thread for all, as a browser's cache would), sends GETs to the first address with a fresh connection each, and
on an error or a 5xx retries once on the next address (a client retry). Writes one JSON line per
request: time, web address, app that answered, status, first attempt's error, whether the retry
saved it, duration.

usage: multihost_load.py WEBCYCLE NAME RESOLV_CONF HOSTS STOP_FILE OUT_FILE THREADS"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time


def resolve(webcycle, name, resolv, hosts):
    r = subprocess.run([webcycle, "resolve", name, "--resolv-conf", resolv, "--hosts", hosts,
                        "-4"], capture_output=True, text=True, timeout=10)
    return r.stdout.split() if r.returncode == 0 else []


def get(address, name):
    c = http.client.HTTPConnection(address, 80, timeout=5)
    try:
        c.request("GET", "/", headers={"Host": name})
        r = c.getresponse()
        body = r.read().decode("utf-8", "replace")
        return r.status, body, None
    except (OSError, http.client.HTTPException) as e:
        return None, "", type(e).__name__ + ": " + str(e)
    finally:
        c.close()


def main():
    webcycle, name, resolv, hosts, stop_file, out_file, threads = sys.argv[1:8]
    lock = threading.Lock()
    out = open(out_file, "w")

    current = []  # the last answer, shared by the workers as a browser's cache would be

    def resolver():
        while not os.path.exists(stop_file):
            found = resolve(webcycle, name, resolv, hosts)
            if found:
                current[:] = [found]
            time.sleep(0.5)

    def worker():
        while not os.path.exists(stop_file):
            if not current:
                time.sleep(0.05)
                continue
            addresses = current[0]
            start = time.time()
            status, body, error = get(addresses[0], name)
            first_error = error or (f"status {status}" if status and status >= 500 else None)
            web = addresses[0]
            retried = False
            if first_error and len(addresses) > 1:
                retried = True
                web = addresses[1]
                status, body, error = get(web, name)
            rec = {"t": start, "web": web, "app": body if status == 200 else None,
                   "status": status, "first_error": first_error, "retried": retried,
                   "failed": status != 200, "error": error, "secs": time.time() - start}
            with lock:
                out.write(json.dumps(rec) + "\n")

    ts = [threading.Thread(target=worker) for _ in range(int(threads))]
    ts.append(threading.Thread(target=resolver))
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.close()


if __name__ == "__main__":
    main()
