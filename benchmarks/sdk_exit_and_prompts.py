"""Benchmark: how long a broken platform can hold an app, for one or more SDK checkouts.

1. Exit: an app makes 2,000 ``@observe`` calls and returns without a flush; we time from the
   end of its calls to the end of the process, with the platform refusing connections,
   accepting and never answering, or answering 500.
2. ``get_prompt`` with a fallback against a platform that never answers: the first call and
   the next ones.

Each SDK runs in its own child process (``PYTHONPATH`` = its ``src``), so two checkouts run
side by side in one invocation; e.g. against the base commit in a worktree:

    git worktree add /tmp/main-base 1f3aa8e     # once, if it does not exist yet
    .venv/bin/python benchmarks/sdk_exit_and_prompts.py \\
        --sdk-path sdk/src --sdk-path /tmp/main-base/sdk/src

Everything is on loopback; every child has a time limit and is ended by its own PID.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHILD_LIMIT_SECONDS = 180.0

EXIT_APP = textwrap.dedent(
    """
    import json, sys, time
    import llmops_sdk as llmops
    from llmops_sdk import state

    llmops.init(host=sys.argv[1], secret_key="sk-lo-benchmark")

    @llmops.observe(kind="tool")
    def step(index):
        return index

    for index in range(int(sys.argv[2])):
        step(index)
    print(json.dumps({"calls_done_at": time.time()}), flush=True)
    """
)

PROMPT_APP = textwrap.dedent(
    """
    import json, sys, time
    import llmops_sdk as llmops

    llmops.init(host=sys.argv[1], secret_key="sk-lo-benchmark")
    times = []
    for _ in range(int(sys.argv[2])):
        started = time.perf_counter()
        prompt = llmops.get_prompt("greet", fallback="Hello {{name}}")
        times.append(time.perf_counter() - started)
        assert prompt.is_fallback
    print(json.dumps({"times": times}), flush=True)
    """
)


class Platform:
    """A loopback server that hangs (holds every request) or answers 500 to everything."""

    def __init__(self, mode: str) -> None:
        release = self.release = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if mode == "hang":
                    release.wait(CHILD_LIMIT_SECONDS)
                try:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def refusing_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_child(sdk_path: Path, program: str, *args: str) -> tuple[dict[str, Any], float]:
    """Run ``program`` with this SDK; its last JSON line and the wall time at which it ended."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LLMOPS_")}
    environment["PYTHONPATH"] = str(sdk_path)
    child = subprocess.Popen(
        [sys.executable, "-c", program, *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        stdout, _ = child.communicate(timeout=CHILD_LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()  # only the child this function started, by its own handle (its PID)
        child.communicate()
        raise
    ended = time.time()
    if child.returncode != 0:
        raise RuntimeError(f"the app exited with {child.returncode}")
    return json.loads(stdout.strip().splitlines()[-1]), ended


def exit_seconds(sdk_path: Path, mode: str, calls: int) -> float:
    platform = None if mode == "refused" else Platform(mode)
    try:
        host = platform.url if platform else refusing_url()
        report, ended = run_child(sdk_path, EXIT_APP, host, str(calls))
        return ended - float(report["calls_done_at"])
    finally:
        if platform is not None:
            platform.close()


def prompt_seconds(sdk_path: Path, mode: str, calls: int) -> list[float]:
    platform = None if mode == "refused" else Platform(mode)
    try:
        host = platform.url if platform else refusing_url()
        report, _ = run_child(sdk_path, PROMPT_APP, host, str(calls))
        return [float(t) for t in report["times"]]
    finally:
        if platform is not None:
            platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sdk-path",
        action="append",
        type=Path,
        help="an SDK's src folder (repeatable); default: this checkout's sdk/src",
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--prompt-calls", type=int, default=4, help="the first and the next ones")
    args = parser.parse_args()
    sdk_paths = [path.resolve() for path in (args.sdk_path or [ROOT / "sdk" / "src"])]

    print(f"exit after {args.calls:,} @observe calls: seconds from the last call to process end")
    print(f"{'SDK':<40} {'refused':>9} {'hang':>9} {'500':>9}")
    for path in sdk_paths:
        row = [exit_seconds(path, mode, args.calls) for mode in ("refused", "hang", "500")]
        print(f"{path!s:<40} " + " ".join(f"{value:9.2f}" for value in row))

    print()
    print("get_prompt with a fallback: seconds for the first call / the slowest later call")
    print(f"{'SDK':<40} {'refused':>19} {'hang':>19} {'500':>19}")
    for path in sdk_paths:
        cells = []
        for mode in ("refused", "hang", "500"):
            times = prompt_seconds(path, mode, args.prompt_calls)
            later = max(times[1:]) if len(times) > 1 else float("nan")
            cells.append(f"{times[0]:8.3f} / {later:8.6f}")
        print(f"{path!s:<40} " + " ".join(f"{cell:>19}" for cell in cells))


if __name__ == "__main__":
    main()
