"""The MLflow-compatible endpoints from the web UI: a signed-in person with the project header."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from llmops.tenancy.models import Role
from llmops.tracking import domain
from tests.conftest import MakeUser, Tenant

pytestmark = pytest.mark.django_db


def _viewer(tenant: Tenant, make_user: MakeUser) -> APIClient:
    client = APIClient()
    client.force_login(make_user("vera", tenant.organization, Role.VIEWER))
    client.credentials(HTTP_X_PROJECT_ID=str(tenant.project.pk))
    return client


def test_a_viewer_searches_runs_and_experiments_with_post_but_cannot_write(
    tenant: Tenant, make_user: MakeUser
) -> None:
    experiment = domain.experiment_create(project=tenant.project, name="churn", tags={})
    run = domain.run_create(
        experiment=experiment, user_id="ana", run_name="first", start_time=1, tags={}
    )
    domain.run_log(
        run=run, metrics=[domain.MetricInput(key="loss", value=0.25, timestamp=1, step=0)]
    )
    client = _viewer(tenant, make_user)
    found = client.post(
        "/ajax-api/2.0/mlflow/runs/search",
        {"experiment_ids": [str(experiment.number)], "filter": "metrics.loss < 0.5"},
        format="json",
    )
    assert found.status_code == 200
    assert [r["info"]["run_name"] for r in found.json()["runs"]] == ["first"]
    experiments = client.post(
        "/ajax-api/2.0/mlflow/experiments/search", {"filter": "name = 'churn'"}, format="json"
    )
    assert [e["name"] for e in experiments.json()["experiments"]] == ["churn"]
    refused = client.post(
        "/ajax-api/2.0/mlflow/runs/create",
        {"experiment_id": str(experiment.number)},
        format="json",
    )
    assert refused.status_code == 403
