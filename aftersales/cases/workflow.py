"""The case state machine: one declarative table of transitions, each naming who may take it,
what must hold first (guards) and what follows (hooks), on the shared transition engine
(`aftersales.core.transitions`).

Nothing assigns `Case.status` except `CASE_WORKFLOW.apply` (through `cases.services.transition`
or `suspend_on_approval`), which reads this table. Tests are generated from the table, so a row
added here is covered at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.cases.errors import CaseError
from aftersales.cases.models import OPEN_STATUSES, Case, Status
from aftersales.cases.permissions import MOVES
from aftersales.cases.signals import case_moved
from aftersales.core import transitions as engine
from aftersales.core.errors import NotAllowed
from aftersales.core.transitions import Move

WAITING = frozenset({Status.WAITING_CUSTOMER, Status.WAITING_VENDOR, Status.WAITING_PARTS})
WORKING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS}) | WAITING


@dataclass(frozen=True)
class Transition(engine.Transition):
    """A case transition: the engine's row plus what the pages need to offer it."""

    # The actor must say why (a resolution, a reason to cancel, ...).
    needs_text: bool = False
    # Shown as a destructive/prominent button.
    style: str = "secondary"
    # Taken by approving a request (suspension), never by a plain button.
    via_request: bool = False
    # The permission that allows the move (declared in cases/permissions.py with `roles`).
    permission: str = ""

    @property
    def action(self) -> str:
        return self.name


# --- guards: each refuses a move before anything is written ------------------------------


def _reason_given(move: Move) -> None:
    if getattr(move.transition, "needs_text", False) and not move.text:
        raise CaseError(_("Please say why."), fields={"text": [_("This field is required.")]})


def _consented_request_given(move: Move) -> None:
    suspension = move.params.get("suspension")
    if suspension is None or suspension.case_id != move.obj.pk:
        raise NotAllowed(
            _("A case is suspended only by approving a suspension request that records the customer's consent.")
        )


def _merge_target_fits(move: Move) -> None:
    case, merge_into = move.obj, move.params.get("merge_into")
    if merge_into is None or merge_into.pk == case.pk:
        raise CaseError(
            _("Say which case this one duplicates."), fields={"merge_into": [_("Enter another case's number.")]}
        )
    if merge_into.status not in OPEN_STATUSES:
        raise CaseError(
            _("A case can only be merged into an open case."), fields={"merge_into": [_("That case is not open.")]}
        )
    if merge_into.customer_id != case.customer_id:
        # A duplicate is the same request; another customer's case would also leave this
        # customer pointing at a case they may not see.
        raise CaseError(
            _("A case can only be merged into a case of the same customer."),
            fields={"merge_into": [_("That case belongs to another customer.")]},
        )


# --- hooks: run in order after the status is saved, inside the same transaction ----------


def _stamp(field: str) -> Callable[[Move], None]:
    def stamp(move: Move) -> None:
        setattr(move.obj, field, move.at)
        move.obj.save(update_fields=[field, "updated_at"])

    stamp.__name__ = stamp.__qualname__ = f"stamp_{field}"
    return stamp


def _take_ownership(move: Move) -> None:
    """Accepting a case nobody owns makes the person who accepts it its owner."""
    if move.obj.owner_id is None:
        move.obj.owner = move.by
        move.obj.save(update_fields=["owner", "updated_at"])


def _forget_resolution(move: Move) -> None:
    case = move.obj
    case.resolved_at = case.closed_at = case.customer_confirmed_at = None
    case.save(update_fields=["resolved_at", "closed_at", "customer_confirmed_at", "updated_at"])


def _point_to_merge_target(move: Move) -> None:
    move.obj.merged_into = move.params["merge_into"]
    move.obj.save(update_fields=["merged_into", "updated_at"])


def announce_move(move: Move) -> None:
    """Every row's last hook: other domain apps act on the move (`signals.case_moved`), e.g. the
    service levels meet, pause, resume, stop or restart the clocks (aftersales.sla)."""
    case_moved.send(
        sender=Case,
        case=move.obj,
        by=move.by,
        at=move.at,
        action=move.transition.name,
        from_status=move.before,
        to_status=move.target,
        params=move.params,
    )


# Written by the case services, which import this module: named by path, imported on first use.
RECORD_STATUS_CHANGE = "aftersales.cases.services.workflow.record_status_change"
NOTE_MERGE_ON_TARGET = "aftersales.cases.services.workflow.note_merge_on_target"

ACCEPTED_HOOKS = (_stamp("accepted_at"), _take_ownership)
REOPENED_HOOKS = (_forget_resolution,)

SUSPEND = "suspend"


def _row(
    name: str, label, sources: frozenset[str], target: str, *, permission: str = "", hooks: tuple = (), **options
) -> Transition:
    """A row of the table whose roles are those of its permission (`cases.<name>` unless named);
    its hooks end with `announce_move`."""
    permission = permission or f"cases.{name}"
    return Transition(
        name, label, sources, target, MOVES[permission], permission=permission, hooks=(*hooks, announce_move), **options
    )


