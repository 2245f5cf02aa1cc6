"""LangSmith's datasets, examples, sessions (tracing projects and ``evaluate()`` experiments)
and feedback, onto the platform's versioned datasets, external experiments and scores
(docs/langsmith.md).

A dataset's id is a UUID that holds the platform id, an example's id is the item's key, a
session is an :class:`Experiment` with a session id (with ``reference_dataset_id``: the
experiment whose runs become an evaluation run), and a feedback is a score on its run's span.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from llmops.domain_errors import Invalid, NotFound
from llmops.evaluation import selectors
from llmops.evaluation.api import access as actions
from llmops.evaluation.domain import langsmith as domain
from llmops.evaluation.models import Dataset, DatasetItem, DatasetVersion, Experiment
from llmops.json_text import first_non_finite, first_unstorable_text
from llmops.langsmith_api.views import LangSmithView, body
from llmops.scores.api import access as score_actions
from llmops.scores.api.langsmith import run_of_span
from llmops.scores.domain import scores_record
from llmops.scores.langsmith_feedback import feedback_to_score
from llmops.scores.models import DataType, Score
from llmops.tenancy.models import Project
from llmops.tracing import selectors as tracing_selectors
from llmops.tracing.models import Span
from llmops.tracing.run_ids import span_id_of

MAX_NAME = 200
MAX_LIMIT = 100
MAX_EXAMPLES = 1000
# The tenant id LangSmith reports on sessions is the project's, derived (never a secret).
_TENANT_NAMESPACE = uuid.UUID("8c0f3f1e-3f43-4c57-9a7e-6d0b6a3c5e21")


# --- input ----------------------------------------------------------------------------------


def _text(
    data: Mapping[str, Any], name: str, *, required: bool = False, max_length: int | None = None
) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid("is required", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid("must be a string", field=name)
    if required and not value.strip():
        raise Invalid("is required", field=name)
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
        raise Invalid("must not contain a NUL character", field=name)
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"must be at most {max_length} characters", field=name)
    return value


def _finite(value: Any, name: str) -> None:
    # The body parser refuses NaN, NUL and deep nesting; 1e999 still decodes (as infinity).
    path = first_non_finite(value)
    if path is not None:
        where = name if path == "non_field_errors" else f"{name}.{path}".replace(".[", "[")
        raise Invalid("must hold finite numbers only", field=where)


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise Invalid("must be an object", field=name)
    _finite(value, name)
    found = first_unstorable_text(value)
    if found is not None:
        raise Invalid(found[1], field=f"{name}.{found[0]}" if found[0] else name)
    return dict(value)


def _uuid(value: Any, name: str) -> uuid.UUID:
    if not isinstance(value, str | uuid.UUID):
        raise Invalid("must be a UUID", field=name)
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    except ValueError:
        raise Invalid("must be a UUID", field=name) from None


def _uuids(request: Request, name: str) -> list[uuid.UUID] | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [_uuid(value, name) for value in values]


def _integer(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = int(raw)
    except ValueError:
        raise Invalid("must be an integer", field=name) from None
    if not 0 <= number <= maximum:
        raise Invalid(f"must be between 0 and {maximum}", field=name)
    return number


def _window(request: Request) -> tuple[int, int]:
    """LangSmith's pagination: ``offset`` and ``limit`` (at most 100)."""
    limit = _integer(request, "limit", MAX_LIMIT, MAX_LIMIT) or MAX_LIMIT
    return _integer(request, "offset", 0, 2**31 - 1), limit


def _query_text(request: Request, name: str) -> str:
    return _text(request.query_params, name, max_length=MAX_NAME) or ""


