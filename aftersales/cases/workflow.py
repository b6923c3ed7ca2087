"""The case state machine: one declarative table of transitions, each naming who may take it.

Nothing assigns `Case.status` except `cases.services.transition`, which reads this table.
Tests are generated from the table, so a row added here is covered at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import CLOSERS, ENGINEERS, MANAGERS, Role
from aftersales.cases.models import Status

WAITING = frozenset({Status.WAITING_CUSTOMER, Status.WAITING_VENDOR, Status.WAITING_PARTS})
WORKING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS}) | WAITING
HANDLERS = ENGINEERS | MANAGERS


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    # The actor must say why (a resolution, a reason to cancel, ...).
    needs_text: bool = False
    # Shown as a destructive/prominent button.
    style: str = "secondary"
    # Taken by approving a request (suspension), never by a plain button.
    via_request: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "accept",
        _("Accept (sign)"),
        frozenset({Status.NEW, Status.REOPENED}),
        Status.ACCEPTED,
        HANDLERS,
        style="primary",
    ),
    Transition("start", _("Start work"), frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, HANDLERS, style="primary"),
    Transition(
        "wait_customer",
        _("Wait for customer"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_CUSTOMER,
        HANDLERS,
        needs_text=True,
    ),
    Transition(
        "wait_vendor",
        _("Wait for vendor"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_VENDOR,
        HANDLERS,
        needs_text=True,
    ),
    Transition(
        "wait_parts",
        _("Wait for parts (RMA-Pend)"),
        frozenset({Status.IN_PROGRESS}),
        Status.WAITING_PARTS,
        HANDLERS | {Role.PARTS_CLERK},
        needs_text=True,
    ),
    Transition("resume", _("Resume work"), WAITING, Status.IN_PROGRESS, HANDLERS | {Role.PARTS_CLERK}),
    Transition(
        "suspend",
        _("Suspend (挂起)"),
        WORKING,
        Status.SUSPENDED,
        frozenset({Role.DUTY_MANAGER, Role.DEPT_MANAGER, Role.CENTRE_MANAGER}),
        needs_text=True,
        via_request=True,
    ),
    Transition("unsuspend", _("Resume from suspension"), frozenset({Status.SUSPENDED}), Status.IN_PROGRESS, HANDLERS),
    Transition("resolve", _("Mark resolved"), WORKING, Status.RESOLVED, HANDLERS, needs_text=True, style="primary"),
    Transition("close", _("Close"), frozenset({Status.RESOLVED}), Status.CLOSED, CLOSERS, style="primary"),
    Transition(
        "reopen",
        _("Reopen"),
        frozenset({Status.RESOLVED, Status.CLOSED}),
        Status.REOPENED,
        HANDLERS | CLOSERS | {Role.HOTLINE},
        needs_text=True,
    ),
    # The customer does not accept the resolution (R7.1): the case goes back to the desk,
    # its clocks restart and it must be signed again. Confirming changes no status (see
    # services.confirm_resolution).
    Transition(
        "reject",
        _("Reject the resolution"),
        frozenset({Status.RESOLVED}),
        Status.REOPENED,
        frozenset({Role.CUSTOMER}),
        needs_text=True,
        style="danger",
    ),
    Transition(
        "cancel",
        _("Cancel"),
        frozenset({Status.NEW, Status.ACCEPTED}),
        Status.CANCELLED,
        MANAGERS | {Role.HOTLINE},
        needs_text=True,
        style="danger",
    ),
    Transition(
        "merge",
        _("Merge into another case"),
        frozenset({Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED}),
        Status.MERGED,
        MANAGERS | {Role.HOTLINE},
        needs_text=True,
        style="danger",
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


def transition_for(action: str) -> Transition | None:
    return BY_ACTION.get(action)


def allowed_transitions(status: str, roles: frozenset[Role]) -> list[Transition]:
    """The transitions that someone with `roles` may take from `status`, in table order."""
    return [t for t in TRANSITIONS if status in t.sources and t.roles & roles]
