"""Online evaluation: rules that score a sample of newly ingested traces.

Ingestion sends ``traces_ingested`` after commit; when the project has an enabled rule, a task
is queued with the changed trace ids (ingestion itself never waits for an evaluator). A trace
is evaluated once its root span is stored. Sampling hashes (rule, trace id), so a trace that
arrives over several batches is either always or never in a rule's sample, and the score ids
are derived from (rule, trace, evaluator), so evaluating a trace again updates its scores
instead of adding more.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.dispatch import receiver
from llmops_evals.cases import Case

from llmops.celery import app as celery_app
from llmops.evaluation.domain.suites import build_components, check_evaluators, resolve_evaluators
from llmops.evaluation.errors import EvaluationNotFound, RuleError, SuiteError
from llmops.evaluation.models import OnlineRule
from llmops.evaluation.tracing_export import evaluation_tracer_provider
from llmops.scores.domain import ScoreInput, scores_record
from llmops.scores.models import Source
from llmops.tenancy.models import Project
from llmops.tracing.models import Trace
from llmops.tracing.selectors import TraceFilters, traces_filtered
from llmops.tracing.signals import traces_ingested

log = logging.getLogger(__name__)

ONLINE_TASK = "evaluation.online_evaluate"
SCORE_NAMESPACE = uuid.UUID("6f1c7a52-2d1e-4b8e-9a51-0c3f5e0d9b17")
_STRING_FILTERS = (
    "name",
    "user_id",
    "session_id",
    "environment",
    "release",
    "model",
    "status",
    "metadata_key",
    "metadata_value",
    "prompt_name",
    "prompt_version",
)
_RULE_CACHE_SECONDS = 10.0
_has_rules: dict[Any, tuple[float, bool]] = {}


def trace_filters(raw: Any) -> TraceFilters:
    """A rule's filter, the trace list's filters as a JSON object."""
    if not isinstance(raw, Mapping):
        raise RuleError("Must be an object.", field="filter")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"filter.{key}"
        if key in _STRING_FILTERS:
            if not isinstance(value, str):
                raise RuleError("Must be a string.", field=where)
            values[key] = value
        elif key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise RuleError("Must be a list of strings.", field=where)
            values[key] = tuple(value)
        elif key == "has_error":
            if not isinstance(value, bool):
                raise RuleError("Must be true or false.", field=where)
            values[key] = value
        elif key in ("min_cost", "min_latency_ms"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RuleError("Must be a number.", field=where)
            try:
                values[key] = Decimal(str(value)) if key == "min_cost" else float(value)
            except InvalidOperation:
                raise RuleError("Must be a number.", field=where) from None
        else:
            raise RuleError("Unknown filter.", field=where)
    return TraceFilters(**values)


def rule_save(
    *,
    project: Project,
    name: str,
    filter: Any,
    sampling_rate: float,
    evaluators: Any,
    enabled: bool,
) -> OnlineRule:
    trace_filters(filter)
    if not 0.0 <= sampling_rate <= 1.0:
        raise RuleError("Must be between 0 and 1.", field="sampling_rate")
    check_evaluators(project, evaluators)
    for index, spec in enumerate(evaluators):
        if spec.get("type") == "pairwise":
            raise RuleError(
                "Pairwise judges need a baseline; online rules take single-output evaluators.",
                field=f"evaluators[{index}].type",
            )
    rule, _ = OnlineRule.objects.update_or_create(
        project=project,
        name=name,
        defaults={
            "filter": filter,
            "sampling_rate": sampling_rate,
            "evaluators": evaluators,
            "enabled": enabled,
        },
    )
    forget_project(project)
    return rule


def rule_delete(*, project: Project, name: str) -> None:
    """Remove a rule; traces ingested from now on are not evaluated by it."""
    deleted, _ = OnlineRule.objects.filter(project=project, name=name).delete()
    if not deleted:
        raise EvaluationNotFound("Rule not found.", field="rule")
    forget_project(project)


def forget_project(project: Project) -> None:
    """Drop the cached "has rules" answer after rules change."""
    _has_rules.pop(project.pk, None)


def sampled(rule: OnlineRule, trace_id: str) -> bool:
    digest = hashlib.sha256(f"{rule.pk}:{trace_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rule.sampling_rate


def _project_has_rules(project: Project) -> bool:
    now = time.monotonic()
    cached = _has_rules.get(project.pk)
    if cached is not None and now - cached[0] < _RULE_CACHE_SECONDS:
        return cached[1]
    found = OnlineRule.objects.filter(project=project, enabled=True).exists()
    _has_rules[project.pk] = (now, found)
    return found


@receiver(traces_ingested)
def _on_ingest(sender: Any, *, project: Project, trace_ids: Sequence[str], **kwargs: Any) -> None:
    if not _project_has_rules(project):
        return
    celery_app.send_task(ONLINE_TASK, args=[str(project.pk), list(trace_ids)])


def _case(trace: Trace) -> Case:
    return Case(
        input=trace.input,
        output=trace.output,
        expected=None,
        metadata={
            **(trace.metadata if isinstance(trace.metadata, dict) else {}),
            "latency_ms": trace.latency_ms,
            "input_tokens": trace.input_tokens,
            "output_tokens": trace.output_tokens,
            "total_tokens": trace.total_tokens,
            "cost": float(trace.cost_total),
        },
    )


def evaluate_traces(*, project: Project, trace_ids: Sequence[str]) -> int:
    """Apply the project's enabled rules to these traces; returns the number of scores stored."""
    stored = 0
    for rule in OnlineRule.objects.filter(project=project, enabled=True).order_by("pk"):
        traces = [
            t
            for t in traces_filtered(project=project, filters=trace_filters(rule.filter))
            .filter(trace_id__in=trace_ids)
            .exclude(root_span_id="")
            if sampled(rule, t.trace_id)
        ]
        if not traces:
            continue
        provider = evaluation_tracer_provider(project, f"online:{rule.name}")
        try:
            config = {
                "target": {"type": "outputs"},
                "evaluators": resolve_evaluators(project, rule.evaluators),
            }
            _, evaluators, _ = build_components(
                project, config, lanes=1, tracer=provider.get_tracer("llmops.evaluation")
            )
        except SuiteError as exc:
            log.warning("online rule %s cannot run: %s", rule.name, exc)
            provider.shutdown()
            continue
        scores: list[ScoreInput] = []
        for trace in traces:
            case = _case(trace)
            for evaluator in evaluators:
                try:
                    verdict = evaluator.evaluate(case)
                except Exception as exc:
                    log.warning("online rule %s: %s failed: %s", rule.name, evaluator.name, exc)
                    continue
                if verdict.error is not None or verdict.score is None:
                    log.info("online rule %s: %s: %s", rule.name, evaluator.name, verdict.error)
                    continue
                scores.append(
                    ScoreInput(
                        id=uuid.uuid5(
                            SCORE_NAMESPACE, f"{rule.pk}:{trace.trace_id}:{evaluator.name}"
                        ),
                        name=evaluator.name,
                        value=float(verdict.score),
                        data_type="numeric",
                        trace_id=trace.trace_id,
                        comment=verdict.reason[:1000],
                        source=Source.EVAL,
                        metadata={
                            "rule": rule.name,
                            "passed": verdict.passed,
                            "label": verdict.label,
                        },
                    )
                )
        provider.force_flush()
        provider.shutdown()
        if scores:
            scores_record(
                project=project, items=scores, author=f"online rule {rule.name}", many=True
            )
            stored += len(scores)
    return stored
