"""Langfuse prompt management with the real SDKs (3.15 and 5.2) against a live server:
create_prompt, get_prompt (label, version, production by default), compile equal to the
platform's render, the SDK's own cache and fallback, update_prompt, protected labels, and a
generation linked to the prompt it used. The platform's own API then shows the same."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.prompts import domain
from llmops.prompts.models import Prompt, PromptVersion
from llmops.tracing.models import Span
from tests.conftest import Tenant
from tests.langfuse.clients import LangfuseClient

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Hello {{customer}}, about {{topic}}."
CHAT = [
    {"role": "system", "content": "You help {{customer}}."},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{question}}"},
]
HISTORY = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello, how can I help?"},
]

CREATE_AND_GET = f"""
    import json
    from langfuse import Langfuse

    lf = Langfuse()
    out = {{}}

    def summary(prompt, **variables):
        return {{
            "name": prompt.name,
            "version": prompt.version,
            "labels": sorted(prompt.labels),
            "tags": prompt.tags,
            "config": prompt.config,
            "commit_message": prompt.commit_message,
            "variables": prompt.variables,
            "compiled": prompt.compile(**variables),
            "is_fallback": prompt.is_fallback,
        }}

    created = lf.create_prompt(
        name="support/greeting",
        prompt={TEXT!r},
        labels=["production"],
        tags=["support"],
        config={{"model": "gpt-4o-mini", "temperature": 0.2}},
        commit_message="first cut",
    )
    out["created"] = summary(created)
    second = lf.create_prompt(
        name="support/greeting", prompt="Hi {{{{customer}}}}! {{{{topic}}}}?", labels=["staging"]
    )
    out["second"] = summary(second)
    variables = {{"customer": "Ada", "topic": "billing"}}
    out["default"] = summary(lf.get_prompt("support/greeting"), **variables)
    out["staging"] = summary(lf.get_prompt("support/greeting", label="staging"), **variables)
    out["latest"] = summary(lf.get_prompt("support/greeting", label="latest"), **variables)
    out["version1"] = summary(lf.get_prompt("support/greeting", version=1), **variables)

    chat = lf.create_prompt(
        name="support/chat", type="chat", prompt={CHAT!r}, labels=["production"]
    )
    out["chat_created"] = {{"version": chat.version, "labels": sorted(chat.labels)}}
    fetched = lf.get_prompt("support/chat", type="chat")
    out["chat"] = summary(
        fetched, customer="Ada", question="Where is my invoice?", history={HISTORY!r}
    )

    updated = lf.update_prompt(name="support/greeting", version=2, new_labels=["production"])
    out["updated_labels"] = sorted(updated.labels)
    # update_prompt empties the SDK's cache for the name: production is fetched again.
    out["after_update"] = lf.get_prompt("support/greeting").version
    lf.shutdown()
    print(json.dumps(out))
