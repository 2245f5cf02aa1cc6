"""Semantic similarity: cosine of the output's and the expected value's embeddings.

The metric takes any embedding function ``(texts) -> vectors`` so tests and local models need no
network; :func:`openai_embedder` builds one from the OpenAI SDK, an optional extra
(``pip install llmops-evals[embeddings]``) imported only when that helper is called.

The score is the raw cosine similarity. For text embeddings it is in practice within 0..1, but
it is not rescaled: a threshold such as 0.8 keeps the meaning it has everywhere else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from llmops_evals._common import Metric, check_name, check_threshold, missing_expected, to_text
from llmops_evals.cases import Case, EvaluatorConfigError, Verdict

if TYPE_CHECKING:
    from openai import OpenAI

__all__ = ["EmbedFn", "EmbeddingSimilarity", "cosine_similarity", "openai_embedder"]

EmbedFn = Callable[[list[str]], Sequence[Sequence[float]]]


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of the angle between two vectors, clamped to [-1, 1] against rounding."""
    if len(a) != len(b):
        raise ValueError(f"vectors differ in length: {len(a)} and {len(b)}")
    norm_a = math.sqrt(math.fsum(x * x for x in a))
    norm_b = math.sqrt(math.fsum(y * y for y in b))
    if norm_a == 0.0 or norm_b == 0.0:
        raise ValueError("cosine similarity is undefined for a zero vector")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    return max(-1.0, min(1.0, dot / (norm_a * norm_b)))


class EmbeddingSimilarity(Metric):
    """Cosine similarity of output and ``expected`` embeddings; passed = score >= threshold.

    ``embed`` is called once per case with ``[output, expected]``. An empty output scores 0 and
    fails without an embedding call (embedding APIs reject empty input); a failing call gives a
    verdict with ``error``.
    """

    def __init__(
        self,
        embed: EmbedFn,
        *,
        name: str = "embedding_similarity",
        threshold: float | None = None,
    ) -> None:
        self.name = check_name(name)
        if not callable(embed):
            raise EvaluatorConfigError("embed must be a callable", field="embed")
        self.embed = embed
        self.threshold = check_threshold(threshold, 0.8)

    def _evaluate(self, case: Case) -> Verdict:
        if case.expected is None:
            return missing_expected(self.name)
        expected = to_text(case.expected)
        if not expected.strip():
            return Verdict(error=f"{self.name}: the expected value is empty")
        output = to_text(case.output)
        if not output.strip():
            return Verdict(score=0.0, passed=False, reason="output is empty")
        try:
            vectors = self.embed([output, expected])
        except Exception as exc:
            return Verdict(error=f"{self.name}: embedding failed: {type(exc).__name__}: {exc}")
        if len(vectors) != 2:
            return Verdict(
                error=f"{self.name}: embedding function returned {len(vectors)} vectors for 2 texts"
            )
        score = cosine_similarity(vectors[0], vectors[1])
        return Verdict(
            score=score,
            passed=score >= self.threshold,
            reason=f"cosine similarity {score:.3f} (threshold {self.threshold})",
        )


def openai_embedder(client: OpenAI | None, model: str, *, dimensions: int | None = None) -> EmbedFn:
    """An :data:`EmbedFn` backed by ``client.embeddings.create``.

    With ``client=None`` a default ``openai.OpenAI()`` is made (reading ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL`` from the environment), which is when the optional dependency is imported.
    """
    if client is None:
        try:
            import openai
        except ImportError as exc:
            raise ImportError(
                "openai_embedder needs the OpenAI SDK: pip install 'llmops-evals[embeddings]'"
            ) from exc
        client = openai.OpenAI()
    if not isinstance(model, str) or not model:
        raise EvaluatorConfigError("model must be a non-empty string", field="model")
    bound = client

    def embed(texts: list[str]) -> list[list[float]]:
        if dimensions is None:
            response = bound.embeddings.create(model=model, input=texts)
        else:
            response = bound.embeddings.create(model=model, input=texts, dimensions=dimensions)
        # The API documents ``index`` as the position in the input; don't rely on response order.
        ordered = sorted(response.data, key=lambda item: item.index)
        return [list(item.embedding) for item in ordered]

    return embed