def _time(data: Mapping[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) and "\x00" not in value else None
    if parsed is None:
        raise Invalid("must be an ISO 8601 date-time", field=name)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- output ---------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _dict_of(value: Any, key: str) -> dict[str, Any] | None:
    # LangSmith's inputs and outputs are objects; an item made elsewhere may hold any JSON.
    if value is None or isinstance(value, dict):
        return value
    return {key: value}


def dataset_json(dataset: Dataset, example_count: int | None) -> dict[str, Any]:
    return {
        "id": str(domain.dataset_uuid(dataset.pk)),
        "name": dataset.name,
        "description": dataset.description or None,
        "data_type": "kv",
        "created_at": _iso(dataset.created_at),
        "modified_at": _iso(dataset.created_at),
        "example_count": example_count,
        "session_count": None,
        "last_session_start_time": None,
        "inputs_schema_definition": None,
        "outputs_schema_definition": None,
        "transformations": None,
        "metadata": dataset.metadata or None,
    }


def example_json(item: DatasetItem, times: Mapping[int, datetime]) -> dict[str, Any]:
    # An item is immutable per version: it was made (and last changed) with its version.
    made = _iso(times.get(item.added_in))
    return {
        "id": item.key,
        "dataset_id": str(domain.dataset_uuid(item.dataset_id)),
        "inputs": _dict_of(item.input, "input"),
        "outputs": _dict_of(item.expected, "output"),
        "metadata": item.metadata or None,
        "created_at": made,
        "modified_at": made,
        "source_run_id": None,
        "attachment_urls": None,
    }


def _version_times(dataset_ids: set[int]) -> dict[int, dict[int, datetime]]:
    found: dict[int, dict[int, datetime]] = {pk: {} for pk in dataset_ids}
    rows = DatasetVersion.objects.filter(dataset_id__in=dataset_ids).values_list(
        "dataset_id", "number", "created_at"
    )
    for dataset_id, number, created_at in rows:
        found[dataset_id][number] = created_at
    return found


def _examples_json(items: list[DatasetItem]) -> list[dict[str, Any]]:
    times = _version_times({item.dataset_id for item in items})
    return [example_json(item, times[item.dataset_id]) for item in items]


def tenant_id(project: Project) -> uuid.UUID:
    return uuid.uuid5(_TENANT_NAMESPACE, str(project.pk))


def session_json(session: Experiment, project: Project) -> dict[str, Any]:
    run = session.run
    return {
        "id": str(session.session_id),
        "name": session.name,
        "description": session.description or None,
        "extra": session.extra or None,
        "start_time": _iso(session.created_at),
        "end_time": _iso(session.end_time),
        "tenant_id": str(tenant_id(project)),
        "reference_dataset_id": (
            str(domain.dataset_uuid(session.dataset_id)) if session.dataset_id else None
        ),
        "run_count": run.total_items if run is not None else 0,
        "feedback_stats": None,
        # Where the platform shows this experiment: its evaluation run.
        "evaluation_run_id": str(run.pk) if run is not None else None,
    }


# --- datasets -------------------------------------------------------------------------------


def _dataset_of(project: Project, raw: Any, name: str) -> Dataset:
    return selectors.dataset_by_pk(project=project, pk=domain.dataset_pk_of(_uuid(raw, name)))


class LangSmithDatasetsView(LangSmithView):
    """``POST /datasets`` (create; a name in use is a 409) and ``GET /datasets`` (``name``,
    ``name_contains``, ``id``, ``offset``, ``limit``)."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        offset, limit = _window(request)
        found = selectors.datasets_list(project=self.project)
        name = _query_text(request, "name")
        if name:
            found = found.filter(name=name)
        contains = _query_text(request, "name_contains")
        if contains:
            found = found.filter(name__icontains=contains)
        ids = _uuids(request, "id")
        if ids is not None:
            found = found.filter(pk__in=[domain.dataset_pk_of(i) for i in ids])
        rows = list(found[offset : offset + limit])
        counts = selectors.dataset_example_counts(rows)
        return Response([dataset_json(row, counts.get(row.pk, 0)) for row in rows])

    def post(self, request: Request) -> Response:
        data = body(request)
        extra = _object(data, "extra") or {}
        metadata = extra.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise Invalid("must be an object", field="extra.metadata")
        dataset = domain.dataset_create(
            project=self.project,
            name=_text(data, "name", required=True, max_length=MAX_NAME) or "",
            description=_text(data, "description") or "",
            metadata=metadata or {},
        )
        return Response(dataset_json(dataset, 0))


class LangSmithDatasetView(LangSmithView):
    """``GET /datasets/{id}``."""

    access = {"GET": actions.READ}

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = _dataset_of(self.project, dataset_id, "dataset_id")
        counts = selectors.dataset_example_counts([dataset])
        return Response(dataset_json(dataset, counts.get(dataset.pk, 0)))


def _version_of(dataset: Dataset, raw: str | None, name: str) -> int:
    """The version ``raw`` names: a time (the version current then), a tag (``latest``, or
    ``v<number>``, the tags the platform gives its versions) or nothing (the newest)."""
    if not raw or raw == "latest":
        return dataset.latest_version
    if raw[:1] == "v" and raw[1:].isdigit():
        number = int(raw[1:])
        if not 1 <= number <= dataset.latest_version:
            raise NotFound(f"The dataset has no version {raw}.", field=name)
        return number
    moment = _time({name: raw}, name)
    assert moment is not None
    return selectors.version_at_time(dataset, moment)


def _version_json(version: DatasetVersion, latest: int) -> dict[str, Any]:
    tags = [f"v{version.number}", *(["latest"] if version.number == latest else [])]
    return {"tags": tags, "as_of": _iso(version.created_at)}


class LangSmithDatasetVersionsView(LangSmithView):
    """``GET /datasets/{id}/versions``: its versions, newest first, each tagged ``v<number>``
    (the newest also ``latest``)."""

    access = {"GET": actions.READ}

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = _dataset_of(self.project, dataset_id, "dataset_id")
        offset, limit = _window(request)
        versions = dataset.versions.order_by("-number")
        search = _query_text(request, "search")
        if search:
            number = search[1:] if search[:1] == "v" else search
            versions = versions.filter(number=int(number)) if number.isdigit() else versions.none()
        rows = versions[offset : offset + limit]
        return Response([_version_json(row, dataset.latest_version) for row in rows])


class LangSmithDatasetVersionView(LangSmithView):
    """``GET /datasets/{id}/version?as_of=|tag=``: the version current at a time, or tagged."""

    access = {"GET": actions.READ}

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = _dataset_of(self.project, dataset_id, "dataset_id")
        query = request.query_params
        tag, as_of = query.get("tag"), query.get("as_of")
        if bool(tag) == bool(as_of):
            raise Invalid("give exactly one of as_of and tag", field="as_of")
        number = _version_of(dataset, tag or as_of, "tag" if tag else "as_of")
        version = dataset.versions.filter(number=number).first()
        if version is None:
            raise NotFound("The dataset had no version then.", field="as_of")
        return Response(_version_json(version, dataset.latest_version))


class LangSmithDatasetSplitsView(LangSmithView):
    """``GET /datasets/{id}/splits?as_of=``: the splits its examples name (``base`` for those
    with none), as LangSmith keeps them in ``metadata.dataset_split``."""

    access = {"GET": actions.READ}

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = _dataset_of(self.project, dataset_id, "dataset_id")
        version = _version_of(dataset, request.query_params.get("as_of"), "as_of")
        found: set[str] = set()
        for metadata in selectors.items_at(dataset, version).values_list("metadata", flat=True):
            splits = (metadata or {}).get("dataset_split")
            if isinstance(splits, list) and splits:
                found.update(s for s in splits if isinstance(s, str))
            else:
                found.add("base")
        return Response(sorted(found))


# --- examples -------------------------------------------------------------------------------


def _example_in(data: Any, where: str) -> tuple[Any, domain.ExampleIn]:
    """(the raw dataset id, the example) of one example body."""
    if not isinstance(data, Mapping):
        raise Invalid("must be an object", field=where.rstrip(".") or "body")
    raw_id = data.get("id")
    key = str(_uuid(raw_id, f"{where}id")) if raw_id is not None else str(uuid.uuid4())
    inputs = _object(data, "inputs") if not where else _prefixed(data, "inputs", where)
    outputs = _object(data, "outputs") if not where else _prefixed(data, "outputs", where)
    metadata = _object(data, "metadata") if not where else _prefixed(data, "metadata", where)
    metadata = dict(metadata or {})
    split = data.get("split")
    if split is not None:
        splits = [split] if isinstance(split, str) else split
        if not isinstance(splits, list) or not all(
            isinstance(s, str) and s and "\x00" not in s and len(s) <= MAX_NAME for s in splits
        ):
            raise Invalid("must be a name or a list of names", field=f"{where}split")
        # Where LangSmith keeps an example's splits (evaluate() reads them there).
        metadata["dataset_split"] = splits
    if inputs is None:
        raise Invalid("is required", field=f"{where}inputs")
    return data.get("dataset_id"), domain.ExampleIn(
        key=key, inputs=inputs, outputs=outputs, metadata=metadata
    )


def _prefixed(data: Mapping[str, Any], name: str, where: str) -> dict[str, Any] | None:
    try:
        return _object(data, name)
    except Invalid as exc:
        raise Invalid(exc.message, field=f"{where}{exc.field}") from None


class LangSmithExamplesView(LangSmithView):
    """``POST /examples`` (one example) and ``GET /examples`` (``dataset``, ``id``, ``splits``,
    ``metadata``, ``as_of``, ``offset``, ``limit``)."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        offset, limit = _window(request)
        query = request.query_params
        if query.get("filter"):
            raise Invalid("filter expressions are not supported here", field="filter")
        raw_dataset = query.get("dataset")
        ids = _uuids(request, "id")
        if raw_dataset:
            dataset = _dataset_of(self.project, raw_dataset, "dataset")
            version = self._version(request, dataset)
            items = selectors.items_at(dataset, version)
        else:
            if ids is None:
                raise Invalid("give a dataset or example ids", field="dataset")
            items = DatasetItem.objects.filter(
                dataset__project=self.project, removed_in__isnull=True
            )
        if ids is not None:
            items = items.filter(key__in=[str(i) for i in ids])
        splits = query.getlist("splits")
        if splits:
            # "base" is every example without a split, as in LangSmith.
            wanted = [s for s in splits if s != "base"]
            chosen = [
                item
                for item in items.order_by("id")
                if set(wanted) & set(item.metadata.get("dataset_split") or [])
                or ("base" in splits and not item.metadata.get("dataset_split"))
            ]
            rows = chosen[offset : offset + limit]
        else:
            metadata = query.get("metadata")
            if metadata:
                try:
                    wanted_metadata = json.loads(metadata)
                except ValueError:
                    raise Invalid("must be a JSON object", field="metadata") from None
                if not isinstance(wanted_metadata, dict):
                    raise Invalid("must be a JSON object", field="metadata")
                items = items.filter(metadata__contains=wanted_metadata)
            rows = list(items.order_by("id")[offset : offset + limit])
        return Response(_examples_json(rows))

    def _version(self, request: Request, dataset: Dataset) -> int:
        return _version_of(dataset, request.query_params.get("as_of"), "as_of")

    def post(self, request: Request) -> Response:
        raw_dataset, example = _example_in(body(request), "")
        dataset = _dataset_of(self.project, raw_dataset, "dataset_id")
        (item,) = domain.examples_create(
            project=self.project, dataset=dataset, examples=[example], author=str(request.user)
        )
        return Response(_examples_json([item])[0])


class LangSmithExamplesBulkView(LangSmithView):
    """``POST /examples/bulk``: a list of examples (each with its ``dataset_id``), one new
    version of each dataset named."""

    access = {"POST": actions.WRITE}

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, list):
            raise Invalid("must be a list of examples", field="body")
        if len(data) > MAX_EXAMPLES:
            raise Invalid(f"at most {MAX_EXAMPLES} examples per request", field="body")
        by_dataset: dict[int, list[domain.ExampleIn]] = {}
        datasets: dict[int, Dataset] = {}
        order: list[tuple[int, str]] = []
        for index, row in enumerate(data):
            raw_dataset, example = _example_in(row, f"[{index}].")
            dataset = _dataset_of(self.project, raw_dataset, f"[{index}].dataset_id")
            datasets[dataset.pk] = dataset
            by_dataset.setdefault(dataset.pk, []).append(example)
            order.append((dataset.pk, example.key))
        stored: dict[tuple[int, str], DatasetItem] = {}
        for pk in sorted(by_dataset):
            rows = domain.examples_create(
                project=self.project,
                dataset=datasets[pk],
                examples=by_dataset[pk],
                author=str(request.user),
            )
            stored.update({(pk, row.key): row for row in rows})
        return Response(_examples_json([stored[at] for at in order]))


