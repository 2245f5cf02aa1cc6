"""Benchmark: query latency through the HTTP API on a big store (10,000,000 spans by default).

For each ``--checkout``, in its own database on one PostgreSQL cluster (a private one with
default settings, or ``--server``):

1. migrate with the checkout's own code and create a project;
2. build the store in SQL (``INSERT ... SELECT generate_series`` straight into ``tracing_span``
   and ``tracing_trace``, through the parent names, so it works whether they are partitioned or
   not): SPANS/5 traces of 5 spans (an agent root, a retriever, two LLM calls, a tool call) spread
   evenly over the last 30 days, three models, 500 users, three environments, two prompts of
   three versions, small payloads. Trace ids are the trace's number in hex (time-ordered, which
   keeps the build fast; lookups by id cost the same). Missing day partitions are created first;
3. build the rollups with the platform's own code when the checkout has them
   (``manage.py rebuild_rollups``, else ``llmops.tracing.rollups.rollups_rebuild``), ANALYZE;
4. start gunicorn (``--workers N``) and time, over repeated requests (the first, cold, request
   reported apart): latest 50 traces; 50 newest traces of one model; token totals by model over
   30 days (metrics, group_by=model, bucket=day); trace detail of random traces; a day of
   metrics by hour (group_by none, p50/p95/p99 latency in the answer).

Sizes (table + indexes + TOAST, all partitions) and build times are printed, then a table with
one column per checkout:

    .venv/bin/python benchmarks/scale_queries.py --checkout /tmp/main-base --checkout . \\
        --spans 1000000

``--server URL --keep`` builds into databases on a cluster you run and keeps them, and
``--reuse`` then skips the build of a database that already holds a finished store, so the
queries can be timed again. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from ingest_server import CheckoutServer, DefaultPostgres, _label
from live_server import percentile

SPANS_PER_TRACE = 5
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")
TARGETS_MS = {
    "latest 50 traces": 20,
    "50 newest traces of one model": 20,
    "token totals by model, 30 days": 50,
    "trace detail, random traces": 20,
    "a day of metrics by hour": 50,
}

# One expression per known span column; ``s`` is the row of the generator below.
_SPAN = {
    "project_id": "%(project)s",
    "trace_id": "lpad(to_hex(s.t), 32, '0')",
    "span_id": "lpad(to_hex(s.g), 16, '0')",
    "parent_span_id": "CASE WHEN s.k = 0 THEN '' ELSE lpad(to_hex(s.g - s.k), 16, '0') END",
    "name": "(ARRAY['invoke_agent support', 'retrieval kb', 'chat ' || s.model, "
    "'execute_tool lookup_order', 'chat ' || s.model])[s.k + 1]",
    "kind": "(ARRAY['agent', 'retriever', 'llm', 'tool', 'llm'])[s.k + 1]",
    "otel_kind": "0",
    "scope": "''",
    "start_time": "s.start",
    "end_time": "s.start + s.duration * interval '1 millisecond'",
    "duration_ms": "s.duration",
    "status": "CASE WHEN s.error THEN 'error' ELSE 'ok' END",
    "status_message": "CASE WHEN s.error THEN 'lookup failed' ELSE '' END",
    "error_type": "CASE WHEN s.error THEN 'TimeoutError' ELSE '' END",
    "provider": "CASE WHEN s.llm THEN 'openai' ELSE '' END",
    "model_requested": "CASE WHEN s.llm THEN s.model ELSE '' END",
    "model_answered": "CASE WHEN s.llm THEN s.model ELSE '' END",
    "invocation_params": "CASE WHEN s.llm THEN '{\"temperature\": 0.2}'::jsonb "
    "ELSE '{}'::jsonb END",
    "input": "jsonb_build_object('question', 'where is order ' || s.t)",
    "output": "jsonb_build_object('answer', 'order ' || s.t || ' ships tomorrow')",
    "documents": "NULL",
    "tool_calls": "NULL",
    "user_id": "'user-' || (s.t %% 500)",
    "session_id": "'session-' || (s.t / 4 %% 20000)",
    "tags": "'[\"support\"]'::jsonb",
    "metadata": "'{}'::jsonb",
    "environment": "(ARRAY['production', 'production', 'staging', 'production', 'dev'])"
    "[s.t %% 5 + 1]",
    "release": "''",
    "prompt_name": "CASE WHEN s.llm THEN s.prompt ELSE '' END",
    "prompt_version": "CASE WHEN s.llm THEN s.version ELSE '' END",
    "input_tokens": "s.input_tokens",
    "output_tokens": "s.output_tokens",
    "cache_read_tokens": "0",
    "cache_write_tokens": "0",
    "reasoning_tokens": "0",
    "total_tokens": "s.input_tokens + s.output_tokens",
    "usage_estimated": "false",
    "cost_input": "CASE WHEN s.llm THEN s.input_tokens * 0.00000015 END",
    "cost_output": "CASE WHEN s.llm THEN s.output_tokens * 0.0000006 END",
    "cost_cache_read": "NULL",
    "cost_cache_write": "NULL",
    "cost_reasoning": "NULL",
    "cost_total": "CASE WHEN s.llm THEN s.input_tokens * 0.00000015 "
    "+ s.output_tokens * 0.0000006 END",
    "cost_source": "CASE WHEN s.llm THEN 'default' ELSE '' END",
    "attributes": "'{}'::jsonb",
    "resource_attributes": '\'{"service.name": "support-bot"}\'::jsonb',
    "events": "'[]'::jsonb",
    "ingested_at": "s.start + interval '1 second'",
}

# Span g of trace t = g / 5, position k = g %% 5; LLM calls at k = 2 and 4.
_SPAN_ROWS = """
    SELECT g, t, k, model, prompt, version, llm, error,
           %(t0)s::timestamptz + t * %(step)s::interval
               + (ARRAY[0, 5, 70, 410, 460])[k + 1] * interval '1 millisecond' AS start,
           CASE k WHEN 0 THEN 880.0 + t %% 300 WHEN 1 THEN 55.0 WHEN 3 THEN 40.0
                  ELSE 150.0 + (t * 7919 + k * 13) %% 900 END AS duration,
           CASE WHEN llm THEN 200 + (t * 37 + k * 101) %% 1000 ELSE 0 END AS input_tokens,
           CASE WHEN llm THEN 20 + (t * 13 + k * 7) %% 280 ELSE 0 END AS output_tokens
    FROM (
        SELECT g, g / 5 AS t, g %% 5 AS k,
               (ARRAY['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'])[(g / 5) %% 3 + 1] AS model,
               CASE WHEN (g / 5) %% 4 = 0 THEN 'triage' ELSE 'support-answer' END AS prompt,
               ((g / 5) %% 3 + 1)::text AS version,
               g %% 5 IN (2, 4) AS llm,
               g %% 5 = 3 AND (g / 5) %% 50 = 0 AS error
        FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g
    ) AS base
