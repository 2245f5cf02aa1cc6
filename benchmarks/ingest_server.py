"""Benchmark: end-to-end ingestion per checkout, with the server's CPU and memory, in one run.

For each ``--checkout`` (in the same run, against the same private PostgreSQL cluster with
default settings, a fresh database per checkout): migrate, start gunicorn as that checkout's
compose file does (``gunicorn llmops.wsgi --workers N``, the same N for every checkout, with
``--preload`` where the checkout's compose file uses it), create a project,
post the tracing workload (traces of 5 spans, ~2.5 KB each, OTLP protobuf, 500 spans a request)
from CLIENTS threads for a bounded number of batches, and report:

- durable spans/s over the measured window (a 2xx means committed; warm-up batches excluded);
- server CPU per span: utime+stime (children that exited included, through the parents'
  cutime/cstime) of the gunicorn master and workers, and of the cluster's postmaster and all its
  children, over the measured window, divided by the spans stored in it;
- queryable after 2xx: sampled traces fetched through the API after their batch's 2xx, polled
  until found (max delay, and how many were never found within 5 s);
- peak memory of all server processes (gunicorn and PostgreSQL), sampled every ~100 ms: the sum
  of RSS (counts PostgreSQL's shared buffers once per process that touched them) and of PSS
  (shared pages split between the processes sharing them).

Each checkout's server runs its own code (its directory is the working directory, so its
``llmops`` package comes first on the path), with this venv's Python:

    .venv/bin/python benchmarks/ingest_server.py --checkout /tmp/main-base --checkout . \\
        --batches 200 --clients 4 --web-workers 4

Loopback only, bounded in count and time; every process is stopped by its PID and the cluster's
directory is removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from live_server import percentile
from tracing_workload import batch

from tests.faults.stack import Gunicorn, PrivatePostgres, wait_until

BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01
DAY_NS = 86_400 * 10**9
TICKS = os.sysconf("SC_CLK_TCK")
VISIBLE_WITHIN_S = 5.0


class DefaultPostgres(PrivatePostgres):
    """The fault suite's private cluster, but with PostgreSQL's default settings: the issue's
    figures are for durable commits, so the suite's ``fsync = off`` is taken out again."""

    def init(self) -> None:
        super().init()
        conf = self.data / "postgresql.conf"
        lines = conf.read_text().splitlines(keepends=True)
        conf.write_text("".join(line for line in lines if line.strip() != "fsync = off"))


class CheckoutServer(Gunicorn):
    """The fault suite's gunicorn, run from another checkout with ``workers`` workers."""

    def __init__(self, *, checkout: Path, database_url: str, workers: int) -> None:
        super().__init__(database_url=database_url)
        self.checkout = checkout
        self.worker_count = workers

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.checkout,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        # Each checkout is served the way it ships: --preload only where its compose file says.
        compose = (self.checkout / "docker-compose.yml").read_text()
        preload = ["--preload"] if '"--preload"' in compose else []
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "llmops.wsgi"),
                    *("--bind", f"127.0.0.1:{self.port}"),
                    *("--workers", str(self.worker_count), "--graceful-timeout", "10"),
                    *preload,
                ],
                cwd=self.checkout,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until("gunicorn answering /healthz", self.healthy, 90)
        wait_until("gunicorn's workers", lambda: len(self.workers()) == self.worker_count, 30)


