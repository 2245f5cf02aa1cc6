"""One answer to "which version does this reference mean": a number, a label, ``latest`` (the
newest version, never a stored label), and each of them as of a past time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from llmops.prompts import domain
from llmops.prompts.domain import PromptNotFound
from llmops.prompts.models import LabelMove, Prompt, PromptVersion
from llmops.prompts.selectors import version_resolve
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _save(prompt: Prompt, template: str) -> PromptVersion:
    return domain.version_create(prompt=prompt, template=template).version


def _move(prompt: Prompt, label: str, version: PromptVersion, at: datetime) -> None:
    move = domain.label_move(prompt=prompt, label=label, version=version, moved_by="test")
    assert move is not None
    LabelMove.objects.filter(pk=move.pk).update(moved_at=at)


@pytest.fixture
def answer(tenant: Tenant) -> Prompt:
    """v1 at T0, v2 at T0+1h, v3 at T0+2h; production on v1 from T0, on v2 from T0+90m;
    staging on v3 from T0+2h."""
    prompt, v1 = domain.prompt_create(
        project=tenant.project, name="answer", prompt_type="text", template="one"
    )
    v2 = _save(prompt, "two")
    v3 = _save(prompt, "three")
    for number, version in enumerate((v1, v2, v3)):
        PromptVersion.objects.filter(pk=version.pk).update(created_at=T0 + timedelta(hours=number))
    _move(prompt, "production", v1, T0)
    _move(prompt, "production", v2, T0 + timedelta(minutes=90))
    _move(prompt, "staging", v3, T0 + timedelta(hours=2))
    return prompt


def _number(tenant: Tenant, **reference: Any) -> int:
    version = version_resolve(project=tenant.project, prompt_name="answer", **reference)
    assert version.prompt.name == "answer"
    return version.number


def test_a_number_a_label_and_latest_each_cost_one_query_with_the_prompt_loaded(
    tenant: Tenant, answer: Prompt, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for reference, expected in (
        ({"number": 1}, 1),
        ({"label": "staging"}, 3),
        ({"label": "latest"}, 3),
    ):
        with django_assert_num_queries(1):
            assert _number(tenant, **reference) == expected


def test_without_a_reference_the_production_label_is_meant(tenant: Tenant, answer: Prompt) -> None:
    assert _number(tenant) == 2
    assert _number(tenant, label="production") == 2


def test_a_number_wins_over_a_label(tenant: Tenant, answer: Prompt) -> None:
    assert _number(tenant, number=1, label="staging") == 1


def test_latest_is_the_newest_version_even_with_no_label_on_it(
    tenant: Tenant, answer: Prompt
) -> None:
    v4 = _save(answer, "four")
    assert _number(tenant, label="latest") == v4.number == 4
    # The labels did not move with it.
    assert _number(tenant, label="staging") == 3


def test_as_of_a_time_a_label_is_where_it_pointed_then(tenant: Tenant, answer: Prompt) -> None:
    assert _number(tenant, label="production", at=T0 + timedelta(minutes=30)) == 1
    assert _number(tenant, label="production", at=T0 + timedelta(minutes=90)) == 2
    assert _number(tenant, label="production", at=T0 + timedelta(days=1)) == 2


def test_as_of_a_time_latest_is_the_newest_version_saved_by_then(
    tenant: Tenant, answer: Prompt
) -> None:
    assert _number(tenant, label="latest", at=T0 + timedelta(minutes=30)) == 1
    assert _number(tenant, label="latest", at=T0 + timedelta(minutes=60)) == 2
    assert _number(tenant, number=2, at=T0 + timedelta(minutes=60)) == 2


def test_as_of_a_time_before_it_existed_names_the_field(tenant: Tenant, answer: Prompt) -> None:
    before = T0 + timedelta(minutes=30)
    with pytest.raises(PromptNotFound) as label:
        version_resolve(project=tenant.project, prompt_name="answer", label="staging", at=before)
    assert label.value.field == "label"
    assert str(label.value) == f"prompt 'answer' has no label 'staging' at {before.isoformat()}"
    with pytest.raises(PromptNotFound) as number:
        version_resolve(project=tenant.project, prompt_name="answer", number=3, at=before)
    assert (number.value.field, str(number.value)) == (
        "version",
        f"prompt 'answer' has no version 3 at {before.isoformat()}",
    )
    with pytest.raises(PromptNotFound) as latest:
        version_resolve(
            project=tenant.project, prompt_name="answer", label="latest", at=T0 - timedelta(1)
        )
    assert latest.value.field == "label"


@pytest.mark.parametrize(
    ("prompt_name", "reference", "field", "message"),
    [
        ("answer", {"number": 9}, "version", "prompt 'answer' has no version 9"),
        ("answer", {"label": "canary"}, "label", "prompt 'answer' has no label 'canary'"),
        ("nope", {"label": "latest"}, "name", "no prompt named 'nope'"),
        ("nope", {"number": 1}, "name", "no prompt named 'nope'"),
    ],
)
def test_a_missing_reference_is_a_not_found_naming_the_field(
    tenant: Tenant,
    answer: Prompt,
    prompt_name: str,
    reference: dict[str, Any],
    field: str,
    message: str,
) -> None:
    with pytest.raises(PromptNotFound) as missing:
        version_resolve(project=tenant.project, prompt_name=prompt_name, **reference)
    assert (missing.value.field, str(missing.value)) == (field, message)


def test_another_projects_prompt_is_not_found(
    tenant: Tenant, other_tenant: Tenant, answer: Prompt
) -> None:
    theirs, _ = domain.prompt_create(
        project=other_tenant.project,
        name="secret",
        prompt_type="text",
        template="theirs",
        labels=["canary"],
    )
    mine_elsewhere, first = domain.prompt_create(
        project=other_tenant.project, name="answer", prompt_type="text", template="x"
    )
    _move(mine_elsewhere, "canary", first, T0)
    for prompt_name, reference in (
        ("secret", {"number": 1}),
        ("secret", {"label": "canary"}),
        ("secret", {"label": "latest"}),
        ("answer", {"label": "canary"}),
    ):
        with pytest.raises(PromptNotFound):
            version_resolve(project=tenant.project, prompt_name=prompt_name, **reference)
    # Their own project still resolves them.
    assert (
        version_resolve(project=other_tenant.project, prompt_name="secret", label="canary").prompt
        == theirs
    )
