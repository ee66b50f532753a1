"""The request loop of request-loop.ts, for a client inside a network (a Swarm overlay, with no published
port): `python3 request-loop.py <url> <every ms>` sends one GET every <every ms>, each on a new connection
and a new name lookup, until SIGTERM; then prints one JSON line: sent, failed, longestGapMs, failures."""
import json
import signal
import sys
import threading
import time
import urllib.request

url, every = sys.argv[1], float(sys.argv[2]) / 1000
start = last = time.monotonic()
sent = failed = 0
longest = 0.0
failures = []
lock = threading.Lock()
stop = threading.Event()


def one(at):
    global failed, longest, last
    why = None
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            answer.read()
            if answer.status != 200:
                why = str(answer.status)
    except Exception as error:  # noqa: BLE001 - every failure counts, whatever it is
        why = getattr(getattr(error, "reason", None), "__class__", type(error)).__name__
    with lock:
        if why is None:
            now = time.monotonic()
            longest = max(longest, now - last)
            last = now
        else:
            failed += 1
            failures.append(f"{why}@{at}ms")


signal.signal(signal.SIGTERM, lambda *_: stop.set())
threads = []
while not stop.is_set():
    sent += 1
    thread = threading.Thread(target=one, args=(round((time.monotonic() - start) * 1000),))
    thread.start()
    threads.append(thread)
    stop.wait(every)
for thread in threads:
    thread.join()
print(json.dumps({"sent": sent, "failed": failed, "longestGapMs": round(longest * 1000), "failures": failures}), flush=True)
