"""BLEU and ROUGE-L, checked against sacrebleu and rouge-score (test-only references).

Both are computed here in plain floats; the references compute in other orders (sacrebleu in
percent), so agreement is checked to 1e-9 absolute on the 0..1 scale.
"""

from __future__ import annotations

from typing import Any

import pytest
import sacrebleu
from rouge_score import rouge_scorer  # type: ignore[import-untyped]

from llmops_evals import Bleu, Case, RougeL, rouge_l, sentence_bleu
from llmops_evals.overlap import bleu_tokenize, rouge_tokenize

TOLERANCE = 1e-9

# (hypothesis, references): punctuation, numbers, hyphens, entities, casing, short and empty
# hypotheses, no overlap at all, several references of different lengths.
PAIRS: list[tuple[str, list[str]]] = [
    ("The cat sat on the mat.", ["The cat sat on the mat."]),
    ("the cat is on the mat", ["there is a cat on the mat"]),
    (
        "It is a guide to action which ensures that the military always obeys the commands of "
        "the party.",
        [
            "It is a guide to action that ensures that the military will forever heed Party "
            "commands.",
            "It is the guiding principle which guarantees the military forces always being under "
            "the command of the Party.",
            "It is the practical guide for the army always to heed the directions of the party.",
        ],
    ),
    (
        "Prices rose 3.14% in 1990-1995, to $1,000.50 (approx.)!",
        ["Prices rose by 3.14 % between 1990 and 1995, to $1,000.50."],
    ),
    (
        'state-of-the-art models, e.g. GPT, don\'t "always" win',
        ["State-of-the-art models don't always win, e.g. GPT."],
    ),
    ("Fish &amp; chips &lt;3", ["fish & chips <3"]),
    ("Paris", ["The capital of France is Paris."]),
    ("Paris is nice", ["Paris"]),
    ("completely unrelated words here", ["nothing in common at all"]),
    ("", ["an empty hypothesis"]),
    (
        "A line\nwith a break and a hyph-\nenated word.",
        ["A line with a break and a hyphenated word."],
    ),
    (
        "Quick brown fox jumps",
        ["The quick brown fox jumps over the lazy dog.", "A quick brown fox jumps."],
    ),
    ("Café naïve résumé — über cool", ["cafe naive resume uber cool"]),
]


@pytest.mark.parametrize(("hypothesis", "references"), PAIRS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lowercase": True},
        {"smooth": "floor"},
        {"smooth": "floor", "smooth_value": 0.3},
        {"smooth": "none"},
    ],
    ids=["exp", "lowercase", "floor", "floor-0.3", "none"],
)
def test_bleu_agrees_with_sacrebleu(
    hypothesis: str, references: list[str], options: dict[str, Any]
) -> None:
    ours = sentence_bleu(hypothesis, references, **options)
    theirs = sacrebleu.sentence_bleu(
        hypothesis,
        references,
        smooth_method=options.get("smooth", "exp"),
        smooth_value=options.get("smooth_value"),
        lowercase=options.get("lowercase", False),
    )
    assert ours.score == pytest.approx(theirs.score / 100, abs=TOLERANCE)
    assert ours.brevity_penalty == pytest.approx(theirs.bp, abs=TOLERANCE)
    assert ours.hypothesis_length == theirs.sys_len
    assert ours.reference_length == theirs.ref_len


def test_bleu_pairs_are_varied() -> None:
    """The agreement test above is only meaningful if the pairs span the score range."""
    scores = [sentence_bleu(h, r).score for h, r in PAIRS]
    assert max(scores) == pytest.approx(1.0)
    assert min(scores) == 0.0
    assert sum(0.05 < s < 0.95 for s in scores) >= 5


@pytest.mark.parametrize(
    "text",
    [
        "Prices rose 3.14% in 1990-1995, to $1,000.50 (approx.)!",
        'He said: "a-b, c.d" [x] {y} <z> @home #tag ~tilde `tick` ^caret',
        "Fish &amp; chips &quot;quoted&quot; &lt;tag&gt; &amp;lt;",
        ".leading and trailing.",
    ],
)
def test_bleu_tokenizer_matches_13a(text: str) -> None:
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tokenizer = Tokenizer13a()  # type: ignore[no-untyped-call]
    assert bleu_tokenize(text) == tokenizer(text.rstrip()).split()


def test_bleu_evaluator() -> None:
    metric = Bleu(threshold=0.5)
    same = metric.evaluate(Case(output="the cat sat on the mat", expected="the cat sat on the mat"))
    assert same.score == pytest.approx(1.0)
    assert same.passed is True
    assert "brevity penalty 1.000" in same.reason
    other = metric.evaluate(Case(output="a dog", expected="the cat sat on the mat"))
    assert other.passed is False
    assert other.score is not None
    assert other.score < 0.5
    several = metric.evaluate(
        Case(output="the cat sat on the mat", expected=["a dog barked", "the cat sat on the mat"])
    )
    assert several.score == pytest.approx(1.0)
    assert metric.evaluate(Case(output="x")).error is not None
    assert metric.evaluate(Case(output="x", expected=[])).error is not None


ROUGE_PAIRS: list[tuple[str, str | list[str]]] = [
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("the cat was found under the bed", "the cat was under the bed"),
    ("police killed the gunman", "the gunman was shot dead by police"),
    ("Café naïve résumé, e.g. 3.14!", "cafe naive resume eg 3 14"),
    ("completely unrelated", "nothing in common"),
    ("", "empty prediction"),
    ("only punctuation here", "!!! ..."),
    ("a b c d e f", ["f e d c b a", "a c e", "b d f x y"]),
    ("The QUICK brown fox", ["quick brown", "the quick brown fox jumps"]),
]


@pytest.mark.parametrize(("prediction", "references"), ROUGE_PAIRS)
def test_rouge_l_agrees_with_rouge_score(prediction: str, references: str | list[str]) -> None:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    if isinstance(references, str):
        theirs = scorer.score(references, prediction)["rougeL"]
    else:
        theirs = scorer.score_multi(references, prediction)["rougeL"]
    ours = rouge_l(prediction, references)
    assert ours.fmeasure == pytest.approx(theirs.fmeasure, abs=TOLERANCE)
    assert ours.precision == pytest.approx(theirs.precision, abs=TOLERANCE)
    assert ours.recall == pytest.approx(theirs.recall, abs=TOLERANCE)


def test_rouge_tokenizer_matches_rouge_score() -> None:
    from rouge_score import tokenize

    text = "Café naïve résumé, e.g. 3.14! Don't STOP-me_now"
    assert rouge_tokenize(text) == tokenize.tokenize(text, None)


def test_rouge_l_evaluator() -> None:
    metric = RougeL(threshold=0.6)
    verdict = metric.evaluate(
        Case(output="the cat was found under the bed", expected="the cat was under the bed")
    )
    # LCS 6 of 7 prediction tokens and 6 of 6 reference tokens.
    assert verdict.score == pytest.approx(2 * (6 / 7) * 1.0 / (6 / 7 + 1.0))
    assert verdict.passed is True
    assert metric.evaluate(Case(output="no overlap", expected="the cat")).passed is False
    assert metric.evaluate(Case(output="x")).error is not None
