"""Benchmark: does hammering the sign-in starve the API of another tenant?

For each checkout given (this one by default; repeat ``--checkout`` to compare, e.g. with a
``git worktree`` of another commit), in turn: a fresh PostgreSQL database of its own on
127.0.0.1, migrations, two projects (tenants A and B, ``createproject --json``) and users of A;
then gunicorn from that checkout, with the worker settings of the Dockerfile and
docker-compose.yml (4 sync workers), on a free loopback port. It measures tenant B's
``GET /api/v1/prompts`` p50/p95 over a fixed number of sequential requests, idle and then while
``--attackers`` client processes post wrong passwords for A's user as fast as they are answered;
and then the back-off schedule one client observes (status and Retry-After of attempts 1..N,
waiting out each Retry-After within a time budget). Prints each checkout, then all side by side.

Bounded: every phase has a request count and a time limit; traffic goes to 127.0.0.1 and
127.0.0.2 only; it ends only the processes it started, by their PIDs, and drops only the
databases it created.

    .venv/bin/python benchmarks/login_contention.py --checkout /tmp/main-base --checkout .
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_server import free_port, percentile

POSTGRES = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "correct horse battery staple"
# As in the Dockerfile's CMD and docker-compose.yml's web service.
WEB_WORKERS = 4


@dataclass
class Result:
    checkout: Path
    commit: str
    idle: list[float] = field(default_factory=list)
    attacked: list[float] = field(default_factory=list)
    attack_statuses: dict[int, int] = field(default_factory=dict)
    attack_seconds: float = 0.0
    control: list[float] = field(default_factory=list)
    control_statuses: dict[int, int] = field(default_factory=dict)
    control_seconds: float = 0.0
    schedule: list[tuple[int, str]] = field(default_factory=list)


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stderr[-3000:]}")
    return done.stdout


def fresh_database(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(checkout: Path, env: dict[str, str], users: list[str]) -> tuple[str, str]:
    """Migrate; create tenants A and B and A's users. Returns (B's secret key, A's org id)."""
    python = sys.executable
    loaded = run([python, "-c", "import llmops; print(llmops.__file__)"], checkout, env).strip()
    if not Path(loaded).resolve().is_relative_to(checkout):
        raise SystemExit(f"{checkout}: the platform loads from {loaded}, not from the checkout")
    run([python, "manage.py", "migrate", "--noinput"], checkout, env)
    tenant_a = json.loads(
        run([python, "manage.py", "createproject", "Tenant A", "app", "--json"], checkout, env)
    )
    tenant_b = json.loads(
        run([python, "manage.py", "createproject", "Tenant B", "app", "--json"], checkout, env)
    )
    script = (
        "from django.contrib.auth.models import User\n"
        "from llmops.tenancy import domain\n"
        "from llmops.tenancy.models import Organization\n"
        f"org = Organization.objects.get(pk={tenant_a['organization']['id']!r})\n"
        f"for name in {users!r}:\n"
        f"    user = User.objects.create_user(username=name, password={PASSWORD!r})\n"
        "    domain.membership_set(organization=org, user=user, role='member')\n"
    )
    run([python, "manage.py", "shell", "-c", script], checkout, env)
    return tenant_b["secret_key"], tenant_a["organization"]["id"]


def wait_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not come up")


