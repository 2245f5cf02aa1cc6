"""Evaluators for LLM outputs, LLM-as-judge, and a suite runner; no Django required.

- Metrics (:mod:`~llmops_evals.text_metrics`, :mod:`~llmops_evals.structured`,
  :mod:`~llmops_evals.overlap`, :mod:`~llmops_evals.thresholds`,
  :mod:`~llmops_evals.embeddings`): small deterministic evaluators, built from JSON specs with
  :func:`build_evaluator`.
- :mod:`~llmops_evals.judge`: rubric-driven LLM judges with strictly parsed verdicts, and
  pairwise comparison.
- :mod:`~llmops_evals.provider`: calls to any OpenAI-compatible endpoint with timeouts,
  retries and a per-provider concurrency limit (needs the ``llm`` extra to call models).
- :mod:`~llmops_evals.runner`: run a target over items, summarise, check thresholds.
"""

from __future__ import annotations

from llmops_evals.cases import Case, Evaluator, EvaluatorConfigError, Verdict
from llmops_evals.embeddings import EmbeddingSimilarity, cosine_similarity, openai_embedder
from llmops_evals.judge import (
    JudgeConfigError,
    JudgeEvaluator,
    LabelSet,
    PairwiseJudge,
    Scale,
    grading_from_spec,
    parse_verdict,
)
from llmops_evals.overlap import Bleu, RougeL, rouge_l, sentence_bleu
from llmops_evals.provider import Completion, Provider, ProviderConfig, ProviderError, Usage
from llmops_evals.registry import METRIC_TYPES, build_evaluator, register, registered_types
from llmops_evals.runner import (
    THRESHOLD_KINDS,
    EvaluatorSummary,
    Item,
    ItemResult,
    PromptTarget,
    Target,
    TargetOutput,
    Threshold,
    ThresholdConfigError,
    ThresholdOutcome,
    check,
    evaluate_item,
    run_items,
    summarize,
    thresholds_from_spec,
)
from llmops_evals.structured import JsonSchemaMatch, JsonValid
from llmops_evals.text_metrics import (
    Contains,
    ExactMatch,
    LengthCheck,
    LevenshteinSimilarity,
    NotContains,
    NumericClose,
    RegexMatch,
    levenshtein_distance,
    levenshtein_similarity,
)
from llmops_evals.thresholds import CostThreshold, LatencyThreshold, TokenThreshold

__all__ = [
    "METRIC_TYPES",
    "THRESHOLD_KINDS",
    "Bleu",
    "Case",
    "Completion",
    "Contains",
    "CostThreshold",
    "EmbeddingSimilarity",
    "Evaluator",
    "EvaluatorConfigError",
    "EvaluatorSummary",
    "ExactMatch",
    "Item",
    "ItemResult",
    "JsonSchemaMatch",
    "JsonValid",
    "JudgeConfigError",
    "JudgeEvaluator",
    "LabelSet",
    "LatencyThreshold",
    "LengthCheck",
    "LevenshteinSimilarity",
    "NotContains",
    "NumericClose",
    "PairwiseJudge",
    "PromptTarget",
    "Provider",
    "ProviderConfig",
    "ProviderError",
    "RegexMatch",
    "RougeL",
    "Scale",
    "Target",
    "TargetOutput",
    "Threshold",
    "ThresholdConfigError",
    "ThresholdOutcome",
    "TokenThreshold",
    "Usage",
    "Verdict",
    "build_evaluator",
    "check",
    "cosine_similarity",
    "evaluate_item",
    "grading_from_spec",
    "levenshtein_distance",
    "levenshtein_similarity",
    "openai_embedder",
    "parse_verdict",
    "register",
    "registered_types",
    "rouge_l",
    "run_items",
    "sentence_bleu",
    "summarize",
    "thresholds_from_spec",
]
