"""The lineage graph: one node per platform entity, typed edges in the direction data flows.

An edge always points from upstream (``source``) to downstream (``target``): a prompt version
``derived_from`` an older one has the older one as source; a run that ``used`` a dataset version
has the dataset version as source; a run that ``produced`` a model version is the source of it.
So "upstream of X" is always "follow edges backwards from X", whatever the edge kind.
"""

from __future__ import annotations

from django.db import models

from llmops.tenancy.models import Project


class NodeKind(models.TextChoices):
    DATASET_VERSION = "dataset_version"
    PROMPT_VERSION = "prompt_version"
    EVAL_RUN = "eval_run"
    TRACE = "trace"
    EXPERIMENT_RUN = "experiment_run"
    MODEL_VERSION = "model_version"
    LABEL_MOVE = "label_move"
    # Things outside the platform that clients may name (a code commit, a file in a bucket).
    EXTERNAL = "external"


class EdgeKind(models.TextChoices):
    DERIVED_FROM = "derived_from"
    USED = "used"
    PRODUCED = "produced"
    EVALUATED = "evaluated"
    GATED = "gated"
    LABELLED = "labelled"


class LineageNode(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=NodeKind.choices)
    # The entity's id in its own context (a prompt version id, a trace id, ...).
    ref = models.CharField(max_length=200)
    label = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "lineage_node"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "ref"], name="lineage_node_unique_ref"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


class LineageEdge(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(LineageNode, on_delete=models.CASCADE, related_name="out_edges")
    target = models.ForeignKey(LineageNode, on_delete=models.CASCADE, related_name="in_edges")
    kind = models.CharField(max_length=32, choices=EdgeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "lineage_edge"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="lineage_edge_unique_kind"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="lineage_edge_no_self_loop"
            ),
        ]
