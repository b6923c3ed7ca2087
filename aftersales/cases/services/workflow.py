"""Moving a case through its transition table, and the hooks the table names."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.cases.models import (
    Case,
    EventKind,
    Status,
    SuspensionRequest,
)
from aftersales.cases.services.common import (
    _record,
)
from aftersales.cases.workflow import CASE_WORKFLOW
from aftersales.core.transitions import Move


@transaction.atomic
def transition(
    *,
    case: Case,
    action: str,
    by,
    text: str = "",
    expected_status: str | None = None,
    merge_into: Case | None = None,
    suspension: SuspensionRequest | None = None,
) -> Case:
    """Move `case` by `action` of the transition table (`workflow.CASE_WORKFLOW`), through the
    transition engine.

    Locks the row first, so of two people acting at once one wins and the other gets a
    Conflict naming the new state (when they say which state they saw, `expected_status`)
    or NotAllowed (when the move no longer fits the state). The table's guards and hooks
    (timeline entry, timestamps, ownership, clocks, the merge note) run inside this
    transaction; a refusal writes nothing.
    """
    return CASE_WORKFLOW.apply(
        obj=case,
        action=action,
        by=by,
        text=text,
        expected=expected_status,
        merge_into=merge_into,
        suspension=suspension,
    )


def record_status_change(move: Move) -> None:
    """The timeline entry of every case move (the case machine's first hook)."""
    locked, by, before, text = move.obj, move.by, move.before, move.text
    public = move.target in (Status.RESOLVED, Status.CLOSED, Status.REOPENED, Status.CANCELLED, Status.MERGED)
    _record(locked, by, EventKind.STATUS, public=public, from_status=before, to_status=move.target, text=text)


def note_merge_on_target(move: Move) -> None:
    """The internal note on the case a merged case now points to (a hook of "merge")."""
    case, by, merge_into = move.obj, move.by, move.params["merge_into"]
    _record(
        merge_into,
        by,
        EventKind.NOTE,
        text=_("Case %(number)s was merged into this one.") % {"number": case.number},
    )
