"""Text the database cannot store (NUL, lone surrogates) and JSON nested without bound get a 400
naming the field or the limit, never a 500, and change nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import Model
from rest_framework.test import APIClient

from llmops.evaluation.models import DatasetItem
from llmops.json_text import MAX_DEPTH
from llmops.prompts.models import Prompt, PromptVersion
from llmops.scores.models import Score
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

TRACE = "0af7651916cd43dd8448eb211c80319c"
NUL_MESSAGE = "NUL characters (\\u0000) are not allowed."


@pytest.fixture
def client(tenant: Tenant) -> APIClient:
    client = tenant.client("admin")
    prompt = {"name": "support/answer", "type": "text", "template": "Answer {{question}}."}
    assert client.post("/api/v1/prompts", prompt, format="json").status_code == 201
    assert client.post("/api/v1/datasets", {"name": "faq"}, format="json").status_code == 201
    items = {"items": [{"key": "a", "input": {"q": "one"}, "metadata": {"topic": "x"}}]}
    assert client.post("/api/v1/datasets/faq/items", items, format="json").status_code == 201
    score = {"trace_id": TRACE, "name": "tone", "value": "kind", "metadata": {"by": "me"}}
    assert client.post("/api/v1/scores", score, format="json").status_code == 201
    return client


def _stored() -> dict[str, list[dict[str, Any]]]:
    models: list[type[Model]] = [Prompt, PromptVersion, DatasetItem, Score]
    return {
        model.__name__: list(model.objects.values().order_by("pk"))  # type: ignore[attr-defined]
        for model in models
    }


def _post_raw(client: APIClient, path: str, body: str) -> Any:
    # Raw text, so JSON escapes such as \u0000 reach the server as a client would send them.
    return client.generic("POST", path, body, "application/json")


HOSTILE_BODIES = [
    pytest.param(
        "/api/v1/prompts/support/answer/versions",
        '{"template": "Answer \\u0000 {{question}}"}',
        "template",
        id="prompt-template",
    ),
    pytest.param(
        "/api/v1/prompts",
        '{"name": "other", "type": "text", "template": "x", "tags": ["ok", "b\\u0000d"]}',
        "tags[1]",
        id="prompt-tag",
    ),
    pytest.param(
        "/api/v1/datasets/faq/items",
        '{"items": [{"key": "b", "input": {"q": "t\\u0000wo"}}]}',
        "items[0].input.q",
        id="dataset-item-input",
    ),
    pytest.param(
        "/api/v1/datasets/faq/items",
        '{"items": [{"key": "a", "input": {"q": "one"}, "metadata": {"t\\u0000pic": "x"}}]}',
        "items[0].metadata.t\\u0000pic",
        id="dataset-item-metadata-key",
    ),
    pytest.param(
        "/api/v1/scores",
        f'{{"trace_id": "{TRACE}", "name": "tone", "value": "ki\\u0000nd"}}',
        "value",
        id="score-value",
    ),
    pytest.param(
        "/api/v1/scores",
        f'{{"trace_id": "{TRACE}", "name": "tone", "value": 1, "metadata": {{"by": "\\u0000"}}}}',
        "metadata.by",
        id="score-metadata",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), HOSTILE_BODIES)
def test_nul_in_a_field_is_400_naming_it_and_stores_nothing(
    client: APIClient, path: str, body: str, field: str
) -> None:
    before = _stored()
    response = _post_raw(client, path, body)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": "invalid",
        "message": f"{field}: {NUL_MESSAGE}",
        "fields": {field: [NUL_MESSAGE]},
    }
    assert _stored() == before


def test_lone_surrogate_is_400_naming_the_field(client: APIClient) -> None:
    before = _stored()
    response = _post_raw(
        client, "/api/v1/prompts/support/answer/versions", '{"template": "bad \\ud800 text"}'
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "template": ["Invalid text: a lone surrogate (\\ud800) is not allowed."]
    }
    assert _stored() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/prompts/a%00b",
        "/api/v1/prompts/a%00b/versions",
        "/api/v1/datasets/a%00b/items",
    ],
)
def test_nul_in_a_path_parameter_is_400_naming_it(client: APIClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    field = "dataset" if "datasets" in path else "name"
    assert response.json() == {
        "error": "invalid",
        "message": f"{field}: {NUL_MESSAGE}",
        "fields": {field: [NUL_MESSAGE]},
    }


def test_nul_in_a_query_parameter_is_400_naming_it(client: APIClient) -> None:
    response = client.get("/api/v1/prompts?search=a%00b")
    assert response.status_code == 400
    assert response.json()["fields"] == {"search": [NUL_MESSAGE]}


def test_nul_in_an_mlflow_query_is_400_in_mlflow_shape(client: APIClient) -> None:
    response = client.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=a%00b")
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": f"experiment_name: {NUL_MESSAGE}",
    }


DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP_MESSAGE = (
    f"JSON parse error - nested deeper than {MAX_DEPTH} levels (the limit is {MAX_DEPTH})."
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            json.dumps({"items": [{"key": "b", "input": "@"}]}).replace('"@"', DEEP), id="balanced"
        ),
        pytest.param('{"items": [{"key": "b", "input": ' + "[" * 100_000, id="unterminated"),
    ],
)
def test_deeply_nested_dataset_item_is_400_naming_the_limit(client: APIClient, body: str) -> None:
    before = _stored()
    response = _post_raw(client, "/api/v1/datasets/faq/items", body)
    assert response.status_code == 400
    assert response.json() == {"error": "parse_error", "message": TOO_DEEP_MESSAGE}
    assert _stored() == before


def test_nesting_at_the_limit_is_accepted_and_one_level_more_is_not(client: APIClient) -> None:
    def body(depth: int) -> str:
        # The body object, the items list, the item and its input take four levels.
        inner = depth - 4
        value = "[" * inner + "1" + "]" * inner
        return '{"items": [{"key": "deep", "input": {"v": ' + value + "}}]}"

    too_deep = _post_raw(client, "/api/v1/datasets/faq/items", body(MAX_DEPTH + 1))
    assert too_deep.status_code == 400
    assert too_deep.json()["message"] == TOO_DEEP_MESSAGE
    at_limit = _post_raw(client, "/api/v1/datasets/faq/items", body(MAX_DEPTH))
    assert at_limit.status_code == 201, at_limit.content
    assert DatasetItem.objects.filter(key="deep").count() == 1


def test_brackets_inside_strings_do_not_count(client: APIClient) -> None:
    text = '[\\"{' * 1000
    body = '{"items": [{"key": "text", "input": {"q": "' + text + '"}}]}'
    assert _post_raw(client, "/api/v1/datasets/faq/items", body).status_code == 201
    item = DatasetItem.objects.get(key="text")
    assert item.input == {"q": '["{' * 1000}


def test_deeply_nested_mlflow_body_is_400_in_mlflow_shape(client: APIClient) -> None:
    response = _post_raw(client, "/api/2.0/mlflow/experiments/create", DEEP)
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": TOO_DEEP_MESSAGE,
    }


def _import(client: APIClient, kind: str, body: str) -> Any:
    content_type = "text/csv" if kind == "csv" else "application/x-ndjson"
    return client.generic(
        "POST", f"/api/v1/datasets/faq/import?file_type={kind}", body, content_type
    )


def test_deeply_nested_jsonl_import_is_400_naming_the_limit(client: APIClient) -> None:
    before = _stored()
    response = _import(client, "jsonl", '{"input": ' + DEEP + "}\n")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file": [f"line 1: nested deeper than {MAX_DEPTH} levels (the limit is {MAX_DEPTH})"]
    }
    assert _stored() == before


def test_deeply_nested_csv_cell_is_kept_as_text(client: APIClient) -> None:
    # Like any other cell that is not JSON the platform reads: text.
    deep = "[" * 5000 + "]" * 5000
    response = _import(client, "csv", f"input,expected\n{deep},x\n")
    assert response.status_code == 201, response.content
    assert DatasetItem.objects.get(added_in=2).input == deep


def test_csv_cell_over_the_csv_field_limit_is_400(client: APIClient) -> None:
    before = _stored()
    response = _import(client, "csv", "input,expected\n" + "x" * 200_000 + ",x\n")
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": ["line 2: field larger than field limit (131072)"]}
    assert _stored() == before


def test_nul_in_an_import_is_400_naming_the_line(client: APIClient) -> None:
    before = _stored()
    response = _import(
        client, "jsonl", '{"input": {"q": "fine"}}\n{"input": {"q": "n\\u0000ul"}}\n'
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": [f"line 2: input.q: {NUL_MESSAGE}"]}
    assert _stored() == before


def test_nul_in_a_csv_import_is_400_naming_the_line_and_column(client: APIClient) -> None:
    before = _stored()
    response = _import(client, "csv", "input,expected\nfine,x\nn\x00ul,y\n")
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": [f"line 3: input: {NUL_MESSAGE}"]}
    assert _stored() == before


@pytest.mark.parametrize(
    "path", ["/api/public/scores", "/api/public/v2/prompts", "/api/public/v2/datasets"]
)
def test_deeply_nested_langfuse_body_is_400_in_langfuse_shape(
    tenant: Tenant, client: APIClient, path: str
) -> None:
    before = _stored()
    response = _post_raw(tenant.basic_client(), path, DEEP)
    assert response.status_code == 400
    assert response.json() == {"message": TOO_DEEP_MESSAGE, "error": "InvalidRequestError"}
    assert _stored() == before
