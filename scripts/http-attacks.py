#!/usr/bin/env python3
"""Attacks and probes against the status API, for scripts/bench-api and scripts/test-http-robustness.

  probe PORT SECONDS [--source ADDR]   a new connection every 20 ms for GET /health (from ADDR, e.g. 127.0.0.2, so a
                                       per-client cap on the attacker's address does not count the probe); prints
                                       the statuses and the latency, exits 1 unless every probe got 200
  drip PORT N [--interval S] [--limit S]
                                       N connections that send a request line, then one header byte every S
                                       seconds (8) and never finish the head; prints when the server closed each,
                                       exits 1 unless every one was closed (with a 408 or not) within LIMIT seconds
                                       (30) of its start
"""
import argparse
import selectors
import socket
import sys
import time


def probe(port, seconds, source):
    latencies, statuses, failures = [], {}, 0
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0) if source else None)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            data = s.recv(256)
            s.close()
            status = data.split(b" ")[1].decode() if data else "none"
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append((time.perf_counter() - t) * 1000)
        except OSError as e:
            failures += 1
            statuses[type(e).__name__] = statuses.get(type(e).__name__, 0) + 1
        time.sleep(0.02)
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")
    print("probe: %d requests, statuses %s; latency ms p50 %.2f p99 %.2f max %.2f"
          % (len(latencies) + failures, statuses, q(0.5), q(0.99), latencies[-1] if latencies else float("nan")))
    return 0 if latencies and set(statuses) == {"200"} else 1


def drip(port, count, interval, limit):
    selector = selectors.DefaultSelector()
    started, closed, answered = {}, {}, {}
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setblocking(False)
        s.send(b"GET /health HTTP/1.1\r\nHost: drip\r\n")
        started[s] = time.time()
        selector.register(s, selectors.EVENT_READ)
    print("drip: %d connections open, one header byte every %g s" % (count, interval))
    next_drip = time.time() + interval
    deadline = time.time() + limit
    while len(closed) < count and time.time() < deadline:
        for key, _ in selector.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                answered[s] = data.split(b"\r\n")[0].decode(errors="replace")
            closed[s] = time.time() - started[s]
            selector.unregister(s)
            s.close()
        if time.time() >= next_drip:
            next_drip += interval
            for s in list(started):
                if s not in closed:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
    seconds = sorted(closed.values())
    statuses = {}
    for line in answered.values():
        statuses[line] = statuses.get(line, 0) + 1
    if seconds:
        print("drip: %d of %d closed by the server, %.1f to %.1f s after they opened; answers %s"
              % (len(seconds), count, seconds[0], seconds[-1], statuses))
    else:
        print("drip: none of %d closed within %g s" % (count, limit))
    return 0 if len(closed) == count else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe")
    p.add_argument("port", type=int)
    p.add_argument("seconds", type=float)
    p.add_argument("--source")
    d = sub.add_parser("drip")
    d.add_argument("port", type=int)
    d.add_argument("connections", type=int)
    d.add_argument("--interval", type=float, default=8)
    d.add_argument("--limit", type=float, default=30)
    a = parser.parse_args()
    if a.command == "probe":
        sys.exit(probe(a.port, a.seconds, a.source))
    sys.exit(drip(a.port, a.connections, a.interval, a.limit))


if __name__ == "__main__":
    main()
