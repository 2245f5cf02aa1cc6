"""Reference-overlap metrics: sentence BLEU and ROUGE-L, both implemented here, scored 0..1.

Neither needs a runtime dependency. The tests check both against the maintained reference
implementations (``sacrebleu`` and ``rouge-score``, test-only):

* :func:`sentence_bleu` reproduces ``sacrebleu.sentence_bleu`` with its defaults: the
  mteval-v13a tokenisation, n-grams up to 4, clipped counts against the best reference, the
  closest reference length for the brevity penalty, "effective order" (orders the hypothesis is
  too short to have are left out) and ``exp`` smoothing. ``floor`` and ``none`` smoothing are
  also available. sacrebleu reports 0..100; this module divides by 100.
* :func:`rouge_l` reproduces ``rouge_score.rouge_scorer.RougeScorer(["rougeL"])`` without
  stemming: lowercase, every run of characters outside ``[a-z0-9]`` becomes a space (so
  non-ASCII letters split words, as in rouge-score), then the LCS-based F-measure. With several
  references the best F-measure wins, like ``RougeScorer.score_multi``.

Both take several references as a list; ``Case.expected`` may be a string or a list of strings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from llmops_evals._common import (
    Metric,
    check_name,
    check_threshold,
    missing_expected,
    reference_texts,
    to_text,
)
from llmops_evals.cases import Case, EvaluatorConfigError, Verdict

__all__ = [
    "Bleu",
    "BleuScore",
    "RougeL",
    "RougeLScore",
    "bleu_tokenize",
    "rouge_l",
    "rouge_tokenize",
    "sentence_bleu",
]

Smoothing = Literal["exp", "floor", "none"]

MAX_ORDER = 4

# mteval-v13a isolates every ASCII symbol except the four whose meaning depends on context:
# apostrophes stay inside words, and hyphens, periods and commas are handled by the rules below.
_SPLIT_SYMBOLS = '!"#$%&()*+/:;<=>?@[\\]^_`{|}~'
_V13A_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(f"([{re.escape(_SPLIT_SYMBOLS)}])"), r" \1 "),
    # Periods and commas are separated unless they sit between digits ("3.14", "1,000").
    (re.compile(r"([^0-9])([.,])"), r"\1 \2 "),
    (re.compile(r"([.,])([^0-9])"), r" \1 \2"),
    # A hyphen after a digit is a range or a minus ("1990-1995"), not a compound-word hyphen.
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)
# mteval decodes only these four entities, and in this order ("&amp;lt;" ends up as "<").
_ENTITIES = (("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"))


def bleu_tokenize(text: str, *, lowercase: bool = False) -> list[str]:
    """Tokens as sacrebleu's default ``13a`` tokenizer produces them."""
    if lowercase:
        text = text.lower()
    text = text.rstrip()
    text = text.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    # The padding gives a leading or trailing period a non-digit neighbour, so it splits off.
    text = f" {text} "
    for pattern, replacement in _V13A_RULES:
        text = pattern.sub(replacement, text)
    return text.split()


