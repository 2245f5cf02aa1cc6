"""Embedding cosine similarity through the openai client, against the local server."""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator

import openai
import pytest
from evals_local_llm import LocalLLM

from llmops_evals import Case, EmbeddingSimilarity, EvaluatorConfigError, cosine_similarity
from llmops_evals.embeddings import openai_embedder


@pytest.fixture
def llm() -> Iterator[LocalLLM]:
    with LocalLLM() as server:
        yield server


def client_for(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="local", max_retries=0, timeout=5)


def test_cosine_similarity() -> None:
    assert cosine_similarity([1, 0], [1, 0]) == 1.0
    assert cosine_similarity([1, 0], [0, 2]) == 0.0
    assert cosine_similarity([1, 1], [-1, -1]) == pytest.approx(-1.0)
    assert cosine_similarity([3, 4], [4, 3]) == pytest.approx(24 / 25)
    with pytest.raises(ValueError, match="zero vector"):
        cosine_similarity([0, 0], [1, 1])
    with pytest.raises(ValueError, match="length"):
        cosine_similarity([1], [1, 2])


def test_identical_texts_score_one(llm: LocalLLM) -> None:
    metric = EmbeddingSimilarity(openai_embedder(client_for(llm.base_url), "local-embedding"))
    verdict = metric.evaluate(
        Case(output="The refund takes 5 days.", expected="The refund takes 5 days.")
    )
    assert verdict.score == pytest.approx(1.0)
    assert verdict.passed is True


def test_score_is_the_cosine_of_the_servers_vectors(llm: LocalLLM) -> None:
    client = client_for(llm.base_url)
    output, expected = "Refunds arrive within a week.", "You get your money back in 7 days."
    data = client.embeddings.create(model="local-embedding", input=[output, expected]).data
    a, b = data[0].embedding, data[1].embedding
    manual = sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    )
    assert abs(manual) < 0.99  # two different texts really give different vectors

    for threshold in (manual - 0.01, manual + 0.01):
        bounded = max(0.0, min(1.0, threshold))
        metric = EmbeddingSimilarity(
            openai_embedder(client, "local-embedding"), threshold=bounded, name="semantic"
        )
        verdict = metric.evaluate(Case(output=output, expected=expected))
        assert verdict.score == pytest.approx(manual, abs=1e-9)
        assert verdict.passed is (manual >= bounded)


def test_embedder_orders_vectors_by_index(llm: LocalLLM) -> None:
    embed = openai_embedder(client_for(llm.base_url), "local-embedding")
    first, second = embed(["alpha", "beta"])
    second_again, first_again = embed(["beta", "alpha"])
    assert first == pytest.approx(first_again)
    assert second == pytest.approx(second_again)
    assert first != pytest.approx(second)


def test_empty_output_fails_without_a_call() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return [[1.0], [1.0]]

    verdict = EmbeddingSimilarity(embed).evaluate(Case(output="  ", expected="something"))
    assert (verdict.score, verdict.passed, verdict.error) == (0.0, False, None)
    assert calls == []
    assert EmbeddingSimilarity(embed).evaluate(Case(output="x")).error is not None
    assert EmbeddingSimilarity(embed).evaluate(Case(output="x", expected=" ")).error is not None


def test_failing_embedding_call_is_an_error_verdict() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    metric = EmbeddingSimilarity(
        openai_embedder(client_for(f"http://127.0.0.1:{port}/v1"), "local-embedding"),
        name="semantic",
    )
    verdict = metric.evaluate(Case(output="a", expected="b"))
    assert verdict.error is not None
    assert verdict.error.startswith("semantic: embedding failed")
    assert verdict.passed is None


def test_wrong_vector_count_is_an_error() -> None:
    metric = EmbeddingSimilarity(lambda texts: [[1.0, 0.0]])
    verdict = metric.evaluate(Case(output="a", expected="b"))
    assert verdict.error is not None
    assert "1 vectors for 2 texts" in verdict.error


def test_bad_config_names_the_field() -> None:
    with pytest.raises(EvaluatorConfigError) as caught:
        EmbeddingSimilarity("not callable")  # type: ignore[arg-type]
    assert caught.value.field == "embed"
    with pytest.raises(EvaluatorConfigError) as caught:
        EmbeddingSimilarity(lambda texts: [], threshold=1.5)
    assert caught.value.field == "threshold"
    with pytest.raises(EvaluatorConfigError) as caught:
        openai_embedder(client_for("http://127.0.0.1:1/v1"), "")
    assert caught.value.field == "model"