def timed_gets(port: int, secret_key: str, count: int, seconds: float) -> list[float]:
    """Sequential GET /api/v1/prompts as tenant B: up to ``count`` requests or ``seconds``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {secret_key}"}
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    while len(samples) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        conn.request("GET", "/api/v1/prompts", headers=headers)
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"tenant B's GET /api/v1/prompts answered {response.status}")
    return samples


class SignInClient:
    """A browser-like client: the CSRF cookie from GET /auth/session, then POST /auth/login."""

    def __init__(self, port: int, source: str) -> None:
        self.port = port
        self.source = source
        self.conn = self._connect()
        self.conn.request("GET", "/api/v1/auth/session")
        response = self.conn.getresponse()
        response.read()
        cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        match = re.search(r"csrftoken=([^;]+)", cookies)
        if match is None:
            raise SystemExit("GET /api/v1/auth/session set no csrftoken cookie")
        self.token = match.group(1)

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(self.source, 0)
        )

    def attempt(self, username: str, password: str) -> tuple[int, str]:
        body = json.dumps({"username": username, "password": password})
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"csrftoken={self.token}",
            "X-CSRFToken": self.token,
        }
        self.conn.request("POST", "/api/v1/auth/login", body=body, headers=headers)
        response = self.conn.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After") or "-"


def flood(port: int, target: str, nice: int, stop: Event, seconds: float, queue: Any) -> None:
    """One attacking client process: wrong passwords for ``target`` (a username), or, for the
    control, ``GET /healthz`` when ``target`` is empty; until told to stop or its time is up."""
    # The attackers' own CPU is not the server's in a real attack; on a small machine that runs
    # both, a lower priority keeps the load generator from being what slows tenant B down.
    os.nice(nice)
    client = SignInClient(port, "127.0.0.1")
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    for _ in range(200_000):
        if stop.is_set() or time.monotonic() > deadline:
            break
        if target:
            status, _ = client.attempt(target, "wrong password")
        else:
            client.conn.request("GET", "/healthz")
            response = client.conn.getresponse()
            response.read()
            status = response.status
        statuses[status] = statuses.get(status, 0) + 1
    queue.put(statuses)


def under_flood(
    port: int, secret_key: str, target: str, args: argparse.Namespace
) -> tuple[list[float], dict[int, int], float]:
    """Tenant B's latencies while ``args.attackers`` processes flood; returns them, the
    flood's statuses and how long it lasted."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    queue = context.Queue()
    attackers = [
        context.Process(
            target=flood, args=(port, target, args.client_nice, stop, args.seconds + 30, queue)
        )
        for _ in range(args.attackers)
    ]
    started = time.monotonic()
    for process in attackers:
        process.start()
    time.sleep(1)  # the flood is under way before the first measured request
    try:
        samples = timed_gets(port, secret_key, args.requests, args.seconds)
    finally:
        stop.set()
        for process in attackers:
            process.join(timeout=150)  # a request in flight may still be hashing
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)
    statuses: dict[int, int] = {}
    for _ in attackers:
        for status, count in queue.get(timeout=10).items():
            statuses[status] = statuses.get(status, 0) + count
    return samples, statuses, time.monotonic() - started


def observe_schedule(
    port: int, username: str, attempts: int, budget: float
) -> list[tuple[int, str]]:
    """Attempts 1..N with a wrong password from 127.0.0.2, waiting out each Retry-After while
    the waits fit in ``budget`` seconds (afterwards attempts go straight on)."""
    client = SignInClient(port, "127.0.0.2")
    schedule: list[tuple[int, str]] = []
    for _ in range(attempts):
        status, retry_after = client.attempt(username, "wrong password")
        schedule.append((status, retry_after))
        if status == 429 and retry_after.isdigit() and int(retry_after) <= budget:
            budget -= int(retry_after)
            time.sleep(int(retry_after))
    return schedule


