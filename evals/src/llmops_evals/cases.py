"""The data every evaluator shares: the item it judges, the verdict it returns, its protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["Case", "Evaluator", "EvaluatorConfigError", "Verdict"]


@dataclass(frozen=True)
class Case:
    """One dataset item as evaluators see it.

    ``metadata`` may carry run measurements read by the threshold metrics:
    ``latency_ms``, ``cost``, ``input_tokens``, ``output_tokens`` and ``total_tokens``.
    """

    input: Any = None
    output: Any = None
    expected: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What one evaluator concluded about one case.

    ``error`` is set when the evaluator could not judge the case at all (missing expected value,
    unparsable output, failing embedding call...): the run records it and moves on, and
    ``score``/``passed`` stay ``None`` so the item is not counted as a failure of the model.
    """

    score: float | None = None
    passed: bool | None = None
    label: str | None = None
    reason: str = ""
    error: str | None = None


@runtime_checkable
class Evaluator(Protocol):
    name: str

    def evaluate(self, case: Case) -> Verdict: ...


class EvaluatorConfigError(ValueError):
    """An evaluator spec or constructor argument is unusable.

    ``field`` names the offending spec key so an API can point at it.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only ``field`` would otherwise be lost when the error crosses a process boundary.
        return (_rebuild_config_error, (str(self), self.field))


def _rebuild_config_error(message: str, field: str) -> EvaluatorConfigError:
    return EvaluatorConfigError(message, field=field)
