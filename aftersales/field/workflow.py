"""The visit's state machine on the shared transition engine (`aftersales.core.transitions`).

    planned → en_route → on_site → working → completed → confirmed → checked_out
    planned | en_route → cancelled

Departure meets the case's HQ-departure clock and arrival its on-site clock, through the case
services (`record_act`). The engineer may check out only once the customer — or, at night, the
NOC — has confirmed the result (R3.3, R5.1): from any earlier on-site state the move is
refused with a message that says so, rather than offered as if it were possible.

Nothing assigns `Visit.status` except `VISIT_WORKFLOW.apply`, through `field.services.move_visit`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases import services as case_services
from aftersales.cases.models import OPEN_STATUSES
from aftersales.core import transitions as engine
from aftersales.core.errors import DomainError
from aftersales.core.transitions import Move
from aftersales.field import events
from aftersales.field.models import Visit
from aftersales.field.permissions import CANCEL, CANCELLERS, FIELD_ENGINEERS, WORK
from aftersales.sla.models import Act

S = Visit.Status

# R3.3: at night the NOC may confirm that the alarms cleared instead of the customer.
NIGHT_STARTS = dt.time(20, 0)
NIGHT_ENDS = dt.time(8, 0)


class VisitError(DomainError):
    """A visit cannot be moved or reported as asked; the message says why."""


@dataclass(frozen=True)
class Transition(engine.Transition):
    """A visit transition: the engine's row plus the permission of the policy it needs."""

    permission: str = WORK
    # Shown as the phone's main button for this state.
    style: str = "primary"


def is_night(at: dt.datetime) -> bool:
    local = timezone.localtime(at).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


# --- guards -----------------------------------------------------------------------------------


def _permitted(move: Move) -> None:
    policy.require(move.by, getattr(move.transition, "permission", WORK), move.obj)


def _name_given(move: Move) -> None:
    if not (move.params.get("confirmed_by") or "").strip():
        raise VisitError(
            _("Say who confirmed it."), fields={"confirmed_by": [_("Enter the name of the person who confirmed.")]}
        )


def _work_described(move: Move) -> None:
    if not move.text:
        raise VisitError(_("Describe the work done."), fields={"text": [_("This field is required.")]})


def _confirmer_fits(move: Move) -> None:
    kind = move.params.get("confirmed_kind") or Visit.ConfirmedBy.CUSTOMER
    if kind not in Visit.ConfirmedBy.values:
        raise VisitError(_("Say who confirmed the result."), fields={"confirmed_kind": [_("Choose one of the list.")]})
    if kind == Visit.ConfirmedBy.NOC and not is_night(move.at):
        raise VisitError(
            _("Only at night (20:00–08:00) may the NOC confirm instead of the customer."),
            fields={"confirmed_kind": [_("By day the customer confirms the result.")]},
        )


def _result_confirmed(move: Move) -> None:
    if move.before != S.CONFIRMED:
        raise VisitError(
            _(
                "You may check out only after the customer (or, at night, the NOC) has confirmed the result. "
                "Record the confirmation first."
            )
        )


# --- hooks ------------------------------------------------------------------------------------


def _record(move: Move) -> None:
    events.record_move(move.obj, by=move.by, action=move.action, before=move.before, text=move.text, at=move.at)


def _stamp_departure(move: Move) -> None:
    move.obj.departed_at = move.at
    move.obj.save(update_fields=["departed_at"])
    _case_act(move, Act.DEPARTED)


def _stamp_arrival(move: Move) -> None:
    visit = move.obj
    visit.arrived_at = move.at
    position = move.params.get("position")
    if position is not None:
        visit.arrival_latitude, visit.arrival_longitude, visit.arrival_accuracy_m = position
    visit.save(update_fields=["arrived_at", "arrival_latitude", "arrival_longitude", "arrival_accuracy_m"])
    _case_act(move, Act.ON_SITE)


def _stamp_symptom(move: Move) -> None:
    visit = move.obj
    visit.symptom_confirmed_at = move.at
    visit.symptom_confirmed_by = move.params["confirmed_by"].strip()[:100]
    visit.symptom = move.text
    visit.save(update_fields=["symptom_confirmed_at", "symptom_confirmed_by", "symptom"])


