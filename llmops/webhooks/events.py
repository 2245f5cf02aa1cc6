"""The event catalogue: every event a webhook can subscribe to, who publishes it, and the shape
of its payload (the ``data`` of the delivered body).

One place: the subscription API accepts exactly these names, and a publisher passes the event and
its payload type together, so mypy checks the payload against the catalogue::

    webhooks.publish(
        project=project,
        event=events.PROMPT_LABEL_MOVED,
        payload=events.PromptLabelMoved(prompt=..., label=..., ...),
    )

A new event (monitors' next) is a payload ``TypedDict`` and one ``Event`` here; deliveries store
the name as text, so adding one needs no migration. Names are a public contract: receivers
switch on them, so an event is never renamed, only added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict


@dataclass(frozen=True)
class Event[P: Mapping[str, object]]:
    name: str
    publisher: str  # the bounded context that publishes it
    summary: str
    payload: type[P]


# --- prompts ---------------------------------------------------------------------------------


class PromptVersionCreated(TypedDict):
    prompt: str
    version: int
    content_hash: str
    author: str
    commit_message: str


class PromptLabelMoved(TypedDict):
    prompt: str
    label: str
    from_version: int | None
    to_version: int
    moved_by: str
    reason: str
    # The line, message and config diff between the two versions; None for a label's first move.
    diff: dict[str, Any] | None


# --- evaluation ------------------------------------------------------------------------------


class EvaluationRunFailed(TypedDict):
    run: str
    suite: str
    prompt: str
    label: str
    version: int
    status: str
    failed_thresholds: list[dict[str, Any]]
    error: str


# --- registry --------------------------------------------------------------------------------


class ModelVersionCreated(TypedDict):
    model: str
    version: int
    source: str
    run_id: str | None
    created_by: str


class ModelAliasMoved(TypedDict):
    model: str
    alias: str
    from_version: int | None
    to_version: int | None  # None when the alias was deleted
    moved_by: str
    gate_passed: bool
    gate_checks: list[str]  # what the gate checked, one sentence each


PROMPT_VERSION_CREATED = Event(
    "prompt.version_created", "prompts", "A prompt version was saved", PromptVersionCreated
)
PROMPT_LABEL_MOVED = Event(
    "prompt.label_moved", "prompts", "A prompt label moved, with the diff", PromptLabelMoved
)
EVALUATION_RUN_FAILED = Event(
    "evaluation.run_failed",
    "evaluation",
    "A scheduled evaluation run of a label's version did not pass",
    EvaluationRunFailed,
)
MODEL_VERSION_CREATED = Event(
    "model.version_created", "registry", "A model version was registered", ModelVersionCreated
)
MODEL_ALIAS_MOVED = Event(
    "model.alias_moved", "registry", "A model alias moved or was deleted", ModelAliasMoved
)

CATALOGUE: dict[str, Event[Any]] = {
    event.name: event
    for event in (
        PROMPT_VERSION_CREATED,
        PROMPT_LABEL_MOVED,
        EVALUATION_RUN_FAILED,
        MODEL_VERSION_CREATED,
        MODEL_ALIAS_MOVED,
    )
}


def choices() -> list[tuple[str, str]]:
    """(name, summary) of every event, for the subscription API."""
    return [(event.name, event.summary) for event in CATALOGUE.values()]