class LangSmithExampleView(LangSmithView):
    """``GET /examples/{id}``: the example in its dataset's newest version (``as_of`` a time:
    in the version current then)."""

    access = {"GET": actions.READ}

    def get(self, request: Request, example_id: str) -> Response:
        key = str(_uuid(example_id, "example_id"))
        item = selectors.item_current(project=self.project, key=key)
        moment = _time(request.query_params, "as_of")
        if moment is not None:
            version = selectors.version_at_time(item.dataset, moment)
            found = selectors.items_at(item.dataset, version).filter(key=key).first()
            if found is None:
                raise NotFound("Example not found at that time.", field="as_of")
            item = found
        return Response(_examples_json([item])[0])


# --- sessions -------------------------------------------------------------------------------


class LangSmithSessionsView(LangSmithView):
    """``POST /sessions`` (``upsert``) and ``GET /sessions`` (``name``, ``name_contains``,
    ``id``, ``reference_dataset``, ``offset``, ``limit``), newest first."""

    access = {"GET": actions.READ, "POST": actions.WRITE}

    def get(self, request: Request) -> Response:
        offset, limit = _window(request)
        references = _uuids(request, "reference_dataset")
        found = selectors.sessions_list(
            project=self.project,
            name=_query_text(request, "name"),
            name_contains=_query_text(request, "name_contains"),
            ids=_uuids(request, "id"),
            dataset_ids=(
                None
                if references is None
                else [pk for pk in map(domain.dataset_pk_of, references) if pk is not None]
            ),
        )
        return Response([session_json(row, self.project) for row in found[offset : offset + limit]])

    def post(self, request: Request) -> Response:
        data = body(request)
        raw_id = data.get("id")
        session_id = _uuid(raw_id, "id") if raw_id is not None else uuid.uuid4()
        reference = data.get("reference_dataset_id")
        dataset = (
            None
            if reference is None
            else _dataset_of(self.project, reference, "reference_dataset_id")
        )
        upsert = request.query_params.get("upsert", "").lower() in ("true", "1")
        session = domain.session_create(
            project=self.project,
            session_id=session_id,
            name=_text(data, "name", required=True, max_length=MAX_NAME) or "",
            description=_text(data, "description") or "",
            extra=_object(data, "extra"),
            dataset=dataset,
            upsert=upsert,
        )
        return Response(session_json(session, self.project), status=status.HTTP_201_CREATED)


