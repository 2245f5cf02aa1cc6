"""The shared pointer code (llmops.pointers), on the two kinds that use it: prompt labels
(history keeps the version rows) and model aliases (history keeps version numbers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from llmops.pointers.domain import pointer_clear, pointer_move
from llmops.pointers.kinds import MoveRequest, unguarded
from llmops.pointers.selectors import pointer_history, pointer_target_at
from llmops.prompts.domain import LABELS
from llmops.prompts.models import LabelMove, Prompt, PromptLabel, PromptVersion
from llmops.registry.domain import ALIASES
from llmops.registry.models import AliasMove, ModelAlias, ModelVersion, RegisteredModel
from tests.conftest import Tenant

LabelRequest = MoveRequest[PromptLabel, PromptVersion]


class Refused(Exception):
    pass


def make_prompt(tenant: Tenant, versions: int = 3) -> tuple[Prompt, list[PromptVersion]]:
    prompt = Prompt.objects.create(project=tenant.project, name="answer", type="text")
    made = [
        PromptVersion.objects.create(
            prompt=prompt, number=n, content_hash=f"h{n}", template=f"v{n}"
        )
        for n in range(1, versions + 1)
    ]
    return prompt, made


def make_model(tenant: Tenant) -> tuple[RegisteredModel, list[ModelVersion]]:
    model = RegisteredModel.objects.create(project=tenant.project, name="m", last_version=3)
    return model, [ModelVersion.objects.create(model=model, version=n) for n in (1, 2, 3)]


def move_label(
    prompt: Prompt,
    version: PromptVersion,
    *,
    by: str = "tester",
    guard: Callable[[LabelRequest], None] = unguarded,
    details: Callable[[None], dict[str, Any]] | None = None,
) -> LabelMove | None:
    moved = pointer_move(
        LABELS,
        owner=prompt,
        name="production",
        target=version,
        guard=guard,
        details=details or (lambda _: {"moved_by": by}),
    )
    return moved.history if moved is not None else None


def history(prompt: Prompt) -> list[tuple[int | None, int, str]]:
    return [
        (m.from_version.number if m.from_version else None, m.to_version.number, m.moved_by)
        for m in pointer_history(LABELS, owner=prompt, name="production").order_by("pk")
    ]


@pytest.mark.django_db
def test_the_first_move_creates_the_pointer_and_each_move_records_from_and_to(
    tenant: Tenant,
) -> None:
    prompt, (v1, v2, _) = make_prompt(tenant)
    first = move_label(prompt, v1, by="alice")
    second = move_label(prompt, v2, by="bob")
    assert first is not None
    assert second is not None
    assert (first.from_version, first.to_version, first.moved_by) == (None, v1, "alice")
    assert (second.from_version, second.to_version, second.moved_by) == (v1, v2, "bob")
    pointer = PromptLabel.objects.get(prompt=prompt, name="production")
    assert pointer.version == v2
    assert history(prompt) == [(None, 1, "alice"), (1, 2, "bob")]


@pytest.mark.django_db
def test_a_move_to_the_current_target_records_nothing_and_leaves_the_pointer_untouched(
    tenant: Tenant,
) -> None:
    prompt, (v1, _, _) = make_prompt(tenant)
    move_label(prompt, v1)
    before = PromptLabel.objects.get(prompt=prompt, name="production").updated_at
    seen: list[tuple[int | None, int, bool]] = []

    def watching(request: LabelRequest) -> None:
        pointer = request.pointer
        seen.append((pointer.version_id if pointer else None, request.target.pk, request.unchanged))

    assert move_label(prompt, v1, guard=watching) is None
    assert seen == [(v1.pk, v1.pk, True)]
    assert LabelMove.objects.count() == 1
    assert PromptLabel.objects.get(prompt=prompt, name="production").updated_at == before


@pytest.mark.django_db
def test_a_refusing_guard_leaves_no_history_and_the_pointer_where_it_was(tenant: Tenant) -> None:
    prompt, (v1, v2, _) = make_prompt(tenant)

    def refuse(request: LabelRequest) -> None:
        raise Refused

    with pytest.raises(Refused):
        move_label(prompt, v1, guard=refuse)
    assert not PromptLabel.objects.exists()
    assert not LabelMove.objects.exists()

    move_label(prompt, v1)
    with pytest.raises(Refused):
        move_label(prompt, v2, guard=refuse)
    assert PromptLabel.objects.get(prompt=prompt, name="production").version == v1
    assert history(prompt) == [(None, 1, "tester")]


@pytest.mark.django_db
def test_the_guard_verdict_reaches_the_history_row_and_the_caller(tenant: Tenant) -> None:
    model, (_, m2, _) = make_model(tenant)
    moved = pointer_move(
        ALIASES,
        owner=model,
        name="champion",
        target=m2,
        guard=lambda request: ["accuracy >= 0.9"],
        details=lambda checks: {"moved_by": "ci", "gate_passed": True, "gate_checks": checks},
    )
    assert moved is not None
    assert moved.verdict == ["accuracy >= 0.9"]
    assert (moved.previous, moved.pointer.version) == (None, m2)
    row = AliasMove.objects.get()
    assert (row.from_version, row.to_version, row.moved_by) == (None, 2, "ci")
    assert (row.gate_passed, row.gate_checks) == (True, ["accuracy >= 0.9"])


@pytest.mark.django_db
def test_clearing_records_a_move_to_nothing_and_a_missing_pointer_records_nothing(
    tenant: Tenant,
) -> None:
    model, (m1, _, _) = make_model(tenant)
    assert pointer_clear(ALIASES, owner=model, name="champion", details={}) is None
    assert not AliasMove.objects.exists()
    pointer_move(
        ALIASES, owner=model, name="champion", target=m1, guard=unguarded, details=lambda _: {}
    )
    cleared = pointer_clear(ALIASES, owner=model, name="champion", details={"moved_by": "bob"})
    assert cleared is not None
    assert cleared.previous == m1
    assert not ModelAlias.objects.exists()
    assert [
        (m.from_version, m.to_version, m.moved_by) for m in AliasMove.objects.order_by("pk")
    ] == [(None, 1, ""), (1, None, "bob")]


def _moved_at(row: LabelMove | AliasMove, at: datetime) -> None:
    type(row)._default_manager.filter(pk=row.pk).update(moved_at=at)


@pytest.mark.django_db
def test_as_of_lookups_are_inclusive_at_a_move_and_none_before_the_first_or_after_a_clear(
    tenant: Tenant,
) -> None:
    model, (m1, m2, _) = make_model(tenant)
    t1 = timezone.now() - timedelta(days=3)
    t2, t3 = t1 + timedelta(days=1), t1 + timedelta(days=2)
    for target, when in ((m1, t1), (m2, t2)):
        moved = pointer_move(
            ALIASES,
            owner=model,
            name="champion",
            target=target,
            guard=unguarded,
            details=lambda _: {},
        )
        assert moved is not None
        _moved_at(moved.history, when)
    cleared = pointer_clear(ALIASES, owner=model, name="champion", details={})
    assert cleared is not None
    _moved_at(cleared.history, t3)
    tick = timedelta(microseconds=1)

    def at(when: datetime) -> object | None:
        return pointer_target_at(ALIASES, owner=model, name="champion", at=when)

    assert at(t1 - tick) is None
    assert at(t1) == 1
    assert at(t2 - tick) == 1
    assert at(t2) == 2
    assert at(t3 - tick) == 2
    assert at(t3) is None
    assert pointer_target_at(ALIASES, owner=model, name="challenger", at=t2) is None


@pytest.mark.django_db
def test_history_is_newest_first_and_moves_at_the_same_instant_go_by_id(tenant: Tenant) -> None:
    prompt, (v1, v2, v3) = make_prompt(tenant)
    same = timezone.now() - timedelta(hours=1)
    for version in (v1, v2, v3):
        move = move_label(prompt, version)
        assert move is not None
        _moved_at(move, same)
    newest_first = pointer_history(LABELS, owner=prompt, name="production")
    assert [m.to_version.number for m in newest_first] == [3, 2, 1]
    assert pointer_target_at(LABELS, owner=prompt, name="production", at=same) == v3
    assert (
        pointer_target_at(LABELS, owner=prompt, name="production", at=same - timedelta(1)) is None
    )


def _wait_until_a_session_waits_on_a_lock() -> None:
    """PostgreSQL: until another session of this database waits on a lock; elsewhere a pause."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second move never waited for the first one's lock")