def _stamp_completion(move: Move) -> None:
    move.obj.completed_at = move.at
    move.obj.work_done = move.text
    move.obj.save(update_fields=["completed_at", "work_done"])


def _stamp_result(move: Move) -> None:
    visit = move.obj
    visit.result_confirmed_at = move.at
    visit.result_confirmed_by = move.params["confirmed_by"].strip()[:100]
    visit.result_confirmed_kind = move.params.get("confirmed_kind") or Visit.ConfirmedBy.CUSTOMER
    visit.save(update_fields=["result_confirmed_at", "result_confirmed_by", "result_confirmed_kind"])


def _stamp_check_out(move: Move) -> None:
    move.obj.checked_out_at = move.at
    move.obj.save(update_fields=["checked_out_at"])


def _case_act(move: Move, act: str) -> None:
    """Meet the case's clock through the case services; a case no longer open has none running."""
    case = move.obj.case
    if case.status in OPEN_STATUSES:
        # No text: the visit's own entry on the case, written by the same move, says which visit.
        case_services.record_act(case=case, by=move.by, act=act)


ON_SITE = frozenset({S.ON_SITE, S.WORKING, S.COMPLETED, S.CONFIRMED})

VISIT_WORKFLOW = engine.Machine(
    name="visit",
    model=Visit,
    field="status",
    initial=S.PLANNED,
    transitions=(
        Transition(
            "depart",
            gettext_lazy("Depart"),
            frozenset({S.PLANNED}),
            S.EN_ROUTE,
            FIELD_ENGINEERS,
            hooks=(_stamp_departure,),
        ),
        Transition(
            "arrive",
            gettext_lazy("Check in on site"),
            frozenset({S.PLANNED, S.EN_ROUTE}),
            S.ON_SITE,
            FIELD_ENGINEERS,
            hooks=(_stamp_arrival,),
        ),
        Transition(
            "confirm_symptom",
            gettext_lazy("Customer confirms the symptom"),
            frozenset({S.ON_SITE}),
            S.WORKING,
            FIELD_ENGINEERS,
            guards=(_name_given,),
            hooks=(_stamp_symptom,),
        ),
        Transition(
            "complete",
            gettext_lazy("Work completed"),
            frozenset({S.WORKING}),
            S.COMPLETED,
            FIELD_ENGINEERS,
            guards=(_work_described,),
            hooks=(_stamp_completion,),
        ),
        Transition(
            "confirm_result",
            gettext_lazy("Result confirmed"),
            frozenset({S.COMPLETED}),
            S.CONFIRMED,
            FIELD_ENGINEERS,
            guards=(_name_given, _confirmer_fits),
            hooks=(_stamp_result,),
        ),
        # Offered from every on-site state so that an early tap is told why, not just refused.
        Transition(
            "check_out",
            gettext_lazy("Check out"),
            ON_SITE,
            S.CHECKED_OUT,
            FIELD_ENGINEERS,
            guards=(_result_confirmed,),
            hooks=(_stamp_check_out,),
        ),
        Transition(
            "cancel",
            gettext_lazy("Cancel the visit"),
            frozenset({S.PLANNED, S.EN_ROUTE}),
            S.CANCELLED,
            CANCELLERS,
            permission=CANCEL,
            style="danger",
        ),
    ),
    messages=engine.Messages(
        not_from=gettext_lazy("“%(action)s” is not possible while the visit is “%(state)s”."),
        role=gettext_lazy("Your role may not “%(action)s”."),
    ),
    guards=(_permitted,),
    hooks=(_record,),
    select_related=("case",),
)

BY_ACTION = {move.name: move for move in VISIT_WORKFLOW.transitions}


def next_moves(visit: Visit, user) -> list[Transition]:
    """The moves `user` may offer on `visit` now (the policy's condition included), in table order.
    Check-out is offered only once the result is confirmed."""
    moves = []
    for move in VISIT_WORKFLOW.transitions:
        if visit.status not in move.sources:
            continue
        if not isinstance(move, Transition) or not policy.allowed(user, move.permission, visit):
            continue
        if move.name == "check_out" and visit.status != S.CONFIRMED:
            continue
        moves.append(move)
    return moves
