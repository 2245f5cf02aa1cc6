"""The JSON body parser of the REST API: bounded nesting, and only text the database can store.

Without it a body of 100,000 ``[`` ends in a RecursionError and a NUL in any string fails at the
insert: both 500s. See llmops/json_text.py for the rules.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers
from rest_framework.utils import json

from llmops.json_text import TOO_DEEP, first_unstorable_text, nests_too_deep


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(f"JSON parse error - {TOO_DEEP}.")


class LimitedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting limit and the storable-text check.

    Too deep is a ``parse_error``; unstorable text is a validation error naming the field.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's choice of charset, which refuses bytes-to-bytes codecs (not in the stubs).
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if nests_too_deep(text):
            raise _too_deep()
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            # Unreachable while the depth check holds; kept so a miscount is a 400, not a 500.
            raise _too_deep() from None
        found = first_unstorable_text(data)
        if found is not None:
            field, problem = found
            raise exceptions.ValidationError({field: [problem]})
        return data
