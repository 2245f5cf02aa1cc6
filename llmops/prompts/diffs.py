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
        result.extend(_replaced(old, new, a1, a2, b1, b2))
    return result


def _kind(message: dict[str, Any]) -> tuple[str, str]:
    if message.get("type") == "placeholder":
        return ("placeholder", str(message.get("name")))
    return ("message", str(message.get("role")))


def _replaced(
    old: list[dict[str, Any]], new: list[dict[str, Any]], a1: int, a2: int, b1: int, b2: int
) -> list[dict[str, Any]]:
    """A block of differing messages: a message whose role survives is shown changed, with its
    line diff; a placeholder is never paired with a message (that would read as a role change
    from "user" to "placeholder"), so it is added or removed whole."""
    result: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(
        a=[_kind(m) for m in old[a1:a2]], b=[_kind(m) for m in new[b1:b2]], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = range(a1 + i1, a1 + i2), range(b1 + j1, b1 + j2)
        if op == "equal":
            # Same role (or the same placeholder) at both ends: changed in place.
            for o, n in zip(olds, news, strict=True):
                same = _message_key(old[o]) == _message_key(new[n])
                result.append(
                    _message_entry("equal", o, n, None, new[n])
                    if same
                    else _message_entry("changed", o, n, old[o], new[n])
                )
            continue
        paired = 0
        if op == "replace":
            # Messages pair in place as a role change; placeholders do not pair.
            while (
                paired < min(len(olds), len(news))
                and _kind(old[olds[paired]])[0] == "message"
                and _kind(new[news[paired]])[0] == "message"
            ):
                paired += 1
        for offset in range(paired):
            o, n = olds[offset], news[offset]
            result.append(_message_entry("changed", o, n, old[o], new[n]))
        for index in olds[paired:]:
            result.append(_message_entry("removed", index, None, old[index], None))
        for index in news[paired:]:
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
