"""Benchmark: durable OTLP ingestion throughput, end to end, and query latency on a big store.

Starts the platform's web server (gunicorn) on 127.0.0.1 against DATABASE_URL, creates a
throwaway project, then:

1. ingestion: CLIENTS threads post protobuf exports of 500 spans (100 five-span traces) for a
   bounded number of batches; a 2xx means committed, so spans/s counts only durable spans. After
   every 20th batch one of its traces is fetched through the API to time "queryable after 2xx".
2. queries (with --queries): trace list with one filter, trace detail, metrics over a day,
   each timed over repeated requests (p50/p95).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/llmops_bench SECRET_KEY=x \\
        .venv/bin/python benchmarks/ingest_throughput.py --batches 200 --clients 4 --queries

Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_server import create_project, percentile, web_server
from tracing_workload import batch

DAY_NS = 86_400 * 10**9
BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01


def run_ingest(port: int, secret: str, batches: int, clients: int, traces_per_batch: int) -> None:
    print(f"preparing {batches} batches of {traces_per_batch * 5} spans ...", flush=True)
    rng = random.Random(7)
    # One day of data, so the metrics query has a day to scan.
    payloads = [
        batch(rng, traces_per_batch, BASE_NS + (i * DAY_NS) // batches, DAY_NS // batches)
        for i in range(batches)
    ]
    headers = {"Content-Type": "application/x-protobuf", "Authorization": f"Bearer {secret}"}
    lock = threading.Lock()
    next_index = 0
    latencies: list[float] = []
    visible_after: list[float] = []
    failures: list[str] = []

    def worker() -> None:
        nonlocal next_index
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if next_index >= len(payloads):
                    return
                index = next_index
                next_index += 1
            body, trace_ids = payloads[index]
            started = time.perf_counter()
            conn.request("POST", "/v1/traces", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            done = time.perf_counter()
            with lock:
                latencies.append(done - started)
                if response.status != 200:
                    failures.append(f"batch {index}: HTTP {response.status}")
            if index % 20 == 0:
                conn.request("GET", f"/api/v1/traces/{trace_ids[-1]}", headers=headers)
                check = conn.getresponse()
                check.read()
                with lock:
                    visible_after.append(time.perf_counter() - done)
                    if check.status != 200:
                        failures.append(
                            f"trace of batch {index} not queryable: HTTP {check.status}"
                        )

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    spans = batches * traces_per_batch * 5
    print(
        f"ingested {spans} spans in {elapsed:.1f} s with {clients} clients: "
        f"{spans / elapsed:,.0f} spans/s"
    )
    print(
        f"  batch latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
    )
    if visible_after:
        print(
            f"  trace queryable after 2xx: max {max(visible_after) * 1000:.0f} ms "
            f"(checked {len(visible_after)} traces)"
        )
    if failures:
        print("FAILURES:", *failures[:10], sep="\n  ")
        raise SystemExit(1)


def time_get(port: int, secret: str, path: str, repeat: int) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {secret}"}
    samples: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"GET {path}: HTTP {response.status}")
    return statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000


def run_queries(port: int, secret: str, repeat: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/api/v1/traces?limit=1", headers={"Authorization": f"Bearer {secret}"})
    trace_id = json.loads(conn.getresponse().read())["items"][0]["trace_id"]
    day = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    cases = {
        "trace list, user filter": "/api/v1/traces?"
        + urlencode({"user_id": "user-42", "limit": 50}),
        "trace list, no filter": "/api/v1/traces?limit=50",
        "trace list, model filter": "/api/v1/traces?" + urlencode({"model": "gpt-4o", "limit": 50}),
        "trace detail": f"/api/v1/traces/{trace_id}",
        "metrics, a day by hour": "/api/v1/metrics?" + urlencode({**day, "bucket": "hour"}),
        "metrics, a day by model": "/api/v1/metrics?"
        + urlencode({**day, "bucket": "hour", "group_by": "model"}),
    }
    for name, path in cases.items():
        p50, p95 = time_get(port, secret, path, repeat)
        print(f"  {name:28s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--traces-per-batch", type=int, default=100)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--queries", action="store_true", help="also time the query API")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--query-key",
        help="only time the queries, with this secret key of a project already loaded",
    )
    args = parser.parse_args()
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "benchmark-only-secret-key"
    keys = {"secret_key": args.query_key} if args.query_key else create_project("ingest")
    with web_server(args.web_workers) as port:
        if args.query_key:
            print("query latency:")
            run_queries(port, keys["secret_key"], args.repeat)
            return
        print(
            f"database: {os.environ.get('DATABASE_URL', 'embedded SQLite')}; "
            f"web workers: {args.web_workers}"
        )
        run_ingest(port, keys["secret_key"], args.batches, args.clients, args.traces_per_batch)
        if args.queries:
            print("query latency:")
            run_queries(port, keys["secret_key"], args.repeat)


if __name__ == "__main__":
    main()
