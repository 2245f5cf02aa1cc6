"""The errors every context's domain raises: one hierarchy, translated only at the boundaries.

Domain functions and selectors raise these (or a context's subclass of one, such as
``PromptNotFound(NotFound)``), never an HTTP or wire-protocol error, so this module imports no
web framework. Two adapters answer them, each in its clients' shape:

- the REST API's exception handler (``llmops/restapi/errors.py``): ``NotFound`` 404,
  ``Conflict`` 409, ``Invalid`` 400 with its fields, ``PreconditionFailed`` 409, ``Transient``
  503 with ``Retry-After``;
- the MLflow adapter (``llmops/mlflow_api/errors.py``): ``RESOURCE_DOES_NOT_EXIST``,
  ``RESOURCE_ALREADY_EXISTS``, ``INVALID_PARAMETER_VALUE``, ``INVALID_STATE`` and
  ``TEMPORARILY_UNAVAILABLE``, with MLflow's own statuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# The field path of a refusal that is about the request as a whole (DRF's name for it).
NON_FIELD = "non_field_errors"


class DomainError(Exception):
    """A refused operation. ``message`` is for people; ``field`` names the input at fault
    (a dotted path such as ``template[0].role``), when one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """What the input names does not exist; another project's row does not exist either, so
    ids cannot be probed across projects."""


class Conflict(DomainError):
    """The change clashes with what exists, such as a name already taken."""


class Invalid(DomainError):
    """Input the domain refuses.

    ``fields`` maps field paths to messages; its first entry is ``field`` with ``message``, so
    a client that shows only the message still learns which field to fix. ``more`` adds the
    other fields at fault, if any.
    """

    field: str

    def __init__(
        self,
        message: str,
        *,
        field: str = NON_FIELD,
        more: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.fields: dict[str, list[str]] = {field: [message]}
        for path, messages in (more or {}).items():
            self.fields.setdefault(path, []).extend(messages)


class PreconditionFailed(DomainError):
    """The input is well formed but the state refuses it: a release gate that did not pass,
    a protected label moved without one."""


class Transient(DomainError):
    """A failure that a retry a little later can get past; ``retry_after`` is in seconds."""

    def __init__(
        self, message: str, *, retry_after: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