"""

_TRACE = {
    "project_id": "%(project)s",
    "trace_id": "lpad(to_hex(s.t), 32, '0')",
    "root_span_id": "lpad(to_hex(s.t * 5), 16, '0')",
    "name": "'invoke_agent support'",
    "start_time": "s.start",
    "end_time": "s.start + s.latency * interval '1 millisecond'",
    "latency_ms": "s.latency",
    "status": "CASE WHEN s.error THEN 'error' ELSE 'ok' END",
    "user_id": "'user-' || (s.t %% 500)",
    "session_id": "'session-' || (s.t / 4 %% 20000)",
    "tags": "'[\"support\"]'::jsonb",
    "metadata": "'{}'::jsonb",
    "environment": "(ARRAY['production', 'production', 'staging', 'production', 'dev'])"
    "[s.t %% 5 + 1]",
    "release": "''",
    "input": "jsonb_build_object('question', 'where is order ' || s.t)",
    "output": "jsonb_build_object('answer', 'order ' || s.t || ' ships tomorrow')",
    "model_names": "jsonb_build_array(s.model)",
    "prompt_versions": "jsonb_build_array(s.prompt || '@' || s.version)",
    "input_tokens": "s.input_tokens",
    "output_tokens": "s.output_tokens",
    "total_tokens": "s.input_tokens + s.output_tokens",
    "cost_total": "s.input_tokens * 0.00000015 + s.output_tokens * 0.0000006",
    "unpriced_span_count": "0",
    "span_count": "5",
    "error_count": "CASE WHEN s.error THEN 1 ELSE 0 END",
    "updated_at": "s.start + interval '1 second'",
}

# The same numbers as the spans above, summed per trace.
_TRACE_ROWS = """
    SELECT t, (ARRAY['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'])[t %% 3 + 1] AS model,
           CASE WHEN t %% 4 = 0 THEN 'triage' ELSE 'support-answer' END AS prompt,
           (t %% 3 + 1)::text AS version, t %% 50 = 0 AS error,
           %(t0)s::timestamptz + t * %(step)s::interval AS start,
           880.0 + t %% 300 AS latency,
           400 + (t * 37 + 202) %% 1000 + (t * 37 + 404) %% 1000 AS input_tokens,
           40 + (t * 13 + 14) %% 280 + (t * 13 + 28) %% 280 AS output_tokens
    FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS t