"""


def render(tenant: Tenant, name: str, **body: Any) -> Any:
    response = tenant.client().post(f"/api/v1/prompts/{name}/render", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["output"]


def test_create_get_compile_and_update_as_the_sdk_does(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    out = langfuse.run(CREATE_AND_GET)

    assert out["created"]["version"] == 1
    assert out["created"]["labels"] == ["latest", "production"]
    assert out["created"]["tags"] == ["support"]
    assert out["created"]["config"] == {"model": "gpt-4o-mini", "temperature": 0.2}
    assert out["created"]["commit_message"] == "first cut"
    assert out["second"]["version"] == 2
    assert out["second"]["labels"] == ["latest", "staging"]
    # No label or version: production, as in Langfuse and on the platform.
    assert out["default"]["version"] == 1
    assert out["staging"]["version"] == 2
    assert out["latest"]["version"] == 2
    assert out["version1"]["version"] == 1
    assert out["default"]["is_fallback"] is False

    variables = {"customer": "Ada", "topic": "billing"}
    for key, number in (("default", 1), ("staging", 2)):
        assert out[key]["compiled"] == render(
            tenant, "support/greeting", version=number, variables=variables
        )
    assert out["default"]["compiled"] == "Hello Ada, about billing."
    stored = PromptVersion.objects.get(prompt__name="support/greeting", number=1)
    assert out["default"]["variables"] == stored.variables == ["customer", "topic"]

    assert out["chat_created"] == {"version": 1, "labels": ["latest", "production"]}
    assert out["chat"]["compiled"] == render(
        tenant,
        "support/chat",
        variables={"customer": "Ada", "question": "Where is my invoice?"},
        placeholders={"history": HISTORY},
    )
    assert out["chat"]["compiled"][1:3] == HISTORY
    assert PromptVersion.objects.get(prompt__name="support/chat").template == CHAT

    assert out["updated_labels"] == ["latest", "production", "staging"]
    assert out["after_update"] == 2

    # The platform's own API shows the same versions and labels.
    versions = tenant.client().get("/api/v1/prompts/support/greeting/versions").json()
    assert [(v["number"], v["labels"]) for v in versions] == [
        (2, ["latest", "production", "staging"]),
        (1, []),
    ]
    history = tenant.client().get("/api/v1/prompts/support/greeting/labels/production/history")
    assert [(m["from_version"], m["to_version"]) for m in history.json()["moves"]] == [
        (1, 2),
        (None, 1),
    ]


CACHE_AND_FALLBACK = """
    import json, os
    import httpx
    from langfuse import Langfuse

    lf = Langfuse()
    out = {}
    lf.create_prompt(name="cached", prompt="one {{x}}", labels=["production"])
    lf.create_prompt(name="cached", prompt="two {{x}}")
    out["first"] = lf.get_prompt("cached").version
    # Moved behind the SDK's back (its own update_prompt would empty its cache).
    moved = httpx.patch(
        os.environ["LANGFUSE_HOST"] + "/api/public/v2/prompts/cached/versions/2",
        json={"newLabels": ["production"]},
        auth=(os.environ["LANGFUSE_PUBLIC_KEY"], os.environ["LANGFUSE_SECRET_KEY"]),
    )
    out["moved"] = moved.status_code
    out["cached"] = lf.get_prompt("cached").version
    out["uncached"] = lf.get_prompt("cached", cache_ttl_seconds=0).version

    text = lf.get_prompt("no/such-prompt", fallback="Hi {{name}}", max_retries=0)
    out["text_fallback"] = {
        "is_fallback": text.is_fallback,
        "version": text.version,
        "compiled": text.compile(name="Ada"),
    }
    chat = lf.get_prompt(
        "no/such-chat",
        type="chat",
        fallback=[{"role": "user", "content": "Hi {{name}}"}],
        max_retries=0,
    )
    out["chat_fallback"] = {"is_fallback": chat.is_fallback, "compiled": chat.compile(name="Ada")}
    try:
        lf.get_prompt("no/such-prompt", max_retries=0)
        out["without_fallback"] = None
    except Exception as exc:
        out["without_fallback"] = {
            "error": type(exc).__name__,
            "status": getattr(exc, "status_code", None),
            "body": getattr(exc, "body", None),
        }
    lf.shutdown()
    print(json.dumps(out))
"""


def test_the_sdks_cache_and_fallback_work(langfuse: LangfuseClient, tenant: Tenant) -> None:
    out = langfuse.run(CACHE_AND_FALLBACK)
    assert out["first"] == 1
    assert out["moved"] == 200
    # Served from the SDK's cache until it expires or is bypassed.
    assert out["cached"] == 1
    assert out["uncached"] == 2
    assert out["text_fallback"] == {"is_fallback": True, "version": 0, "compiled": "Hi Ada"}
    assert out["chat_fallback"] == {
        "is_fallback": True,
        "compiled": [{"role": "user", "content": "Hi Ada"}],
    }
    assert out["without_fallback"] == {
        "error": "NotFoundError",
        "status": 404,
        "body": {
            "message": "Prompt not found: 'no/such-prompt' with label 'production'",
            "error": "LangfuseNotFoundError",
        },
    }
    assert not Prompt.objects.filter(name__startswith="no/").exists()


CREATE_FIRST = """
    import json
    from langfuse import Langfuse

    lf = Langfuse()
    created = lf.create_prompt(name="guarded", prompt="v1 {{x}}", labels=["production"])
    lf.create_prompt(name="guarded", prompt="v2 {{x}}", labels=["staging"])
    lf.shutdown()
    print(json.dumps({"version": created.version}))
