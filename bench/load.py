"""A small closed-loop HTTP load generator (run as its own process): `connections` threads with
keep-alive connections send requests for `seconds` or until `max_requests`, then it prints one
JSON line with the count, the errors and the latencies. Loopback only; no third-party tools."""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    target = urlsplit(args.url)
    if target.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    body = args.body.encode() if args.body else None
    headers = {"Content-Type": args.content_type} if body else {}
    for line in args.header:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    sizes = [0]
    first_error: list[str] = []
    latencies: list[float] = []
    errors = [0]
    sent = [0]
    lock = threading.Lock()
    start = time.monotonic()
    measure_from = start + args.warmup
    stop_at = measure_from + args.seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        mine: list[float] = []
        while True:
            now = time.monotonic()
            with lock:
                if now >= stop_at or sent[0] >= args.max_requests:
                    break
                sent[0] += 1
            began = time.perf_counter()
            try:
                conn.request(args.method, target.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                size = len(payload)
                ok = response.status < 400
                if not ok and not first_error:
                    first_error.append(f"{response.status} {payload[:200].decode(errors='replace')}")
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                if not first_error:
                    first_error.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            elapsed = time.perf_counter() - began
            if time.monotonic() >= measure_from:
                if ok:
                    mine.append(elapsed)
                    sizes[0] = size
                else:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    measured = min(time.monotonic(), stop_at) - measure_from
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    print(
        json.dumps(
            {
                "ok": len(latencies),
                "errors": errors[0],
                "seconds": measured,
                "rps": len(latencies) / measured if measured > 0 else 0,
                "p50": pct(0.5),
                "p99": pct(0.99),
                "bytes": sizes[0],
                "first_error": first_error[0] if first_error else None,
            }
        )
    )


if __name__ == "__main__":
    main()
