"""Suites: what a run evaluates (dataset, target, evaluators, thresholds), validated when saved
and resolved into a self-contained configuration when a run starts.

``evidence_for`` resolves a suite on a version once: the pinned configuration, the dataset
version and their fingerprint travel together from whoever asks for a run (the API, the release
gate, a schedule, a baseline) down to ``execution.run_start``, which stores them as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops_evals.cases import Evaluator, EvaluatorConfigError
from llmops_evals.embeddings import EmbeddingSimilarity, openai_embedder
from llmops_evals.judge import JudgeConfigError, JudgeEvaluator, PairwiseJudge, grading_from_spec
from llmops_evals.provider import Provider
from llmops_evals.registry import build_evaluator
from llmops_evals.runner import PromptTarget, Target, ThresholdConfigError, thresholds_from_spec

from llmops.evaluation.domain.connections import connection_get, provider_config
from llmops.evaluation.errors import EvaluationError, SuiteError
from llmops.evaluation.models import Dataset, ProviderConnection, Suite
from llmops.lineage.domain import NodeRef
from llmops.lineage.models import NodeKind
from llmops.prompts import selectors as prompt_selectors
from llmops.prompts.domain import PromptNotFound
from llmops.prompts.models import Prompt, PromptVersion
from llmops.prompts.templates import TemplateError, expand_includes
from llmops.tenancy.models import Project

JUDGE_TYPES = ("judge", "pairwise")
# Evaluators that call a provider connection but need no rubric.
EMBEDDING_TYPE = "embedding_similarity"
_EMBEDDING_KEYS = {"type", "name", "connection", "model", "threshold", "dimensions"}
_JUDGE_KEYS = {
    "type",
    "name",
    "prompt",
    "label",
    "version",
    "connection",
    "model",
    "params",
    "scale",
    "pass_at",
    "labels",
    "passing",
}
_TARGET_KEYS = {"type", "prompt", "connection", "model", "params"}


def _prompt_version(
    project: Project, name: str, label: str | None, number: int | None, field: str
) -> PromptVersion:
    try:
        return prompt_selectors.version_resolve(
            project=project, prompt_name=name, number=number, label=label
        )
    except PromptNotFound as exc:
        raise SuiteError(str(exc), field=field) from None


def requested_version(
    *,
    project: Project,
    prompt_name: str,
    number: int | None,
    label: str | None = None,
    prompt_field: str = "prompt",
    error: type[EvaluationError] = EvaluationError,
) -> PromptVersion:
    """The version a request names, refused with the API's messages: the prompt's field is
    ``prompt_field``; a missing version or label blames ``version`` or ``label``."""
    try:
        return prompt_selectors.version_resolve(
            project=project, prompt_name=prompt_name, number=number, label=label
        )
    except PromptNotFound as exc:
        if exc.field == "name":
            raise error(f"No prompt named {prompt_name!r}.", field=prompt_field) from None
        if exc.field == "version":
            raise error("No such version.", field="version") from None
        raise error("No version is behind this label.", field="label") from None


def version_behind(project: Project, prompt_name: str, label: str) -> PromptVersion | None:
    """The version a prompt's label points at now, if any (``latest``: the newest)."""
    try:
        return prompt_selectors.version_resolve(
            project=project, prompt_name=prompt_name, label=label
        )
    except PromptNotFound:
        return None


def prompt_version_node(version: PromptVersion) -> NodeRef:
    return NodeRef(
        NodeKind.PROMPT_VERSION, str(version.pk), f"{version.prompt.name} v{version.number}"
    )


