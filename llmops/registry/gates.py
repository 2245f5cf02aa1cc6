"""Gates on aliases and stages: what a model version must satisfy before it is promoted.

A gate names metric thresholds, checked against the latest metrics of the version's source run
(the tracking app's data), and evaluation suites, each of which must have a passed evaluation
run linked to the version by an ``evaluated`` lineage edge. The same mechanism protects prompt
labels (``llmops.evaluation.domain.gate``); here the evidence must already exist, so the decision is
immediate: the move is refused with every failed condition, or made and recorded.

Suites and their runs are evaluation's, and evaluation sits above the registry, so the gates ask
through ``SuiteEvidence``, which evaluation registers at startup (``EvaluationConfig.ready``).
Without it, a gate naming suites is refused: it cannot be stored, and it never passes.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from llmops.domain_errors import Invalid
from llmops.lineage.models import EdgeKind, LineageEdge, NodeKind
from llmops.registry.models import GateKind, ModelGate, ModelVersion, RegisteredModel
from llmops.tenancy.models import Project
from llmops.tracking import selectors as tracking

MAX_CONDITIONS = 50


class GateConfigError(Invalid):
    """A gate that cannot be stored; ``field`` is its path in the request body."""


@dataclass(frozen=True)
class PassedRun:
    """A passed evaluation run: its id and the name of its suite."""

    id: uuid.UUID
    suite: str


class SuiteEvidence(Protocol):
    """What a gate's suite conditions need from evaluation."""

    def suite_exists(self, *, project: Project, name: str) -> bool:
        """Whether ``project`` has a suite named ``name``."""
        ...

    def passed_runs(self, *, project: Project, run_ids: list[str]) -> list[PassedRun]:
        """The runs of ``project`` among ``run_ids`` that passed, newest first."""
        ...


_suite_evidence: SuiteEvidence | None = None

# Why a suite condition can be neither stored nor met without a provider.
NO_SUITE_EVIDENCE = "suite conditions cannot be checked: no evaluation app is installed"


def suite_evidence_register(evidence: SuiteEvidence | None) -> None:
    """Set (or, with ``None``, clear) the provider of suite evidence; evaluation calls this once
    at startup."""
    global _suite_evidence
    _suite_evidence = evidence


@dataclass(frozen=True)
class MetricThreshold:
    key: str
    min: float | None = None
    max: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        return f"{self.key} " + " and ".join(parts)


@dataclass
class GateOutcome:
    failures: list[str] = field(default_factory=list)
    # The conditions found satisfied, described for the record.
    checks: list[str] = field(default_factory=list)
    # The evaluation runs whose pass decided the gate.
    runs: list[PassedRun] = field(default_factory=list)
    gated: bool = False

    @property
    def passed(self) -> bool:
        return not self.failures


