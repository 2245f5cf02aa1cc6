"""One error model: the domain raises ``llmops.domain_errors``; the REST exception handler and
the MLflow adapter each map every class to one status and body, and nothing else does."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from llmops import domain_errors
from llmops.domain_errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PreconditionFailed,
    Transient,
)
from llmops.evaluation.errors import EvaluationNotFound, EvaluationRefused, SuiteError
from llmops.mlflow_api.errors import as_response
from llmops.prompts import domain as prompts_domain
from llmops.prompts.domain import PromptNotFound
from llmops.restapi.errors import RETRY_AFTER_SECONDS, exception_handler
from tests.conftest import Tenant

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            NotFound("no prompt named 'x'", field="name"),
            404,
            {"error": "not_found", "message": "no prompt named 'x'"},
        ),
        (
            PromptNotFound("prompt 'x' has no label 'canary'", field="label"),
            404,
            {"error": "not_found", "message": "prompt 'x' has no label 'canary'"},
        ),
        (
            Conflict("a prompt named 'x' already exists", field="name"),
            409,
            {"error": "conflict", "message": "a prompt named 'x' already exists"},
        ),
        (
            Invalid("content must be a string", field="template[0].content"),
            400,
            {
                "error": "invalid",
                "message": "template[0].content: content must be a string",
                "fields": {"template[0].content": ["content must be a string"]},
            },
        ),
        (
            Invalid("Give min, max or both.", field="metrics[0].min", more={"suites": ["Empty."]}),
            400,
            {
                "error": "invalid",
                "message": "metrics[0].min: Give min, max or both.",
                "fields": {"metrics[0].min": ["Give min, max or both."], "suites": ["Empty."]},
            },
        ),
        (
            Invalid("The list is empty."),
            400,
            {
                "error": "invalid",
                "message": "The list is empty.",
                "fields": {"non_field_errors": ["The list is empty."]},
            },
        ),
        (
            PreconditionFailed("label 'production' is protected", field="label"),
            409,
            {"error": "conflict", "message": "label 'production' is protected"},
        ),
        (
            EvaluationNotFound("Run not found.", field="run"),
            404,
            {"error": "not_found", "message": "Run not found."},
        ),
        (
            EvaluationRefused("The run has already ended (passed).", field="run"),
            409,
            {"error": "conflict", "message": "The run has already ended (passed)."},
        ),
        (
            SuiteError("Must be an object.", field="target"),
            400,
            {
                "error": "invalid",
                "message": "target: Must be an object.",
                "fields": {"target": ["Must be an object."]},
            },
        ),
        (
            Transient("the provider is rate limited"),
            503,
            {"error": "unavailable", "message": "the provider is rate limited"},
        ),
    ],
)
def test_each_domain_error_has_one_rest_status_and_body(
    error: DomainError, status: int, body: dict[str, Any]
) -> None:
    response = exception_handler(error, {})
    assert response is not None
    assert (response.status_code, response.data) == (status, body)
    if isinstance(error, Transient):
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    else:
        assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("Run with id=abc not found", field="run_id"), 404, "RESOURCE_DOES_NOT_EXIST"),
        (Conflict("Experiment(name=e) already exists."), 400, "RESOURCE_ALREADY_EXISTS"),
        (Invalid("Invalid page_token.", field="page_token"), 400, "INVALID_PARAMETER_VALUE"),
        (PreconditionFailed("The gate of alias 'champion' failed"), 400, "INVALID_STATE"),
        (Transient("the database is restarting"), 503, "TEMPORARILY_UNAVAILABLE"),
    ],
)
def test_each_domain_error_has_one_mlflow_status_and_code(
    error: DomainError, status: int, code: str
) -> None:
    response = as_response(error)
    assert response is not None
    # MLflow's messages carry no field prefix.
    assert (response.status_code, response.data) == (
        status,
        {"error_code": code, "message": error.message},
    )
    assert ("Retry-After" in response) == isinstance(error, Transient)


def test_transient_names_its_own_retry_after() -> None:
    error = Transient("slow down", retry_after=30)
    rest, mlflow = exception_handler(error, {}), as_response(error)
    assert rest is not None
    assert mlflow is not None
    assert (rest["Retry-After"], mlflow["Retry-After"]) == ("30", "30")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_domain_code_imports_no_web_framework_nor_wire_format() -> None:
    domain_files = [
        Path(domain_errors.__file__),
        *ROOT.glob("llmops/*/domain.py"),
        *ROOT.glob("llmops/*/domain/*.py"),
        *ROOT.glob("llmops/*/selectors.py"),
        ROOT / "llmops/registry/gates.py",
        ROOT / "llmops/prompts/templates.py",
        ROOT / "llmops/tracking/artifacts.py",
    ]
    offending = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if name.startswith(("rest_framework", "llmops.mlflow_api", "llmops.restapi"))
        )
        for path in domain_files
    }
    assert {path: names for path, names in offending.items() if names} == {}


@pytest.mark.django_db
def test_a_conflict_raised_by_a_prompt_domain_function_answers_409(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tenant.client()
    created = client.post(
        "/api/v1/prompts", {"name": "answer", "type": "text", "template": "v1"}, format="json"
    )
    assert created.status_code == 201

    def clash(**_: Any) -> None:
        raise Conflict("another writer saved version 2 first", field="template")

    monkeypatch.setattr(prompts_domain, "version_create", clash)
    response = client.post("/api/v1/prompts/answer/versions", {"template": "v2"}, format="json")
    assert (response.status_code, response.json()) == (
        409,
        {"error": "conflict", "message": "another writer saved version 2 first"},
    )


@pytest.mark.django_db
def test_prompt_domain_refusals_reach_the_client_with_their_status(tenant: Tenant) -> None:
    client = tenant.client()
    body = {"name": "answer", "type": "text", "template": "v1", "labels": ["production"]}
    assert client.post("/api/v1/prompts", body, format="json").status_code == 201
    duplicate = client.post("/api/v1/prompts", body, format="json")
    assert (duplicate.status_code, duplicate.json()) == (
        409,
        {"error": "conflict", "message": "a prompt named 'answer' already exists"},
    )
    missing = client.get("/api/v1/prompts/nope/versions")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "not_found", "message": "no prompt named 'nope'"},
    )
    bad = client.post("/api/v1/prompts/answer/versions", {"template": "{{#if}}"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid"
    assert list(bad.json()["fields"]) == ["template"]
    tenant.client("admin").put(
        "/api/v1/prompts/answer/labels/production/protection", {"protected": True}, format="json"
    )
    refused = client.put("/api/v1/prompts/answer/labels/production", {"version": 1}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"] == "conflict"
    assert "protected" in refused.json()["message"]


@pytest.mark.django_db
def test_a_tracking_conflict_answers_in_mlflow_shape(tenant: Tenant) -> None:
    client = tenant.client()
    url = "/api/2.0/mlflow/experiments/create"
    assert client.post(url, {"name": "e"}, format="json").status_code == 200
    again = client.post(url, {"name": "e"}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"error_code": "RESOURCE_ALREADY_EXISTS", "message": "Experiment(name=e) already exists."},
    )
    missing = client.get("/api/2.0/mlflow/runs/get", {"run_id": "0" * 32})
    assert (missing.status_code, missing.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
