"""docs/security.md shows the same action table the check enforces and the matrix test walks."""

from __future__ import annotations

from pathlib import Path

from django.urls import get_resolver

from llmops.tenancy.access import ACTIONS, Action, Reach

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def _people(action: Action) -> str:
    if action.reach is Reach.PUBLIC:
        return "anyone"
    if action.reach is Reach.PERSON:
        return "any signed-in person"
    return f"{action.role} or higher" if action.role else "no"


def _keys(action: Action) -> str:
    if action.reach is Reach.PUBLIC:
        return "anyone"
    return f"{action.key_scope} or higher" if action.key_scope else "no"


def action_rows() -> list[str]:
    get_resolver().url_patterns  # noqa: B018 — importing the views declares every action
    return [
        f"| `{a.name}` | {a.summary} | {_people(a)} | {_keys(a)} |"
        for a in sorted(ACTIONS.values(), key=lambda a: a.name)
    ]


def test_the_security_guide_lists_every_action_as_declared() -> None:
    text = DOC.read_text()
    missing = [row for row in action_rows() if row not in text]
    assert missing == []
