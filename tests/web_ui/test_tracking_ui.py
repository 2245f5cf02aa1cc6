"""Experiments, the model registry and the lineage view in real headless Chromium against a
live server, with runs, models and lineage made by the domain functions the MLflow API uses."""

from __future__ import annotations

import io
import re
from typing import Any

from playwright.sync_api import Page, expect

from llmops.prompts.domain import prompt_create
from llmops.prompts.domain import version_create as prompt_version_create
from llmops.registry import domain as registry
from llmops.tenancy.models import Role
from llmops.tracking import artifacts
from llmops.tracking import domain as tracking
from llmops.tracking.models import Run
from tests.conftest import MakeUser, Tenant
from tests.web_ui.conftest import sign_in

START = 1_767_225_600_000  # 2026-01-01T00:00:00Z, in MLflow's milliseconds


def _run(tenant: Tenant, experiment: Any, name: str, lr: str, losses: list[float]) -> Run:
    run = tracking.run_create(
        experiment=experiment, user_id="ana", run_name=name, start_time=START, tags={}
    )
    tracking.run_log(
        run=run,
        params={"lr": lr, "optimizer": "adam"},
        metrics=[
            tracking.MetricInput(key="loss", value=loss, timestamp=START + step, step=step)
            for step, loss in enumerate(losses)
        ],
    )
    return tracking.run_update(run=run, status="FINISHED", end_time=START + 90_000, run_name="")


def test_experiment_lists_runs_filters_by_metric_and_charts_a_run(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("alice", tenant.organization, Role.VIEWER)
    experiment = tracking.experiment_create(project=tenant.project, name="churn", tags={})
    _run(tenant, experiment, "slow-lr", "0.001", [1.2, 0.9, 0.8])
    fast_run = _run(tenant, experiment, "fast-lr", "0.1", [1.0, 0.6, 0.45, 0.3])
    artifacts.artifact_save(
        project=tenant.project,
        path=f"{artifacts.root_of(fast_run.artifact_uri)}/reports/notes.txt",
        stream=io.BytesIO(b"converged at step 3"),
    )

    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Experiments").click()
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible()
    page.get_by_role("link", name="churn").click()
    expect(page.get_by_role("heading", name="churn")).to_be_visible()

    rows = page.locator("table.runs-table tbody tr")
    expect(rows).to_have_count(2)
    slow = page.locator("tr[data-run='slow-lr']")
    fast = page.locator("tr[data-run='fast-lr']")
    expect(slow).to_contain_text("0.001")
    expect(slow).to_contain_text("0.8000")
    expect(fast).to_contain_text("0.1")
    expect(fast).to_contain_text("0.3000")
    expect(page.get_by_role("columnheader", name="lr")).to_be_visible()
    expect(page.get_by_role("columnheader", name="loss")).to_be_visible()

    # Sorting is the server's: highest loss first on the first click, then lowest first.
    page.get_by_role("button", name="loss").click()
    expect(rows.first).to_have_attribute("data-run", "slow-lr")
    page.get_by_role("button", name="loss").click()
    expect(rows.first).to_have_attribute("data-run", "fast-lr")

    page.get_by_label("Compare slow-lr").check()
    page.get_by_label("Compare fast-lr").check()
    page.get_by_role("button", name="Compare selected (2)").click()
    compared = page.locator(".metric-chart[data-metric='loss']")
    expect(compared.locator("svg path")).to_have_count(2)
    expect(compared.locator(".legend li")).to_have_text(["slow-lr", "fast-lr"])
    page.go_back()

    page.get_by_label("Filter runs").fill("metrics.loss <")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Could not search runs")
    expect(rows).to_have_count(0)

    page.get_by_label("Filter runs").fill("metrics.loss < 0.5")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-run", "fast-lr")
    assert "filter=metrics.loss" in page.url

    page.get_by_role("link", name="fast-lr").click()
    expect(page.get_by_role("heading", name="Run fast-lr")).to_be_visible()
    page.get_by_role("button", name="📁 reports/").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download reports/notes.txt").click()
    assert download.value.suggested_filename == "notes.txt"
    saved = download.value.path()
    assert saved.read_bytes() == b"converged at step 3"
    expect(page.get_by_role("link", name="churn")).to_be_visible()
    chart = page.locator(".metric-chart[data-metric='loss']")
    expect(chart.locator("svg")).to_be_visible()
    # One x label per step logged (0..3), and the line passes through four points.
    expect(chart.locator("svg text.tick", has_text=re.compile(r"^step \d$"))).to_have_count(4)
    path = chart.locator("svg path").first.get_attribute("d") or ""
    assert path.count("L") == 3, path
    expect(page.get_by_role("row", name="lr 0.1")).to_be_visible()


def test_model_page_shows_versions_alias_history_and_stage_history(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("alice", tenant.organization, Role.VIEWER)
    model = registry.model_create(
        project=tenant.project, name="churn-model", description="who leaves"
    )
    one = registry.version_create(model=model, source="s3://bucket/1", user_id="ana")
    two = registry.version_create(model=model, source="s3://bucket/2", user_id="ana")
    registry.alias_set(model=model, alias="champion", version=one, moved_by="ana")
    registry.alias_set(model=model, alias="champion", version=two, moved_by="bob")
    registry.version_transition(
        version=two, stage="Staging", archive_existing_versions=False, transitioned_by="carol"
    )

    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Models").click()
    expect(page.get_by_role("heading", name="Registered models")).to_be_visible()
    page.get_by_role("link", name="churn-model").click()
    expect(page.get_by_role("heading", name="churn-model")).to_be_visible()

    versions = page.locator("table.versions-table tbody tr")
    expect(versions).to_have_count(2)
    v2 = page.locator("tr[data-version='2']")
    expect(v2).to_contain_text("@champion")
    expect(v2).to_contain_text("Staging")
    expect(page.locator("tr[data-version='1']")).not_to_contain_text("@champion")

    alias = page.get_by_role("region", name="Alias champion")
    expect(alias.get_by_role("heading")).to_contain_text("version 2")
    moves = alias.locator("ol.alias-history li")
    expect(moves).to_have_count(2)
    expect(moves.nth(0)).to_contain_text("none → v1")
    expect(moves.nth(0)).to_contain_text("by ana")
    expect(moves.nth(1)).to_contain_text("v1 → v2")
    expect(moves.nth(1)).to_contain_text("by bob")

    stages = page.locator("table.stage-history tbody tr")
    expect(stages).to_have_count(1)
    expect(stages.first).to_contain_text("v2")
    expect(stages.first).to_contain_text("Staging")
    expect(stages.first).to_contain_text("carol")


def test_lineage_centres_on_a_model_version_and_moves_to_the_run_that_produced_it(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    make_user("alice", tenant.organization, Role.VIEWER)
    experiment = tracking.experiment_create(project=tenant.project, name="churn", tags={})
    run = _run(tenant, experiment, "trainer", "0.1", [0.5])
    model = registry.model_create(project=tenant.project, name="churn-model")
    registry.version_create(model=model, source="s3://bucket/1", run_id=run.run_id)

    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Models").click()
    page.get_by_role("link", name="churn-model").click()
    page.get_by_role("link", name="Lineage of version 1").click()

    expect(
        page.get_by_role("heading", name=re.compile(r"^Focus: Model version churn-model v1"))
    ).to_be_visible()
    focus = page.get_by_role("button", name="Model version churn-model v1 (focus)")
    neighbour = page.get_by_role("button", name="Experiment run trainer (upstream)")
    expect(focus).to_be_visible()
    expect(neighbour).to_be_visible()
    focus_box, neighbour_box = focus.bounding_box(), neighbour.bounding_box()
    assert focus_box is not None
    assert neighbour_box is not None
    assert neighbour_box["x"] < focus_box["x"]
    expect(page.locator("table.lineage-edges tbody tr")).to_have_text(
        [re.compile(r"trainer\s*produced\s*churn-model v1")]
    )

    neighbour.focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=re.compile(r"^Focus: Experiment run trainer"))
    ).to_be_visible()
    assert "kind=experiment_run" in page.url
    assert f"ref={run.run_id}" in page.url
    expect(
        page.get_by_role("button", name="Model version churn-model v1 (downstream)")
    ).to_be_visible()

    page.get_by_role("button", name="Model version churn-model v1 (downstream)").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Focus: Model version churn-model v1"))
    ).to_be_visible()
    page.get_by_role("link", name="Open page of trainer").click()
    expect(page.get_by_role("heading", name="Run trainer")).to_be_visible()