def parse_metrics(raw: Any) -> list[MetricThreshold]:
    """Validate ``[{"key": ..., "min": ..., "max": ...}]``; errors name the offending field."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GateConfigError("Must be a list of {key, min, max} objects.", field="metrics")
    if len(raw) > MAX_CONDITIONS:
        raise GateConfigError(f"At most {MAX_CONDITIONS} thresholds.", field="metrics")
    found: list[MetricThreshold] = []
    for index, item in enumerate(raw):
        where = f"metrics[{index}]"
        if not isinstance(item, Mapping):
            raise GateConfigError("Must be an object with key, min and/or max.", field=where)
        unknown = sorted(set(item) - {"key", "min", "max"})
        if unknown:
            raise GateConfigError("Unknown field.", field=f"{where}.{unknown[0]}")
        key = item.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 250:
            raise GateConfigError("Must be a metric name (1-250 characters).", field=f"{where}.key")
        bounds: dict[str, float | None] = {}
        for name in ("min", "max"):
            value = item.get(name)
            if value is None:
                bounds[name] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GateConfigError("Must be a number.", field=f"{where}.{name}")
            if not math.isfinite(value):
                raise GateConfigError("Must be a finite number.", field=f"{where}.{name}")
            bounds[name] = float(value)
        if bounds["min"] is None and bounds["max"] is None:
            raise GateConfigError("Give min, max or both.", field=f"{where}.min")
        low, high = bounds["min"], bounds["max"]
        if low is not None and high is not None and low > high:
            raise GateConfigError("Must not be above max.", field=f"{where}.min")
        found.append(MetricThreshold(key=key, min=low, max=high))
    return found


def parse_suites(*, project: Project, raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GateConfigError("Must be a list of suite names.", field="suites")
    if len(raw) > MAX_CONDITIONS:
        raise GateConfigError(f"At most {MAX_CONDITIONS} suites.", field="suites")
    evidence = _suite_evidence
    if evidence is None:
        if raw:
            raise GateConfigError(NO_SUITE_EVIDENCE.capitalize() + ".", field="suites")
        return []
    names: list[str] = []
    for index, name in enumerate(raw):
        where = f"suites[{index}]"
        if not isinstance(name, str) or not name:
            raise GateConfigError("Must be a suite name.", field=where)
        if not evidence.suite_exists(project=project, name=name):
            raise GateConfigError(f"No suite named {name!r}.", field=where)
        if name not in names:
            names.append(name)
    return names


def gate_for(*, model: RegisteredModel, kind: str, target: str) -> ModelGate | None:
    return ModelGate.objects.filter(model=model, kind=kind, target=target).first()


def passed_evaluations(*, version: ModelVersion, evidence: SuiteEvidence) -> list[PassedRun]:
    """Passed evaluation runs linked to ``version`` by an ``evaluated`` lineage edge, newest
    first."""
    refs = LineageEdge.objects.filter(
        project=version.model.project,
        kind=EdgeKind.EVALUATED,
        source__kind=NodeKind.MODEL_VERSION,
        source__ref=str(version.pk),
        target__kind=NodeKind.EVAL_RUN,
    ).values_list("target__ref", flat=True)
    ids = [ref for ref in refs if _is_uuid(ref)]
    return evidence.passed_runs(project=version.model.project, run_ids=ids)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def gate_check(
    *, model: RegisteredModel, version: ModelVersion, kind: str, target: str
) -> GateOutcome:
    """Check ``version`` against the gate of the alias or stage ``target`` (if any)."""
    gate = gate_for(model=model, kind=kind, target=target)
    outcome = GateOutcome()
    if gate is None or (not gate.metrics and not gate.suites):
        return outcome
    outcome.gated = True
    if gate.metrics:
        metrics = tracking.run_latest_metrics(project=model.project, run_id=version.run_id)
        for threshold in parse_metrics(gate.metrics):
            wanted = threshold.describe()
            if metrics is None:
                reason = (
                    "the version has no source run"
                    if not version.run_id
                    else f"run {version.run_id} is unknown to this project's tracking"
                )
                outcome.failures.append(
                    f"metric {threshold.key!r} is unknown ({reason}); needs {wanted}"
                )
                continue
            value = metrics.get(threshold.key)
            if value is None:
                outcome.failures.append(
                    f"metric {threshold.key!r} is unknown: run {version.run_id} never logged it; "
                    f"needs {wanted}"
                )
            elif (
                math.isnan(value)
                or (threshold.min is not None and value < threshold.min)
                or (threshold.max is not None and value > threshold.max)
            ):
                outcome.failures.append(f"metric {threshold.key!r} is {value:g}; needs {wanted}")
            else:
                outcome.checks.append(
                    f"metric {threshold.key!r} of run {version.run_id} is {value:g} ({wanted})"
                )
    evidence = _suite_evidence
    if gate.suites and evidence is None:
        outcome.failures.append(NO_SUITE_EVIDENCE)
    elif gate.suites and evidence is not None:
        passed = passed_evaluations(version=version, evidence=evidence)
        for name in gate.suites:
            run = next((r for r in passed if r.suite == name), None)
            if run is None:
                outcome.failures.append(
                    f"suite {name!r} has no passed evaluation run of version {version.version}"
                )
            else:
                outcome.runs.append(run)
                outcome.checks.append(f"suite {name!r} passed in evaluation run {run.id}")
    return outcome


def describe_refusal(*, kind: str, target: str, outcome: GateOutcome) -> str:
    what = f"alias {target!r}" if kind == GateKind.ALIAS else f"stage {target!r}"
    return f"The gate of {what} failed: " + "; ".join(outcome.failures)
