"""A run pins its prompt target and judge rubric with their ``{{> includes}}`` filled in, so
the evaluation's own template engine sees the same text the platform's renderer would."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.evaluation.domain import SuiteError, connection_save, dataset_create, suite_save
from llmops.evaluation.domain.suites import resolve_config
from llmops.evaluation.models import Suite
from llmops.prompts.domain import label_move, prompt_create, version_create
from llmops.prompts.models import Prompt
from llmops.prompts.templates import TemplateError, expand_includes
from llmops.tenancy.models import Project
from tests.conftest import Tenant


def test_expand_includes_keeps_variables_and_fills_nested_includes() -> None:
    texts = {"tone": "Be {{mood}}. {{> sign-off}}", "sign-off": "Thanks!"}

    def resolve(ref: object) -> str:
        return texts[ref.name]  # type: ignore[attr-defined]

    assert (
        expand_includes(
            prompt_name="answer", template="{{> tone}}\nQ: {{question}}", resolve=resolve
        )
        == "Be {{mood}}. Thanks!\nQ: {{question}}"
    )
    chat = [
        {"role": "system", "content": "{{> tone}}"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]
    assert expand_includes(prompt_name="answer", template=chat, resolve=resolve) == [
        {"role": "system", "content": "Be {{mood}}. Thanks!"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]


def test_expand_includes_refuses_a_cycle() -> None:
    texts = {"a": "{{> b}}", "b": "{{> a}}"}
    with pytest.raises(TemplateError, match="include cycle: answer -> a -> b -> a"):
        expand_includes(
            prompt_name="answer",
            template="{{> a}}",
            resolve=lambda ref: texts[ref.name],
        )


def _suite(project: Project, evaluators: list[dict[str, Any]]) -> Suite:
    """A suite over support/answer on a connection nothing is called on: only pinning is tested."""
    dataset_create(project=project, name="faq")
    connection_save(
        project=project,
        name="local",
        base_url="http://127.0.0.1:9/v1",
        model_names=["m"],
        api_key="k",
        concurrency=1,
        timeout_seconds=5,
    )
    suite, _ = suite_save(
        project=project,
        name="gate",
        dataset_name="faq",
        target={"type": "prompt", "prompt": "support/answer", "connection": "local", "model": "m"},
        evaluators=evaluators,
        thresholds=[],
        baseline_label="production",
    )
    return suite


def test_a_run_pins_target_and_rubric_with_their_includes_expanded(tenant: Tenant) -> None:
    project = tenant.project
    prompt_create(
        project=project,
        name="house/tone",
        prompt_type="text",
        template="Be kind.",
        labels=["production"],
    )
    _, target = prompt_create(
        project=project,
        name="support/answer",
        prompt_type="text",
        template="{{> house/tone}} {{question}}",
    )
    prompt_create(
        project=project,
        name="judges/correct",
        prompt_type="text",
        template="{{> house/tone}} Judge <output>{{output}}</output>",
        labels=["production"],
    )
    judge = {
        "type": "judge",
        "name": "correct",
        "prompt": "judges/correct",
        "connection": "local",
        "model": "m",
        "scale": [1, 5],
        "pass_at": 4,
    }
    suite = _suite(project, [judge])
    config = resolve_config(suite, target)
    assert config["target"]["template"] == "Be kind. {{question}}"
    assert config["evaluators"][0]["rubric"] == "Be kind. Judge <output>{{output}}</output>"

    # The included prompt's production label moves on: the next run pins the new text.
    tone = Prompt.objects.get(project=project, name="house/tone")
    newer = version_create(prompt=tone, template="Be brief.")
    label_move(prompt=tone, label="production", version=newer.version, moved_by="test")
    assert resolve_config(suite, target)["target"]["template"] == "Be brief. {{question}}"


def test_an_unresolvable_include_is_an_error_naming_the_version(tenant: Tenant) -> None:
    project = tenant.project
    # The included prompt exists but has no production label for the include to follow.
    prompt_create(project=project, name="house/tone", prompt_type="text", template="Be kind.")
    _, target = prompt_create(
        project=project,
        name="support/answer",
        prompt_type="text",
        template="{{> house/tone}} {{q}}",
    )
    suite = _suite(project, [{"type": "contains", "name": "mentions"}])
    with pytest.raises(SuiteError) as raised:
        resolve_config(suite, target)
    assert raised.value.field == "version"
    assert "support/answer" in str(raised.value)
    assert "house/tone" in str(raised.value)
