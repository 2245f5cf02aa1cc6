"""Writes of the evaluation context: the one import point for its views, tasks and other
contexts.

The topic modules, innermost first (each imports only those above it):

- ``connections``: provider connections, their keys encrypted at rest;
- ``datasets``: versioned dataset items, imports and items made from traces;
- ``suites``: suites validated when saved, resolved on a version into pinned evidence;
- ``execution``: a run started from evidence, its lanes worked on Celery, its verdict from
  stored results; it knows nothing of gates or schedules;
- ``decision``: a finished promotion decided and its label moved through the prompts domain;
- ``gate``: gates on labels and the promotion request that starts (or reuses) runs;
- ``schedules``: runs on a cron or interval, a label's health and its alert;
- ``run_end``: what a run's end sets off (dependents, promotions, schedules);
- ``online``: rules that score a sample of ingested traces.
"""

from llmops.evaluation.domain.connections import connection_delete, connection_save
from llmops.evaluation.domain.datasets import (
    ItemInput,
    dataset_create,
    items_add_from_traces,
    items_change,
    items_import,
)
from llmops.evaluation.domain.decision import promotion_decide
from llmops.evaluation.domain.execution import (
    LANE_TASK,
    resume_stalled,
    run_request,
    run_start,
)
from llmops.evaluation.domain.gate import (
    gate_configure,
    gate_set,
    promotion_request,
    promotion_start,
)
from llmops.evaluation.domain.online import ONLINE_TASK, evaluate_traces, rule_delete, rule_save
from llmops.evaluation.domain.run_end import run_cancel, run_ended, run_lane
from llmops.evaluation.domain.schedules import (
    SCHEDULE_TASK,
    schedule_create,
    schedule_delete,
    schedule_fire,
)
from llmops.evaluation.domain.suites import suite_save
from llmops.evaluation.errors import (
    ConnectionNotFound,
    DatasetError,
    EvaluationError,
    EvaluationNotFound,
    EvaluationRefused,
    GateError,
    RuleError,
    RunError,
    ScheduleError,
    SuiteError,
)

__all__ = [
    "LANE_TASK",
    "ONLINE_TASK",
    "SCHEDULE_TASK",
    "ConnectionNotFound",
    "DatasetError",
    "EvaluationError",
    "EvaluationNotFound",
    "EvaluationRefused",
    "GateError",
    "ItemInput",
    "RuleError",
    "RunError",
    "ScheduleError",
    "SuiteError",
    "connection_delete",
    "connection_save",
    "dataset_create",
    "evaluate_traces",
    "gate_configure",
    "gate_set",
    "items_add_from_traces",
    "items_change",
    "items_import",
    "promotion_decide",
    "promotion_request",
    "promotion_start",
    "resume_stalled",
    "rule_delete",
    "rule_save",
    "run_cancel",
    "run_ended",
    "run_lane",
    "run_request",
    "run_start",
    "schedule_create",
    "schedule_delete",
    "schedule_fire",
    "suite_save",
]