class LangSmithSessionView(LangSmithView):
    """``GET /sessions/{id}`` and ``PATCH`` (name, description, extra, end_time)."""

    access = {"GET": actions.READ, "PATCH": actions.WRITE}

    def get(self, request: Request, session_id: str) -> Response:
        found = selectors.session_get(
            project=self.project, session_id=_uuid(session_id, "session_id")
        )
        return Response(session_json(found, self.project))

    def patch(self, request: Request, session_id: str) -> Response:
        data = body(request)
        found = selectors.session_get(
            project=self.project, session_id=_uuid(session_id, "session_id")
        )
        updated = domain.session_update(
            session=found,
            name=_text(data, "name", max_length=MAX_NAME) or None,
            description=_text(data, "description"),
            extra=_object(data, "extra"),
            end_time=_time(data, "end_time"),
        )
        updated.run = found.run
        return Response(session_json(updated, self.project))


# --- feedback -------------------------------------------------------------------------------


def feedback_json(score: Score, run_ids: Mapping[str, str]) -> dict[str, Any]:
    """A score as LangSmith feedback. The run id is known when the reader named the run (a
    span id is a hash of it); the trace id is the root run id, so it is always known."""
    kept = (score.metadata or {}).get("langsmith") or {}
    if score.data_type == DataType.CATEGORICAL:
        value: Any = score.string_value
        number: float | None = None
    else:
        number, value = score.value, kept.get("value")
    try:
        trace: str | None = str(uuid.UUID(hex=score.trace_id))
    except ValueError:
        trace = None
    return {
        "id": str(score.id),
        "created_at": _iso(score.created_at),
        "modified_at": _iso(score.updated_at),
        "run_id": run_ids.get(score.span_id),
        "trace_id": trace,
        "key": score.name,
        "score": number,
        "value": value,
        "comment": score.comment or None,
        "correction": kept.get("correction"),
        "feedback_source": kept.get("feedback_source"),
        "extra": kept.get("extra"),
    }


