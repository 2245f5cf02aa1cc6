"""Benchmark: fetching a prompt by label, the hot path of every app using the SDK.

Starts gunicorn on 127.0.0.1 against DATABASE_URL, creates a project with a chat prompt behind
`production`, then times sequential GETs: a revalidation with If-None-Match (answered 304) and a
full fetch (200), and reports p50/p95/p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/llmops_bench SECRET_KEY=x \\
        .venv/bin/python benchmarks/prompt_fetch.py --requests 2000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_server import create_project, percentile, web_server

PROMPT = {
    "name": "support/answer",
    "type": "chat",
    "template": [
        {"role": "system", "content": "You are the support assistant of {{company}}. " * 8},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ],
    "config": {"model": "gpt-4o-mini", "temperature": 0.2},
    "labels": ["production"],
}


def timed(
    conn: http.client.HTTPConnection, headers: dict[str, str], expect: int, count: int
) -> list[float]:
    samples: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", "/api/v1/prompts/support/answer", headers=headers)
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status != expect:
            raise SystemExit(f"expected {expect}, got {response.status}")
    return samples


def report(label: str, samples: list[float]) -> None:
    print(
        f"  {label:34s} p50 {statistics.median(samples):6.2f} ms  p95 "
        f"{percentile(samples, 0.95):6.2f} ms  p99 {percentile(samples, 0.99):6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    keys = create_project("prompt-fetch")
    with web_server(args.web_workers) as port:
        auth = {"Authorization": f"Bearer {keys['secret_key']}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/prompts",
            body=json.dumps(PROMPT),
            headers={**auth, "Content-Type": "application/json"},
        )
        created = conn.getresponse()
        created.read()
        assert created.status == 201, created.status
        conn.request("GET", "/api/v1/prompts/support/answer", headers=auth)
        first = conn.getresponse()
        first.read()
        etag = first.getheader("ETag") or ""
        timed(conn, auth, 200, 100)  # warm-up
        print(
            f"database: {os.environ.get('DATABASE_URL', 'embedded SQLite')}; "
            f"{args.requests} sequential requests each"
        )
        revalidate = timed(conn, {**auth, "If-None-Match": etag}, 304, args.requests)
        report("revalidation (If-None-Match, 304)", revalidate)
        report("full fetch (200)", timed(conn, auth, 200, args.requests))


if __name__ == "__main__":
    main()
