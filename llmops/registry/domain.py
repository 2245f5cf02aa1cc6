"""Changes to the model registry. Each function owns its transaction.

Versions are numbered per model and never reused. Aliases and stages may be gated (see
``gates``); every alias move and stage transition is kept as history, linked into the lineage
graph, and announced to webhook subscribers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from llmops.domain_errors import Conflict, Invalid, NotFound, PreconditionFailed
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import EdgeKind, NodeKind
from llmops.pointers.domain import pointer_clear, pointer_move
from llmops.pointers.kinds import MoveRequest, PointerKind
from llmops.registry import gates
from llmops.registry.models import (
    AliasMove,
    GateKind,
    ModelAlias,
    ModelGate,
    ModelVersion,
    RegisteredModel,
    Stage,
    StageTransition,
)
from llmops.tenancy.models import Project
from llmops.tracking import selectors as tracking
from llmops.webhooks import domain as webhooks
from llmops.webhooks import events

MAX_NAME = 256
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000
RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


def _check_name(name: str, *, field: str = "name") -> str:
    if not name or not name.strip():
        raise Invalid("A model name must not be empty.", field=field)
    if len(name) > MAX_NAME:
        raise Invalid(f"A model name is at most {MAX_NAME} characters.", field=field)
    return name


def _check_tag(key: str, value: str) -> None:
    if not key or len(key) > MAX_TAG_KEY:
        raise Invalid(f"A tag key needs 1 to {MAX_TAG_KEY} characters.", field="key")
    if len(value) > MAX_TAG_VALUE:
        raise Invalid(f"A tag value is at most {MAX_TAG_VALUE} characters.", field="value")


def _check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    for key, value in tags.items():
        _check_tag(key, value)
    return dict(tags)


def parse_stage(raw: str) -> str:
    """MLflow accepts stage names in any case."""
    for stage in Stage.values:
        if raw.lower() == stage.lower():
            return stage
    raise Invalid(
        f"Invalid Model Version stage: {raw}. Value must be one of {', '.join(Stage.values)}.",
        field="stage",
    )


def version_node(version: ModelVersion) -> NodeRef:
    return NodeRef(
        NodeKind.MODEL_VERSION, str(version.pk), f"{version.model.name} v{version.version}"
    )


# Registered models


def model_create(
    *,
    project: Project,
    name: str,
    description: str = "",
    tags: Mapping[str, str] | None = None,
) -> RegisteredModel:
    _check_name(name)
    checked = _check_tags(tags or {})
    try:
        with transaction.atomic():
            return RegisteredModel.objects.create(
                project=project, name=name, description=description, tags=checked
            )
    except IntegrityError:
        raise Conflict(
            f"Registered Model (name={name}) already exists.",
            field="name",
        ) from None


def model_rename(*, model: RegisteredModel, new_name: str) -> RegisteredModel:
    _check_name(new_name, field="new_name")
    if new_name == model.name:
        return model
    try:
        with transaction.atomic():
            model.name = new_name
            model.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise Conflict(
            f"Registered Model (name={new_name}) already exists.",
            field="new_name",
        ) from None
    return model


def model_update(*, model: RegisteredModel, description: str) -> RegisteredModel:
    model.description = description
    model.save(update_fields=["description", "updated_at"])
    return model


def model_delete(*, model: RegisteredModel) -> None:
    model.delete()


def _tag_write(
    rows: type[RegisteredModel] | type[ModelVersion],
    pk: int,
    key: str,
    value: str | None,
    missing: str,
) -> None:
    """Set (``value``) or remove (None) one tag of a model or version, under a row lock."""
    with transaction.atomic():
        locked = rows.objects.select_for_update().get(pk=pk)
        if value is None:
            if key not in locked.tags:
                raise NotFound(missing, field="key")
            locked.tags = {k: v for k, v in locked.tags.items() if k != key}
        else:
            locked.tags = {**locked.tags, key: value}
        locked.save(update_fields=["tags", "updated_at"])


def model_tag_set(*, model: RegisteredModel, key: str, value: str) -> None:
    _check_tag(key, value)
    _tag_write(RegisteredModel, model.pk, key, value, "")


def model_tag_delete(*, model: RegisteredModel, key: str) -> None:
    missing = f"No tag with name: {key} in registered model {model.name}."
    _tag_write(RegisteredModel, model.pk, key, None, missing)


# Versions


def version_create(
    *,
    model: RegisteredModel,
    source: str,
    run_id: str = "",
    run_link: str = "",
    description: str = "",
    tags: Mapping[str, str] | None = None,
    model_id: str = "",
    user_id: str = "",
) -> ModelVersion:
    """Register the next version of ``model``; links the run that produced it (if named).

    The run and the logged model must be the project's own: one of another project is refused
    exactly like one that does not exist (NOT_FOUND), so that ids cannot be probed across
    projects and a version never links to another project's objects."""
    checked = _check_tags(tags or {})
    if run_id and not tracking.run_exists(project=model.project, run_id=run_id):
        raise NotFound(f"Run with id={run_id} not found", field="run_id")
    if model_id:
        source_run = tracking.logged_model_source_run(project=model.project, model_id=model_id)
        if source_run is None:
            raise NotFound(
                f"Logged model with ID '{model_id}' not found.",
                field="model_id",
            )
        run_id = run_id or source_run
    with transaction.atomic():
        locked = RegisteredModel.objects.select_for_update().get(pk=model.pk)
        locked.last_version += 1
        locked.save(update_fields=["last_version", "updated_at"])
        version = ModelVersion.objects.create(
            model=locked,
            version=locked.last_version,
            source=source,
            run_id=run_id,
            run_link=run_link,
            description=description,
            tags=checked,
            logged_model_id=model_id,
            user_id=user_id,
        )
        if run_id:
            lineage_link(
                project=locked.project,
                upstream=NodeRef(NodeKind.EXPERIMENT_RUN, run_id),
                downstream=version_node(version),
                kind=EdgeKind.PRODUCED,
            )
        webhooks.publish(
            project=locked.project,
            event=events.MODEL_VERSION_CREATED,
            payload=events.ModelVersionCreated(
                model=locked.name,
                version=version.version,
                source=source,
                run_id=run_id or None,
                created_by=user_id,
            ),
        )
    return version


