"""Moments in a case's life that other domain apps act on, without the case knowing them.

The case services send these inside their own transaction, after the case's own work is done, so
a receiver's writes commit or roll back with the case's. A receiver connects in its app's `ready`
(`case_opened.connect(receiver, dispatch_uid=...)`), so cases import none of the apps that act on
them and dependencies keep pointing one way. A receiver that raises aborts the operation: raise a
domain error only for a rule the operation must obey. docs/architecture.md lists who listens.
"""

from __future__ import annotations

from django.dispatch import Signal

# case, by, at: a case was just written (every channel), before `case_opened`: the service
# levels start its clocks here (the "severity A at opening" rule notifies executives now).
# A receiver returns the clocks it started (kept as `case.started_clocks` for the answer and
# the acknowledgement) and sets `case.next_due_at` without saving it: the opening writes it
# with the case's number, the last moment before COMMIT. Until then the case has a
# provisional number (`services.common.settle_case_number`).
case_opening = Signal()

# case, by: a case was just opened (every channel), its clocks started; its number is still
# the provisional one.
case_opened = Signal()

# case, by, at, action, from_status, to_status, params: the case moved by a row of the workflow
# table (`cases.workflow`), after the row's own hooks; `params` are the move's (e.g.
# `suspension` for "suspend", `merge_into` for "merge"). Finishing a case (resolve, close,
# cancel, merge) is such a move.
case_moved = Signal()

# case, by, at: the case's severity changed (saved). A receiver may return lines (str) for the
# case's timeline entry saying what it recomputed.
severity_changed = Signal()

# case, by, at, act: a service act (`cases.models.Act`) was recorded on the case.
act_recorded = Signal()

# case, by, at: a member of staff replied to the customer (a public entry).
replied_publicly = Signal()

# case, by, at: a member of staff noted progress on the case.
progress_noted = Signal()
