"""Movable pointers with history: prompt labels, model aliases, and later A/B splits.

A pointer is a named row that points at a target row: ``(owner, name) → target``, unique on
``(owner, name)``, with an ``auto_now`` timestamp of its last change. Every change appends a
history row ``(owner, name, from, to, when, …)``. This package has no models and knows no
context: each context keeps its own two tables and describes them with a :class:`PointerKind`
(``kinds.py``); the writes are in ``domain.py``, the reads in ``selectors.py``.

The contract, for every kind:

- **One move at a time per pointer.** :func:`~llmops.pointers.domain.pointer_move` locks the
  pointer row (``SELECT … FOR UPDATE``) before it reads where the pointer is; the first move of
  a pointer creates the row, and when two first moves race the loser's insert fails on the
  unique constraint, so it locks the winner's row and decides again. Concurrent moves therefore
  serialize on PostgreSQL (SQLite's ``IMMEDIATE`` transactions serialize them anyway), and
  their history rows are written in the order the moves took effect.
- **A no-op records nothing.** Moving a pointer to the target it already has returns None and
  writes no row (the pointer's timestamp is not touched either).
- **Every change is one history row**, written in the move's transaction. ``from`` is None on
  a pointer's first move, ``to`` is None when the pointer is cleared (deleted). How a target is
  stored in the history is the kind's choice (``recorded_as``): the row itself (a foreign key,
  as prompt labels do) or a value that outlives it (a version number, as model aliases do).
- **"Where did it point at T"** is the ``to`` of the newest history row at or before T
  (inclusive), and None before the first move or after a clear. History is read newest first,
  ties on the timestamp broken by id.
- **A guard decides, the pointer code does not know why.** The caller passes a guard: a
  callable that receives a :class:`~llmops.pointers.kinds.MoveRequest` (the locked pointer row
  or None, the target, whether the move is a no-op) and either raises to refuse or returns a
  verdict. It runs under the lock and before the no-op check, so a guard that freezes a
  pointer (a protected prompt label) refuses even a no-op, and a guard that judges the target
  (a model alias gate) should pass when ``request.unchanged``. A refusal rolls the transaction
  back: no pointer change, no history. The verdict goes to ``details``, which returns the
  kind's own history columns (who, why, what the gate checked), and back to the caller in
  :class:`~llmops.pointers.kinds.Moved`. A guard only reads: it may run twice when a first
  move lost a race.
- **Side effects stay with the caller**: lineage edges, webhooks, an owner's ``updated_at``.
  Call the move inside your own ``transaction.atomic()`` and do them with the returned
  :class:`~llmops.pointers.kinds.Moved`, so they commit or roll back with the move.

A/B splits fit as another kind: the pointer row (e.g. ``(prompt, "production") → split``) has a
foreign key to a split row that holds the arms and weights; a split is immutable like a
version, so changing the weights is a new split and a move, with history and "as of" for free.
The guard checks the split (weights, that every arm is a version of the owner) and can demand a
passing gate for each arm.
"""
