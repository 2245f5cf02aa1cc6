"""The MLflow model-registry REST endpoints (``/api/2.0/mlflow/registered-models/*`` and
``/model-versions/*``), field for field as the official client expects them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid
from llmops.mlflow_api.views import (
    MlflowView,
    fields,
    integer,
    string_list,
    tags,
    text,
    timestamp_ms,
)
from llmops.registry import domain, selectors
from llmops.registry.api import access as actions
from llmops.registry.models import ModelVersion, RegisteredModel

DEFAULT_MODEL_RESULTS = 100
DEFAULT_VERSION_RESULTS = 10000


def _tag_list(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(values.items())]


def version_json(version: ModelVersion, aliases: Sequence[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": version.model.name,
        "version": str(version.version),
        "creation_timestamp": timestamp_ms(version.created_at),
        "last_updated_timestamp": timestamp_ms(version.updated_at),
        "current_stage": version.current_stage,
        "source": version.source,
        "status": version.status,
        "tags": _tag_list(version.tags),
        "aliases": list(aliases),
    }
    for name in ("description", "user_id", "run_id", "run_link", "status_message"):
        value = getattr(version, name)
        if value:
            body[name] = value
    if version.logged_model_id:
        body["model_id"] = version.logged_model_id
    return body


def versions_json(versions: Sequence[ModelVersion]) -> list[dict[str, Any]]:
    aliases = selectors.aliases_by_version(versions)
    return [version_json(v, aliases.get(v.pk, [])) for v in versions]


def model_json(
    model: RegisteredModel,
    *,
    aliases: Sequence[tuple[str, int]] | None = None,
    latest: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The model; a page of models passes ``aliases`` and ``latest`` read for all at once."""
    if aliases is None:
        aliases = selectors.aliases_of_model(model)
    if latest is None:
        latest = versions_json(selectors.latest_versions(model))
    body: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": timestamp_ms(model.created_at),
        "last_updated_timestamp": timestamp_ms(model.updated_at),
        "tags": _tag_list(model.tags),
        "aliases": [{"alias": alias, "version": str(number)} for alias, number in aliases],
    }
    if model.description:
        body["description"] = model.description
    if latest:
        body["latest_versions"] = latest
    return body


def models_json(models: Sequence[RegisteredModel]) -> list[dict[str, Any]]:
    """A page of models in a fixed number of queries, whatever its size."""
    aliases = selectors.aliases_of_models(models)
    latest = selectors.latest_versions_of_models(models)
    version_aliases = selectors.aliases_by_version([v for vs in latest.values() for v in vs])
    return [
        model_json(
            m,
            aliases=aliases[m.pk],
            latest=[version_json(v, version_aliases.get(v.pk, [])) for v in latest[m.pk]],
        )
        for m in models
    ]


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Invalid(f"Invalid value {value!r} for parameter '{name}': expected a boolean.")


class RegistryView(MlflowView):
    def user(self, request: Request) -> str:
        return str(request.user)

    def model(self, data: Mapping[str, Any]) -> RegisteredModel:
        return selectors.model_get(project=self.project, name=text(data, "name"))

    def version(self, data: Mapping[str, Any]) -> ModelVersion:
        return selectors.model_version_resolve(
            project=self.project, name=text(data, "name"), version=text(data, "version")
        )


# Registered models


class RegisteredModelCreateView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        model = domain.model_create(
            project=self.project,
            name=text(data, "name"),
            description=text(data, "description", required=False),
            tags=tags(data),
        )
        return Response({"registered_model": model_json(model)})