class LangSmithFeedbackView(LangSmithView):
    """``POST /feedback``: a score on the run's span (llmops/scores/langsmith_feedback.py);
    ``GET /feedback`` (``run``, ``key``, ``offset``, ``limit``): the scores on those runs.

    With ``trace_id`` (``evaluate()`` sends it) the score is stored at once, even before its
    run arrives. With only ``run_id``, the trace is the stored span's or the running run's: a
    run the platform has not received yet is a 404, which the client retries (it does so for
    feedback), so the score lands once the run has arrived."""

    access = {"GET": score_actions.READ, "POST": score_actions.SEND}

    def get(self, request: Request) -> Response:
        offset, limit = _window(request)
        runs = _uuids(request, "run")
        span_ids = None if runs is None else {span_id_of(run): str(run) for run in runs}
        keys = request.query_params.getlist("key")
        if any("\x00" in key for key in keys):
            raise Invalid("must not contain a NUL character", field="key")
        found = selectors.feedback_list(
            project=self.project,
            span_ids=None if span_ids is None else list(span_ids),
            keys=keys,
        )
        return Response(
            [feedback_json(row, span_ids or {}) for row in found[offset : offset + limit]]
        )

    def post(self, request: Request) -> Response:
        data = body(request)
        _finite(data.get("score"), "score")
        _finite(data.get("value"), "value")
        found = first_unstorable_text(dict(data))
        if found is not None:
            raise Invalid(found[1], field=found[0] or "body")
        # A run still running (waiting for its end) lends its trace too.
        score = feedback_to_score(data, project=self.project)
        if not score.trace_id:
            stored = Span.objects.filter(project=self.project, span_id=score.span_id).exists()
            if not stored:
                raise NotFound("Run not found (not ingested yet?).", field="run_id")
        (row,) = scores_record(
            project=self.project, items=[score], author=str(request.user), many=False
        )
        return Response(
            {
                "id": str(row.id),
                "run_id": data.get("run_id"),
                "trace_id": data.get("trace_id"),
                "key": row.name,
                "score": data.get("score"),
                "value": data.get("value"),
                "comment": row.comment or None,
                "created_at": _iso(row.created_at) if row.created_at else None,
                "modified_at": _iso(row.updated_at) if row.updated_at else None,
            }
        )