# --- /proc accounting -------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, float, float]]:
    """pid -> (ppid, own CPU s, CPU s of reaped children) for every live process."""
    table: dict[int, tuple[int, float, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        # After the command name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
        own = (int(fields[11]) + int(fields[12])) / TICKS
        reaped = (int(fields[13]) + int(fields[14])) / TICKS
        table[int(entry.name)] = (int(fields[1]), own, reaped)
    return table


def _tree(table: dict[int, tuple[int, float, float]], root: int) -> list[int]:
    """``root`` and its descendants."""
    found = [root]
    for pid in found:
        found.extend(child for child, (ppid, _, _) in table.items() if ppid == pid)
    return [pid for pid in found if pid in table]


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root``'s tree: live processes' own time plus what each has reaped.

    A child that exits moves its time into its parent's cutime/cstime, so the sum stays whole.
    """
    table = _proc_table()
    return sum(table[pid][1] + table[pid][2] for pid in _tree(table, root))


def _memory_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return rss, pss


class MemorySampler(threading.Thread):
    """Peak of the summed RSS and PSS of the given process trees, every ~100 ms."""

    def __init__(self, roots: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.peak_rss_kb = 0
        self.peak_pss_kb = 0
        # Each tree's own peak PSS (gunicorn, PostgreSQL), to say where the memory is.
        self.tree_peak_pss_kb = [0 for _ in roots]
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            table = _proc_table()
            rss = pss = 0
            for index, root in enumerate(self.roots):
                tree_pss = 0
                for pid in _tree(table, root):
                    one_rss, one_pss = _memory_kb(pid)
                    rss += one_rss
                    tree_pss += one_pss
                pss += tree_pss
                self.tree_peak_pss_kb[index] = max(self.tree_peak_pss_kb[index], tree_pss)
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.samples += 1
            self._halt.wait(0.1)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    spans: int = 0
    seconds: float = 0.0
    web_cpu: float = 0.0
    pg_cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    visible_after: list[float] = field(default_factory=list)
    missing: int = 0
    failures: list[str] = field(default_factory=list)
    peak_rss_kb: int = 0
    peak_pss_kb: int = 0
    peak_web_pss_kb: int = 0
    peak_pg_pss_kb: int = 0


def _payloads(seed: int, count: int, traces: int) -> list[tuple[bytes, list[str]]]:
    rng = random.Random(seed)
    # One day of data, spread over the batches.
    return [
        batch(rng, traces, BASE_NS + (i * DAY_NS) // count, max(1, DAY_NS // count))
        for i in range(count)
    ]


def _post_all(
    port: int,
    secret: str,
    payloads: list[tuple[bytes, list[str]]],
    clients: int,
    result: Result | None,
    check_every: int,
) -> None:
    """Post every payload from ``clients`` threads; with a result, record latencies and check
    that sampled traces become queryable after their 2xx."""
    headers = {"Content-Type": "application/x-protobuf", "Authorization": f"Bearer {secret}"}
    auth = {"Authorization": f"Bearer {secret}"}
    lock = threading.Lock()
    next_index = 0
    failures: list[str] = []

    def visible(conn: http.client.HTTPConnection, trace_id: str, acked: float) -> float | None:
        deadline = acked + VISIBLE_WITHIN_S
        while True:
            conn.request("GET", f"/api/v1/traces/{trace_id}", headers=auth)
            response = conn.getresponse()
            body = response.read()
            now = time.perf_counter()
            if response.status == 200 and b'"spans"' in body:
                return now - acked
            if now > deadline:
                return None
            time.sleep(0.01)

    def worker() -> None:
        nonlocal next_index
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        reads = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(threading.get_ident())
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
            acked = time.perf_counter()
            if not 200 <= response.status < 300:
                with lock:
                    failures.append(f"batch {index}: HTTP {response.status}")
                continue
            if result is None:
                continue
            delays: list[float | None] = []
            if index % check_every == 0:
                # The first and last trace of the export and one between.
                for trace_id in (trace_ids[0], rng.choice(trace_ids), trace_ids[-1]):
                    delays.append(visible(reads, trace_id, acked))
            with lock:
                result.latencies.append(acked - started)
                for delay in delays:
                    if delay is None:
                        result.missing += 1
                    else:
                        result.visible_after.append(delay)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        if result is not None:
            result.failures.extend(failures)
        else:
            raise SystemExit("warm-up failed: " + "; ".join(failures[:5]))


def _span_count(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM tracing_span").fetchone()
        return int(row[0]) if row else 0


def _label(checkout: Path) -> str:
    git = shutil.which("git") or "git"
    head = subprocess.run(
        [git, "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        [git, "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{checkout} ({head}{'+dirty' if dirty else ''})"


def run_checkout(
    postgres: PrivatePostgres, index: int, checkout: Path, args: argparse.Namespace
) -> Result:
    result = Result(label=_label(checkout))
    database = f"llmops_h5_ingest_{index}"
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    url = postgres.url(database)
    server = CheckoutServer(checkout=checkout, database_url=url, workers=args.web_workers)
    try:
        server.manage("migrate", "--noinput")
        _, secret = server.create_project(f"ingest-{index}-{time.time_ns()}")
        server.start()
        assert server.process is not None
        postmaster = postgres.pid()
        assert postmaster is not None
        print(f"[{result.label}] warm-up: {args.clients * 2} batches", flush=True)
        _post_all(
            server.port, secret, _payloads(1000 + index, args.clients * 2, 100), args.clients,
            None, 1,
        )  # fmt: skip
        payloads = _payloads(7, args.batches, args.traces_per_batch)
        before = _span_count(url)
        sampler = MemorySampler([server.process.pid, postmaster])
        sampler.start()
        web0, pg0 = tree_cpu(server.process.pid), tree_cpu(postmaster)
        started = time.perf_counter()
        print(f"[{result.label}] measuring: {args.batches} batches", flush=True)
        _post_all(server.port, secret, payloads, args.clients, result, args.check_every)
        result.seconds = time.perf_counter() - started
        result.web_cpu = tree_cpu(server.process.pid) - web0
        result.pg_cpu = tree_cpu(postmaster) - pg0
        sampler.stop()
        result.peak_rss_kb, result.peak_pss_kb = sampler.peak_rss_kb, sampler.peak_pss_kb
        result.peak_web_pss_kb, result.peak_pg_pss_kb = sampler.tree_peak_pss_kb
        result.spans = _span_count(url) - before
        expected = args.batches * args.traces_per_batch * 5
        if result.spans != expected:
            result.failures.append(f"stored {result.spans} spans, expected {expected}")
    finally:
        server.close()
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
    return result


def print_table(results: list[Result], args: argparse.Namespace, version: str) -> None:
    def ms(values: list[float], q: float) -> str:
        return f"{percentile(values, q) * 1000:.0f}" if values else "-"

    rows: list[tuple[str, list[str]]] = [
        ("spans stored (measured window)", [f"{r.spans:,}" for r in results]),
        ("durable spans/s", [f"{r.spans / r.seconds:,.0f}" for r in results]),
        ("web CPU ms/span", [f"{r.web_cpu / r.spans * 1000:.3f}" for r in results]),
        ("PostgreSQL CPU ms/span", [f"{r.pg_cpu / r.spans * 1000:.3f}" for r in results]),
        (
            "server CPU ms/span (sum)",
            [f"{(r.web_cpu + r.pg_cpu) / r.spans * 1000:.3f}" for r in results],
        ),
        ("batch latency p50 ms", [ms(r.latencies, 0.5) for r in results]),
        ("batch latency p95 ms", [ms(r.latencies, 0.95) for r in results]),
        ("queryable after 2xx, max ms", [ms(r.visible_after, 1.0) for r in results]),
        (
            "  traces checked / missing",
            [f"{len(r.visible_after) + r.missing} / {r.missing}" for r in results],
        ),
        ("peak RSS sum, MB", [f"{r.peak_rss_kb / 1024:.0f}" for r in results]),
        ("peak PSS sum, MB", [f"{r.peak_pss_kb / 1024:.0f}" for r in results]),
        ("  gunicorn's own peak PSS, MB", [f"{r.peak_web_pss_kb / 1024:.0f}" for r in results]),
        ("  PostgreSQL's own peak PSS, MB", [f"{r.peak_pg_pss_kb / 1024:.0f}" for r in results]),
    ]
    width = max(24, *(len(r.label) for r in results))
    print()
    print(
        f"workload: {args.batches} batches x {args.traces_per_batch * 5} spans, "
        f"{args.clients} clients, gunicorn --workers {args.web_workers}, "
        f"private PostgreSQL {version} (default settings), one run"
    )
    print(f"{'':32s}" + "".join(f"{r.label:>{width + 2}s}" for r in results))
    for name, values in rows:
        print(f"{name:32s}" + "".join(f"{v:>{width + 2}s}" for v in values))
    for r in results:
        if r.spans and r.visible_after:
            median = statistics.median(r.visible_after) * 1000
            print(f"{r.label}: median queryable delay {median:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkout", action="append", type=Path, default=[])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--traces-per-batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=4, help="as docker-compose.yml")
    parser.add_argument(
        "--check-every", type=int, default=10, help="check 3 traces of every Nth batch"
    )
    args = parser.parse_args()
    if not args.checkout:
        parser.error("name at least one --checkout")
    postgres = DefaultPostgres()
    results: list[Result] = []
    version = "?"
    try:
        postgres.init()
        postgres.start()
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        version = str(row[0]).split()[0] if row else "?"
        print(f"private PostgreSQL {version} on 127.0.0.1:{postgres.port}", flush=True)
        for index, checkout in enumerate(args.checkout):
            results.append(run_checkout(postgres, index, checkout.resolve(), args))
    finally:
        postgres.close()
    print_table(results, args, version)
    failed = [f"{r.label}: {f}" for r in results for f in r.failures]
    if failed:
        print("FAILURES:", *failed[:20], sep="\n  ")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