class RegisteredModelGetView(RegistryView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        return Response({"registered_model": model_json(self.model(fields(request)))})


class RegisteredModelRenameView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        model = domain.model_rename(model=self.model(data), new_name=text(data, "new_name"))
        return Response({"registered_model": model_json(model)})


class RegisteredModelUpdateView(RegistryView):
    access = {"PATCH": actions.WRITE}

    def patch(self, request: Request) -> Response:
        data = fields(request)
        model = domain.model_update(
            model=self.model(data), description=text(data, "description", required=False)
        )
        return Response({"registered_model": model_json(model)})


class RegisteredModelDeleteView(RegistryView):
    access = {"DELETE": actions.WRITE}

    def delete(self, request: Request) -> Response:
        domain.model_delete(model=self.model(fields(request)))
        return Response({})


class RegisteredModelSearchView(RegistryView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        found, token = selectors.models_search(
            project=self.project,
            filter_text=text(data, "filter", required=False),
            order_by=string_list(data, "order_by"),
            max_results=integer(data, "max_results", default=DEFAULT_MODEL_RESULTS)
            or DEFAULT_MODEL_RESULTS,
            page_token=text(data, "page_token", required=False),
        )
        body: dict[str, Any] = {"registered_models": models_json(found)}
        if token:
            body["next_page_token"] = token
        return Response(body)


class LatestVersionsView(RegistryView):
    access = {"GET": actions.READ, "POST": actions.READ}

    def _answer(self, request: Request) -> Response:
        data = fields(request)
        latest = selectors.latest_versions(self.model(data), string_list(data, "stages"))
        return Response({"model_versions": versions_json(latest)})

    def get(self, request: Request) -> Response:
        return self._answer(request)

    def post(self, request: Request) -> Response:
        return self._answer(request)


class RegisteredModelSetTagView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.model_tag_set(
            model=self.model(data),
            key=text(data, "key"),
            value=text(data, "value", required=False),
        )
        return Response({})


class RegisteredModelDeleteTagView(RegistryView):
    access = {"DELETE": actions.WRITE}

    def delete(self, request: Request) -> Response:
        data = fields(request)
        domain.model_tag_delete(model=self.model(data), key=text(data, "key"))
        return Response({})


class AliasView(RegistryView):
    access = {"GET": actions.READ, "POST": actions.WRITE, "DELETE": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        model = self.model(data)
        alias = text(data, "alias")
        version = selectors.model_version_resolve(
            project=self.project, name=model.name, version=text(data, "version")
        )
        domain.alias_set(model=model, alias=alias, version=version, moved_by=self.user(request))
        return Response({})

    def delete(self, request: Request) -> Response:
        data = fields(request)
        domain.alias_delete(
            model=self.model(data), alias=text(data, "alias"), moved_by=self.user(request)
        )
        return Response({})

    def get(self, request: Request) -> Response:
        data = fields(request)
        version = selectors.model_version_resolve(
            project=self.project, name=text(data, "name"), alias=text(data, "alias")
        )
        return Response({"model_version": versions_json([version])[0]})


# Model versions


class VersionCreateView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        model = self.model(data)
        version = domain.version_create(
            model=model,
            source=text(data, "source"),
            run_id=text(data, "run_id", required=False),
            run_link=text(data, "run_link", required=False),
            description=text(data, "description", required=False),
            tags=tags(data),
            model_id=text(data, "model_id", required=False),
            user_id=self.user(request),
        )
        return Response({"model_version": version_json(version, [])})


class VersionGetView(RegistryView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        version = self.version(fields(request))
        return Response({"model_version": versions_json([version])[0]})


class VersionUpdateView(RegistryView):
    access = {"PATCH": actions.WRITE}

    def patch(self, request: Request) -> Response:
        data = fields(request)
        version = domain.version_update(
            version=self.version(data), description=text(data, "description", required=False)
        )
        return Response({"model_version": versions_json([version])[0]})


class VersionDeleteView(RegistryView):
    access = {"DELETE": actions.WRITE}

    def delete(self, request: Request) -> Response:
        domain.version_delete(version=self.version(fields(request)))
        return Response({})


class VersionSearchView(RegistryView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        data = fields(request)
        found, token = selectors.versions_search(
            project=self.project,
            filter_text=text(data, "filter", required=False),
            order_by=string_list(data, "order_by"),
            max_results=integer(data, "max_results", default=DEFAULT_VERSION_RESULTS)
            or DEFAULT_VERSION_RESULTS,
            page_token=text(data, "page_token", required=False),
        )
        body: dict[str, Any] = {"model_versions": versions_json(found)}
        if token:
            body["next_page_token"] = token
        return Response(body)


class DownloadUriView(RegistryView):
    access = {"GET": actions.READ}

    def get(self, request: Request) -> Response:
        version = self.version(fields(request))
        return Response({"artifact_uri": selectors.download_uri(version)})


class TransitionStageView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        version = domain.version_transition(
            version=self.version(data),
            stage=text(data, "stage"),
            archive_existing_versions=_flag(data, "archive_existing_versions"),
            transitioned_by=self.user(request),
        )
        return Response({"model_version": versions_json([version])[0]})


class VersionSetTagView(RegistryView):
    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = fields(request)
        domain.version_tag_set(
            version=self.version(data),
            key=text(data, "key"),
            value=text(data, "value", required=False),
        )
        return Response({})


class VersionDeleteTagView(RegistryView):
    access = {"DELETE": actions.WRITE}

    def delete(self, request: Request) -> Response:
        data = fields(request)
        domain.version_tag_delete(version=self.version(data), key=text(data, "key"))
        return Response({})
