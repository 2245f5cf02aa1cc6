"""Ingest's JSON (llmops.tracing.fast_json) answers what Python's json module answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmops.tracing import fast_json

TEXTS = [
    '{"a": 1, "b": [true, false, null], "a": 3}',  # a repeated key: the last value, first place
    "-0",
    "1e-400",
    "1e400",  # past the float range: json reads inf, orjson refuses
    "NaN",
    "[Infinity, -Infinity]",
    '"\\ud83d\\ude00"',  # an escaped surrogate pair
    '"\\ud800 lone"',  # a lone surrogate: json keeps it, orjson refuses
    "9223372036854775808",
    "18446744073709551616",  # past 64 bits: orjson would read a float
    "-123456789012345678901234567890",
    '{"id": "12345678901234567890"}',
    '{"a": [18446744073709551616]}',  # nested, and the only float orjson would make
    '{"x": 1.5, "n": [-18446744073709551617]}',  # beside a real float
    '{"x": 1.5, "digits": "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩"}',  # not JSON digits
    "1.0000000000000001",
    "2.2250738585072011e-308",
    '  {"x": "caf\\u00e9", "y": "café"}  ',
    "[" * 900 + "]" * 900,  # deeper than json can read
    "[" * 50 + "]" * 50,
    "{",
    '{"a": 1,}',
    "",
]


def _answer(read: Any, text: Any) -> tuple[str, Any]:
    try:
        value = read(text)
    except RecursionError:
        return ("error", "RecursionError")
    except ValueError as exc:
        return ("error", type(exc).__name__)
    return ("value", repr(value))  # repr: int and float, and -0.0, stay apart


@pytest.mark.parametrize("text", TEXTS)
def test_loads_answers_what_json_answers(text: str) -> None:
    assert _answer(fast_json.loads, text) == _answer(json.loads, text)
    if text.count("[") < 100:
        data = text.encode("utf-8", "surrogatepass")
        assert _answer(fast_json.loads_document, data) == _answer(json.loads, data)


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True], "b": {"c": "é\U0001f600"}},
        {2: "int key", False: "bool key", None: "none key", 1.5: "float key"},
        2**70,
        {"big": [-(2**64)]},
        'quote " backslash \\ newline \n',
    ],
)
def test_dumps_writes_the_value_json_writes(value: Any) -> None:
    assert json.loads(fast_json.dumps(value)) == json.loads(json.dumps(value))