class LangSmithFeedbackItemView(LangSmithView):
    """``GET /feedback/{id}`` (its run id is not known from the span alone: null)."""

    access = {"GET": score_actions.READ}

    def get(self, request: Request, feedback_id: str) -> Response:
        found = selectors.feedback_get(
            project=self.project, feedback_id=_uuid(feedback_id, "feedback_id")
        )
        return Response(feedback_json(found, {}))


class LangSmithDatasetRunsView(LangSmithView):
    """``POST /datasets/{id}/runs``: an experiment's examples, each with the target's run, as the
    client's ``get_experiment_results`` reads them (one session at a time, pages of 100)."""

    access = {"POST": actions.READ}

    def post(self, request: Request, dataset_id: str) -> Response:
        dataset = _dataset_of(self.project, dataset_id, "dataset_id")
        data = body(request)
        sessions = data.get("session_ids")
        if not isinstance(sessions, list) or len(sessions) != 1:
            raise Invalid("give exactly one session id", field="session_ids")
        session_id = _uuid(sessions[0], "session_ids[0]")
        offset = _body_integer(data, "offset", default=0, maximum=10_000_000)
        limit = _body_integer(data, "limit", default=100, maximum=100)
        results = selectors.experiment_results(
            project=self.project, session_id=session_id, dataset=dataset, offset=offset, limit=limit
        )
        roots = tracing_selectors.trace_roots(
            project=self.project, trace_ids={row.trace_id for row in results if row.trace_id}
        )
        examples = _examples_json([row.item for row in results])
        return Response(
            [
                {
                    **example,
                    "runs": [run_of_span(roots[row.trace_id])] if row.trace_id in roots else [],
                }
                for example, row in zip(examples, results, strict=True)
            ]
        )


def _body_integer(data: Mapping[str, Any], name: str, *, default: int, maximum: int) -> int:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise Invalid(f"must be an integer from 0 to {maximum}", field=name)
    return value
