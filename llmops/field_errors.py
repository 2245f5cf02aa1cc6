"""The base of evaluation's field errors until they move onto ``llmops.domain_errors``.

Everything else raises :class:`llmops.domain_errors.Invalid` (or a subclass) directly; this
module goes when evaluation's errors do.
"""

from __future__ import annotations

from llmops.domain_errors import Invalid


class FieldError(Invalid):
    """Input the domain refuses; ``field`` is the offending field's path in the request."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)
