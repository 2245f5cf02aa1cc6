"""The errors of the evaluation context, shared by its domain and its selectors.

They are the platform's domain errors (``llmops.domain_errors``): every refusal of input is an
:class:`EvaluationError` (an ``Invalid``, a 400 naming ``field``); a thing named that does not
exist is :class:`EvaluationNotFound` (404); an operation the current state forbids is
:class:`EvaluationRefused` (a ``PreconditionFailed``, 409). The API maps them in one place.
"""

from __future__ import annotations

from llmops.domain_errors import Invalid, NotFound, PreconditionFailed


class EvaluationError(Invalid):
    """Input the evaluation context refuses; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)


class DatasetError(EvaluationError):
    pass


class ConnectionNotFound(EvaluationError):
    """A suite or a call names a provider connection the project does not have (a 400 on the
    field that names it)."""


class SuiteError(EvaluationError):
    pass


class RunError(SuiteError):
    pass


class GateError(EvaluationError):
    pass


class ScheduleError(EvaluationError):
    pass


class RuleError(SuiteError):
    pass


class EvaluationNotFound(NotFound):
    """No such dataset, suite, run, promotion, rule, schedule or connection in the project."""


class EvaluationRefused(PreconditionFailed):
    """The state forbids the operation: a run that has already ended, a label without gates."""
