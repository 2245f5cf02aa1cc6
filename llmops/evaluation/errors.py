"""The errors of the evaluation context, shared by its domain and its selectors.

Every refusal names the input at fault (``field``, so the API's 400 can name it) and the HTTP
status the API answers with: 400 for bad input, 404 when the thing named does not exist, 409
when the state forbids the operation.
"""

from __future__ import annotations

from llmops.field_errors import FieldError


class EvaluationError(FieldError):
    """A refused evaluation operation; ``field`` names the input, ``status`` the HTTP status."""

    def __init__(self, message: str, *, field: str, status: int = 400) -> None:
        super().__init__(message, field=field)
        self.status = status


class DatasetError(EvaluationError):
    pass


class ConnectionNotFound(EvaluationError):
    pass


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