"""

MOVE_PROTECTED = """
    import json
    from langfuse import Langfuse

    lf = Langfuse()
    out = {}

    def refusal(call):
        try:
            call()
            return None
        except Exception as exc:
            return {
                "error": type(exc).__name__,
                "status": getattr(exc, "status_code", None),
                "body": getattr(exc, "body", None),
            }

    out["create"] = refusal(
        lambda: lf.create_prompt(name="guarded", prompt="v3 {{x}}", labels=["production"])
    )
    out["update"] = refusal(
        lambda: lf.update_prompt(name="guarded", version=2, new_labels=["canary", "production"])
    )
    out["unprotected"] = sorted(
        lf.update_prompt(name="guarded", version=2, new_labels=["canary"]).labels
    )
    out["served"] = lf.get_prompt("guarded", cache_ttl_seconds=0).version
    lf.shutdown()
    print(json.dumps(out))
"""


def test_a_protected_label_never_moves_from_the_sdk(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    assert langfuse.run(CREATE_FIRST) == {"version": 1}
    domain.label_protect(
        prompt=Prompt.objects.get(project=tenant.project, name="guarded"),
        label="production",
        protected=True,
    )
    out = langfuse.run(MOVE_PROTECTED)
    for key in ("create", "update"):
        refusal = out[key]
        assert refusal["status"] == 403, refusal
        assert refusal["error"] == "AccessDeniedError"
        assert refusal["body"]["error"] == "ForbiddenError"
        assert "'production' is protected" in refusal["body"]["message"]
        assert "release gate" in refusal["body"]["message"]
    assert out["unprotected"] == ["canary", "latest", "staging"]
    assert out["served"] == 1
    # Nothing of the refused requests was kept: no version 3, production still on 1.
    versions = tenant.client().get("/api/v1/prompts/guarded/versions").json()
    assert [(v["number"], v["labels"]) for v in versions] == [
        (2, ["canary", "latest", "staging"]),
        (1, ["production"]),
    ]
    labels = tenant.client().get("/api/v1/prompts/guarded/labels").json()
    assert {(label["name"], label["version"], label["protected"]) for label in labels} == {
        ("production", 1, True),
        ("staging", 2, False),
        ("canary", 2, False),
    }


LINKED_GENERATION = """
    import json
    from langfuse import Langfuse

    lf = Langfuse()
    lf.create_prompt(name="support/linked", prompt="Answer {{q}}", labels=["production"])
    lf.create_prompt(name="support/linked", prompt="Answer briefly: {{q}}", labels=["production"])
    prompt = lf.get_prompt("support/linked")
    if hasattr(lf, "start_as_current_generation"):  # 3.x
        observe = lf.start_as_current_generation(
            name="linked-answer", prompt=prompt, model="gpt-4o-mini"
        )
    else:
        observe = lf.start_as_current_observation(
            as_type="generation", name="linked-answer", prompt=prompt, model="gpt-4o-mini"
        )
    with observe as generation:
        generation.update(input=prompt.compile(q="why?"), output="Because.")
    lf.flush()
    lf.shutdown()
    print(json.dumps({"name": prompt.name, "version": prompt.version}))
"""


def test_a_generation_run_with_the_prompt_links_its_version(
    langfuse: LangfuseClient, tenant: Tenant
) -> None:
    out = langfuse.run(LINKED_GENERATION)
    assert out == {"name": "support/linked", "version": 2}
    span = Span.objects.get(project=tenant.project, name="linked-answer")
    assert (span.prompt_name, span.prompt_version) == ("support/linked", "2")
