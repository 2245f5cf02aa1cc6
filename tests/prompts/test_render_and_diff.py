"""Rendering with variables, includes and chat placeholders; structured diffs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

BASE = "/api/v1/prompts"


def make(client: Any, name: str, template: Any, prompt_type: str = "text", **extra: Any) -> Any:
    response = client.post(
        BASE, {"name": name, "type": prompt_type, "template": template, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response


def render(client: Any, name: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{name}/render", body, format="json")


def test_text_render_with_an_include(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "shared/tone", "Be kind to {{customer}}.", labels=["production"])
    make(client, "answer", "{{> shared/tone}} Answer: {{question}}", labels=["production"])
    response = render(client, "answer", variables={"customer": "Ann", "question": "why?"})
    assert response.status_code == 200
    assert response.json() == {
        "version": 1,
        "type": "text",
        "output": "Be kind to Ann. Answer: why?",
    }


def test_missing_and_extra_variables_are_named(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "answer", "Q: {{question}} for {{customer}}", labels=["production"])
    missing = render(client, "answer", variables={"question": "q"})
    assert missing.status_code == 400
    assert missing.json()["message"] == "variables.customer: missing variables: customer"
    extra = render(client, "answer", variables={"question": "q", "customer": "c", "mood": "x"})
    assert extra.status_code == 400
    assert extra.json()["message"] == "variables.mood: variables not in the template: mood"


def test_include_by_label_or_version_and_cycles(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "part", "one", labels=["production"])
    client.post(f"{BASE}/part/versions", {"template": "two", "labels": ["staging"]}, format="json")
    make(client, "whole", "[{{> part}}|{{> part@staging}}|{{> part#1}}]", labels=["production"])
    assert render(client, "whole").json()["output"] == "[one|two|one]"
    # A cycle can only arise through later versions: a -> b, then b -> a.
    make(client, "a", "A", labels=["production"])
    make(client, "b", "B {{> a}}", labels=["production"])
    client.post(
        f"{BASE}/a/versions", {"template": "A {{> b}}", "labels": ["production"]}, format="json"
    )
    cycle = render(client, "a")
    assert cycle.status_code == 400
    assert cycle.json()["message"] == "template: include cycle: a -> b -> a"
    gone = make(client, "c", "{{> part@canary}}", labels=["production"])
    assert gone.status_code == 201
    missing_label = render(client, "c")
    assert missing_label.status_code == 400
    assert (
        "include part@canary: prompt 'part' has no label 'canary'"
        in missing_label.json()["message"]
    )


def test_include_depth_is_limited(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "p0", "end", labels=["production"])
    for index in range(1, 8):
        make(client, f"p{index}", f"{{{{> p{index - 1}}}}}", labels=["production"])
    assert render(client, "p5").json()["output"] == "end"
    deep = render(client, "p7")
    assert deep.status_code == 400
    assert deep.json()["message"] == "template: includes nest deeper than 5 levels"


def test_chat_render_fills_placeholders(tenant: Tenant) -> None:
    client = tenant.client()
    template = [
        {"role": "system", "content": "You help {{customer}}."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ]
    make(client, "chat", template, prompt_type="chat", labels=["production"])
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    response = render(
        client,
        "chat",
        variables={"customer": "Ann", "question": "refund?"},
        placeholders={"history": history},
    )
    assert response.status_code == 200
    assert response.json()["output"] == [
        {"role": "system", "content": "You help Ann."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "refund?"},
    ]
    missing = render(client, "chat", variables={"customer": "Ann", "question": "q"})
    assert missing.status_code == 400
    assert (
        missing.json()["message"]
        == "placeholders.history: placeholder 'history' needs a list of messages"
    )


def test_text_diff_is_line_by_line(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "t", "line one\nline two\nline three", config={"model": "a", "p": {"t": 1}})
    client.post(
        f"{BASE}/t/versions",
        {
            "template": "line one\nline 2\nline three\nline four",
            "config": {"model": "b", "p": {"k": 5}},
        },
        format="json",
    )
    diff = client.get(f"{BASE}/t/diff", {"base": 1, "target": 2}).json()
    assert diff["template"] == {
        "type": "text",
        "lines": [
            {"op": "equal", "old": 1, "new": 1, "text": "line one"},
            {"op": "removed", "old": 2, "new": None, "text": "line two"},
            {"op": "added", "old": None, "new": 2, "text": "line 2"},
            {"op": "equal", "old": 3, "new": 3, "text": "line three"},
            {"op": "added", "old": None, "new": 4, "text": "line four"},
        ],
    }
    assert diff["config"] == {
        "added": {"p.k": 5},
        "removed": {"p.t": 1},
        "changed": {"model": {"old": "a", "new": "b"}},
    }


def test_chat_diff_reports_messages_added_removed_and_changed(tenant: Tenant) -> None:
    client = tenant.client()
    old = [
        {"role": "system", "content": "Be brief.\nBe kind."},
        {"role": "user", "content": "{{q}}"},
        {"role": "assistant", "content": "example"},
    ]
    new = [
        {"role": "system", "content": "Be brief.\nBe very kind."},
        {"role": "user", "content": "{{q}}"},
        {"type": "placeholder", "name": "history"},
    ]
    make(client, "c", old, prompt_type="chat")
    client.post(f"{BASE}/c/versions", {"template": new}, format="json")
    messages = client.get(f"{BASE}/c/diff", {"base": 1, "target": 2}).json()["template"]["messages"]
    assert [(m["op"], m["old_index"], m["new_index"]) for m in messages] == [
        ("changed", 0, 0),
        ("equal", 1, 1),
        ("removed", 2, None),
        ("added", None, 2),
    ]
    assert messages[0]["lines"] == [
        {"op": "equal", "old": 1, "new": 1, "text": "Be brief."},
        {"op": "removed", "old": 2, "new": None, "text": "Be kind."},
        {"op": "added", "old": None, "new": 2, "text": "Be very kind."},
    ]
    # A message replaced by a placeholder is not a role change: one goes, the other comes.
    assert messages[2]["message"] == {"role": "assistant", "content": "example"}
    assert messages[3]["message"] == {"type": "placeholder", "name": "history"}


def test_chat_diff_pairs_a_changed_message_across_an_inserted_placeholder(
    tenant: Tenant,
) -> None:
    client = tenant.client()
    make(
        client,
        "c",
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi {{name}}"}],
        prompt_type="chat",
    )
    new = [
        {"role": "system", "content": "Be brief."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "Hello {{name}}\nHow are you?"},
    ]
    client.post(f"{BASE}/c/versions", {"template": new}, format="json")
    messages = client.get(f"{BASE}/c/diff", {"base": 1, "target": 2}).json()["template"]["messages"]
    assert [(m["op"], m["old_index"], m["new_index"]) for m in messages] == [
        ("equal", 0, 0),
        ("added", None, 1),
        ("changed", 1, 2),
    ]
    assert (messages[2]["old_role"], messages[2]["new_role"]) == ("user", "user")
    assert [(line["op"], line["text"]) for line in messages[2]["lines"]] == [
        ("removed", "Hi {{name}}"),
        ("added", "Hello {{name}}"),
        ("added", "How are you?"),
    ]


def test_chat_diff_shows_a_role_change_in_place(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "c", [{"role": "user", "content": "Rules"}], prompt_type="chat")
    client.post(
        f"{BASE}/c/versions",
        {"template": [{"role": "developer", "content": "Rules, stricter"}]},
        format="json",
    )
    [message] = client.get(f"{BASE}/c/diff", {"base": 1, "target": 2}).json()["template"][
        "messages"
    ]
    assert (message["op"], message["old_role"], message["new_role"]) == (
        "changed",
        "user",
        "developer",
    )


def test_chat_diff_with_pure_additions_and_removals(tenant: Tenant) -> None:
    client = tenant.client()
    make(
        client,
        "c",
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        prompt_type="chat",
    )
    client.post(
        f"{BASE}/c/versions",
        {"template": [{"role": "user", "content": "b"}, {"role": "user", "content": "c"}]},
        format="json",
    )
    messages = client.get(f"{BASE}/c/diff", {"base": 1, "target": 2}).json()["template"]["messages"]
    assert [(m["op"], m.get("message", {}).get("content")) for m in messages] == [
        ("removed", "a"),
        ("equal", "b"),
        ("added", "c"),
    ]


def test_diff_of_unknown_versions_is_404(tenant: Tenant) -> None:
    client = tenant.client()
    make(client, "t", "x")
    response = client.get(f"{BASE}/t/diff", {"base": 1, "target": 7})
    assert response.status_code == 404
    assert response.json()["message"] == "prompt 't' has no version 7"
