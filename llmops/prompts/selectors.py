"""Reads of the prompts context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Max, OuterRef, Q, QuerySet, Subquery, Sum

from llmops.pointers.selectors import pointer_history
from llmops.prompts import templates
from llmops.prompts.domain import LABELS, LATEST, PromptNotFound
from llmops.prompts.models import LabelMove, Prompt, PromptLabel, PromptVersion
from llmops.scores.models import Score
from llmops.tenancy.models import Project
from llmops.tracing.models import Span


def prompt_get(*, project: Project, name: str) -> Prompt:
    prompt = Prompt.objects.filter(project=project, name=name).first()
    if prompt is None:
        raise PromptNotFound(f"no prompt named {name!r}", field="name")
    return prompt


def prompts_list(
    *, project: Project, search: str | None, tag: str | None, folder: str | None
) -> QuerySet[Prompt]:
    prompts = Prompt.objects.filter(project=project).annotate(
        latest_version=Max("versions__number")
    )
    if search:
        prompts = prompts.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if folder:
        prompts = prompts.filter(name__startswith=folder.rstrip("/") + "/")
    if tag:
        prompts = prompts.filter(tags__icontains=f'"{tag}"')
    return prompts.order_by("name")


@dataclass(frozen=True)
class PromptSummary:
    """A prompt with its version numbers, every label (``latest`` included), the newest
    version's config and when a version was last saved or a label last moved."""

    prompt: Prompt
    versions: list[int]
    labels: list[str]
    last_config: dict[str, Any]
    last_updated_at: datetime


def prompt_summaries(
    *,
    project: Project,
    name: str | None,
    label: str | None,
    tag: str | None,
    offset: int,
    limit: int,
) -> tuple[int, list[PromptSummary]]:
    """The total and one page of prompts (by name), filtered by exact name, a label a version
    carries and a tag; three queries whatever the page size."""
    # Every prompt has a version: a prompt is created with its first.
    prompts = prompts_list(project=project, search=None, tag=tag, folder=None)
    if name:
        prompts = prompts.filter(name=name)
    if label and label != LATEST:
        prompts = prompts.filter(labels__name=label)
    total = prompts.count()
    page = list(prompts[offset : offset + limit])
    ids = [prompt.pk for prompt in page]
    versions: dict[int, list[tuple[int, dict[str, Any], datetime]]] = {}
    for prompt_id, number, config, created_at in (
        PromptVersion.objects.filter(prompt_id__in=ids)
        .order_by("number")
        .values_list("prompt_id", "number", "config", "created_at")
    ):
        versions.setdefault(prompt_id, []).append((number, config, created_at))
    labels: dict[int, list[tuple[str, int, datetime]]] = {}
    for prompt_id, label_name, number, updated_at in PromptLabel.objects.filter(
        prompt_id__in=ids
    ).values_list("prompt_id", "name", "version__number", "updated_at"):
        labels.setdefault(prompt_id, []).append((label_name, number, updated_at))
    summaries = []
    for prompt in page:
        rows = versions.get(prompt.pk, [])
        pointers = labels.get(prompt.pk, [])
        numbers = [number for number, _, _ in rows]
        if label == LATEST:
            numbers = numbers[-1:]
        elif label:
            numbers = [number for name_, number, _ in pointers if name_ == label]
        moments = [moment for _, _, moment in rows] + [moment for _, _, moment in pointers]
        summaries.append(
            PromptSummary(
                prompt=prompt,
                versions=numbers,
                labels=sorted({name_ for name_, _, _ in pointers} | {LATEST}),
                last_config=rows[-1][1] if rows else {},
                last_updated_at=max(moments) if moments else prompt.created_at,
            )
        )
    return total, summaries


