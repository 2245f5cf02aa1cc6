"""The run search language: parsing, and its translation to queries over stored runs."""

from __future__ import annotations

import pytest

from llmops.tracking import domain
from llmops.tracking.models import Run
from llmops.tracking.search import Clause, SearchError, apply_filter, apply_order, parse_filter
from tests.conftest import Tenant


def test_clauses_are_parsed_with_their_entities_and_values() -> None:
    clauses = parse_filter(
        "params.lr = '0.01' and metrics.loss < 0.5 AND tags.`my tag` != \"y\" "
        "and attributes.run_name ILIKE 'ab%' and run.status IN ('FINISHED', 'KILLED') "
        "and start_time >= 1000"
    )
    assert clauses == [
        Clause("params", "lr", "=", "0.01"),
        Clause("metrics", "loss", "<", 0.5),
        Clause("tags", "my tag", "!=", "y"),
        Clause("attributes", "run_name", "ILIKE", "ab%"),
        Clause("attributes", "status", "IN", ["FINISHED", "KILLED"]),
        Clause("attributes", "start_time", ">=", 1000.0),
    ]
    assert parse_filter("") == []


@pytest.mark.parametrize(
    "text",
    [
        "params.lr",
        "params.lr = ",
        "params.lr = 'unterminated",
        "params.lr === 'x'",
        "metrics.loss < 'low'",
        "metrics.loss LIKE '1%'",
        "params.lr < 1",
        "bogus.lr = 'x'",
        "attributes.colour = 'red'",
        "params.a = 'x' or params.b = 'y'",
        "NOT params.a = 'x'",
        "attributes.status IN ()",
    ],
)
def test_malformed_filters_are_refused(text: str) -> None:
    with pytest.raises(SearchError):
        parse_filter(text)


@pytest.mark.django_db
def test_filters_and_ordering_select_the_right_runs(tenant: Tenant) -> None:
    experiment = domain.experiment_create(project=tenant.project, name="e", tags={})
    made = {}
    for index, (name, lr, loss) in enumerate(
        [("alpha", "0.01", 0.3), ("beta", "0.01", 0.1), ("gamma", "0.2", 0.2)]
    ):
        run = domain.run_create(
            experiment=experiment, user_id="u", run_name=name, start_time=index, tags={}
        )
        domain.run_log(
            run=run,
            params={"lr": lr},
            metrics=[domain.MetricInput("loss", 9.0, 1, 0), domain.MetricInput("loss", loss, 2, 1)],
        )
        made[name] = run
    runs = Run.objects.filter(project=tenant.project)

    def names(filter_text: str, order: list[str] | None = None) -> list[str]:
        query = apply_order(apply_filter(runs, filter_text), order or ["metrics.loss ASC"])
        return [run.name for run in query]

    # Only the latest value of a metric counts (all runs first logged 9.0).
    assert names("metrics.loss < 0.25") == ["beta", "gamma"]
    assert names("params.lr = '0.01' and metrics.loss < 0.5") == ["beta", "alpha"]
    assert names("params.lr != '0.01'") == ["gamma"]
    assert names("attributes.run_name LIKE '%a'") == ["beta", "gamma", "alpha"]
    assert names("attributes.run_name LIKE 'A%'") == []
    assert names("attributes.run_name ILIKE 'A%'") == ["alpha"]
    assert names("params.lr IN ('0.2', '0.3')") == ["gamma"]
    assert names("attributes.start_time > 0", ["attributes.start_time DESC"]) == ["gamma", "beta"]
    assert names("", ["params.lr DESC", "metrics.loss ASC"]) == ["gamma", "beta", "alpha"]
    with pytest.raises(SearchError):
        apply_order(runs, ["attributes.colour"])
