"""``llmops-eval``: run an evaluation suite from a CI pipeline.

    llmops-eval run faq-gate --version 7
    llmops-eval run faq-gate --label staging
    llmops-eval run offline-suite --outputs outputs.jsonl   # {"key": ..., "output": ...} per line

Exit status: 0 when the run passes its thresholds, 1 when it fails one, 2 on an error (bad
arguments, the platform unreachable or refusing, the run errored, cancelled or timed out).
The platform is ``LLMOPS_HOST`` and the project's key ``LLMOPS_SECRET_KEY``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from llmops_sdk.evaluation import (
    EvaluationError,
    PlatformClient,
    RunReport,
    start_run,
    wait_for_run,
)

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def render(report: RunReport) -> str:
    evaluators: Mapping[str, Any] = report.summary.get("evaluators", {})
    rows = [["evaluator", "mean", "pass rate", "errored", "items"]]
    for name, s in evaluators.items():
        rows.append(
            [
                name,
                _number(s.get("mean")),
                _number(s.get("pass_rate")),
                str(s.get("errored", 0)),
                str(s.get("count", 0)),
            ]
        )
    parts = [f"run {report.id}: {report.status.upper()}", table(rows)]
    if report.thresholds:
        checks = [["threshold", "result", "actual", "baseline"]]
        for t in report.thresholds:
            checks.append(
                [
                    str(t["description"]),
                    "pass" if t["passed"] else "FAIL",
                    _number(t.get("actual")),
                    _number(t.get("baseline")),
                ]
            )
        parts.append(table(checks))
    if report.error:
        parts.append(f"error: {report.error}")
    return "\n\n".join(parts)


def _outputs(path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise EvaluationError(f"{path}:{number}: not JSON") from None
        if not isinstance(row, dict) or "key" not in row:
            raise EvaluationError(f"{path}:{number}: needs an object with a 'key'")
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="llmops-eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a suite and wait for its verdict")
    run.add_argument("suite")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="the prompt version to evaluate")
    which.add_argument("--label", help="evaluate the version behind this label")
    which.add_argument("--outputs", help="a JSONL file of outputs produced locally")
    run.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait (1800)")
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_ERROR if exc.code else EXIT_PASSED
    last = [-1]

    def progress(data: Mapping[str, Any]) -> None:
        done = int(data.get("progress", {}).get("done", 0))
        if not args.quiet and done != last[0]:
            last[0] = done
            print(
                f"{data['status']}: {done}/{data['progress']['total']} items", file=out, flush=True
            )

    try:
        client = PlatformClient()
        outputs = _outputs(args.outputs) if args.outputs else None
        started = start_run(
            client, args.suite, version=args.version, label=args.label, outputs=outputs
        )
        report = wait_for_run(
            client, str(started["id"]), timeout=args.timeout, on_progress=progress
        )
    except (EvaluationError, OSError) as exc:
        print(f"error: {exc}", file=out)
        return EXIT_ERROR
    print(render(report), file=out)
    if report.status == "passed":
        return EXIT_PASSED
    if report.status == "failed":
        return EXIT_FAILED
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
