"""Structured diffs between two prompt versions, for the web UI and the CLI alike."""

from __future__ import annotations

import difflib
from typing import Any

Line = dict[str, Any]


def line_diff(old: str, new: str) -> list[Line]:
    """Every line of both texts, each marked equal, removed or added, with its line numbers."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    result: list[Line] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(a2 - a1):
                result.append(
                    {
                        "op": "equal",
                        "old": a1 + offset + 1,
                        "new": b1 + offset + 1,
                        "text": old_lines[a1 + offset],
                    }
                )
            continue
        for index in range(a1, a2):
            result.append(
                {"op": "removed", "old": index + 1, "new": None, "text": old_lines[index]}
            )
        for index in range(b1, b2):
            result.append({"op": "added", "old": None, "new": index + 1, "text": new_lines[index]})
    return result


def _message_key(message: dict[str, Any]) -> tuple[str, str]:
    if message.get("type") == "placeholder":
        return ("placeholder", str(message.get("name")))
    return (str(message.get("role")), str(message.get("content") or ""))


def _message_entry(
    op: str, old_index: int | None, new_index: int | None, old: Any, new: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"op": op, "old_index": old_index, "new_index": new_index}
    if op == "changed":
        entry["old_role"] = old.get("role", old.get("type"))
        entry["new_role"] = new.get("role", new.get("type"))
        entry["lines"] = line_diff(str(old.get("content") or ""), str(new.get("content") or ""))
    else:
        entry["message"] = old if new is None else new
    return entry


def message_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages equal, removed, added, or changed (paired in place, with a line diff inside)."""
    result: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(
        a=[_message_key(m) for m in old], b=[_message_key(m) for m in new], autojunk=False
    )
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(a2 - a1):
                result.append(
                    _message_entry("equal", a1 + offset, b1 + offset, None, new[b1 + offset])
                )
            continue
        paired = min(a2 - a1, b2 - b1) if op == "replace" else 0
        for offset in range(paired):
            result.append(
                _message_entry(
                    "changed", a1 + offset, b1 + offset, old[a1 + offset], new[b1 + offset]
                )
            )
        for index in range(a1 + paired, a2):
            result.append(_message_entry("removed", index, None, old[index], None))
        for index in range(b1 + paired, b2):
            result.append(_message_entry("added", None, index, None, new[index]))
    return result


def _flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(config, dict) and config:
        flat: dict[str, Any] = {}
        for key, value in config.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: config} if prefix else {}


def config_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Key-level diff of two configs; nested keys are dotted paths (``parameters.temperature``)."""
    before, after = _flatten(old), _flatten(new)
    return {
        "added": {k: after[k] for k in sorted(after.keys() - before.keys())},
        "removed": {k: before[k] for k in sorted(before.keys() - after.keys())},
        "changed": {
            k: {"old": before[k], "new": after[k]}
            for k in sorted(before.keys() & after.keys())
            if before[k] != after[k]
        },
    }


def version_diff(
    *, prompt_type: str, old_template: Any, new_template: Any, old_config: Any, new_config: Any
) -> dict[str, Any]:
    template: dict[str, Any]
    if prompt_type == "text":
        template = {"type": "text", "lines": line_diff(str(old_template), str(new_template))}
    else:
        template = {
            "type": "chat",
            "messages": message_diff(list(old_template), list(new_template)),
        }
    return {"template": template, "config": config_diff(dict(old_config), dict(new_config))}