def _check_judge(project: Project, spec: Mapping[str, Any], where: str) -> None:
    unknown = set(spec) - _JUDGE_KEYS
    if unknown:
        raise SuiteError("Unknown key.", field=f"{where}.{sorted(unknown)[0]}")
    for key in ("prompt", "connection", "model"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise SuiteError("Required: a non-empty string.", field=f"{where}.{key}")
    version = spec.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise SuiteError("Must be a version number.", field=f"{where}.version")
    _prompt_version(project, spec["prompt"], spec.get("label"), version, f"{where}.prompt")
    connection_get(project=project, name=spec["connection"], field=f"{where}.connection")
    if spec["type"] == "judge":
        try:
            grading_from_spec(spec)
        except JudgeConfigError as exc:
            raise SuiteError(str(exc), field=f"{where}.{exc.field}") from None


def _check_embedding(project: Project, spec: Mapping[str, Any], where: str) -> None:
    unknown = set(spec) - _EMBEDDING_KEYS
    if unknown:
        raise SuiteError("Unknown key.", field=f"{where}.{sorted(unknown)[0]}")
    for key in ("connection", "model"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise SuiteError("Required: a non-empty string.", field=f"{where}.{key}")
    threshold = spec.get("threshold", 0.8)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise SuiteError("Must be a number.", field=f"{where}.threshold")
    if not -1.0 <= threshold <= 1.0:
        raise SuiteError("Must be between -1 and 1.", field=f"{where}.threshold")
    dimensions = spec.get("dimensions")
    if dimensions is not None and (
        isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1
    ):
        raise SuiteError("Must be a positive integer.", field=f"{where}.dimensions")
    connection_get(project=project, name=spec["connection"], field=f"{where}.connection")


def check_evaluators(project: Project, specs: Any) -> list[str]:
    if not isinstance(specs, list) or not specs:
        raise SuiteError("Give at least one evaluator.", field="evaluators")
    names: list[str] = []
    for index, spec in enumerate(specs):
        where = f"evaluators[{index}]"
        if not isinstance(spec, dict):
            raise SuiteError("Must be an object.", field=where)
        if spec.get("type") in JUDGE_TYPES:
            _check_judge(project, spec, where)
        elif spec.get("type") == EMBEDDING_TYPE:
            _check_embedding(project, spec, where)
        else:
            try:
                build_evaluator(spec)
            except EvaluatorConfigError as exc:
                raise SuiteError(str(exc), field=f"{where}.{exc.field}") from None
        name = str(spec.get("name") or spec.get("type"))
        if name in names:
            raise SuiteError(f"Two evaluators are named {name!r}.", field=f"{where}.name")
        names.append(name)
    return names


def check_target(project: Project, target: Any) -> None:
    if not isinstance(target, dict):
        raise SuiteError("Must be an object.", field="target")
    if target.get("type") == "outputs":
        if set(target) != {"type"}:
            raise SuiteError("Unknown key.", field=f"target.{sorted(set(target) - {'type'})[0]}")
        return
    if target.get("type") != "prompt":
        raise SuiteError("Must be 'prompt' or 'outputs'.", field="target.type")
    unknown = set(target) - _TARGET_KEYS
    if unknown:
        raise SuiteError("Unknown key.", field=f"target.{sorted(unknown)[0]}")
    for key in ("prompt", "connection", "model"):
        if not isinstance(target.get(key), str) or not target[key]:
            raise SuiteError("Required: a non-empty string.", field=f"target.{key}")
    if not isinstance(target.get("params", {}), dict):
        raise SuiteError("Must be an object.", field="target.params")
    if not Prompt.objects.filter(project=project, name=target["prompt"]).exists():
        raise SuiteError(f"no prompt named {target['prompt']!r}", field="target.prompt")
    connection_get(project=project, name=target["connection"], field="target.connection")


def suite_save(
    *,
    project: Project,
    name: str,
    dataset_name: str,
    target: Any,
    evaluators: Any,
    thresholds: Any,
    baseline_label: str,
) -> tuple[Suite, bool]:
    dataset = Dataset.objects.filter(project=project, name=dataset_name).first()
    if dataset is None:
        raise SuiteError(f"no dataset named {dataset_name!r}", field="dataset")
    check_target(project, target)
    names = check_evaluators(project, evaluators)
    if not isinstance(thresholds, list):
        raise SuiteError("Must be a list.", field="thresholds")
    try:
        thresholds_from_spec(thresholds, names)
    except ThresholdConfigError as exc:
        raise SuiteError(str(exc), field=exc.field) from None
    return Suite.objects.update_or_create(
        project=project,
        name=name,
        defaults={
            "dataset": dataset,
            "target": target,
            "evaluators": evaluators,
            "thresholds": thresholds,
            "baseline_label": baseline_label,
        },
    )


def _expanded(project: Project, version: PromptVersion, field: str) -> Any:
    """The version's template with its ``{{> includes}}`` filled in, as the run will use it."""
    try:
        return expand_includes(
            prompt_name=version.prompt.name,
            template=version.template,
            resolve=prompt_selectors.include_resolver(project),
        )
    except TemplateError as exc:
        raise SuiteError(
            f"prompt {version.prompt.name!r} v{version.number}: {exc}", field=field
        ) from None


def resolve_evaluators(
    project: Project, specs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Evaluator specs with their judges' rubrics and connections pinned."""
    evaluators: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        resolved = dict(spec)
        resolved["name"] = str(spec.get("name") or spec["type"])
        if spec["type"] in JUDGE_TYPES:
            where = f"evaluators[{index}]"
            rubric = _prompt_version(
                project, spec["prompt"], spec.get("label"), spec.get("version"), f"{where}.prompt"
            )
            connection = connection_get(
                project=project, name=spec["connection"], field=f"{where}.connection"
            )
            resolved.update(
                rubric=_expanded(project, rubric, f"{where}.prompt"),
                rubric_version_id=rubric.pk,
                rubric_version=rubric.number,
                connection_id=connection.pk,
            )
        elif spec["type"] == EMBEDDING_TYPE:
            connection = connection_get(
                project=project, name=spec["connection"], field=f"evaluators[{index}].connection"
            )
            resolved["connection_id"] = connection.pk
        evaluators.append(resolved)
    return evaluators


def resolve_config(suite: Suite, prompt_version: PromptVersion | None) -> dict[str, Any]:
    """Everything a run needs, pinned: templates, judge rubrics, connection ids, models."""
    project = suite.project
    target: dict[str, Any] = {"type": suite.target["type"]}
    if suite.target["type"] == "prompt":
        if prompt_version is None:
            raise SuiteError("this suite runs a prompt: name its version", field="version")
        connection = connection_get(
            project=project, name=suite.target["connection"], field="target.connection"
        )
        target.update(
            prompt=prompt_version.prompt.name,
            prompt_version_id=prompt_version.pk,
            prompt_version=prompt_version.number,
            template=_expanded(project, prompt_version, "version"),
            model=suite.target["model"],
            params=suite.target.get("params") or {},
            connection_id=connection.pk,
        )
    evaluators = resolve_evaluators(project, suite.evaluators)
    return {
        "target": target,
        "evaluators": evaluators,
        "thresholds": suite.thresholds,
        "evaluator_names": [e["name"] for e in evaluators],
    }


def fingerprint(config: Mapping[str, Any], dataset_version: int) -> str:
    """Same prompt version, dataset version, target settings and evaluators: same evidence."""
    material = {
        "dataset_version": dataset_version,
        "target": {k: v for k, v in config["target"].items() if k != "template"},
        "evaluators": config["evaluators"],
        "thresholds": config["thresholds"],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Evidence:
    """What a run of a suite on a version would be: its pinned configuration, the dataset
    version it reads, and their fingerprint (equal fingerprints are the same evidence)."""

    config: dict[str, Any]
    dataset_version: int
    fingerprint: str


def evidence_for(suite: Suite, prompt_version: PromptVersion | None) -> Evidence:
    """The suite resolved on ``prompt_version`` at its dataset's newest version."""
    config = resolve_config(suite, prompt_version)
    dataset_version = suite.dataset.latest_version
    return Evidence(config, dataset_version, fingerprint(config, dataset_version))


def build_components(
    project: Project, config: Mapping[str, Any], *, lanes: int, tracer: Any
) -> tuple[Target | None, list[Evaluator], int]:
    """The run's target and evaluators, and how many items one lane may have in flight."""
    connections = {
        c.pk: c
        for c in ProviderConnection.objects.filter(
            project=project,
            pk__in=[
                *(
                    [config["target"]["connection_id"]]
                    if "connection_id" in config["target"]
                    else []
                ),
                *[e["connection_id"] for e in config["evaluators"] if "connection_id" in e],
            ],
        )
    }
    providers: dict[int, Provider] = {}
    in_flight = 1

    def provider(connection_id: int) -> Provider:
        nonlocal in_flight
        if connection_id not in providers:
            connection = connections.get(connection_id)
            if connection is None:
                raise SuiteError(
                    "a provider connection of this run was deleted", field="connection"
                )
            # The lanes of a run share the provider's concurrency.
            share = max(connection.concurrency // max(lanes, 1), 1)
            in_flight = max(in_flight, share)
            providers[connection_id] = Provider(
                provider_config(connection, concurrency=share), tracer=tracer
            )
        return providers[connection_id]

    target: Target | None = None
    spec = config["target"]
    if spec["type"] == "prompt":
        target = PromptTarget(
            provider=provider(spec["connection_id"]),
            model=spec["model"],
            template=spec["template"],
            params=spec.get("params") or None,
        )
    evaluators: list[Evaluator] = []
    for resolved in config["evaluators"]:
        if resolved["type"] == "judge":
            evaluators.append(
                JudgeEvaluator(
                    name=resolved["name"],
                    rubric=resolved["rubric"],
                    provider=provider(resolved["connection_id"]),
                    model=resolved["model"],
                    grading=grading_from_spec(resolved),
                    params=resolved.get("params"),
                )
            )
        elif resolved["type"] == "pairwise":
            evaluators.append(
                PairwiseJudge(
                    name=resolved["name"],
                    rubric=resolved["rubric"],
                    provider=provider(resolved["connection_id"]),
                    model=resolved["model"],
                    params=resolved.get("params"),
                )
            )
        elif resolved["type"] == EMBEDDING_TYPE:
            evaluators.append(
                EmbeddingSimilarity(
                    openai_embedder(
                        provider(resolved["connection_id"]).client,
                        resolved["model"],
                        dimensions=resolved.get("dimensions"),
                    ),
                    name=resolved["name"],
                    threshold=resolved.get("threshold"),
                )
            )
        else:
            evaluators.append(build_evaluator(dict(resolved)))
    return target, evaluators, in_flight


def judge_prompt_versions(config: Mapping[str, Any]) -> Sequence[int]:
    return [e["rubric_version_id"] for e in config["evaluators"] if "rubric_version_id" in e]
