"""Offline token counts with the real tokenizers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmops.tracing.token_estimate import (
    count_chat_tokens,
    count_text_tokens,
    encoding_for_model,
)


def test_models_map_to_their_encodings() -> None:
    assert encoding_for_model("gpt-4o-mini").name == "o200k_base"
    assert encoding_for_model("o3-mini").name == "o200k_base"
    assert encoding_for_model("openai/gpt-4.1").name == "o200k_base"
    assert encoding_for_model("gpt-4").name == "cl100k_base"
    assert encoding_for_model("text-embedding-3-small").name == "cl100k_base"
    assert encoding_for_model("some-unknown-model").name == "cl100k_base"


def test_known_counts() -> None:
    assert count_text_tokens("hello world", model="gpt-4o") == 2
    assert count_text_tokens("hello world", model="gpt-4") == 2
    assert count_text_tokens("", model="gpt-4o") == 0
    # The two encodings split some text differently.
    text = "Ünïcödé naïveté — 東京タワー 1234567"
    assert count_text_tokens(text, model="gpt-4o") != count_text_tokens(text, model="gpt-4")


def test_special_token_text_is_counted_not_refused() -> None:
    assert count_text_tokens("<|endoftext|>", model="gpt-4o") > 1


def test_chat_overhead() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "hello world"},
        {"role": "user", "content": [{"type": "text", "text": "hello world"}], "name": "ann"},
    ]
    # 3 priming + 2 x (3 per message + 1 role + 2 content) + 1 per name + 1 for "ann"
    assert count_chat_tokens(messages, model="gpt-4o-mini") == 3 + 2 * 6 + 1 + 1


def test_works_with_an_empty_tiktoken_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert count_text_tokens("offline", model="gpt-4o") >= 1
    assert list(tmp_path.iterdir()) == []