def _two_prompt_versions(tenant: Tenant, make_user: MakeUser) -> None:
    """support/answer v2 derived from v1, and a viewer to look at them."""
    make_user("alice", tenant.organization, Role.VIEWER)
    prompt, _ = prompt_create(
        project=tenant.project, name="support/answer", prompt_type="text", template="Hi {{name}}"
    )
    prompt_version_create(prompt=prompt, template="Hello {{name}}", commit_message="warmer")


def test_lineage_picker_finds_a_prompt_version_and_links_to_the_prompt(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    _two_prompt_versions(tenant, make_user)
    sign_in(page, live_server, "alice")
    page.get_by_role("link", name="Lineage").click()
    expect(page.get_by_role("heading", name="Lineage", exact=True)).to_be_visible()
    page.get_by_label("Kind").select_option("prompt_version")
    page.get_by_label("Name contains").fill("answer v2")
    page.get_by_role("button", name="Find nodes").click()
    picker = page.get_by_role("region", name="Choose a starting point")
    expect(picker.get_by_role("button")).to_have_text(["Find nodes", "support/answer v2"])
    picker.get_by_role("button", name="support/answer v2").click()

    expect(
        page.get_by_role("heading", name=re.compile(r"^Focus: Prompt version support\/answer v2"))
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Prompt version support/answer v1 (upstream)")
    ).to_be_visible()
    expect(page.locator("table.lineage-edges tbody tr")).to_have_text(
        [re.compile(r"support/answer v1\s*derived from\s*support/answer v2")]
    )
    page.get_by_role("link", name="Open its page").click()
    expect(page).to_have_url(re.compile(r"/prompts/support/answer$"))


def test_a_prompt_versions_page_opens_the_lineage_centred_on_that_version(
    live_server: Any, tenant: Tenant, make_user: MakeUser, page: Page
) -> None:
    _two_prompt_versions(tenant, make_user)
    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
    page.goto(live_server.url + "/prompts/support/answer?version=2")
    expect(page.get_by_role("heading", name=re.compile(r"^Version 2\b"))).to_be_visible()
    page.get_by_role("link", name="Lineage of v2").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Focus: Prompt version support\/answer v2"))
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Prompt version support/answer v1 (upstream)")
    ).to_be_visible()
