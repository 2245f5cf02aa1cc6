"""The release gate: a protected label moves onto a version only when its gate suites pass.

The promotion walk goes one way: the request (``promotion_request``) names the version;
``promotion_start`` resolves each gate suite on it once (``suites.evidence_for``: the pinned
configuration and its fingerprint), reuses a passing run with the same fingerprint (same
version, dataset version, target settings, evaluators with their rubric versions, thresholds)
or hands the evidence to ``execution.run_start``; when the runs have finished, ``decision``
decides the promotion and moves the label through the prompts domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.db import transaction

from llmops.evaluation.domain.decision import promotion_decide
from llmops.evaluation.domain.execution import run_start
from llmops.evaluation.domain.suites import evidence_for, requested_version
from llmops.evaluation.errors import EvaluationNotFound, EvaluationRefused, GateError
from llmops.evaluation.models import LabelGate, Promotion, Run, RunStatus, Suite, Trigger
from llmops.evaluation.selectors import gate_suites, promotions_with_runs
from llmops.prompts.domain import label_protect
from llmops.prompts.models import Prompt, PromptLabel, PromptVersion
from llmops.tenancy.models import Project


def gate_set(*, prompt: Prompt, label: str, suite_names: Sequence[str]) -> list[Suite]:
    """Name the suites guarding ``label`` (replacing earlier ones) and protect the label."""
    if not suite_names:
        raise GateError("Name at least one suite.", field="suites")
    suites: list[Suite] = []
    for index, name in enumerate(suite_names):
        suite = Suite.objects.filter(project=prompt.project, name=name).first()
        if suite is None:
            raise GateError(f"no suite named {name!r}", field=f"suites[{index}]")
        if suite.target.get("type") == "prompt" and suite.target.get("prompt") != prompt.name:
            raise GateError(
                f"suite {name!r} runs prompt {suite.target.get('prompt')!r}, not {prompt.name!r}",
                field=f"suites[{index}]",
            )
        suites.append(suite)
    with transaction.atomic():
        if not PromptLabel.objects.filter(prompt=prompt, name=label).exists():
            raise EvaluationNotFound(
                f"prompt {prompt.name!r} has no label {label!r}: point it at a version first",
                field="label",
            )
        LabelGate.objects.filter(prompt=prompt, label=label).delete()
        LabelGate.objects.bulk_create(
            [LabelGate(prompt=prompt, label=label, suite=suite) for suite in suites]
        )
        label_protect(prompt=prompt, label=label, protected=True)
    return suites


def gate_configure(
    *, project: Project, prompt_name: str, label: str, suite_names: Sequence[str]
) -> list[Suite]:
    """``gate_set`` on the prompt the request names."""
    prompt = Prompt.objects.filter(project=project, name=prompt_name).first()
    if prompt is None:
        raise GateError(f"No prompt named {prompt_name!r}.", field="prompt")
    return gate_set(prompt=prompt, label=label, suite_names=suite_names)


def promotion_start(
    *, prompt: Prompt, label: str, version: PromptVersion, requested_by: str
) -> Promotion:
    """Start (or reuse) one run per gate suite of ``label`` on ``version``; the promotion is
    decided when they have all finished (at once, after commit, when every run was reused)."""
    suites = gate_suites(prompt, label)
    if not suites:
        raise EvaluationRefused(
            f"label {label!r} has no gate suites; set them with the gate endpoint",
            field="label",
        )
    if version.prompt_id != prompt.pk:
        raise GateError("the version belongs to another prompt", field="version")
    with transaction.atomic():
        promotion = Promotion.objects.create(
            project=prompt.project,
            prompt=prompt,
            label=label,
            version=version,
            requested_by=requested_by,
        )
        for suite in suites:
            # Resolved once: the reuse check and the new run use the same evidence.
            evidence = evidence_for(suite, version)
            reusable = (
                Run.objects.filter(
                    suite=suite, fingerprint=evidence.fingerprint, status=RunStatus.PASSED
                )
                .order_by("-created_at")
                .first()
            )
            run = reusable or run_start(
                suite=suite,
                prompt_version=version,
                trigger=Trigger.GATE,
                created_by=requested_by,
                evidence=evidence,
            )
            promotion.runs.add(run)
        transaction.on_commit(partial(promotion_decide, promotion.pk))
    return promotion


def promotion_request(
    *, project: Project, prompt_name: str, version: int, label: str, requested_by: str
) -> Promotion:
    """A promotion the API asks for, returned with its runs and their progress."""
    found = requested_version(
        project=project, prompt_name=prompt_name, number=version, error=GateError
    )
    promotion = promotion_start(
        prompt=found.prompt, label=label, version=found, requested_by=requested_by
    )
    # Read after the commit: a promotion whose runs were all reused is decided by now.
    return promotions_with_runs(Promotion.objects.filter(pk=promotion.pk)).get()