def _in_thread(work: Callable[[], object], failures: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            with transaction.atomic():
                work()
        except BaseException as exc:  # reported to the test's thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_serialize_and_record_history_in_order(tenant: Tenant) -> None:
    prompt, (v1, v2, v3) = make_prompt(tenant)
    move_label(prompt, v1, by="setup")
    holding, release = threading.Event(), threading.Event()
    second_guard_calls: list[int | None] = []
    failures: list[BaseException] = []

    def hold(_: None) -> dict[str, Any]:
        # The first move has locked and rewritten the pointer; keep its transaction open.
        holding.set()
        assert release.wait(10)
        return {"moved_by": "first"}

    def second_guard(request: LabelRequest) -> None:
        second_guard_calls.append(request.pointer.version_id if request.pointer else None)

    first = _in_thread(lambda: move_label(prompt, v2, details=hold), failures)
    assert holding.wait(10)
    second = _in_thread(lambda: move_label(prompt, v3, by="second", guard=second_guard), failures)
    _wait_until_a_session_waits_on_a_lock()
    # The second move is blocked on the pointer's row lock, before its guard.
    assert second_guard_calls == []
    release.set()
    first.join(10)
    second.join(10)
    assert failures == []
    # It then saw the first move's result, not the state it started from.
    assert second_guard_calls == [v2.pk]
    assert history(prompt) == [(None, 1, "setup"), (1, 2, "first"), (2, 3, "second")]
    first_at, second_at = LabelMove.objects.order_by("pk").values_list("moved_at", flat=True)[1:]
    assert first_at <= second_at
    assert PromptLabel.objects.get(prompt=prompt, name="production").version == v3


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's IMMEDIATE transactions never let two first moves overlap",
)
@pytest.mark.django_db(transaction=True)
def test_two_racing_first_moves_both_take_effect_the_loser_after_the_winner(
    tenant: Tenant,
) -> None:
    prompt, (v1, v2, _) = make_prompt(tenant)
    holding, release = threading.Event(), threading.Event()
    second_guard_calls: list[int | None] = []
    failures: list[BaseException] = []

    def hold(_: None) -> dict[str, Any]:
        # The first move has inserted the pointer row, not yet committed.
        holding.set()
        assert release.wait(10)
        return {"moved_by": "first"}

    def second_guard(request: LabelRequest) -> None:
        second_guard_calls.append(request.pointer.version_id if request.pointer else None)

    first = _in_thread(lambda: move_label(prompt, v1, details=hold), failures)
    assert holding.wait(10)
    second = _in_thread(lambda: move_label(prompt, v2, by="second", guard=second_guard), failures)
    # The second move found no row, and its insert waits on the first one's unique key.
    _wait_until_a_session_waits_on_a_lock()
    assert second_guard_calls == [None]
    release.set()
    first.join(10)
    second.join(10)
    assert failures == []
    # Its insert failed on the unique key; it went round again and moved the winner's row.
    assert second_guard_calls == [None, v1.pk]
    assert history(prompt) == [(None, 1, "first"), (1, 2, "second")]
    assert PromptLabel.objects.get(prompt=prompt, name="production").version == v2
