"""The release gate end to end on a real worker: a protected label refuses a version that fails
its suite, moves for one that passes, records every attempt, and reuses passing evidence."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.evaluation.models import Promotion, PromotionStatus, Run, Trigger
from llmops.lineage.models import EdgeKind, LineageEdge, NodeKind
from llmops.prompts.models import LabelMove, PromptLabel
from tests.conftest import wait_for
from tests.evaluation.conftest import BAD_TEMPLATE, GOOD_TEMPLATE, Setup, Workers, ok

pytestmark = pytest.mark.worker


def _decided(setup: Setup, promotion_id: str) -> dict[str, Any]:
    assert wait_for(
        lambda: Promotion.objects.get(pk=promotion_id).status != PromotionStatus.PENDING, 90
    ), "the promotion was never decided"
    return dict(ok(setup.client.get(f"/api/v1/promotions/{promotion_id}"), 200))


def _label_version(name: str = "production") -> int:
    return PromptLabel.objects.get(prompt__name="support/answer", name=name).version.number


def test_a_protected_label_moves_only_through_a_passing_gate(
    setup: Setup, workers: Workers
) -> None:
    setup.standard()
    bad = setup.version("support/answer", BAD_TEMPLATE)
    good = setup.version("support/answer", GOOD_TEMPLATE + " (v3)")
    setup.suite()
    gate = ok(
        setup.client.put(
            "/api/v1/gates",
            {"prompt": "support/answer", "label": "production", "suites": ["faq-gate"]},
            format="json",
        ),
        200,
    )
    assert gate["suites"] == ["faq-gate"]
    # The plain label move is refused now: only the gate moves a protected label.
    direct = setup.client.put(
        "/api/v1/prompts/support/answer/labels/production", {"version": bad}, format="json"
    )
    assert direct.status_code == 409, direct.content
    workers.start()

    refused = ok(
        setup.client.post(
            "/api/v1/promotions",
            {"prompt": "support/answer", "label": "production", "version": bad},
            format="json",
        ),
        202,
    )
    assert refused["status"] == "pending"
    decided = _decided(setup, refused["id"])
    assert decided["status"] == "refused"
    assert _label_version() == 1
    [failure] = decided["failures"]
    assert failure["suite"] == "faq-gate"
    assert failure["threshold"] == "pass rate of correct >= 0.8"
    assert failure["actual"] == 0.0
    assert sorted(item["item_key"] for item in failure["items"]) == [f"q{i}" for i in range(5)]
    assert all(item["score"] == 0.0 for item in failure["items"])

    passed = ok(
        setup.client.post(
            "/api/v1/promotions",
            {"prompt": "support/answer", "label": "production", "version": good},
            format="json",
        ),
        202,
    )
    decided = _decided(setup, passed["id"])
    assert decided["status"] == "passed", decided
    assert decided["failures"] == []
    assert _label_version() == good
    move = LabelMove.objects.filter(label="production").latest("moved_at")
    assert move.to_version.number == good
    assert passed["id"] in move.reason

    # Both attempts are on record with their runs, and the graph links run -> version and
    # run -> label move.
    listed = ok(setup.client.get("/api/v1/promotions", {"prompt": "support/answer"}), 200)
    assert [p["status"] for p in listed["items"]] == ["passed", "refused"]
    [run_id] = [r["id"] for r in decided["runs"]]
    gated = LineageEdge.objects.get(
        source__kind=NodeKind.EVAL_RUN, source__ref=run_id, kind=EdgeKind.GATED
    )
    assert gated.target.kind == NodeKind.LABEL_MOVE
    assert gated.target.ref == str(move.pk)
    assert LineageEdge.objects.filter(
        source__kind=NodeKind.PROMPT_VERSION, target__ref=run_id, kind=EdgeKind.EVALUATED
    ).exists()

    # The same evidence is reused: promoting the good version onto another gated label starts
    # no new run.
    ok(
        setup.client.put(
            "/api/v1/prompts/support/answer/labels/staging", {"version": 1}, format="json"
        ),
        200,
    )
    ok(
        setup.client.put(
            "/api/v1/gates",
            {"prompt": "support/answer", "label": "staging", "suites": ["faq-gate"]},
            format="json",
        ),
        200,
    )
    runs_before = Run.objects.count()
    reused = ok(
        setup.client.post(
            "/api/v1/promotions",
            {"prompt": "support/answer", "label": "staging", "version": good},
            format="json",
        ),
        202,
    )
    assert _decided(setup, reused["id"])["status"] == "passed"
    assert Run.objects.count() == runs_before
    assert [r["id"] for r in reused["runs"]] == [run_id]
    assert _label_version("staging") == good


def test_no_regression_against_the_version_behind_the_label(setup: Setup, workers: Workers) -> None:
    setup.standard()
    worse = setup.version("support/answer", "{{question}} maybe")
    ok(
        setup.client.post(
            "/api/v1/datasets/faq/items",
            {
                "items": [
                    {
                        "key": "q0",
                        "input": {"question": "refund policy"},
                        "expected": "refund policy",
                    },
                    {
                        "key": "q1",
                        "input": {"question": "opening hours"},
                        "expected": "Answer: opening hours",
                    },
                ]
            },
            format="json",
        )
    )
    setup.suite(
        evaluators=[{"type": "exact_match", "name": "exact"}],
        thresholds=[{"evaluator": "exact", "max_regression": 0.1}],
    )
    ok(
        setup.client.put(
            "/api/v1/gates",
            {"prompt": "support/answer", "label": "production", "suites": ["faq-gate"]},
            format="json",
        ),
        200,
    )
    workers.start()
    promotion = ok(
        setup.client.post(
            "/api/v1/promotions",
            {"prompt": "support/answer", "label": "production", "version": worse},
            format="json",
        ),
        202,
    )
    decided = _decided(setup, promotion["id"])
    assert decided["status"] == "refused"
    # The version behind the label was run first, as the baseline.
    baseline = Run.objects.get(trigger=Trigger.BASELINE)
    assert baseline.prompt_version is not None
    assert baseline.prompt_version.number == 1
    assert baseline.summary["evaluators"]["exact"]["mean"] == pytest.approx(1 / 5)
    [failure] = decided["failures"]
    assert failure["threshold"] == "mean of exact drops at most 0.1 below the baseline"
    assert failure["baseline"] == pytest.approx(1 / 5)
    assert failure["actual"] == 0.0
    assert [item["item_key"] for item in failure["items"]] != []
    assert _label_version() == 1
