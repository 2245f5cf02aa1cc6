"""The base of domain errors that blame one input field, so the API can name it in its 400."""

from __future__ import annotations


class FieldError(ValueError):
    """Input the domain refuses; ``field`` is the offending field's path in the request."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