def _ngram_counts(tokens: Sequence[str]) -> Counter[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    for n in range(1, MAX_ORDER + 1):
        for start in range(len(tokens) - n + 1):
            counts[tuple(tokens[start : start + n])] += 1
    return counts


@dataclass(frozen=True)
class BleuScore:
    score: float  # 0..1
    precisions: tuple[float, ...]  # per order, 0..1, after smoothing; 0.0 for unused orders
    brevity_penalty: float
    hypothesis_length: int
    reference_length: int


def sentence_bleu(
    hypothesis: str,
    references: str | Sequence[str],
    *,
    smooth: Smoothing = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
) -> BleuScore:
    """BLEU of one hypothesis against one or more references, as ``sacrebleu.sentence_bleu``.

    ``smooth_value`` only matters for ``floor`` (default 0.1): a zero-match order then counts
    as ``smooth_value`` matches.
    """
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("sentence_bleu needs at least one reference")
    hyp_tokens = bleu_tokenize(hypothesis, lowercase=lowercase)
    hyp_len = len(hyp_tokens)

    best_ref_counts: Counter[tuple[str, ...]] = Counter()
    ref_lens: list[int] = []
    for ref in refs:
        ref_tokens = bleu_tokenize(ref, lowercase=lowercase)
        ref_lens.append(len(ref_tokens))
        for ngram, count in _ngram_counts(ref_tokens).items():
            best_ref_counts[ngram] = max(best_ref_counts[ngram], count)
    # Closest reference length to the hypothesis; on a tie the shorter one, as in mteval.
    ref_len = min(ref_lens, key=lambda length: (abs(length - hyp_len), length))

    matches = [0] * MAX_ORDER
    totals = [0] * MAX_ORDER
    for ngram, count in _ngram_counts(hyp_tokens).items():
        order = len(ngram) - 1
        totals[order] += count
        matches[order] += min(count, best_ref_counts.get(ngram, 0))

    if hyp_len < ref_len:
        brevity_penalty = math.exp(1 - ref_len / hyp_len) if hyp_len else 0.0
    else:
        brevity_penalty = 1.0

    precisions = [0.0] * MAX_ORDER
    if not any(matches):
        return BleuScore(0.0, tuple(precisions), brevity_penalty, hyp_len, ref_len)

    floor = 0.1 if smooth_value is None else smooth_value
    zero_orders_seen = 0
    used_orders = 0
    for order in range(MAX_ORDER):
        if totals[order] == 0:
            # Effective order: a 3-token hypothesis has no 4-grams, which says nothing about it.
            break
        used_orders = order + 1
        if matches[order]:
            precisions[order] = matches[order] / totals[order]
        elif smooth == "exp":
            # NIST smoothing: each successive empty order counts as half the previous one.
            zero_orders_seen += 1
            precisions[order] = 1 / (2**zero_orders_seen * totals[order])
        elif smooth == "floor":
            precisions[order] = floor / totals[order]

    used = precisions[:used_orders]
    if any(p == 0.0 for p in used):
        score = 0.0
    else:
        score = brevity_penalty * math.exp(sum(math.log(p) for p in used) / used_orders)
    return BleuScore(score, tuple(precisions), brevity_penalty, hyp_len, ref_len)


_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def rouge_tokenize(text: str) -> list[str]:
    """Tokens as rouge-score's default tokenizer (no stemming) produces them."""
    return _NON_ALNUM_RE.sub(" ", text.lower()).split()


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for item_a in a:
        current = [0]
        for j, item_b in enumerate(b, start=1):
            current.append(
                previous[j - 1] + 1 if item_a == item_b else max(previous[j], current[j - 1])
            )
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class RougeLScore:
    precision: float
    recall: float
    fmeasure: float


def _rouge_l_single(prediction_tokens: Sequence[str], reference: str) -> RougeLScore:
    reference_tokens = rouge_tokenize(reference)
    if not prediction_tokens or not reference_tokens:
        return RougeLScore(0.0, 0.0, 0.0)
    common = _lcs_length(prediction_tokens, reference_tokens)
    precision = common / len(prediction_tokens)
    recall = common / len(reference_tokens)
    total = precision + recall
    fmeasure = 2 * precision * recall / total if total else 0.0
    return RougeLScore(precision, recall, fmeasure)


def rouge_l(prediction: str, references: str | Sequence[str]) -> RougeLScore:
    """ROUGE-L of ``prediction`` against one reference, or the best of several by F-measure."""
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("rouge_l needs at least one reference")
    prediction_tokens = rouge_tokenize(prediction)
    scores = [_rouge_l_single(prediction_tokens, ref) for ref in refs]
    # max() keeps the first of equal scores, so the choice is stable.
    return max(scores, key=lambda s: s.fmeasure)


def _expected_references(name: str, expected: Any) -> list[str] | Verdict:
    if expected is None:
        return missing_expected(name)
    refs = reference_texts(expected)
    if not refs:
        return Verdict(error=f"{name}: the expected list of references is empty")
    return refs


class Bleu(Metric):
    """Sentence BLEU (0..1) of output against ``expected``; passed = score >= threshold (0.3)."""

    def __init__(
        self,
        *,
        name: str = "bleu",
        threshold: float | None = None,
        smooth: Smoothing = "exp",
        smooth_value: float | None = None,
        lowercase: bool = False,
    ) -> None:
        self.name = check_name(name)
        self.threshold = check_threshold(threshold, 0.3)
        if smooth not in ("exp", "floor", "none"):
            raise EvaluatorConfigError('smooth must be "exp", "floor" or "none"', field="smooth")
        self.smooth: Smoothing = smooth
        if smooth_value is not None:
            if smooth != "floor":
                raise EvaluatorConfigError(
                    'smooth_value only applies to smooth="floor"', field="smooth_value"
                )
            if (
                isinstance(smooth_value, bool)
                or not isinstance(smooth_value, int | float)
                or not 0 < smooth_value <= 1
            ):
                raise EvaluatorConfigError(
                    "smooth_value must be a number in (0, 1]", field="smooth_value"
                )
        self.smooth_value = smooth_value
        if not isinstance(lowercase, bool):
            raise EvaluatorConfigError("lowercase must be true or false", field="lowercase")
        self.lowercase = lowercase

    def _evaluate(self, case: Case) -> Verdict:
        refs = _expected_references(self.name, case.expected)
        if isinstance(refs, Verdict):
            return refs
        result = sentence_bleu(
            to_text(case.output),
            refs,
            smooth=self.smooth,
            smooth_value=self.smooth_value,
            lowercase=self.lowercase,
        )
        precisions = "/".join(f"{p:.2f}" for p in result.precisions)
        return Verdict(
            score=result.score,
            passed=result.score >= self.threshold,
            reason=(
                f"BLEU {result.score:.3f} (threshold {self.threshold}); n-gram precisions "
                f"{precisions}, brevity penalty {result.brevity_penalty:.3f}, "
                f"{result.hypothesis_length} vs {result.reference_length} tokens"
            ),
        )


class RougeL(Metric):
    """ROUGE-L F-measure (0..1) of output against ``expected``.

    passed = score >= threshold (default 0.5).
    """

    def __init__(self, *, name: str = "rouge_l", threshold: float | None = None) -> None:
        self.name = check_name(name)
        self.threshold = check_threshold(threshold, 0.5)

    def _evaluate(self, case: Case) -> Verdict:
        refs = _expected_references(self.name, case.expected)
        if isinstance(refs, Verdict):
            return refs
        result = rouge_l(to_text(case.output), refs)
        return Verdict(
            score=result.fmeasure,
            passed=result.fmeasure >= self.threshold,
            reason=(
                f"ROUGE-L F {result.fmeasure:.3f} (threshold {self.threshold}); "
                f"precision {result.precision:.3f}, recall {result.recall:.3f}"
            ),
        )
