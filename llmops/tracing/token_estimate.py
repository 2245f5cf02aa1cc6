"""Counting tokens offline, for LLM spans that arrive without usage.

tiktoken downloads its BPE files on first use, and the platform has no internet at run time;
the ranks come instead from the data files the ``bpe-openai`` wheel ships. The split patterns
and special tokens are those of OpenAI's published encodings.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import tiktoken

_ENDOFTEXT = "<|endoftext|>"
_ENDOFPROMPT = "<|endofprompt|>"

_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL = {
    "cl100k_base": {
        _ENDOFTEXT: 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        _ENDOFPROMPT: 100276,
    },
    "o200k_base": {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
}
_PATTERNS = {"cl100k_base": _CL100K_PATTERN, "o200k_base": _O200K_PATTERN}
# Model name prefixes that use o200k_base; everything else is counted with cl100k_base.
_O200K_PREFIXES = (
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.5",
    "gpt-5",
    "o1",
    "o3",
    "o4",
    "chatgpt-4o",
    "gpt-oss",
)

# OpenAI's documented overhead of the chat format.
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_NAME = 1
_REPLY_PRIMING = 3


@lru_cache(maxsize=2)
def encoding(name: str) -> tiktoken.Encoding:
    data = resources.files("bpe_openai").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
    ranks: dict[bytes, int] = {}
    for line in gzip.decompress(data).splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name=name,
        pat_str=_PATTERNS[name],
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL[name],
    )


def encoding_for_model(model: str) -> tiktoken.Encoding:
    name = model.lower().rsplit("/", 1)[-1]
    return encoding("o200k_base" if name.startswith(_O200K_PREFIXES) else "cl100k_base")


def count_text_tokens(text: str, *, model: str) -> int:
    if not text:
        return 0
    # disallowed_special=() counts "<|endoftext|>" in user text as text instead of raising.
    return len(encoding_for_model(model).encode(text, disallowed_special=()))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text") or part.get("content") or "")
            for part in content
            if isinstance(part, Mapping)
        )
    return ""


def count_chat_tokens(messages: Sequence[Mapping[str, Any]], *, model: str) -> int:
    total = _REPLY_PRIMING
    for message in messages:
        total += _TOKENS_PER_MESSAGE
        total += count_text_tokens(str(message.get("role") or ""), model=model)
        total += count_text_tokens(_content_text(message.get("content")), model=model)
        if message.get("name"):
            total += _TOKENS_PER_NAME + count_text_tokens(str(message["name"]), model=model)
    return total