def version_update(*, version: ModelVersion, description: str) -> ModelVersion:
    version.description = description
    version.save(update_fields=["description", "updated_at"])
    return version


def version_delete(*, version: ModelVersion) -> None:
    version.delete()


def version_tag_set(*, version: ModelVersion, key: str, value: str) -> None:
    _check_tag(key, value)
    _tag_write(ModelVersion, version.pk, key, value, "")


def version_tag_delete(*, version: ModelVersion, key: str) -> None:
    missing = f"No tag with name: {key} in model version {version}."
    _tag_write(ModelVersion, version.pk, key, None, missing)


def _refuse_unless_gate_passes(
    *, model: RegisteredModel, version: ModelVersion, kind: str, target: str
) -> gates.GateOutcome:
    outcome = gates.gate_check(model=model, version=version, kind=kind, target=target)
    if not outcome.passed:
        raise PreconditionFailed(
            gates.describe_refusal(kind=kind, target=target, outcome=outcome),
            field="alias" if kind == GateKind.ALIAS else "stage",
        )
    return outcome


def _record_move_lineage(
    *,
    model: RegisteredModel,
    version: ModelVersion,
    node: NodeRef,
    outcome: gates.GateOutcome,
) -> None:
    lineage_link(
        project=model.project,
        upstream=version_node(version),
        downstream=node,
        kind=EdgeKind.LABELLED,
    )
    for run in outcome.runs:
        lineage_link(
            project=model.project,
            upstream=NodeRef(NodeKind.EVAL_RUN, str(run.id), f"{run.suite} run {str(run.id)[:8]}"),
            downstream=node,
            kind=EdgeKind.GATED,
        )


def version_transition(
    *,
    version: ModelVersion,
    stage: str,
    archive_existing_versions: bool,
    transitioned_by: str,
) -> ModelVersion:
    """Move ``version`` to ``stage``; with ``archive_existing_versions`` the other versions in
    that stage go to Archived. Each change is recorded."""
    stage = parse_stage(stage)
    if archive_existing_versions and stage not in (Stage.STAGING, Stage.PRODUCTION):
        raise Invalid(
            f"Model version transition cannot archive existing model versions because '{stage}' "
            "is not an Active stage. Valid stages are Staging, Production.",
            field="archive_existing_versions",
        )
    model = version.model
    with transaction.atomic():
        locked = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
        outcome = _refuse_unless_gate_passes(
            model=model, version=locked, kind=GateKind.STAGE, target=stage
        )
        previous = locked.current_stage
        locked.current_stage = stage
        locked.save(update_fields=["current_stage", "updated_at"])
        transition = StageTransition.objects.create(
            model=model,
            version=locked.version,
            from_stage=previous,
            to_stage=stage,
            archive_existing_versions=archive_existing_versions,
            transitioned_by=transitioned_by,
            gate_passed=outcome.gated,
            gate_checks=outcome.checks,
        )
        if archive_existing_versions:
            others = (
                ModelVersion.objects.select_for_update()
                .filter(model=model, current_stage=stage)
                .exclude(pk=locked.pk)
                .order_by("version")
            )
            for other in others:
                StageTransition.objects.create(
                    model=model,
                    version=other.version,
                    from_stage=other.current_stage,
                    to_stage=Stage.ARCHIVED,
                    caused_by_version=locked.version,
                    transitioned_by=transitioned_by,
                )
                other.current_stage = Stage.ARCHIVED
                other.save(update_fields=["current_stage", "updated_at"])
        _record_move_lineage(
            model=model,
            version=locked,
            node=NodeRef(
                NodeKind.LABEL_MOVE,
                f"model-stage-transition:{transition.pk}",
                f"{model.name} v{locked.version} -> {stage}",
            ),
            outcome=outcome,
        )
    return locked


