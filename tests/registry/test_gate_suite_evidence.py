"""Model gates read suites through the evidence evaluation registers; without it, a gate naming
suites is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmops.domain_errors import Invalid, PreconditionFailed
from llmops.evaluation.selectors import SuiteEvidence
from llmops.registry import domain, gates
from llmops.registry.models import GateKind, ModelGate
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_evaluation() -> Iterator[None]:
    gates.suite_evidence_register(None)
    yield
    gates.suite_evidence_register(SuiteEvidence())


def test_evaluation_registers_its_suite_evidence_at_startup() -> None:
    assert isinstance(gates._suite_evidence, SuiteEvidence)


def test_gate_naming_suites_without_evaluation_cannot_be_saved(
    tenant: Tenant, no_evaluation: None
) -> None:
    model = domain.model_create(project=tenant.project, name="m")
    with pytest.raises(Invalid) as caught:
        domain.gate_save(
            model=model,
            kind=GateKind.ALIAS,
            target="a",
            metrics=None,
            suites=["s"],
            updated_by="ana",
        )
    assert (caught.value.field, str(caught.value)) == (
        "suites",
        "Suite conditions cannot be checked: no evaluation app is installed.",
    )
    assert not ModelGate.objects.exists()


def test_stored_suite_gate_without_evaluation_refuses_the_move(
    tenant: Tenant, no_evaluation: None
) -> None:
    model = domain.model_create(project=tenant.project, name="m")
    version = domain.version_create(model=model, source="s3://1", user_id="ana")
    ModelGate.objects.create(model=model, kind=GateKind.ALIAS, target="a", metrics=[], suites=["s"])
    with pytest.raises(PreconditionFailed) as caught:
        domain.alias_set(model=model, alias="a", version=version, moved_by="ana")
    assert str(caught.value) == (
        "The gate of alias 'a' failed: "
        "suite conditions cannot be checked: no evaluation app is installed"
    )