TRANSITIONS: tuple[Transition, ...] = (
    _row(
        "accept",
        gettext_lazy("Accept (sign)"),
        frozenset({Status.NEW, Status.REOPENED}),
        Status.ACCEPTED,
        hooks=ACCEPTED_HOOKS,
        style="primary",
    ),
    _row("start", gettext_lazy("Start work"), frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, style="primary"),
    _row(
        "wait_customer",
        gettext_lazy("Wait for customer"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_CUSTOMER,
        needs_text=True,
    ),
    _row(
        "wait_vendor",
        gettext_lazy("Wait for vendor"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_VENDOR,
        needs_text=True,
    ),
    _row(
        "wait_parts",
        gettext_lazy("Wait for parts (RMA-Pend)"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_PARTS,
        needs_text=True,
    ),
    _row("resume", gettext_lazy("Resume work"), WAITING, Status.IN_PROGRESS),
    _row(
        SUSPEND,
        gettext_lazy("Suspend (挂起)"),
        WORKING,
        Status.SUSPENDED,
        permission="cases.suspend.decide",
        guards=(_consented_request_given,),
        needs_text=True,
        via_request=True,
    ),
    _row(
        "unsuspend",
        gettext_lazy("Resume from suspension"),
        frozenset({Status.SUSPENDED}),
        Status.IN_PROGRESS,
    ),
    _row(
        "resolve",
        gettext_lazy("Mark resolved"),
        WORKING,
        Status.RESOLVED,
        hooks=(_stamp("resolved_at"),),
        needs_text=True,
        style="primary",
    ),
    _row(
        "close",
        gettext_lazy("Close"),
        frozenset({Status.RESOLVED}),
        Status.CLOSED,
        hooks=(_stamp("closed_at"),),
        style="primary",
    ),
    _row(
        "reopen",
        gettext_lazy("Reopen"),
        frozenset({Status.RESOLVED, Status.CLOSED}),
        Status.REOPENED,
        hooks=REOPENED_HOOKS,
        needs_text=True,
    ),
    # The customer does not accept the resolution (R7.1): the case goes back to the desk,
    # its clocks restart and it must be signed again. Confirming changes no status (see
    # services.confirm_resolution).
    _row(
        "reject",
        gettext_lazy("Reject the resolution"),
        frozenset({Status.RESOLVED}),
        Status.REOPENED,
        hooks=REOPENED_HOOKS,
        needs_text=True,
        style="danger",
    ),
    _row(
        "cancel",
        gettext_lazy("Cancel"),
        frozenset({Status.NEW, Status.ACCEPTED}),
        Status.CANCELLED,
        needs_text=True,
        style="danger",
    ),
    _row(
        "merge",
        gettext_lazy("Merge into another case"),
        frozenset({Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED}),
        Status.MERGED,
        guards=(_merge_target_fits,),
        hooks=(_point_to_merge_target, NOTE_MERGE_ON_TARGET),
        needs_text=True,
        style="danger",
    ),
)


def _may_move(by, move: engine.Transition, case) -> bool:
    return policy.allowed(by, getattr(move, "permission", ""), case)


BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

CASE_WORKFLOW = engine.Machine(
    name="case",
    model=Case,
    field="status",
    initial=Status.NEW,
    transitions=TRANSITIONS,
    messages=engine.Messages(
        unknown=gettext_lazy("Unknown action “%(action)s”."),
        changed=gettext_lazy(
            "Someone else changed this case meanwhile: it is now “%(status)s”. Reload the page and try again."
        ),
        not_from=gettext_lazy("“%(action)s” is not possible while the case is “%(status)s”."),
        role=gettext_lazy("Your role may not “%(action)s” a case."),
    ),
    guards=(_reason_given,),
    # Every move is on the timeline first; the transition's own hooks follow.
    hooks=(RECORD_STATUS_CHANGE,),
    select_related=("equipment",),
    may=_may_move,
)


def transition_for(action: str) -> Transition | None:
    """The row of the table called `action`, or None."""
    return BY_ACTION.get(action)


def allowed_transitions(status: str, roles: frozenset[Role]) -> list[Transition]:
    """The transitions that someone with `roles` may take from `status`, in table order."""
    return [t for t in TRANSITIONS if t.allows(status, roles)]


def moves_for(user, case: Case) -> list[Transition]:
    """The moves `user` may take on `case` now, asked of the permission policy, in table order;
    guards aside, and without those taken only by approving a request (suspension)."""
    return [
        t
        for t in TRANSITIONS
        if case.status in t.sources and not t.via_request and policy.allowed(user, t.permission, case)
    ]


def suspend_on_approval(*, request, by) -> Case:
    """What approving a suspension request does: the case moves by "suspend" through the engine
    (row locked, status and `by`'s role checked, the request checked as the move's evidence,
    timeline entry written and clocks paused), with the request's reason as the move's text."""
    return CASE_WORKFLOW.apply(obj=request.case, action=SUSPEND, by=by, text=request.reason, suspension=request)