"""

_ZERO = {
    "text": "''",
    "character varying": "''",
    "jsonb": "'{}'::jsonb",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "bytea": "''::bytea",
}


def _insert_sql(conn: psycopg.Connection[Any], table: str, known: dict[str, str], rows: str) -> str:
    """INSERT INTO table (...) SELECT ... FROM (rows) s, for the table's actual columns: a column
    this script does not know (a later schema) gets a zero of its type unless it may be null or
    has a default."""
    columns = conn.execute(
        "SELECT column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_name = %s AND table_schema = 'public' "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    names: list[str] = []
    values: list[str] = []
    for name, data_type, nullable, default in columns:
        if name == "id":
            continue
        if name in known:
            names.append(name)
            values.append(known[name])
        elif nullable == "NO" and default is None:
            names.append(name)
            values.append(_ZERO.get(data_type, "0"))
    return (
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 — names from the catalog
        f"SELECT {', '.join(values)} FROM ({rows}) AS s"
    )


def _ensure_partitions(conn: psycopg.Connection[Any], table: str, start: datetime) -> int:
    """When ``table`` is range-partitioned by day, create the day partitions the store needs that
    do not exist yet (named like the existing ones); returns how many were created."""
    key = conn.execute(
        "SELECT pg_get_partkeydef(c.oid) FROM pg_class c WHERE c.relname = %s AND c.relkind = 'p'",
        (table,),
    ).fetchone()
    if key is None:
        return 0
    existing = [
        str(row[0])
        for row in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            (table,),
        )
    ]
    pattern = next((name for name in existing if re.search(r"\d{8}", name)), None)
    created = 0
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime.now(UTC) + timedelta(days=2)
    while day < end:
        if pattern is not None:
            name = re.sub(r"\d{8}", day.strftime("%Y%m%d"), pattern)
        else:
            name = f"{table}_p{day:%Y%m%d}"
        try:
            with conn.transaction():
                conn.execute(
                    sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})").format(
                        sql.Identifier(name),
                        sql.Identifier(table),
                        sql.Literal(day.isoformat()),
                        sql.Literal((day + timedelta(days=1)).isoformat()),
                    )
                )
            created += 1
        except (psycopg.errors.DuplicateTable, psycopg.errors.InvalidObjectDefinition):
            pass  # that day is already covered
        day += timedelta(days=1)
    print(f"  {table} partitioned ({key[0]}): {created} day partitions created", flush=True)
    return created


@dataclass
class Store:
    label: str
    database: str
    secret: str = ""
    traces: int = 0
    t0: datetime = field(default_factory=lambda: datetime.now(UTC))
    build_s: dict[str, float] = field(default_factory=dict)
    sizes_mb: dict[str, float] = field(default_factory=dict)
    timings: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _meta(conn: psycopg.Connection[Any]) -> tuple[str, int, datetime, str] | None:
    try:
        row = conn.execute("SELECT secret, traces, t0, build FROM benchmark_scale_store").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return (str(row[0]), int(row[1]), row[2], str(row[3])) if row else None


def build(server: CheckoutServer, url: str, store: Store, spans: int, chunk: int) -> None:
    traces = spans // SPANS_PER_TRACE
    started = time.perf_counter()
    server.manage("migrate", "--noinput")
    project, store.secret = server.create_project(f"scale-{time.time_ns()}")
    store.build_s["migrate + project"] = time.perf_counter() - started
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store.t0 = now - timedelta(days=30)
    step = timedelta(days=30) / traces
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("tracing_span", "tracing_trace"):
            _ensure_partitions(conn, table, store.t0)
        span_sql = _insert_sql(conn, "tracing_span", _SPAN, _SPAN_ROWS)
        trace_sql = _insert_sql(conn, "tracing_trace", _TRACE, _TRACE_ROWS)
        params: dict[str, Any] = {"project": project, "t0": store.t0, "step": step}
        for name, statement, total in (
            ("traces", trace_sql, traces),
            ("spans", span_sql, traces * SPANS_PER_TRACE),
        ):
            began = time.perf_counter()
            for low in range(0, total, chunk):
                high = min(total, low + chunk) - 1
                conn.execute(statement, {**params, "low": low, "high": high})
                print(f"  {name}: {high + 1:,}/{total:,} ({time.perf_counter() - began:.0f} s)",
                      flush=True)  # fmt: skip
            store.build_s[f"insert {name}"] = time.perf_counter() - began
    began = time.perf_counter()
    rebuilt = _rebuild_rollups(server)
    if rebuilt:
        store.build_s[f"rollups ({rebuilt})"] = time.perf_counter() - began
    began = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        store.build_s["ANALYZE"] = time.perf_counter() - began
        store.build_s["total"] = time.perf_counter() - started
        rollups = conn.execute("SELECT to_regclass('tracing_span_rollup')").fetchone()
        if rollups is not None and rollups[0] is not None:
            row = conn.execute("SELECT count(*) FROM tracing_span_rollup").fetchone()
            print(f"  rollup rows: {row[0] if row else 0:,}", flush=True)
        conn.execute(
            "CREATE TABLE benchmark_scale_store (secret text, traces bigint, t0 timestamptz, "
            "build text)"
        )
        conn.execute(
            "INSERT INTO benchmark_scale_store VALUES (%s, %s, %s, %s)",
            (store.secret, traces, store.t0, json.dumps(store.build_s)),
        )
    store.traces = traces


def _rebuild_rollups(server: CheckoutServer) -> str:
    """Rollups built by the checkout's own code, if it has them; names the way used."""
    commands = server.manage("help", "--commands")
    if "rebuild_rollups" in commands.split():
        print("  manage.py rebuild_rollups", flush=True)
        server.manage("rebuild_rollups")
        return "manage.py rebuild_rollups"
    has = server.manage(
        "shell",
        "-c",
        "import importlib\n"
        "try:\n    m = importlib.import_module('llmops.tracing.rollups')\n"
        "except ImportError:\n    m = None\n"
        "print('yes' if m is not None and hasattr(m, 'rollups_rebuild') else 'no')",
    )
    if has.strip().endswith("yes"):
        print("  llmops.tracing.rollups.rollups_rebuild", flush=True)
        server.manage(
            "shell",
            "-c",
            "from llmops.tenancy.models import Project\n"
            "from llmops.tracing.rollups import rollups_rebuild\n"
            "for p in Project.objects.all():\n    rollups_rebuild(project=p)",
        )
        return "rollups_rebuild"
    return ""


