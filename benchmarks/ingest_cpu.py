"""Benchmark: CPU seconds the ingest path spends per batch, in process, for one or more checkouts.

End-to-end throughput (benchmarks/ingest_throughput.py) swings with whatever else a 2-core
machine runs; process CPU time of the same work does much less. For each checkout this decodes,
maps, prices and stores the same protobuf exports (500 spans each, the tracing workload) into a
fresh PostgreSQL database, and reports the CPU time of the measured batches (after two warm-up
batches). Each checkout runs in its own process, importing its own code:

    SECRET_KEY=x .venv/bin/python benchmarks/ingest_cpu.py --checkout /tmp/main-base --checkout .

The PostgreSQL backend serving the ingest process is on the same machine, so its CPU time is
read from /proc and reported beside the process's. Loopback only; it creates and drops
databases named llmops_ingest_cpu_<pid>_<n>.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01
SERVER = "postgres://postgres@127.0.0.1:5432"


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(checkout: Path, batches: int) -> tuple[float, float]:
    """Runs inside the checkout's own process: CPU seconds for ``batches`` exports, of this
    process and of its PostgreSQL backend (same machine: read from /proc)."""
    sys.path[:0] = [str(checkout), str(checkout / "benchmarks")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "llmops.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tracing_workload import batch

    from llmops.tenancy import domain
    from llmops.tracing import otlp
    from llmops.tracing.ingest import spans_ingest

    organization = domain.organization_create(name="bench")
    project = domain.project_create(organization=organization, name="bench")
    bodies = [
        batch(random.Random(i), 100, BASE_NS + i * 10**13, 10**12)[0] for i in range(batches + 2)
    ]
    accepted = inspect.signature(otlp.decode_request).parameters
    options: dict[str, Any] = {
        "content_type": "application/x-protobuf",
        "content_encoding": "",
        "max_bytes": 64 * 1024 * 1024,
    }

    def ingest(body: bytes) -> None:
        export = otlp.decode_request(body, **{k: v for k, v in options.items() if k in accepted})
        spans, _ = otlp.iter_spans(export)
        spans_ingest(project=project, raw_spans=spans)

    from django.db import connection

    for body in bodies[:2]:
        ingest(body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started, backend_started = time.process_time(), _process_cpu(backend)
    for body in bodies[2:]:
        ingest(body)
    return time.process_time() - started, _process_cpu(backend) - backend_started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", action="append", type=Path, default=[])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        client, server = measure(args.child, args.batches)
        print(f"{client:.3f} {server:.3f}")
        return
    if not args.checkout:
        parser.error("name at least one --checkout")
    psql = shutil.which("psql") or "psql"
    results: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in args.checkout}
    for round_ in range(args.rounds):
        # Alternate the checkouts within each round, so drift in machine load hits both.
        for index, checkout in enumerate(args.checkout):
            database = f"llmops_ingest_cpu_{os.getpid()}_{round_}_{index}"
            subprocess.run([psql, SERVER, "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True)
            subprocess.run([psql, SERVER, "-qc", f"CREATE DATABASE {database}"], check=True)
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(checkout.resolve()),
                     "--batches", str(args.batches)],
                    cwd=checkout,
                    env={**os.environ, "DATABASE_URL": f"{SERVER}/{database}",
                         "LLMOPS_DATA_DIR": str(Path(tempfile.gettempdir()) / database)},
                    capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
            finally:
                subprocess.run([psql, SERVER, "-qc", f"DROP DATABASE IF EXISTS {database}"])
            client_s, server_s = out.strip().splitlines()[-1].split()
            results[checkout].append((float(client_s), float(server_s)))
    spans = args.batches * 500
    for checkout, seconds in results.items():
        best = min(seconds, key=sum)
        print(
            f"{checkout}: CPU s (ingest process + its PostgreSQL backend) for {spans:,} spans: "
            + ", ".join(f"{c:.2f}+{s:.2f}" for c, s in seconds)
            + f" (best {sum(best):.2f}: {best[0] / spans * 1e6:.0f} + {best[1] / spans * 1e6:.0f}"
            f" = {sum(best) / spans * 1e6:.0f} µs/span)"
        )


if __name__ == "__main__":
    main()
