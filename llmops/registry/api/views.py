from __future__ import annotations

from typing import Any

from django.db.models import Max
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.registry import domain, selectors
from llmops.registry.api import access as actions
from llmops.registry.api.serializers import (
    GateInput,
    GateListOutput,
    GateOutput,
    ModelDetailOutput,
    ModelListOutput,
)
from llmops.registry.models import GateKind, ModelGate, ModelVersion, RegisteredModel
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView

MODEL_PARAMETER = OpenApiParameter(
    "model", str, location=OpenApiParameter.PATH, description="The registered model's name."
)


def _model(view: ProjectScopedView, name: str) -> RegisteredModel:
    model = RegisteredModel.objects.filter(project=view.project, name=name).first()
    if model is None:
        raise exceptions.NotFound("Model not found.")
    return model


def _summary(
    model: RegisteredModel,
    *,
    latest_version: int | None,
    aliases: list[tuple[str, int]],
) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "tags": model.tags,
        "latest_version": latest_version,
        "aliases": [{"alias": alias, "version": number} for alias, number in aliases],
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }


def _gate(gate: ModelGate) -> dict[str, Any]:
    return {
        "alias": gate.target if gate.kind == GateKind.ALIAS else None,
        "stage": gate.target if gate.kind == GateKind.STAGE else None,
        "metrics": gate.metrics,
        "suites": gate.suites,
        "updated_by": gate.updated_by,
        "updated_at": gate.updated_at,
    }


def _version(version: ModelVersion, aliases: list[str]) -> dict[str, Any]:
    return {
        **{
            name: getattr(version, name)
            for name in (
                "version",
                "source",
                "run_id",
                "run_link",
                "logged_model_id",
                "status",
                "description",
                "current_stage",
                "user_id",
                "tags",
                "created_at",
                "updated_at",
            )
        },
        "aliases": aliases,
        "lineage_ref": str(version.pk),
    }


class ModelListView(ProjectScopedView):
    access = {"GET": actions.READ}
    reads_may_lag = True

    @extend_schema(
        operation_id="registry_models_list",
        parameters=[PROJECT_HEADER_PARAMETER],
        responses=ModelListOutput,
        summary="Registered models (MLflow's model registry), by name, with their aliases",
    )
    def get(self, request: Request) -> Response:
        models = list(
            RegisteredModel.objects.filter(project=self.project)
            .annotate(newest=Max("versions__version"))
            .order_by("name")
        )
        aliases = selectors.aliases_of_models(models)
        items = [_summary(m, latest_version=m.newest, aliases=aliases[m.pk]) for m in models]
        return Response(ModelListOutput({"items": items}).data)


class ModelDetailView(ProjectScopedView):
    access = {"GET": actions.READ}

    @extend_schema(
        operation_id="registry_models_retrieve",
        parameters=[MODEL_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=ModelDetailOutput,
        summary="A registered model: versions, aliases, alias and stage history, gates",
    )
    def get(self, request: Request, model: str) -> Response:
        found = _model(self, model)
        versions = list(found.versions.select_related("model").order_by("-version"))
        aliases = selectors.aliases_by_version(versions)
        body = {
            **_summary(
                found,
                latest_version=versions[0].version if versions else None,
                aliases=selectors.aliases_of_model(found),
            ),
            "versions": [_version(v, aliases.get(v.pk, [])) for v in versions],
            "alias_history": selectors.alias_history(found),
            "stage_history": selectors.stage_history(found),
            "gates": [_gate(g) for g in found.gates.order_by("kind", "target")],
        }
        return Response(ModelDetailOutput(body).data)


class ModelGateView(ProjectScopedView):
    access = {"GET": actions.READ, "PUT": actions.CONFIGURE_GATES}

    @extend_schema(
        operation_id="registry_model_gates_list",
        parameters=[MODEL_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=GateListOutput,
        summary="The gates of a model's aliases and stages",
    )
    def get(self, request: Request, model: str) -> Response:
        found = _model(self, model)
        gates = [_gate(g) for g in found.gates.order_by("kind", "target")]
        return Response(GateListOutput({"items": gates}).data)

    @extend_schema(
        operation_id="registry_model_gates_set",
        request=GateInput,
        parameters=[MODEL_PARAMETER, PROJECT_HEADER_PARAMETER],
        responses=GateOutput,
        summary="Set (replace) the gate of an alias or a stage",
        description="Moving the alias (set_registered_model_alias) or transitioning a version to "
        "the stage is then refused with MLflow's INVALID_STATE unless the version's source run "
        "has every metric within its bounds and every named suite has a passed evaluation run "
        "of the version. Empty metrics and suites remove the gate.",
    )
    def put(self, request: Request, model: str) -> Response:
        body = GateInput(data=request.data)
        body.is_valid(raise_exception=True)
        params = body.validated_data
        found = _model(self, model)
        kind = GateKind.ALIAS if "alias" in params else GateKind.STAGE
        target = params.get("alias") or params.get("stage") or ""
        gate = domain.gate_save(
            model=found,
            kind=kind,
            target=target,
            metrics=params["metrics"],
            suites=params["suites"],
            updated_by=str(request.user),
        )
        if gate is None:
            return Response(
                GateOutput(
                    {
                        "alias": target if kind == GateKind.ALIAS else None,
                        "stage": domain.parse_stage(target) if kind == GateKind.STAGE else None,
                        "metrics": [],
                        "suites": [],
                        "updated_by": str(request.user),
                        "updated_at": None,
                    }
                ).data
            )
        return Response(GateOutput(_gate(gate)).data)