def sizes(url: str) -> dict[str, float]:
    found: dict[str, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("tracing_span", "tracing_trace", "tracing_span_rollup"):
            present = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
            if present is None or present[0] is None:
                continue  # no rollups in this checkout
            # A plain table has no partition tree: then the table itself.
            row = conn.execute(
                "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) "
                "FROM pg_partition_tree(%s::regclass)), pg_total_relation_size(%s::regclass))",
                (table, table),
            ).fetchone()
            if row is not None and row[0] is not None:
                found[table] = int(row[0]) / 1024 / 1024
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        assert row is not None
        found["database"] = int(row[0]) / 1024 / 1024
    return found


def _get(conn: http.client.HTTPConnection, path: str, secret: str) -> tuple[float, Any]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {secret}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return elapsed, json.loads(body)


def run_queries(port: int, store: Store, repeat: int, budget: float, only: set[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(5)

    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # Whole hours, as a dashboard asks (and what rollups can answer exactly).
    hour = now.replace(minute=0, second=0, microsecond=0)
    month = {"from": iso(store.t0), "to": iso(hour + timedelta(hours=1))}
    day = {"from": iso(today - timedelta(days=1)), "to": iso(today)}
    cases: dict[str, Callable[[], str]] = {
        "latest 50 traces": lambda: "/api/v1/traces?limit=50",
        "50 newest traces of one model": lambda: (
            "/api/v1/traces?" + urlencode({"model": "gpt-4o", "limit": 50})
        ),
        "token totals by model, 30 days": lambda: (
            "/api/v1/metrics?" + urlencode({**month, "bucket": "day", "group_by": "model"})
        ),
        "trace detail, random traces": lambda: (
            "/api/v1/traces/" + f"{rng.randrange(store.traces):032x}"
        ),
        "a day of metrics by hour": lambda: (
            "/api/v1/metrics?" + urlencode({**day, "bucket": "hour", "group_by": "none"})
        ),
    }
    for name, path in cases.items():
        if only and name not in only:
            continue
        cold, answer = _get(conn, path(), store.secret)
        if isinstance(answer, dict):
            if "items" in answer and not answer["items"]:
                raise SystemExit(f"{name}: empty answer")
            if "source" in answer:
                store.sources[name] = str(answer["source"])
        # Bounded in time too: a query taking seconds stops after ``budget`` s (5 samples or more).
        samples: list[float] = []
        began = time.perf_counter()
        while len(samples) < repeat and (len(samples) < 5 or time.perf_counter() - began < budget):
            samples.append(_get(conn, path(), store.secret)[0])
        store.counts[name] = len(samples)
        store.timings[name] = (
            cold * 1000,
            statistics.median(samples) * 1000,
            percentile(samples, 0.95) * 1000,
            max(samples) * 1000,
        )
        p50, p95 = store.timings[name][1:3]
        print(f"  {name:32s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms", flush=True)


def print_table(stores: list[Store], spans: int, repeat: int) -> None:
    width = max(26, *(len(s.label) for s in stores)) + 2
    print()
    print(f"store: {spans:,} spans ({spans // SPANS_PER_TRACE:,} traces of 5) over 30 days; "
          f"up to {repeat} requests per query after one cold request; ms")  # fmt: skip
    print(f"{'':44s}" + "".join(f"{s.label:>{width}s}" for s in stores))
    for name, target in TARGETS_MS.items():
        print(f"{name} (target p95 < {target} ms)")
        for index, part in enumerate(("cold (first request)", "p50", "p95", "max")):
            values = [
                f"{s.timings[name][index]:.1f}" if name in s.timings else "not run" for s in stores
            ]
            print(f"  {part:42s}" + "".join(f"{v:>{width}s}" for v in values))
        values = [str(s.counts.get(name, "-")) for s in stores]
        print(f"  {'requests timed':42s}" + "".join(f"{v:>{width}s}" for v in values))
        if any(name in s.sources for s in stores):
            values = [s.sources.get(name, "-") for s in stores]
            print(f"  {'source (the answer says)':42s}" + "".join(f"{v:>{width}s}" for v in values))
    print("sizes, MB")
    for table in ("tracing_span", "tracing_trace", "tracing_span_rollup", "database"):
        values = [f"{s.sizes_mb[table]:,.0f}" if table in s.sizes_mb else "-" for s in stores]
        print(f"  {table:42s}" + "".join(f"{v:>{width}s}" for v in values))
    print("build, s")
    steps = list(dict.fromkeys(step for s in stores for step in s.build_s if step != "total"))
    steps.append("total")
    for step in steps:
        values = [f"{s.build_s[step]:,.0f}" if step in s.build_s else "-" for s in stores]
        print(f"  {step:42s}" + "".join(f"{v:>{width}s}" for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkout", action="append", type=Path, default=[])
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=500_000, help="rows per INSERT")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds of repeats per query at most"
    )
    parser.add_argument("--web-workers", type=int, default=4, help="as docker-compose.yml")
    parser.add_argument("--server", help="postgres://... of a cluster to use instead of a new one")
    parser.add_argument("--keep", action="store_true", help="keep the databases (with --server)")
    parser.add_argument("--reuse", action="store_true", help="query a finished store as it is")
    parser.add_argument("--only", action="append", default=[], choices=list(TARGETS_MS))
    parser.add_argument("--name", default="llmops_h5_scale", help="database name prefix")
    args = parser.parse_args()
    if not args.checkout:
        parser.error("name at least one --checkout")
    postgres = None
    if args.server:
        server_url = args.server.rstrip("/")
    else:
        postgres = DefaultPostgres()
        postgres.init()
        postgres.start()
        server_url = postgres.url("").rstrip("/")
    stores: list[Store] = []
    try:
        for index, checkout in enumerate(args.checkout):
            checkout = checkout.resolve()
            store = Store(label=_label(checkout), database=f"{args.name}_{index}")
            stores.append(store)
            url = f"{server_url}/{store.database}"
            with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (store.database,)
                ).fetchone()
            meta = None
            if exists and args.reuse:
                with psycopg.connect(url, autocommit=True) as conn:
                    meta = _meta(conn)
            web = CheckoutServer(checkout=checkout, database_url=url, workers=args.web_workers)
            try:
                if meta is None:
                    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
                        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                            sql.Identifier(store.database)))  # fmt: skip
                        conn.execute(
                            sql.SQL("CREATE DATABASE {}").format(sql.Identifier(store.database))
                        )
                    print(f"[{store.label}] building {args.spans:,} spans in {store.database}",
                          flush=True)  # fmt: skip
                    build(web, url, store, args.spans, args.chunk)
                else:
                    # Brought to the checkout's schema (nothing to do when it is already).
                    web.manage("migrate", "--noinput")
                    store.secret, store.traces, store.t0, built = meta
                    store.build_s = json.loads(built)
                    print(f"[{store.label}] reusing {store.traces:,} traces in {store.database}")
                store.sizes_mb = sizes(url)
                web.start()
                print(f"[{store.label}] queries", flush=True)
                run_queries(web.port, store, args.repeat, args.budget, set(args.only))
            finally:
                web.close()
                if not args.keep:
                    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
                        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                            sql.Identifier(store.database)))  # fmt: skip
    finally:
        if postgres is not None:
            postgres.close()
    print_table(stores, args.spans, args.repeat)


if __name__ == "__main__":
    main()
