"""JSON read and written as Python's json module does, by orjson wherever the two agree.

Ingest parses JSON attribute values and OTLP/JSON bodies and writes every span's JSON columns;
orjson does that several times faster. Where it answers differently, the json module answers:

- integers beyond 64 bits: orjson reads them as floats and refuses to write them;
- NaN, Infinity, lone surrogates, numbers past the float range: orjson refuses them;
- nesting: json raises RecursionError some way under the interpreter's recursion limit, orjson
  reads up to 1024 levels; text that may nest that deep is read by json (an OTLP/JSON body has
  had its depth checked before it is read).
- non-string keys: written as json writes them (OPT_NON_STR_KEYS).

So every result (value or error) is the json module's. Writing assumes what ingest guarantees:
no NaN or infinities (orjson would write null) and nothing json cannot write (orjson writes
datetimes and dataclasses).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# 19 digits in a row may be an integer orjson would read as a float (2^63 has 19 digits). JSON
# numbers are ASCII digits (ASCII matching is also twice as fast as Unicode \d).
_LONG_DIGITS_TEXT = re.compile(r"\d{19}", re.ASCII)
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")
# Fewer openings than this cannot nest deep enough for json to run out of stack.
_SHALLOW = 500


def _has_float(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            return True
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def loads(text: str) -> Any:
    """``json.loads(text)``: same value, same error."""
    if text.count("[") + text.count("{") < _SHALLOW:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # json may still read it (NaN, lone surrogates), or raises its own error
        else:
            # Integers past 64 bits come out of orjson as floats, so a value without floats is
            # json's. Walking the value is cheaper than searching the text for long digit runs
            # (chat messages: many characters, few values), which is done only when it has floats.
            if not _has_float(value) or not _LONG_DIGITS_TEXT.search(text):
                return value
    return json.loads(text)


def loads_document(data: bytes) -> Any:
    """``json.loads(data)`` for a body whose depth was checked (otlp.check_json_depth)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    else:
        if not _has_float(value) or not _LONG_DIGITS_BYTES.search(data):  # as in loads
            return value
    return json.loads(data)


def dumps(value: Any) -> bytes:
    """JSON text of ``value`` in UTF-8: the value json.dumps writes (not escaped to ASCII)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False).encode()