def measure(checkout: Path, index: int, args: argparse.Namespace) -> Result:
    commit = run(["git", "rev-parse", "--short", "HEAD"], checkout, dict(os.environ)).strip()
    if run(["git", "status", "--porcelain", "--untracked-files=no"], checkout, dict(os.environ)):
        commit += "+changes"  # what is measured is the work tree
    result = Result(checkout=checkout, commit=commit)
    database = f"llmops_bench_login_{index}"
    fresh_database(database)
    data_dir = tempfile.mkdtemp(prefix=f"llmops-login-bench-{index}-")
    env = {
        **os.environ,
        "SECRET_KEY": "benchmark-only-secret-key",
        "DATABASE_URL": f"{POSTGRES}/{database}",
        "LLMOPS_DATA_DIR": data_dir,
        "CELERY_BROKER_URL": "filesystem://",
    }
    for name in ("LLMOPS_CACHE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    try:
        secret_key, _ = prepare(checkout, env, ["alice", "carol"])
        port = free_port()
        server_log = (Path(data_dir) / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "llmops.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WEB_WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=checkout,
            env=env,
            # A warning per refused sign-in would bury the report: the server's log goes here.
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_up(port, server)
            timed_gets(port, secret_key, 50, 30)  # warm-up: every worker connected
            result.idle = timed_gets(port, secret_key, args.requests, args.seconds)

            result.attacked, result.attack_statuses, result.attack_seconds = under_flood(
                port, secret_key, "alice", args
            )
            result.control, result.control_statuses, result.control_seconds = under_flood(
                port, secret_key, "", args
            )
            result.schedule = observe_schedule(port, "carol", args.schedule, args.schedule_budget)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            server_log.close()
    finally:
        drop_database(database)
    return result


def summary(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    return (
        f"p50 {statistics.median(samples):7.1f} ms  p95 {percentile(samples, 0.95):7.1f} ms"
        f"  ({len(samples)} requests)"
    )


def ratio(samples: list[float], idle: list[float]) -> float:
    return statistics.median(samples) / statistics.median(idle)


def counted(statuses: dict[int, int], seconds: float) -> str:
    by_status = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    return f"{sum(statuses.values())} requests in {seconds:.1f} s ({by_status})"


def report(result: Result) -> None:
    print(f"\n== {result.checkout} (commit {result.commit})")
    print("  tenant B, GET /api/v1/prompts:")
    print(f"    idle                          {summary(result.idle)}")
    print(
        f"    while the login is hammered   {summary(result.attacked)}"
        f"  {ratio(result.attacked, result.idle):.2f}x idle p50"
    )
    print(
        f"    control: /healthz hammered    {summary(result.control)}"
        f"  {ratio(result.control, result.idle):.2f}x idle p50"
    )
    print(f"  login attack:   {counted(result.attack_statuses, result.attack_seconds)}")
    print(f"  /healthz flood: {counted(result.control_statuses, result.control_seconds)}")
    print("  back-off schedule seen by one client (attempt: status, Retry-After):")
    print(
        "    "
        + "  ".join(
            f"{number}: {status} {retry_after}"
            for number, (status, retry_after) in enumerate(result.schedule, start=1)
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--checkout",
        action="append",
        type=Path,
        help="a checkout of the platform to measure (repeatable; default: this one)",
    )
    parser.add_argument("--requests", type=int, default=200, help="tenant B requests per phase")
    parser.add_argument("--seconds", type=float, default=60, help="time limit of each phase")
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument(
        "--client-nice",
        type=int,
        default=10,
        help="niceness of the attacking client processes (0: same priority as the server)",
    )
    parser.add_argument("--schedule", type=int, default=16, help="attempts in the schedule")
    parser.add_argument(
        "--schedule-budget", type=float, default=20, help="seconds of Retry-After to wait out"
    )
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [Path(__file__).resolve().parents[1]]]
    print(
        f"PostgreSQL {POSTGRES}; gunicorn --workers {WEB_WORKERS}; {args.attackers} attacking "
        f"client processes (nice {args.client_nice}); up to {args.requests} requests or "
        f"{args.seconds:.0f} s per phase; {os.cpu_count()} CPUs"
    )
    results = [measure(checkout, index, args) for index, checkout in enumerate(checkouts)]
    for result in results:
        report(result)
    if len(results) > 1:
        print("\n== side by side: tenant B p50 / p95 in ms (x idle p50)")
        for result in results:
            print(
                f"  {result.commit:>18}  idle {statistics.median(result.idle):6.1f} / "
                f"{percentile(result.idle, 0.95):6.1f}   login hammered "
                f"{statistics.median(result.attacked):7.1f} / "
                f"{percentile(result.attacked, 0.95):7.1f} "
                f"({ratio(result.attacked, result.idle):.2f}x)   /healthz hammered "
                f"{statistics.median(result.control):6.1f} / "
                f"{percentile(result.control, 0.95):6.1f} "
                f"({ratio(result.control, result.idle):.2f}x)"
            )


if __name__ == "__main__":
    main()
