"""Benchmark: the SDK's cost on the application's call path.

1. ``@observe`` on a trivial function against a bare ``tracer.start_as_current_span`` of the
   OpenTelemetry SDK, side by side in one run, both with a BatchSpanProcessor exporting OTLP to
   the same local sink; and the process's memory over 1,000,000 observed calls.
2. The cached ``get_prompt`` path, after one real fetch from the platform.

    SECRET_KEY=x .venv/bin/python benchmarks/sdk_overhead.py
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import llmops_sdk as llmops
from live_server import create_project, web_server
from llmops_sdk import state
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


class Sink(http.server.BaseHTTPRequestHandler):
    """Accepts OTLP exports and throws them away, as fast as it can."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def trivial(x: int) -> int:
    return x + 1


def per_call(run: Any, calls: int) -> float:
    started = time.perf_counter()
    run(calls)
    return (time.perf_counter() - started) / calls * 1e6


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--memory-calls", type=int, default=1_000_000)
    args = parser.parse_args()

    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"

    bare_provider = TracerProvider()
    bare_provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{sink_url}/v1/traces"), max_queue_size=2048)
    )
    bare_tracer = bare_provider.get_tracer("bare")

    def bare(calls: int) -> None:
        for i in range(calls):
            with bare_tracer.start_as_current_span("trivial"):
                trivial(i)

    llmops.init(host=sink_url, secret_key="sk-lo-benchmark", max_queue_size=2048)
    observed_trivial = llmops.observe(trivial)

    def observed(calls: int) -> None:
        for i in range(calls):
            observed_trivial(i)

    def plain(calls: int) -> None:
        for i in range(calls):
            trivial(i)

    bare(10_000)
    observed(10_000)
    rounds = []
    for _ in range(3):  # alternate, so both see the same machine state
        rounds.append((per_call(bare, args.calls), per_call(observed, args.calls)))
    bare_us = min(r[0] for r in rounds)
    observed_us = min(r[1] for r in rounds)
    print(f"plain function call            {per_call(plain, args.calls):8.3f} µs")
    print(f"bare start_as_current_span     {bare_us:8.2f} µs")
    print(
        f"@observe (input+output capture){observed_us:8.2f} µs   ratio {observed_us / bare_us:.2f}x"
    )

    before = rss_mb()
    observed(args.memory_calls // 10)
    after_tenth = rss_mb()
    observed(args.memory_calls - args.memory_calls // 10)
    after_all = rss_mb()
    print(
        f"max RSS: {before:.0f} MB before, {after_tenth:.0f} MB after {args.memory_calls // 10:,} "
        f"calls, {after_all:.0f} MB after {args.memory_calls:,} (dropped when the queue was "
        f"full: {state.client().dropped_spans:,})"
    )

    keys = create_project("sdk")
    with web_server(1) as port:
        host = f"http://127.0.0.1:{port}"
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request(
            "POST",
            "/api/v1/prompts",
            body=json.dumps(
                {
                    "name": "bench",
                    "type": "text",
                    "template": "Hi {{name}}",
                    "labels": ["production"],
                }
            ),
            headers={
                "Authorization": f"Bearer {keys['secret_key']}",
                "Content-Type": "application/json",
            },
        )
        assert conn.getresponse().status == 201
        llmops.init(host=host, secret_key=keys["secret_key"])
        assert llmops.get_prompt("bench").version == 1
        calls = 1_000_000
        started = time.perf_counter()
        for _ in range(calls):
            llmops.get_prompt("bench")
        elapsed_us = (time.perf_counter() - started) / calls * 1e6
        print(f"cached get_prompt              {elapsed_us:8.3f} µs")
    llmops.shutdown()
    sink.shutdown()


if __name__ == "__main__":
    main()
