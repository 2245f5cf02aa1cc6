"""JSON the platform can store: bounded nesting, and no text the database refuses.

Python's JSON decoder recurses once per nesting level, so 100,000 ``[`` end in a RecursionError;
:func:`nests_too_deep` counts brackets outside strings before anything is decoded. PostgreSQL
cannot store NUL in text or ``jsonb``, and no database can store a lone UTF-16 surrogate (JSON's
``"\\ud800"``); :func:`first_unstorable_text` finds either, naming where it is. The REST API's
parser (llmops/restapi/json_limits.py) and the dataset import apply both; ingestion replaces
such text instead (:func:`storable_text`), so one bad string never costs a span.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

# Deeper than any document the platform reads (datasets, metadata, prompt variables), far below
# the interpreter's recursion limit so serializers and renderers never approach it.
MAX_DEPTH = 100
TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels (the limit is {MAX_DEPTH})"

# A JSON string, possibly unterminated (then it runs to the end, as the decoder would read it).
# Possessive repeats keep the scan linear on hostile input such as thousands of ``\"``.
_STRING = re.compile(r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# What PostgreSQL text and jsonb cannot hold: NUL, and UTF-16 surrogates (lone ones, as any
# surrogate in a Python str is).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def nests_too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects in the JSON ``text`` nest deeper than ``limit``.

    Counts brackets outside strings, without recursion and before anything is decoded; on
    invalid JSON it counts what the decoder would have read up to its error.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than it has openings
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def storable_text(text: str) -> str:
    """``text`` with what cannot be stored replaced by U+FFFD (ingestion cleans, it never refuses
    a span for its text)."""
    if text.isascii():  # O(1) in CPython: the flag is kept on the string
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    return _UNSTORABLE.sub("\ufffd", text)


def _unstorable(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "NUL characters (\\u0000) are not allowed."
    return f"Invalid text: a lone surrogate (\\u{ord(found.group()):04x}) is not allowed."


def _shown(key: str) -> str:
    # A key is part of the reported field path: escape what made it unstorable.
    return key.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")


def first_unstorable_text(data: Any) -> tuple[str, str] | None:
    """The path and problem of the first string or key (in document order) that cannot be
    stored, or None. Paths read like validation errors: ``items[0].input.question``."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem is not None:
                return path or "non_field_errors", problem
        elif isinstance(value, Mapping):
            children = []
            for key, item in value.items():
                child = f"{path}.{_shown(key)}" if path else _shown(key)
                problem = _unstorable(key)
                if problem is not None:
                    return child, problem
                children.append((child, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value)))
            )
    return None


def first_non_finite(data: Any) -> str | None:
    """The path of the first number that is not finite (``1e999`` decodes as infinity and no
    database stores it in JSON), or None; paths read like ``first_unstorable_text``'s."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return path or "non_field_errors"
        if isinstance(value, Mapping):
            stack.extend(
                (f"{path}.{_shown(key)}" if path else _shown(key), item)
                for key, item in reversed(list(value.items()))
            )
        elif isinstance(value, list):
            stack.extend(
                (f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value)))
            )
    return None