def version_resolve(
    *,
    project: Project,
    prompt_name: str,
    number: int | None = None,
    label: str | None = None,
    at: datetime | None = None,
) -> PromptVersion:
    """The version a reference means; the one place that answers it.

    ``number`` wins when given; else ``label`` (default ``production``), where ``latest`` is
    the newest version, never a stored label. With ``at``, the answer as of that time: the
    version the label pointed at then, the newest version saved by then, or version ``number``
    if it had been saved by then. The version comes with its prompt loaded.

    Raises :class:`PromptNotFound` naming the field at fault: ``name`` when the
    project has no such prompt, else ``version`` or ``label``.
    """
    versions = PromptVersion.objects.select_related("prompt").filter(
        prompt__project=project, prompt__name=prompt_name
    )
    if at is not None:
        versions = versions.filter(created_at__lte=at)
    when = f" at {at.isoformat()}" if at is not None else ""
    version: PromptVersion | None
    if number is not None:
        version = versions.filter(number=number).first()
        field, missing = "version", f"no version {number}"
    else:
        label = label or templates.DEFAULT_LABEL
        field, missing = "label", f"no label {label!r}"
        if label == LATEST:
            version = versions.order_by("-number").first()
            missing = "no versions"
        elif at is None:
            pointer = (
                PromptLabel.objects.select_related("version__prompt")
                .filter(prompt__project=project, prompt__name=prompt_name, name=label)
                .first()
            )
            version = pointer.version if pointer else None
        else:
            prompt = prompt_get(project=project, name=prompt_name)
            move = label_history(prompt=prompt, label=label, at=at).first()
            version = move.to_version if move else None
            if version is not None:
                version.prompt = prompt
    if version is None:
        # Only a miss pays for telling a missing prompt from a missing version.
        prompt_get(project=project, name=prompt_name)
        raise PromptNotFound(f"prompt {prompt_name!r} has {missing}{when}", field=field)
    return version


def labels_of(prompt: Prompt) -> dict[int, list[str]]:
    """Version number → its labels, ``latest`` included."""
    result: dict[int, list[str]] = {}
    for name, number in PromptLabel.objects.filter(prompt=prompt).values_list(
        "name", "version__number"
    ):
        result.setdefault(number, []).append(name)
    newest = prompt.versions.aggregate(n=Max("number"))["n"]
    if newest is not None:
        result.setdefault(newest, []).append(LATEST)
    for names in result.values():
        names.sort()
    return result


def label_history(*, prompt: Prompt, label: str, at: datetime | None) -> QuerySet[LabelMove]:
    """The label's moves, newest first; with ``at``, those up to then (the first is where the
    label pointed at that time)."""
    return pointer_history(LABELS, owner=prompt, name=label, at=at).select_related(
        "from_version", "to_version"
    )


def include_resolver(project: Project) -> templates.IncludeResolver:
    def resolve(ref: templates.IncludeRef) -> str:
        try:
            version = version_resolve(
                project=project, prompt_name=ref.name, label=ref.label, number=ref.version
            )
        except PromptNotFound as exc:
            raise templates.TemplateError(f"include {ref}: {exc}") from None
        if not isinstance(version.template, str):
            raise templates.TemplateError(f"include {ref}: only text prompts can be included")
        return version.template

    return resolve


def _scores_by_version(prompt: Prompt) -> dict[str, dict[str, dict[str, Any]]]:
    """Version → score name → mean and count of the numeric scores of traces that ran it."""
    # A trace that ran several versions counts for the one its first matching span names.
    version_of_trace = Span.objects.filter(
        project=prompt.project, prompt_name=prompt.name, trace_id=OuterRef("trace_id")
    ).values("prompt_version")[:1]
    rows = (
        Score.objects.filter(project=prompt.project, value__isnull=False)
        .annotate(prompt_version=Subquery(version_of_trace))
        .filter(prompt_version__isnull=False)
        .values("prompt_version", "name")
        .annotate(mean=Avg("value"), count=Count("id"))
    )
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        result.setdefault(row["prompt_version"], {})[row["name"]] = {
            "mean": row["mean"],
            "count": row["count"],
        }
    return result


def usage_by_version(*, prompt: Prompt) -> list[dict[str, Any]]:
    """Per version: traces, LLM calls, tokens, cost, mean latency and error rate of its spans,
    and the means of the numeric scores given to those traces."""
    scores = _scores_by_version(prompt)
    rows = (
        Span.objects.filter(project=prompt.project, prompt_name=prompt.name)
        .values("prompt_version")
        .annotate(
            traces=Count("trace_id", distinct=True),
            calls=Count("id"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            total_tokens=Sum("total_tokens"),
            cost_total=Sum("cost_total"),
            mean_latency_ms=Avg("duration_ms"),
            errors=Count("id", filter=Q(status="error")),
        )
        .order_by("prompt_version")
    )
    return [
        {
            "version": row["prompt_version"],
            "traces": row["traces"],
            "calls": row["calls"],
            "input_tokens": row["input_tokens"] or 0,
            "output_tokens": row["output_tokens"] or 0,
            "total_tokens": row["total_tokens"] or 0,
            "cost_total": row["cost_total"] or 0,
            "mean_latency_ms": row["mean_latency_ms"],
            "error_rate": row["errors"] / row["calls"] if row["calls"] else 0.0,
            "scores": scores.get(row["prompt_version"], {}),
        }
        for row in rows
    ]
