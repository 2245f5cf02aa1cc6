"""One answer to "which model version does this reference mean", read as MLflow's ``models:/``
URIs read it: a version number, an alias, a stage (its newest version) or ``latest``."""

from __future__ import annotations

from typing import Any

import pytest

from llmops.domain_errors import DomainError, Invalid, NotFound
from llmops.registry import domain
from llmops.registry.models import RegisteredModel
from llmops.registry.selectors import model_version_resolve
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def model(tenant: Tenant) -> RegisteredModel:
    """v1 and v2 in Staging, v3 in no stage; champion on v1."""
    found = domain.model_create(project=tenant.project, name="m")
    versions = [domain.version_create(model=found, source=f"s3://{n}") for n in (1, 2, 3)]
    for version in versions[:2]:
        domain.version_transition(
            version=version, stage="Staging", archive_existing_versions=False, transitioned_by="t"
        )
    domain.alias_set(model=found, alias="champion", version=versions[0], moved_by="t")
    return found


def _number(tenant: Tenant, **reference: Any) -> int:
    version = model_version_resolve(project=tenant.project, name="m", **reference)
    assert version.model.name == "m"
    return version.version


def test_a_number_its_text_an_alias_a_stage_and_latest(
    tenant: Tenant, model: RegisteredModel
) -> None:
    assert _number(tenant, version=2) == 2
    assert _number(tenant, version="2") == 2
    assert _number(tenant, alias="champion") == 1
    assert _number(tenant, stage="Staging") == 2
    assert _number(tenant, stage="staging") == 2
    assert _number(tenant, stage="None") == 3
    assert _number(tenant, stage="latest") == 3
    assert _number(tenant, stage="Latest") == 3


@pytest.mark.parametrize(
    ("name", "reference", "field", "code", "message"),
    [
        (
            "m",
            {"version": 9},
            "version",
            NotFound,
            "Model Version (name=m, version=9) not found",
        ),
        (
            "m",
            {"version": "two"},
            "version",
            Invalid,
            "Parameter 'version' must be an integer, got 'two'.",
        ),
        (
            "m",
            {"alias": "challenger"},
            "alias",
            NotFound,
            "Registered model alias challenger not found.",
        ),
        (
            "m",
            {"stage": "Production"},
            "stage",
            NotFound,
            "No versions of model with name 'm' and stage 'Production' found",
        ),
        ("m", {"stage": "Prod"}, "stage", Invalid, None),
        (
            "nope",
            {"alias": "champion"},
            "name",
            NotFound,
            "Registered Model with name=nope not found",
        ),
        (
            "nope",
            {"stage": "latest"},
            "name",
            NotFound,
            "Registered Model with name=nope not found",
        ),
        # MLflow answers a missing model's version number with the version's own message.
        (
            "nope",
            {"version": 1},
            "version",
            NotFound,
            "Model Version (name=nope, version=1) not found",
        ),
    ],
)
def test_a_missing_reference_names_the_field(
    tenant: Tenant,
    model: RegisteredModel,
    name: str,
    reference: dict[str, Any],
    field: str,
    code: type[DomainError],
    message: str | None,
) -> None:
    with pytest.raises(DomainError) as missing:
        model_version_resolve(project=tenant.project, name=name, **reference)
    assert (missing.value.field, type(missing.value)) == (field, code)
    if message is not None:
        assert str(missing.value) == message


def test_another_projects_model_is_not_found(
    tenant: Tenant, other_tenant: Tenant, model: RegisteredModel
) -> None:
    for reference in ({"version": 1}, {"alias": "champion"}, {"stage": "latest"}):
        with pytest.raises(NotFound):
            model_version_resolve(project=other_tenant.project, name="m", **reference)
