"""Deterministic text checks: exact match, containment, regex, edit distance, length, numbers.

Outputs and expected values that are not strings are compared in their JSON form
(``json.dumps(value, sort_keys=True, ensure_ascii=False)``, ``str()`` when JSON cannot encode
them); a ``None`` output is treated as the empty string. Every metric that needs
``Case.expected`` returns a verdict with ``error`` when it is ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from llmops_evals._common import (
    Metric,
    check_name,
    check_threshold,
    missing_expected,
    pass_fail,
    short,
    to_text,
)
from llmops_evals.cases import Case, EvaluatorConfigError, Verdict

__all__ = [
    "Contains",
    "ExactMatch",
    "LengthCheck",
    "LevenshteinSimilarity",
    "NotContains",
    "NumericClose",
    "RegexMatch",
    "levenshtein_distance",
    "levenshtein_similarity",
]

Mode = Literal["any", "all"]
Unit = Literal["chars", "words"]


def _check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise EvaluatorConfigError(f"{field} must be true or false", field=field)
    return value


class ExactMatch(Metric):
    """Output equals ``expected``; ``strip`` ignores surrounding whitespace on both sides."""

    def __init__(
        self, *, name: str = "exact_match", case_sensitive: bool = True, strip: bool = True
    ) -> None:
        self.name = check_name(name)
        self.case_sensitive = _check_bool(case_sensitive, "case_sensitive")
        self.strip = _check_bool(strip, "strip")

    def _normalise(self, text: str) -> str:
        if self.strip:
            text = text.strip()
        # casefold, not lower: "Straße" and "STRASSE" are the same word to a reader.
        return text if self.case_sensitive else text.casefold()

    def _evaluate(self, case: Case) -> Verdict:
        if case.expected is None:
            return missing_expected(self.name)
        output, expected = (
            self._normalise(to_text(case.output)),
            self._normalise(to_text(case.expected)),
        )
        if output == expected:
            return pass_fail(True, "output matches the expected value")
        return pass_fail(False, f"expected {short(expected)}, got {short(output)}")


def _needles(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise EvaluatorConfigError(
            f"{field} must be a string or a non-empty list of strings", field=field
        )
    if any(item == "" for item in items):
        # The empty string is inside every text, so a check against it could never fail.
        raise EvaluatorConfigError(f"{field} must not contain empty strings", field=field)
    return items


class _Containment(Metric):
    # Whether each needle must be present (contains) or absent (not_contains).
    _want_present: bool

    def __init__(
        self,
        value: str | Sequence[str] | None = None,
        *,
        name: str,
        mode: Mode = "all",
        case_sensitive: bool = True,
        threshold: float | None = None,
    ) -> None:
        self.name = check_name(name)
        self.values = None if value is None else _needles(value, "value")
        if mode not in ("any", "all"):
            raise EvaluatorConfigError('mode must be "any" or "all"', field="mode")
        self.mode: Mode = mode
        self.case_sensitive = _check_bool(case_sensitive, "case_sensitive")
        self.threshold = None if threshold is None else check_threshold(threshold, 0.0)

    def _evaluate(self, case: Case) -> Verdict:
        if self.values is not None:
            needles = self.values
        elif case.expected is None:
            return missing_expected(self.name)
        else:
            # Per-item keywords: a list of values, or one value, taken from the case itself.
            raw = case.expected if isinstance(case.expected, list | tuple) else [case.expected]
            needles = [to_text(item) for item in raw]
            if not needles or any(n == "" for n in needles):
                return Verdict(error=f"{self.name}: expected value has nothing to look for")
        haystack = to_text(case.output)
        if not self.case_sensitive:
            haystack = haystack.casefold()
        satisfied: list[str] = []
        unsatisfied: list[str] = []
        for needle in needles:
            probe = needle if self.case_sensitive else needle.casefold()
            (satisfied if (probe in haystack) == self._want_present else unsatisfied).append(needle)
        score = len(satisfied) / len(needles)
        if self.threshold is not None:
            passed = score >= self.threshold
        elif self.mode == "all":
            passed = not unsatisfied
        else:
            passed = bool(satisfied)
        if self._want_present:
            reason = f"found {len(satisfied)}/{len(needles)}"
            if unsatisfied:
                reason += "; missing " + ", ".join(short(n, 40) for n in unsatisfied)
        else:
            reason = f"absent {len(satisfied)}/{len(needles)}"
            if unsatisfied:
                reason += "; present " + ", ".join(short(n, 40) for n in unsatisfied)
        return Verdict(score=score, passed=passed, reason=reason)


class Contains(_Containment):
    """Output contains ``value`` (a string or a list of strings; ``Case.expected`` when omitted).

    ``mode="all"`` needs every value, ``"any"`` at least one. The score is the fraction of values
    found; a ``threshold`` (0..1), when given, replaces ``mode``: passed = score >= threshold.
    """

    _want_present = True

    def __init__(
        self,
        value: str | Sequence[str] | None = None,
        *,
        name: str = "contains",
        mode: Mode = "all",
        case_sensitive: bool = True,
        threshold: float | None = None,
    ) -> None:
        super().__init__(
            value, name=name, mode=mode, case_sensitive=case_sensitive, threshold=threshold
        )


class NotContains(_Containment):
    """Output does not contain ``value``: the mirror of :class:`Contains`.

    ``mode="all"`` needs every value absent, ``"any"`` at least one absent; the score is the
    fraction of values absent.
    """

    _want_present = False

    def __init__(
        self,
        value: str | Sequence[str] | None = None,
        *,
        name: str = "not_contains",
        mode: Mode = "all",
        case_sensitive: bool = True,
        threshold: float | None = None,
    ) -> None:
        super().__init__(
            value, name=name, mode=mode, case_sensitive=case_sensitive, threshold=threshold
        )


class RegexMatch(Metric):
    """Output matches ``pattern`` (``re.search``, or the whole output with ``full_match``)."""

    def __init__(
        self,
        pattern: str,
        *,
        name: str = "regex",
        ignore_case: bool = False,
        full_match: bool = False,
    ) -> None:
        self.name = check_name(name)
        if not isinstance(pattern, str):
            raise EvaluatorConfigError("pattern must be a string", field="pattern")
        flags = re.IGNORECASE if _check_bool(ignore_case, "ignore_case") else 0
        try:
            self.pattern = re.compile(pattern, flags)
        except re.error as exc:
            raise EvaluatorConfigError(
                f"pattern is not a valid regex: {exc}", field="pattern"
            ) from exc
        self.full_match = _check_bool(full_match, "full_match")

    def _evaluate(self, case: Case) -> Verdict:
        text = to_text(case.output)
        found = self.pattern.fullmatch(text) if self.full_match else self.pattern.search(text)
        if found is None:
            how = "match the whole output" if self.full_match else "occur in the output"
            return pass_fail(False, f"pattern {self.pattern.pattern!r} does not {how}")
        return pass_fail(True, f"matched {short(found.group(0), 60)}")


def levenshtein_distance(a: str, b: str) -> int:
    """Minimum number of single-character insertions, deletions and substitutions from a to b."""
    # Shared prefixes and suffixes never cost anything; trimming them shrinks the table.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        # Rows span the shorter string, so memory is O(min(len)).
        a, b = b, a
    if not b:
        return len(a)
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]


def levenshtein_similarity(a: str, b: str) -> float:
    """``1 - distance / max(len(a), len(b))``; two empty strings are identical (1.0)."""
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    return 1.0 - levenshtein_distance(a, b) / longest


class LevenshteinSimilarity(Metric):
    """Character-level similarity of output and ``expected`` (0..1); passed = score >= threshold."""

    def __init__(
        self,
        *,
        name: str = "levenshtein",
        threshold: float | None = None,
        case_sensitive: bool = True,
        strip: bool = True,
    ) -> None:
        self.name = check_name(name)
        self.threshold = check_threshold(threshold, 0.5)
        self.case_sensitive = _check_bool(case_sensitive, "case_sensitive")
        self.strip = _check_bool(strip, "strip")

    def _normalise(self, text: str) -> str:
        if self.strip:
            text = text.strip()
        return text if self.case_sensitive else text.casefold()

    def _evaluate(self, case: Case) -> Verdict:
        if case.expected is None:
            return missing_expected(self.name)
        output = self._normalise(to_text(case.output))
        expected = self._normalise(to_text(case.expected))
        distance = levenshtein_distance(output, expected)
        score = levenshtein_similarity(output, expected)
        return Verdict(
            score=score,
            passed=score >= self.threshold,
            reason=f"edit distance {distance}, similarity {score:.3f} (threshold {self.threshold})",
        )


class LengthCheck(Metric):
    """Output length in characters or whitespace-separated words lies within [minimum, maximum]."""

    def __init__(
        self,
        *,
        name: str = "length",
        minimum: int | None = None,
        maximum: int | None = None,
        unit: Unit = "chars",
    ) -> None:
        self.name = check_name(name)
        for value, field in ((minimum, "min"), (maximum, "max")):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise EvaluatorConfigError(f"{field} must be a non-negative integer", field=field)
        if minimum is None and maximum is None:
            raise EvaluatorConfigError("give at least one of min and max", field="max")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise EvaluatorConfigError("min must not exceed max", field="min")
        if unit not in ("chars", "words"):
            raise EvaluatorConfigError('unit must be "chars" or "words"', field="unit")
        self.minimum, self.maximum, self.unit = minimum, maximum, unit

    def _evaluate(self, case: Case) -> Verdict:
        text = to_text(case.output)
        size = len(text) if self.unit == "chars" else len(text.split())
        if self.minimum is not None and size < self.minimum:
            return pass_fail(False, f"{size} {self.unit}, fewer than the minimum {self.minimum}")
        if self.maximum is not None and size > self.maximum:
            return pass_fail(False, f"{size} {self.unit}, more than the maximum {self.maximum}")
        return pass_fail(True, f"{size} {self.unit}, within bounds")


# Plain, signed, decimal or scientific numbers, with optional thousands separators ("1,234.5").
_NUMBER_RE = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+(?:[eE][-+]?\d+)?"
)


def _as_number(value: Any, *, extract: bool) -> float | None:
    if isinstance(value, bool):
        # True == 1 in Python, but a yes/no answer is not a quantity.
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if extract:
            found = _NUMBER_RE.findall(text)
            if not found:
                return None
            # Models tend to reason first and state the answer last.
            text = found[-1].replace(",", "")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


class NumericClose(Metric):
    """Output is a number close to ``expected``.

    Passes when ``|output - expected| <= max(rel_tol * max(|output|, |expected|), abs_tol)``
    (``math.isclose`` semantics, so with both tolerances either one suffices). With neither given
    ``rel_tol`` is 1e-9, i.e. equal up to float noise. Strings are parsed with ``float()`` after
    stripping; ``extract=True`` instead takes the last number in the text ("so the total is
    1,234.50" -> 1234.5). Non-numeric output gives a verdict with ``error``.
    """

    def __init__(
        self,
        *,
        name: str = "numeric_close",
        abs_tol: float | None = None,
        rel_tol: float | None = None,
        extract: bool = False,
    ) -> None:
        self.name = check_name(name)
        for value, field in ((abs_tol, "abs_tol"), (rel_tol, "rel_tol")):
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise EvaluatorConfigError(f"{field} must be a non-negative number", field=field)
        if abs_tol is None and rel_tol is None:
            rel_tol = 1e-9
        self.abs_tol = float(abs_tol or 0.0)
        self.rel_tol = float(rel_tol or 0.0)
        self.extract = _check_bool(extract, "extract")

    def _evaluate(self, case: Case) -> Verdict:
        if case.expected is None:
            return missing_expected(self.name)
        expected = _as_number(case.expected, extract=False)
        if expected is None:
            return Verdict(error=f"{self.name}: expected value {case.expected!r} is not a number")
        output = _as_number(case.output, extract=self.extract)
        if output is None:
            return Verdict(
                error=f"{self.name}: output {short(to_text(case.output))} is not a number"
            )
        difference = abs(output - expected)
        passed = math.isclose(output, expected, rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        return pass_fail(
            passed,
            f"|{output:g} - {expected:g}| = {difference:g} "
            f"({'within' if passed else 'outside'} abs_tol {self.abs_tol:g}, "
            f"rel_tol {self.rel_tol:g})",
        )
