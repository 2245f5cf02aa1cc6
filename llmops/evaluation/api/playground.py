"""The playground's endpoint, ``POST /api/v1/prompts/<name>/playground``: render a prompt
version and run it on a provider connection's model.

Provider connections are evaluation's, and evaluation sits above prompts, so the endpoint lives
here under prompts' path and prompts' write action; llmops/urls.py routes it ahead of prompts'
own paths.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.evaluation.playground import PlaygroundProviderError, playground_run
from llmops.prompts import selectors as prompt_selectors
from llmops.prompts.api import access as prompt_actions
from llmops.prompts.api.serializers import RenderInput
from llmops.tenancy.api.scoping import PROJECT_HEADER_PARAMETER, ProjectScopedView


class PlaygroundInput(RenderInput):
    connection = serializers.CharField(max_length=100, help_text="A provider connection's name.")
    model = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Default: the version's config 'model', else the connection's first model.",
    )
    parameters = serializers.DictField(
        required=False, default=dict, help_text="Over the version's config 'parameters'."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "label" in attrs and "version" in attrs:
            raise serializers.ValidationError({"version": ["Give a label or a version, not both."]})
        return attrs


class PlaygroundOutput(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    model = serializers.CharField()
    rendered = serializers.JSONField(help_text="Text, or the list of messages sent.")
    output = serializers.CharField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    latency_ms = serializers.FloatField()
    trace_id = serializers.CharField()


class ProviderFailed(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "provider_error"


class PlaygroundView(ProjectScopedView):
    access = {"POST": prompt_actions.WRITE}

    @extend_schema(
        operation_id="prompts_playground",
        request=PlaygroundInput,
        parameters=[PROJECT_HEADER_PARAMETER],
        responses={200: PlaygroundOutput, 502: None},
        summary="Render a version, run it on a provider connection's model, trace the call",
        description="Bad input is a 400 naming the field; a provider that fails is a 502. The "
        "call is stored as a trace of the project (its id is in the answer).",
    )
    def post(self, request: Request, name: str) -> Response:
        body = PlaygroundInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = prompt_selectors.version_resolve(
            project=self.project,
            prompt_name=name,
            label=data.get("label"),
            number=data.get("version"),
        )
        try:
            result = playground_run(
                prompt=version.prompt,
                version=version,
                variables=data["variables"],
                placeholders=data["placeholders"],
                connection=data["connection"],
                model=data.get("model"),
                parameters=data["parameters"],
            )
        except PlaygroundProviderError as exc:
            raise ProviderFailed(str(exc)) from None
        return Response(PlaygroundOutput(result).data)
