"""What each prompt operation needs (see ``llmops.tenancy.access``)."""

from llmops.tenancy.access import action
from llmops.tenancy.models import KeyScope, Role

READ = action(
    "prompts.read",
    role=Role.VIEWER,
    key_scope=KeyScope.MEMBER,
    summary="Read prompts, versions, labels, diffs and usage; render a version",
)
WRITE = action(
    "prompts.write",
    role=Role.MEMBER,
    key_scope=KeyScope.MEMBER,
    summary="Create prompts and versions, move unprotected labels, run the playground",
)
PROTECT_LABELS = action(
    "prompts.protect-labels",
    role=Role.ADMIN,
    key_scope=KeyScope.ADMIN,
    summary="Protect or unprotect a label (a protected label moves only through its gate)",
)