# Aliases


def check_alias(alias: str) -> str:
    if not alias or not alias.strip():
        raise Invalid("An alias must not be empty.", field="alias")
    if len(alias) > MAX_NAME:
        raise Invalid(f"An alias is at most {MAX_NAME} characters.", field="alias")
    if RESERVED_ALIAS.match(alias):
        raise Invalid(
            f"'{alias}' is reserved: an alias cannot be 'latest' or look like a version (v1).",
            field="alias",
        )
    return alias


def _version_number(version: ModelVersion) -> int:
    return version.version


# Aliases are pointers (llmops.pointers): the move, its lock, no-op and history are shared. The
# history keeps version numbers, so it survives the deletion of a version.
ALIASES: PointerKind[ModelAlias, ModelVersion, AliasMove] = PointerKind(
    pointers=ModelAlias,
    history=AliasMove,
    owner_field="model",
    name_field="alias",
    history_name_field="alias",
    recorded_as=_version_number,
)


def alias_set(
    *, model: RegisteredModel, alias: str, version: ModelVersion, moved_by: str
) -> AliasMove | None:
    """Point ``alias`` at ``version`` if its gate passes; None when it already points there."""
    check_alias(alias)
    if version.model_id != model.pk:
        raise Invalid("The version belongs to another model.", field="version")

    def guard(request: MoveRequest[ModelAlias, ModelVersion]) -> gates.GateOutcome:
        # The gate judges the target: a move to where the alias already is needs no evidence.
        if request.unchanged:
            return gates.GateOutcome()
        return _refuse_unless_gate_passes(
            model=model, version=version, kind=GateKind.ALIAS, target=alias
        )

    with transaction.atomic():
        moved = pointer_move(
            ALIASES,
            owner=model,
            name=alias,
            target=version,
            guard=guard,
            details=lambda outcome: {
                "moved_by": moved_by,
                "gate_passed": outcome.gated,
                "gate_checks": outcome.checks,
            },
        )
        if moved is None:
            return None
        outcome, move = moved.verdict, moved.history
        from_version = moved.previous.version if moved.previous is not None else None
        _record_move_lineage(
            model=model,
            version=version,
            node=NodeRef(
                NodeKind.LABEL_MOVE,
                f"model-alias-move:{move.pk}",
                f"{model.name}@{alias} -> v{version.version}",
            ),
            outcome=outcome,
        )
        RegisteredModel.objects.filter(pk=model.pk).update(updated_at=timezone.now())
        webhooks.publish(
            project=model.project,
            event=events.MODEL_ALIAS_MOVED,
            payload=events.ModelAliasMoved(
                model=model.name,
                alias=alias,
                from_version=from_version,
                to_version=version.version,
                moved_by=moved_by,
                gate_passed=outcome.gated,
                gate_checks=outcome.checks,
            ),
        )
    return move


def alias_delete(*, model: RegisteredModel, alias: str, moved_by: str) -> AliasMove:
    """Remove ``alias``; recorded as a move to no version and announced like any move."""
    with transaction.atomic():
        cleared = pointer_clear(ALIASES, owner=model, name=alias, details={"moved_by": moved_by})
        if cleared is None:
            raise NotFound(
                f"Registered model alias {alias} not found.",
                field="alias",
            )
        from_version, move = cleared.previous.version, cleared.history
        webhooks.publish(
            project=model.project,
            event=events.MODEL_ALIAS_MOVED,
            payload=events.ModelAliasMoved(
                model=model.name,
                alias=alias,
                from_version=from_version,
                to_version=None,
                moved_by=moved_by,
                gate_passed=False,
                gate_checks=[],
            ),
        )
    return move


# Gates


def gate_save(
    *,
    model: RegisteredModel,
    kind: str,
    target: str,
    metrics: object,
    suites: object,
    updated_by: str,
) -> ModelGate | None:
    """Replace the gate of an alias or stage; empty metrics and suites remove it (None)."""
    if kind == GateKind.ALIAS:
        check_alias(target)
    else:
        target = parse_stage(target)
        if target == Stage.NONE:
            raise Invalid("The stage 'None' cannot be gated.", field="stage")
    thresholds = gates.parse_metrics(metrics)  # a bad gate raises Invalid naming its field
    suite_names = gates.parse_suites(project=model.project, raw=suites)
    with transaction.atomic():
        if not thresholds and not suite_names:
            ModelGate.objects.filter(model=model, kind=kind, target=target).delete()
            return None
        gate, _ = ModelGate.objects.update_or_create(
            model=model,
            kind=kind,
            target=target,
            defaults={
                "metrics": [
                    {
                        k: v
                        for k, v in {"key": t.key, "min": t.min, "max": t.max}.items()
                        if v is not None
                    }
                    for t in thresholds
                ],
                "suites": suite_names,
                "updated_by": updated_by,
            },
        )
    return gate
