"""Every list endpoint reads a page in a fixed number of queries, however many rows it holds.

Each listing below is read twice: with a few rows, then with many more (each with its related
rows: versions, labels, runs, results, attempts, tags...). Both reads must cost the same number
of queries, and that number is pinned, so an N+1 (or a new query) shows up as a failure here.

The read endpoints are found by walking the URL configuration, as the route matrix does
(tests/tenancy/test_route_matrix.py): every view method that reads must be either in
``LISTINGS`` or in ``NOT_LISTS`` (with the reason it returns one thing), so a new list endpoint
fails ``test_every_read_endpoint_is_classified`` until it is added to the table.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from llmops.evaluation.domain import connections, datasets, online
from llmops.evaluation.models import (
    Dataset,
    LabelGate,
    LabelHealth,
    Promotion,
    Run,
    RunResult,
    Schedule,
    Suite,
)
from llmops.lineage import domain as lineage
from llmops.lineage.models import NodeKind
from llmops.prompts import domain as prompts
from llmops.prompts.models import Prompt, PromptVersion
from llmops.registry import domain as registry
from llmops.registry.models import RegisteredModel
from llmops.scores.domain import ScoreInput, scores_record
from llmops.tenancy import domain as tenancy
from llmops.tenancy.models import Role
from llmops.tracing.domain import model_price_create
from llmops.tracing.ingest import spans_ingest
from llmops.tracing.otlp import iter_spans
from llmops.tracking import domain as tracking
from llmops.tracking.models import Experiment
from llmops.tracking.models import Run as TrackingRun
from llmops.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.conftest import Tenant
from tests.tenancy.test_route_matrix import routes
from tests.tracing import otlp_payloads as otlp

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 12  # rows in the first read; rows added before the second


@dataclass
class Ctx:
    """The tenant, its owner signed in, and the shared rows some listings hang off."""

    tenant: Tenant
    user: User
    client: APIClient
    serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    shared: dict[str, Any] = field(default_factory=dict)

    def next(self) -> int:
        return next(self.serial)

    @property
    def project(self) -> Any:
        return self.tenant.project

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]


# --- shared rows ----------------------------------------------------------------------------


def _prompt(ctx: Ctx) -> Prompt:
    def make() -> Prompt:
        prompt, _ = prompts.prompt_create(
            project=ctx.project,
            name="support/answer",
            prompt_type="text",
            template="Hi {{name}}",
            tags=["a"],
            labels=["production"],
        )
        return prompt

    found: Prompt = ctx.once("prompt", make)
    return found


def _version(ctx: Ctx, prompt: Prompt) -> PromptVersion:
    n = ctx.next()
    return prompts.version_create(prompt=prompt, template=f"v{n} {{{{name}}}}", author="t").version


def _dataset(ctx: Ctx) -> Dataset:
    def make() -> Dataset:
        dataset = datasets.dataset_create(project=ctx.project, name="faq")
        datasets.items_change(
            dataset=dataset, upsert=[datasets.ItemInput(input={"q": "x"}, key="k0")]
        )
        dataset.refresh_from_db()
        return dataset

    found: Dataset = ctx.once("dataset", make)
    return found


def _items(ctx: Ctx, n: int) -> Dataset:
    dataset = _dataset(ctx)
    upsert = [
        datasets.ItemInput(input={"q": i}, expected=i, key=f"k{ctx.next()}") for i in range(n)
    ]
    datasets.items_change(dataset=dataset, upsert=upsert, note="more")
    dataset.refresh_from_db()
    return dataset


def _suite(ctx: Ctx, name: str = "gate") -> Suite:
    dataset = _dataset(ctx)
    found: Suite = ctx.once(
        f"suite:{name}",
        lambda: Suite.objects.create(
            project=ctx.project,
            name=name,
            dataset=dataset,
            target={"type": "outputs"},
            evaluators=[{"type": "contains", "value": "x"}],
        ),
    )
    return found


def _run(ctx: Ctx, suite: Suite | None = None, results: int = 2) -> Run:
    suite = suite or _suite(ctx)
    run = Run.objects.create(
        project=ctx.project,
        suite=suite,
        dataset_version=suite.dataset.latest_version,
        config={"target": {"type": "prompt", "prompt": "support/answer", "prompt_version": 1}},
        fingerprint=uuid.uuid4().hex,
        status="passed",
        total_items=results,
    )
    _results(ctx, run, results)
    return run


def _results(ctx: Ctx, run: Run, n: int) -> None:
    if not n:
        return
    dataset = _items(ctx, n)
    taken = set(RunResult.objects.filter(run=run).values_list("item_id", flat=True))
    fresh = [i for i in dataset.items.order_by("-id") if i.pk not in taken][:n]
    RunResult.objects.bulk_create(
        RunResult(
            run=run, item=item, item_key=item.key, output="x", verdicts={"contains": {"score": 1}}
        )
        for item in fresh
    )


def _model(ctx: Ctx, name: str | None = None, versions: int = 2) -> RegisteredModel:
    model = registry.model_create(project=ctx.project, name=name or f"model-{ctx.next()}")
    registry.model_tag_set(model=model, key="team", value="search")
    made = [registry.version_create(model=model, source=f"s3://m/{n}") for n in range(versions)]
    registry.version_tag_set(version=made[0], key="k", value="v")
    registry.alias_set(model=model, alias="champion", version=made[0], moved_by="t")
    registry.version_transition(
        version=made[-1], stage="Staging", archive_existing_versions=False, transitioned_by="t"
    )
    return model


def _shared_model(ctx: Ctx) -> RegisteredModel:
    found: RegisteredModel = ctx.once("model", lambda: _model(ctx, "shared", versions=1))
    return found


def _experiment(ctx: Ctx) -> Experiment:
    found: Experiment = ctx.once(
        "experiment",
        lambda: tracking.experiment_create(project=ctx.project, name="exp", tags={"t": "1"}),
    )
    return found


def _tracking_run(ctx: Ctx) -> TrackingRun:
    def make() -> TrackingRun:
        return tracking.run_create(
            experiment=_experiment(ctx), user_id="t", run_name="shared", start_time=1, tags={}
        )

    found: TrackingRun = ctx.once("tracking-run", make)
    return found


def _store(ctx: Ctx, spans: list[Any]) -> None:
    raw, rejected = iter_spans(otlp.request(spans))
    assert rejected == []
    spans_ingest(project=ctx.project, raw_spans=raw)


def _trace(ctx: Ctx, session: str = "") -> str:
    """A trace of two spans (a root and an LLM call) with a score; returns its id."""
    n = ctx.next()
    trace_id, root = f"{n:032x}", f"{n:016x}"
    attributes = {"session.id": session} if session else {}
    _store(
        ctx,
        [
            otlp.span(
                trace_id=trace_id,
                span_id=root,
                name=f"turn-{n}",
                start_ns=otlp.BASE_NS + n * 10**9,
                attributes=attributes,
            ),
            otlp.span(
                trace_id=trace_id,
                span_id=f"{n + 10**6:016x}",
                parent=root,
                name="llm",
                start_ns=otlp.BASE_NS + n * 10**9,
                attributes={
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": 5,
                },
            ),
        ],
    )
    _score(ctx, trace_id)
    return trace_id


def _score(ctx: Ctx, trace_id: str) -> None:
    scores_record(
        project=ctx.project,
        items=[ScoreInput(name="quality", value=0.5, trace_id=trace_id)],
        author="t",
        many=False,
    )


# --- factories: each adds ``n`` listed rows (with related rows) ----------------------------


def add_traces(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _trace(ctx)


def add_sessions(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        session = f"s{ctx.next()}"
        _trace(ctx, session)
        _trace(ctx, session)


def add_session_turns(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _trace(ctx, "long")


def add_scores(ctx: Ctx, n: int) -> None:
    trace_id: str = ctx.once("trace", lambda: _trace(ctx))
    for _ in range(n):
        _score(ctx, trace_id)


def add_model_prices(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        model_price_create(
            project=ctx.project,
            model_pattern=f"model-{ctx.next()}",
            input=Decimal("1"),
            output=Decimal("2"),
        )


def add_prompts(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        prompt, _ = prompts.prompt_create(
            project=ctx.project,
            name=f"folder/p{ctx.next()}",
            prompt_type="text",
            template="Hi {{name}}",
            tags=["a", "b"],
            labels=["production"],
        )
        prompts.label_move(
            prompt=prompt, label="staging", version=_version(ctx, prompt), moved_by="t"
        )


def add_versions(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    for _ in range(n):
        version = _version(ctx, prompt)
        prompts.label_move(prompt=prompt, label=f"l{version.number}", version=version, moved_by="t")


def add_labels(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    version = _version(ctx, prompt)
    for _ in range(n):
        prompts.label_move(prompt=prompt, label=f"l{ctx.next()}", version=version, moved_by="t")


def add_label_moves(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    for _ in range(n):
        prompts.label_move(
            prompt=prompt, label="production", version=_version(ctx, prompt), moved_by="t"
        )


def add_usage(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    for _ in range(n):
        version = _version(ctx, prompt)
        n_trace = ctx.next()
        _store(
            ctx,
            [
                otlp.span(
                    trace_id=f"{n_trace:032x}",
                    span_id=f"{n_trace:016x}",
                    name="llm",
                    attributes={
                        "llmops.prompt.name": prompt.name,
                        "llmops.prompt.version": version.number,
                        "gen_ai.request.model": "gpt-4o",
                    },
                ),
            ],
        )


def add_datasets(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        dataset = datasets.dataset_create(project=ctx.project, name=f"d{ctx.next()}")
        datasets.items_change(
            dataset=dataset, upsert=[datasets.ItemInput(input=1, key="a"), datasets.ItemInput(2)]
        )


def add_dataset_versions(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _items(ctx, 1)


def add_dataset_items(ctx: Ctx, n: int) -> None:
    _items(ctx, n)


def add_connections(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        connections.connection_save(
            project=ctx.project,
            name=f"c{ctx.next()}",
            base_url="http://127.0.0.1:9/v1",
            model_names=["m"],
            api_key="sk-test",
            concurrency=2,
            timeout_seconds=5,
        )


def add_suites(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _suite(ctx, f"suite-{ctx.next()}")


def add_runs(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _run(ctx)


def add_run_results(ctx: Ctx, n: int) -> None:
    run: Run = ctx.once("run", lambda: _run(ctx, results=0))
    _results(ctx, run, n)


def add_compared_items(ctx: Ctx, n: int) -> None:
    base: Run = ctx.once("run", lambda: _run(ctx, results=0))
    target: Run = ctx.once("other-run", lambda: _run(ctx, results=0))
    _results(ctx, base, n)
    items = [r.item for r in RunResult.objects.filter(run=base).select_related("item")]
    taken = set(RunResult.objects.filter(run=target).values_list("item_id", flat=True))
    RunResult.objects.bulk_create(
        RunResult(run=target, item=i, item_key=i.key, output="y", verdicts={})
        for i in items
        if i.pk not in taken
    )


def add_promotions(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    for _ in range(n):
        promotion = Promotion.objects.create(
            project=ctx.project,
            prompt=prompt,
            label="production",
            version=_version(ctx, prompt),
            status="passed",
        )
        promotion.runs.add(_run(ctx), _run(ctx, _suite(ctx, "second")))


def add_gates(ctx: Ctx, n: int) -> None:
    prompt = _prompt(ctx)
    version = _version(ctx, prompt)
    for _ in range(n):
        label = f"l{ctx.next()}"
        prompts.label_move(prompt=prompt, label=label, version=version, moved_by="t")
        prompts.label_protect(prompt=prompt, label=label, protected=True)
        for suite in (_suite(ctx), _suite(ctx, "second")):
            LabelGate.objects.create(prompt=prompt, label=label, suite=suite)
        LabelHealth.objects.create(prompt=prompt, label=label, failing=False, run=_run(ctx))


def add_schedules(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        suite = _suite(ctx, f"suite-{ctx.next()}")
        Schedule.objects.create(
            project=ctx.project, suite=suite, every_seconds=60, last_run=_run(ctx, suite)
        )


def add_online_rules(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        online.rule_save(
            project=ctx.project,
            name=f"rule-{ctx.next()}",
            filter={"name": "chat"},
            sampling_rate=0.5,
            evaluators=[{"type": "contains", "value": "x"}],
            enabled=True,
        )


def add_models(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        _model(ctx)


def add_model_gates(ctx: Ctx, n: int) -> None:
    model = _shared_model(ctx)
    for _ in range(n):
        registry.gate_save(
            model=model,
            kind="alias",
            target=f"alias{ctx.next()}",
            metrics=[{"key": "accuracy", "min": 0.5}],
            suites=[],
            updated_by="t",
        )


def add_model_versions(ctx: Ctx, n: int) -> None:
    model = _shared_model(ctx)
    for _ in range(n):
        version = registry.version_create(model=model, source="s3://m/x")
        registry.version_tag_set(version=version, key="k", value="v")
        registry.alias_set(model=model, alias=f"a{ctx.next()}", version=version, moved_by="t")


def add_lineage_nodes(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        lineage.lineage_link(
            project=ctx.project,
            upstream=lineage.NodeRef(NodeKind.EXTERNAL, "root"),
            downstream=lineage.NodeRef(NodeKind.EXTERNAL, f"node-{ctx.next()}"),
            kind="used",
        )


def add_webhooks(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        WebhookSubscription.objects.create(
            project=ctx.project,
            url=f"https://hooks.example.com/{ctx.next()}",
            secret="whsec_x",
            events=["prompt.label.moved"],
            created_by=ctx.user,
        )


def add_deliveries(ctx: Ctx, n: int) -> None:
    subscription: WebhookSubscription = ctx.once(
        "webhook",
        lambda: WebhookSubscription.objects.create(
            project=ctx.project, url="https://hooks.example.com/x", secret="whsec_x"
        ),
    )
    for _ in range(n):
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event="prompt.label.moved", payload={}, attempt_count=2
        )
        for number in (1, 2):
            WebhookAttempt.objects.create(
                delivery=delivery, number=number, status_code=500, duration_ms=1.0
            )


def add_api_keys(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        tenancy.api_key_create(project=ctx.project, note=f"k{ctx.next()}")


def add_organizations(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        organization = tenancy.organization_create(name=f"Org {ctx.next()}", owner=ctx.user)
        tenancy.project_create(organization=organization, name="p")


def add_projects(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        tenancy.project_create(organization=ctx.tenant.organization, name=f"p{ctx.next()}")


def add_members(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        user = User.objects.create_user(username=f"member{ctx.next()}")
        tenancy.membership_set(organization=ctx.tenant.organization, user=user, role=Role.MEMBER)


def add_experiments(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        tracking.experiment_create(
            project=ctx.project, name=f"exp-{ctx.next()}", tags={"a": "1", "b": "2"}
        )


def add_tracking_runs(ctx: Ctx, n: int) -> None:
    experiment = _experiment(ctx)
    for _ in range(n):
        run = tracking.run_create(
            experiment=experiment, user_id="t", run_name="", start_time=1, tags={"a": "1"}
        )
        tracking.run_log(
            run=run,
            metrics=[tracking.MetricInput(key="loss", value=0.5, timestamp=1, step=0)],
            params={"lr": "0.1"},
            tags={"b": "2"},
        )
        tracking.run_log_inputs(
            run=run, datasets=[tracking.DatasetInput(name="d", digest="abc", tags={"t": "v"})]
        )


def add_metric_steps(ctx: Ctx, n: int) -> None:
    run = _tracking_run(ctx)
    for _ in range(n):
        step = ctx.next()
        tracking.run_log(
            run=run,
            metrics=[tracking.MetricInput(key="loss", value=1.0, timestamp=step, step=step)],
        )


def add_logged_models(ctx: Ctx, n: int) -> None:
    experiment = _experiment(ctx)
    for _ in range(n):
        tracking.logged_model_create(
            experiment=experiment,
            name=f"lm-{ctx.next()}",
            model_type="",
            source_run=_tracking_run(ctx),
            tags={"a": "1"},
            params={"p": "1"},
        )


# --- the table ------------------------------------------------------------------------------


def _items_of(body: Any) -> int:
    return len(body["items"])


def _key(name: str) -> Callable[[Any], int]:
    return lambda body: len(body.get(name, []))


def _whole(body: Any) -> int:
    return len(body)


@dataclass(frozen=True)
class Listing:
    """One list endpoint: where it is, how to read a page, how to grow it, what it costs."""

    view: str  # the view class (or function) name
    method: str
    path: str | Callable[[Ctx], str]
    add: Callable[[Ctx, int], None]
    count: Callable[[Any], int]
    queries: int
    params: dict[str, Any] | Callable[[Ctx], dict[str, Any]] = field(default_factory=dict)
    # Rows listed per row added (a session of two traces is one row; an organization's
    # projects list also shows the tenant's own).
    base: int = 0

    @property
    def id(self) -> str:
        return f"{self.method} {self.view}"


ORG = "/api/v1/organizations/{}"
ML = "/api/2.0/mlflow/"


def _org(suffix: str) -> Callable[[Ctx], str]:
    return lambda ctx: ORG.format(ctx.tenant.organization.pk) + suffix


def _run_path(ctx: Ctx) -> str:
    return f"/api/v1/runs/{ctx.shared['run'].pk}/results"


def _compare_path(ctx: Ctx) -> str:
    return f"/api/v1/runs/{ctx.shared['run'].pk}/compare/{ctx.shared['other-run'].pk}"


def _deliveries_path(ctx: Ctx) -> str:
    return f"/api/v1/webhooks/{ctx.shared['webhook'].pk}/deliveries"


def _experiment_ids(ctx: Ctx) -> dict[str, Any]:
    return {"experiment_ids": [str(_experiment(ctx).number)], "max_results": 100}


LISTINGS: list[Listing] = [
    # tenancy
    Listing(
        "OrganizationListCreateView",
        "GET",
        "/api/v1/organizations",
        add_organizations,
        _whole,
        3,
        base=1,
    ),
    Listing("OrganizationProjectsView", "GET", _org("/projects"), add_projects, _whole, 4, base=1),
    Listing("OrganizationMembersView", "GET", _org("/members"), add_members, _whole, 4, base=1),
    Listing("ApiKeyListCreateView", "GET", "/api/v1/api-keys", add_api_keys, _whole, 5, base=1),
    # tracing and scores
    Listing("TraceListView", "GET", "/api/v1/traces", add_traces, _items_of, 6, {"limit": 100}),
    Listing(
        "SessionListView", "GET", "/api/v1/sessions", add_sessions, _items_of, 5, {"limit": 100}
    ),
    Listing(
        "SessionDetailView", "GET", "/api/v1/sessions/long", add_session_turns, _key("traces"), 7
    ),
    Listing("ModelPriceListCreateView", "GET", "/api/v1/model-prices", add_model_prices, _whole, 5),
    Listing(
        "ScoreListCreateView",
        "GET",
        "/api/v1/scores",
        add_scores,
        _items_of,
        5,
        {"limit": 100},
        base=1,
    ),
    # prompts
    Listing("PromptListCreateView", "GET", "/api/v1/prompts", add_prompts, _whole, 5),
    Listing(
        "PromptsView", "GET", "/api/public/v2/prompts", add_prompts, _key("data"), 8, {"limit": 100}
    ),
    Listing(
        "VersionListCreateView",
        "GET",
        "/api/v1/prompts/support/answer/versions",
        add_versions,
        _whole,
        8,
        base=1,
    ),
    Listing(
        "LabelListView",
        "GET",
        "/api/v1/prompts/support/answer/labels",
        add_labels,
        _whole,
        6,
        base=1,
    ),
    Listing(
        "LabelHistoryView",
        "GET",
        "/api/v1/prompts/support/answer/labels/production/history",
        add_label_moves,
        _key("moves"),
        6,
        base=1,
    ),
    Listing("UsageView", "GET", "/api/v1/prompts/support/answer/usage", add_usage, _whole, 8),
    # evaluation
    Listing("DatasetListCreateView", "GET", "/api/v1/datasets", add_datasets, _whole, 5),
    Listing(
        "DatasetDetailView", "GET", "/api/v1/datasets/faq", add_dataset_versions, _whole, 6, base=1
    ),
    Listing(
        "DatasetItemsView",
        "GET",
        "/api/v1/datasets/faq/items",
        add_dataset_items,
        _items_of,
        6,
        {"limit": 100},
        base=1,
    ),
    Listing(
        "DatasetExportView",
        "GET",
        "/api/v1/datasets/faq/export",
        add_dataset_items,
        lambda body: len(body.splitlines()),
        6,
        base=1,
    ),
    Listing(
        "LangfuseScoreListView",
        "GET",
        "/api/public/v2/scores",
        add_scores,
        _key("data"),
        6,
        {"limit": 100},
        base=1,
    ),
    Listing(
        "LangfuseDatasetsView",
        "GET",
        "/api/public/v2/datasets",
        add_datasets,
        _key("data"),
        6,
        {"limit": 100},
    ),
    Listing(
        "LangfuseDatasetItemsView",
        "GET",
        "/api/public/dataset-items",
        add_dataset_items,
        _key("data"),
        8,
        {"datasetName": "faq", "limit": 100},
        base=1,
    ),
    Listing("ConnectionListCreateView", "GET", "/api/v1/connections", add_connections, _whole, 5),
    Listing("SuiteListCreateView", "GET", "/api/v1/suites", add_suites, _whole, 5),
    Listing("RunListCreateView", "GET", "/api/v1/runs", add_runs, _items_of, 5, {"limit": 100}),
    Listing("RunResultsView", "GET", _run_path, add_run_results, _items_of, 6, {"limit": 100}),
    Listing("RunCompareView", "GET", _compare_path, add_compared_items, _key("items"), 8),
    Listing("GateView", "GET", "/api/v1/gates", add_gates, _whole, 8, {"prompt": "support/answer"}),
    Listing(
        "PromotionListCreateView",
        "GET",
        "/api/v1/promotions",
        add_promotions,
        _items_of,
        6,
        {"limit": 100},
    ),
    Listing("ScheduleListCreateView", "GET", "/api/v1/schedules", add_schedules, _whole, 5),
    Listing("RuleListCreateView", "GET", "/api/v1/online-rules", add_online_rules, _whole, 5),
    # registry and lineage
    Listing("ModelListView", "GET", "/api/v1/models", add_models, _items_of, 6),
    Listing("ModelGateView", "GET", "/api/v1/models/shared/gates", add_model_gates, _items_of, 6),
    Listing(
        "LineageNodeListView",
        "GET",
        "/api/v1/lineage/nodes",
        add_lineage_nodes,
        _items_of,
        5,
        {"limit": 100},
        base=1,
    ),
    # webhooks
    Listing("WebhookListCreateView", "GET", "/api/v1/webhooks", add_webhooks, _whole, 5),
    Listing("WebhookDeliveriesView", "GET", _deliveries_path, add_deliveries, _whole, 7),
    # MLflow
    Listing(
        "ExperimentSearch",
        "GET",
        ML + "experiments/search",
        add_experiments,
        _key("experiments"),
        6,
        base=1,
    ),
    Listing(
        "ExperimentSearch",
        "POST",
        ML + "experiments/search",
        add_experiments,
        _key("experiments"),
        6,
        base=1,
    ),
    Listing(
        "RunSearch", "GET", ML + "runs/search", add_tracking_runs, _key("runs"), 11, _experiment_ids
    ),
    Listing(
        "RunSearch",
        "POST",
        ML + "runs/search",
        add_tracking_runs,
        _key("runs"),
        11,
        _experiment_ids,
    ),
    Listing(
        "MetricHistory",
        "GET",
        ML + "metrics/get-history",
        add_metric_steps,
        _key("metrics"),
        6,
        lambda ctx: {"run_id": _tracking_run(ctx).run_id, "metric_key": "loss"},
    ),
    Listing(
        "LoggedModelSearch",
        "POST",
        ML + "logged-models/search",
        add_logged_models,
        _key("models"),
        6,
        _experiment_ids,
    ),
    Listing(
        "RegisteredModelSearchView",
        "GET",
        ML + "registered-models/search",
        add_models,
        _key("registered_models"),
        9,
        {"max_results": 100},
    ),
    Listing(
        "VersionSearchView",
        "GET",
        ML + "model-versions/search",
        add_model_versions,
        _key("model_versions"),
        6,
        {"filter": "name='shared'", "max_results": 100},
        base=1,
    ),
]

# LangSmith's routes take API keys only and this module reads as a signed-in owner; their list
# pages are pinned to a fixed query count by their own tests.
KEYS_ONLY_PAGE = (
    "a page in fixed queries, pinned in tests/evaluation/test_langsmith_api.py "
    "(LangSmith routes take keys only)"
)

# Reads that return one thing (or a bounded summary), with the reason they are not listings.
NOT_LISTS: dict[str, str] = {
    "GET LangfuseDatasetView": "one dataset",
    "GET ProjectsView": "the key pair's one project (Langfuse's auth check)",
    "GET LangSmithRunView": "one run (its span, else its waiting row)",
    "GET LangSmithDatasetsView": KEYS_ONLY_PAGE,
    "GET LangSmithDatasetVersionsView": KEYS_ONLY_PAGE,
    "GET LangSmithExamplesView": KEYS_ONLY_PAGE,
    "GET LangSmithSessionsView": KEYS_ONLY_PAGE,
    "GET LangSmithFeedbackView": KEYS_ONLY_PAGE,
    "GET LangSmithDatasetView": "one dataset",
    "POST LangSmithDatasetRunsView": "an experiment's examples with their runs, a page of at most "
    "100: one query for the results with their items, one for the root spans, one for the "
    "version times (LangSmith routes take keys only)",
    "GET LangSmithDatasetVersionView": "one dataset version",
    "GET LangSmithDatasetSplitsView": "the split names of one dataset version, one query",
    "GET LangSmithExampleView": "one example",
    "GET LangSmithSessionView": "one session",
    "GET LangSmithFeedbackItemView": "one feedback",
    "GET info": "LangSmith's server description",
    "GET langsmith_not_found": "LangSmith's 404 for paths not served",
    "POST LangSmithRunQueryView": "a trace's runs: a page in fixed queries, pinned in "
    "tests/scores/test_langsmith_runs_api.py (LangSmith routes take keys only)",
    "GET PromptView": "one prompt version (Langfuse's get_prompt)",
    "GET PromptVersionView": "one prompt version (get_prompt of a name in a versions/ folder)",
    "GET langfuse_health": "a health check",
    "GET langfuse_not_found": "Langfuse's 404 for paths not served",
    "GET LangfuseScoreView": "one score",
    "GET LangfuseDatasetItemView": "one dataset item",
    "GET healthz": "a health check",
    "GET SchemaView": "the OpenAPI document",
    "GET SchemaDocsView": "the API docs page",
    "GET SessionView": "the signed-in user",
    "GET CurrentProjectView": "one project",
    "GET LineageGraphView": "one recursive query, pinned in tests/lineage/test_graph.py",
    "GET LineageImpactView": "one recursive query, pinned in tests/lineage/test_graph.py",
    "GET LineageBehindView": "one recursive query, pinned in tests/lineage/test_graph.py",
    "GET TraceDetailView": "one trace: its spans and scores in one query each",
    "GET MetricsView": "aggregates per time bucket, one query",
    "GET RetentionView": "one policy",
    "GET VersionDetailView": "one version",
    "POST RenderView": "one rendered version",
    "GET DiffView": "two versions",
    "GET PromptFetchView": "one version",
    "GET ScoreMetricsView": "aggregates per time bucket",
    "GET SuiteDetailView": "one suite",
    "GET RunDetailView": "one run",
    "GET PromotionDetailView": "one promotion",
    "GET ModelDetailView": "one model (its versions in one query, aliases batched)",
    "GET version": "the server version",
    "GET server_info": "the server's features",
    "GET ExperimentGet": "one experiment",
    "GET ExperimentGetByName": "one experiment",
    "GET RunGet": "one run",
    "GET ArtifactList": "files of the artifact store, not rows",
    "GET LoggedModelDetail": "one logged model",
    "GET RegisteredModelGetView": "one model",
    "GET LatestVersionsView": "one version per stage, at most four",
    "POST LatestVersionsView": "one version per stage, at most four",
    "GET AliasView": "one version",
    "GET VersionGetView": "one version",
    "GET DownloadUriView": "one URI",
    "GET ArtifactRoot": "files of the artifact store, not rows",
    "GET ArtifactFile": "one file",
    "GET app_page": "the web UI's page",
}


def _reads() -> set[str]:
    """Every (method, view) that reads: each GET, and each POST declared with a read action."""
    found = set()
    for route in routes():
        holder = route.view_class or route.callback
        for method in route.methods():
            action = route.declared(method)
            reads = method == "GET" or (
                method == "POST" and action is not None and action.name.endswith(".read")
            )
            if reads:
                found.add(f"{method} {holder.__name__}")
    return found


def test_every_read_endpoint_is_classified() -> None:
    listed = {listing.id for listing in LISTINGS}
    assert not listed & set(NOT_LISTS)
    assert sorted(_reads() - listed - set(NOT_LISTS)) == []
    assert sorted((listed | set(NOT_LISTS)) - _reads()) == []  # nothing stale in the table


# --- the reads ------------------------------------------------------------------------------


@pytest.fixture
def ctx(tenant: Tenant) -> Ctx:
    user = User.objects.create_user(username="owner", password="correct horse battery")
    tenancy.membership_set(organization=tenant.organization, user=user, role=Role.OWNER)
    client = APIClient()
    client.force_login(user)
    client.credentials(HTTP_X_PROJECT_ID=str(tenant.project.pk))
    return Ctx(tenant=tenant, user=user, client=client)


def _read(ctx: Ctx, listing: Listing) -> tuple[int, int]:
    """(queries, rows listed) of one read of the listing's page."""
    path = listing.path(ctx) if callable(listing.path) else listing.path
    params = listing.params(ctx) if callable(listing.params) else listing.params
    with CaptureQueriesContext(connection) as queries:
        if listing.method == "GET":
            response = ctx.client.get(path, params)
        else:
            response = ctx.client.post(path, params, format="json")
        assert response.status_code == 200, response.content
        if response.streaming:
            body: Any = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
        else:
            body = response.json()
    return len(queries), listing.count(body)


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.id)
def test_a_page_costs_the_same_queries_for_few_and_many_rows(ctx: Ctx, listing: Listing) -> None:
    listing.add(ctx, FEW)
    _read(ctx, listing)  # the first read may write the session's or the key's last use
    few, rows = _read(ctx, listing)
    assert rows == listing.base + FEW
    listing.add(ctx, MORE)
    many, rows = _read(ctx, listing)
    assert rows == listing.base + FEW + MORE
    assert (few, many) == (listing.queries, listing.queries)
