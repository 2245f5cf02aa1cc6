"""No key or user of one project reads or writes another project's data, through any endpoint.

Across projects the answer is 404 (never 403), so a caller cannot even learn that an id exists.
The route list is read from the URL configuration: a new project-scoped endpoint is covered
automatically, and one whose path parameters this file cannot fill fails loudly until added.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from llmops.evaluation.domain import (
    ItemInput,
    connection_save,
    dataset_create,
    gate_set,
    items_change,
    promotion_start,
    rule_save,
    run_start,
    schedule_create,
    suite_save,
)
from llmops.evaluation.domain.langsmith import dataset_uuid
from llmops.evaluation.models import (
    Dataset,
    DatasetItem,
    OnlineRule,
    Promotion,
    ProviderConnection,
    Run,
    Schedule,
    Suite,
    Trigger,
)
from llmops.lineage.domain import NodeRef, lineage_link
from llmops.lineage.models import LineageEdge, LineageNode, NodeKind
from llmops.prompts.domain import label_protect, prompt_create
from llmops.prompts.models import LabelMove, Prompt, PromptLabel, PromptVersion
from llmops.registry import domain as registry
from llmops.registry.models import (
    AliasMove,
    ModelAlias,
    ModelGate,
    ModelVersion,
    RegisteredModel,
    StageTransition,
)
from llmops.scores.domain import ScoreInput, scores_record
from llmops.scores.models import Score
from llmops.tenancy.api.scoping import ProjectScopedView
from llmops.tenancy.models import ApiKey, Role
from llmops.tracing.domain import model_price_create, retention_set
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.models import ModelPrice, RetentionPolicy, Span, Trace
from llmops.tracing.otlp import iter_spans
from llmops.tracking import domain as tracking
from llmops.tracking.models import Experiment, LoggedModel
from llmops.tracking.models import Run as ExperimentRun
from llmops.webhooks.models import WebhookSubscription
from tests.conftest import MakeUser, Tenant, session_client
from tests.tracing import otlp_payloads as p

pytestmark = pytest.mark.django_db

VICTIM_REF = "victim-secret-dataset-ref"
VICTIM_TRACE = "0000000000000000000000000000a1a1"


def _project_routes(
    patterns: list[Any] | None = None, prefix: str = ""
) -> Iterator[tuple[str, str, type[ProjectScopedView]]]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _project_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, ProjectScopedView):
                yield entry.name or "", prefix + str(entry.pattern), view_class


ROUTES = sorted(_project_routes())


PROJECT_OWNED = [
    ApiKey,
    Score,
    LineageNode,
    LineageEdge,
    Span,
    Trace,
    ModelPrice,
    RetentionPolicy,
    Prompt,
    WebhookSubscription,
    Dataset,
    ProviderConnection,
    Suite,
    Run,
    Promotion,
    Schedule,
    OnlineRule,
    Experiment,
    ExperimentRun,
    LoggedModel,
    RegisteredModel,
]
PROMPT_OWNED = [PromptVersion, PromptLabel, LabelMove]
MODEL_OWNED = [ModelVersion, ModelAlias, AliasMove, StageTransition, ModelGate]


def _snapshot(tenant: Tenant) -> dict[str, list[Any]]:
    snapshot = {
        model.__name__: list(
            model._default_manager.filter(project=tenant.project).order_by("pk").values()
        )
        for model in PROJECT_OWNED
    }
    for model in PROMPT_OWNED:
        snapshot[model.__name__] = list(
            model._default_manager.filter(prompt__project=tenant.project).order_by("pk").values()
        )
    for owned in MODEL_OWNED:
        snapshot[owned.__name__] = list(
            owned._default_manager.filter(model__project=tenant.project).order_by("pk").values()
        )
    return snapshot


def _fill(route: str, victim: Tenant) -> str:
    key_id = str(ApiKey.objects.filter(project=victim.project).values_list("pk", flat=True)[0])
    price_id = str(
        ModelPrice.objects.filter(project=victim.project).values_list("pk", flat=True)[0]
    )
    values = {
        "<uuid:key_id>": key_id,
        "<int:price_id>": price_id,
        "<str:trace_id>": VICTIM_TRACE,
        "<uuid:score_id>": str(Score.objects.get(project=victim.project).id),
        "<str:session_id>": "victim-session",
        "<path:name>": "victim/prompt",
        "<int:number>": "1",
        "<str:label>": "production",
        "<str:dataset>": "victim-ds",
        "<str:connection>": "victim-conn",
        "<str:suite>": "victim-suite",
        "<uuid:run_id>": str(
            Run.objects.filter(project=victim.project).order_by("created_at")[0].pk
        ),
        "<uuid:other_run_id>": str(
            Run.objects.filter(project=victim.project).order_by("created_at")[0].pk
        ),
        "<uuid:promotion_id>": str(Promotion.objects.get(project=victim.project).pk),
        "<int:schedule_id>": str(Schedule.objects.get(project=victim.project).pk),
        "<str:rule>": "victim-rule",
        "<path:artifact_path>": "0/victim-run/artifacts/model.txt",
        "<str:model_id>": "m-00000000000000000000000000000000",
        "<str:tag_key>": "victim-tag",
        # Langfuse's paths (llmops/langfuse_urls.py).
        "<path:item_id>": "victim-item",
        "<path:score_id>": str(Score.objects.get(project=victim.project).id),
        "<str:version>": "1",
        # LangSmith's paths (llmops/langsmith_urls.py): ids the victim's rows do not use.
        "<str:run_id>": "0f0e0d0c-0b0a-4908-8706-050403020100",
        "<str:dataset_id>": str(
            dataset_uuid(Dataset.objects.get(project=victim.project, name="victim-ds").pk)
        ),
        "<str:example_id>": str(
            DatasetItem.objects.filter(dataset__project=victim.project)
            .values_list("key", flat=True)
            .first()
        ),
        "<str:feedback_id>": str(Score.objects.get(project=victim.project).id),
        "<str:model>": "victim-registered-model",
        "<int:webhook_id>": str(
            WebhookSubscription.objects.filter(project=victim.project).values_list("pk", flat=True)[
                0
            ]
        ),
    }
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"add a value for the path parameters of {route} to this test"
    return "/" + route


QUERIES: dict[str, dict[str, str]] = {
    "lineage-graph": {"kind": NodeKind.EXTERNAL, "ref": VICTIM_REF},
    "metrics": {"from": "2025-12-31T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
    "prompt-diff": {"base": "1", "target": "1"},
    "score-metrics": {"from": "2025-12-31T00:00:00Z", "to": "2030-01-02T00:00:00Z"},
    "gates": {"prompt": "victim/prompt"},
}
BODIES: dict[str, dict[str, Any]] = {
    "lineage-edges": {
        "upstream": {"kind": NodeKind.EXTERNAL, "ref": VICTIM_REF},
        "downstream": {"kind": NodeKind.PROMPT_VERSION, "ref": "victim-prompt-v1"},
        "kind": "used",
    },
    "api-keys": {"note": "intruder"},
    "model-prices": {"model_pattern": "gpt-.*", "input": "0", "output": "0"},
    "retention": {"days": 1},
    "prompts": {"name": "victim/prompt", "type": "text", "template": "x"},
    "prompt-versions": {"template": "changed by an intruder"},
    "prompt-label-move": {"version": 1},
    "prompt-label-protect": {"protected": False},
    "prompt-render": {"variables": {"who": "x"}},
    "webhooks": {"url": "http://127.0.0.1:9/hook", "events": ["prompt.label_moved"]},
    "scores": {"trace_id": VICTIM_TRACE, "name": "intruder", "value": 0},
    "dataset-items": {"items": [{"input": "intruder"}]},
    "dataset-from-traces": {"trace_ids": [VICTIM_TRACE]},
    "runs": {"suite": "victim-suite", "version": 1},
    "gates": {"prompt": "victim/prompt", "label": "production", "suites": ["victim-suite"]},
    "promotions": {"prompt": "victim/prompt", "label": "production", "version": 1},
    "schedules": {"suite": "victim-suite", "label": "production", "every_seconds": 60},
}


def _requests(victim: Tenant) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for name, route, view_class in ROUTES:
        path = _fill(route, victim)
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                data = QUERIES.get(name, {}) if method == "get" else BODIES.get(name, {})
                yield name, method, path, data


@pytest.fixture
def victim(tenant: Tenant) -> Tenant:
    raw, _ = iter_spans(
        p.request(
            [
                p.span(
                    trace_id=VICTIM_TRACE,
                    span_id="00000000000000a1",
                    attributes={"session.id": "victim-session", "user.id": "victim-user"},
                )
            ]
        )
    )
    spans_ingest(project=tenant.project, raw_spans=raw)
    model_price_create(
        project=tenant.project, model_pattern="victim-model", input=Decimal(1), output=Decimal(1)
    )
    retention_set(project=tenant.project, days=90)
    prompt_create(
        project=tenant.project,
        name="victim/prompt",
        prompt_type="text",
        template="Hello {{who}}, the victim-secret-template",
        labels=["production"],
    )
    label_protect(
        prompt=Prompt.objects.get(project=tenant.project), label="production", protected=True
    )
    WebhookSubscription.objects.create(
        project=tenant.project, url="http://127.0.0.1:9/victim", secret="s", events=[]
    )
    scores_record(
        project=tenant.project,
        items=[ScoreInput(name="victim-score", value=1.0, trace_id=VICTIM_TRACE)],
        author="test",
        many=False,
    )
    lineage_link(
        project=tenant.project,
        upstream=NodeRef(NodeKind.EXTERNAL, VICTIM_REF),
        downstream=NodeRef(NodeKind.PROMPT_VERSION, "victim-prompt-v1"),
        kind="used",
    )
    _victim_evaluation(tenant)
    _victim_models(tenant)
    return tenant


def _victim_models(tenant: Tenant) -> None:
    experiment = tracking.experiment_create(
        project=tenant.project, name="victim-experiment", tags={}
    )
    run = tracking.run_create(
        experiment=experiment,
        user_id="victim-user",
        run_name="victim-run",
        start_time=None,
        tags={},
    )
    model = registry.model_create(
        project=tenant.project,
        name="victim-registered-model",
        description="victim-secret-description",
    )
    version = registry.version_create(model=model, source="victim-secret-source", run_id=run.run_id)
    registry.alias_set(model=model, alias="champion", version=version, moved_by="victim")


def _victim_evaluation(tenant: Tenant) -> None:
    project = tenant.project
    dataset = dataset_create(project=project, name="victim-ds")
    items_change(dataset=dataset, upsert=[ItemInput(input={"who": "victim-secret-item"})])
    connection_save(
        project=project,
        name="victim-conn",
        base_url="http://127.0.0.1:9/v1",
        model_names=["m"],
        api_key="victim-provider-key",
        concurrency=2,
        timeout_seconds=1.0,
    )
    suite, _ = suite_save(
        project=project,
        name="victim-suite",
        dataset_name="victim-ds",
        target={
            "type": "prompt",
            "prompt": "victim/prompt",
            "connection": "victim-conn",
            "model": "m",
        },
        evaluators=[{"type": "contains", "value": "x"}],
        thresholds=[],
        baseline_label="production",
    )
    prompt = Prompt.objects.get(project=project)
    version = PromptVersion.objects.get(prompt=prompt, number=1)
    run_start(suite=suite, prompt_version=version, trigger=Trigger.MANUAL, created_by="victim")
    gate_set(prompt=prompt, label="production", suite_names=["victim-suite"])
    promotion_start(prompt=prompt, label="production", version=version, requested_by="victim")
    schedule_create(
        project=project,
        suite_name="victim-suite",
        label="production",
        cron="0 3 * * *",
        every_seconds=None,
    )
    rule_save(
        project=project,
        name="victim-rule",
        filter={},
        sampling_rate=1.0,
        evaluators=[{"type": "contains", "value": "x"}],
        enabled=True,
    )


def test_the_route_list_is_not_empty() -> None:
    names = {name for name, _, _ in ROUTES}
    assert {
        "project-current",
        "api-keys",
        "lineage-graph",
        "lineage-edges",
        "traces",
        "trace-detail",
        "metrics",
        "model-prices",
    } <= names


def test_a_key_of_another_project_sees_and_changes_nothing(
    victim: Tenant, other_tenant: Tenant
) -> None:
    before = _snapshot(victim)
    # The strongest key another project can hold: its scope passes every check, so what stops
    # it is the project boundary (404), not the scope (403).
    client = other_tenant.client("admin")
    for name, method, path, data in _requests(victim):
        response = (
            getattr(client, method)(path, data, format="json")
            if method != "get"
            else (client.get(path, data))
        )
        assert response.status_code < 500, (name, method, response.content)
        body = response.content.decode()
        assert str(victim.project.pk) not in body, (name, method)
        assert victim.public_key not in body, (name, method)
        if method == "get":
            # Errors may echo the caller's own input (VICTIM_REF in a query); the victim's other
            # node is never named by the intruder, so it must never show up.
            assert "victim-prompt-v1" not in body, name
            assert "victim-user" not in body, name
            assert "victim-model" not in body, name
            assert "victim-secret-template" not in body, name
            assert "victim-score" not in body, name
            assert "victim-secret-item" not in body, name
            assert "victim-secret-description" not in body, name
            assert "victim-secret-source" not in body, name
            assert "victim-experiment" not in body, name
        assert "victim-provider-key" not in body, name
        if (
            name
            in (
                "lineage-graph",
                "trace-detail",
                "session-detail",
                "prompt-fetch",
                "prompt-versions",
                "prompt-version-detail",
                "prompt-label-history",
                "prompt-render",
                "prompt-diff",
                "webhook-deliveries",
                "dataset-versions",
                "dataset-items",
                "dataset-export",
                "suite-detail",
                "run-detail",
                "run-results",
                "run-compare",
                "promotion-detail",
                "gates",
                "langsmith-dataset",
                "langsmith-dataset-versions",
                "langsmith-dataset-version",
                "langsmith-dataset-splits",
                "langsmith-example",
                "langsmith-feedback-item",
            )
            and method == "get"
        ):
            assert response.status_code == 404, name
        if name == "lineage-edges":
            assert response.status_code == 400
            assert list(response.json()["fields"]) == ["downstream"]
    assert _snapshot(victim) == before
    assert not LineageEdge.objects.filter(project=other_tenant.project).exists()


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])
def test_a_user_of_another_organization_gets_404_everywhere(
    victim: Tenant, other_tenant: Tenant, make_user: MakeUser, role: str
) -> None:
    intruder = make_user("mallory", other_tenant.organization, role)
    before = _snapshot(victim)
    client = session_client(intruder, victim.project)
    client.get("/api/v1/auth/session")
    token = client.cookies["csrftoken"].value
    for name, method, path, data in _requests(victim):
        if path.startswith("/langsmith/"):
            # LangSmith's routes take API keys only: a session is no credential there.
            response = getattr(client, method)(path, data, format="json", HTTP_X_CSRFTOKEN=token)
            assert response.status_code == 401, (name, method, response.status_code)
            continue
        if method == "get":
            response = client.get(path, data)
        else:
            response = getattr(client, method)(path, data, format="json", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 404, (name, method, response.status_code)
        if path.startswith(("/api/2.0/", "/ajax-api/")):
            # MLflow's routes answer in MLflow's error shape.
            assert response.json() == {
                "error_code": "RESOURCE_DOES_NOT_EXIST",
                "message": "Project not found.",
            }
        elif path.startswith("/api/public/"):
            # Langfuse's routes answer in Langfuse's.
            assert response.json() == {
                "message": "Project not found.",
                "error": "LangfuseNotFoundError",
            }
        else:
            assert response.json() == {"error": "not_found", "message": "Project not found."}
    assert _snapshot(victim) == before


def test_requests_without_credentials_are_401_everywhere(victim: Tenant) -> None:
    client = APIClient()
    for name, method, path, data in _requests(victim):
        response = (
            client.get(path, data)
            if method == "get"
            else getattr(client, method)(path, data, format="json")
        )
        assert response.status_code == 401, (name, method)
