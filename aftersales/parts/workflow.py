"""The state machines of part requests, RMAs, quotes and return offers, on the shared
transition engine (`aftersales.core.transitions`). Nothing else assigns their `status`.

The engine checks the role of each move; the services ask the permission policy first (which
adds conditions such as "a contact of this customer") and do the work each move implies
(stock, the case's own moves), inside the same transaction."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import Role
from aftersales.core import transitions as engine
from aftersales.core.transitions import Move, Transition
from aftersales.parts.models import PartRequest, Quote, ReturnOffer, Rma

# The roles each row names are declared with the permissions (parts/permissions.py).
from aftersales.parts.permissions import MOVE_ANSWERERS as ANSWERERS
from aftersales.parts.permissions import MOVE_CLERKS as CLERKS
from aftersales.parts.permissions import MOVE_DECIDERS
from aftersales.parts.permissions import MOVE_HANDLERS as HANDLERS
from aftersales.timeline import services as timeline

R = PartRequest.Status
M = Rma.Status
Q = Quote.Status
RO = ReturnOffer.Status


def _record(move: Move) -> None:
    """Every move on the row's own timeline: from, to, and the words given."""
    data = {"from": move.before, "to": move.target}
    if move.text:
        data["text"] = move.text
    timeline.record(move.obj, actor=move.by, kind=f"parts.{move.machine.name}.status", data=data)


def _issued(move: Move) -> None:
    move.obj.issued_at = move.at
    move.obj.save(update_fields=["issued_at"])


def _fitted(move: Move) -> None:
    move.obj.fitted_at = move.at
    move.obj.fitted_by = move.by
    move.obj.save(update_fields=["fitted_at", "fitted_by"])


PART_REQUEST_WORKFLOW = engine.Machine(
    name="request",
    model=PartRequest,
    field="status",
    initial=R.AWAITING_CONSENT,
    transitions=(
        Transition("confirm", _("Confirm the part request"), frozenset({R.AWAITING_CONSENT}), R.CONFIRMED, ANSWERERS),
        Transition("decline", _("Decline the part request"), frozenset({R.AWAITING_CONSENT}), R.DECLINED, ANSWERERS),
        Transition(
            "wait_vendor",
            _("Wait for the vendor's part"),
            frozenset({R.CONFIRMED}),
            R.AWAITING_VENDOR,
            CLERKS,
        ),
        Transition(
            "issue",
            _("Issue the part"),
            frozenset({R.CONFIRMED, R.AWAITING_VENDOR}),
            R.ISSUED,
            CLERKS,
            hooks=(_issued,),
        ),
        Transition("fit", _("Record the part fitted"), frozenset({R.ISSUED}), R.FITTED, HANDLERS, hooks=(_fitted,)),
        Transition(
            "cancel",
            _("Cancel the part request"),
            frozenset({R.AWAITING_CONSENT, R.CONFIRMED, R.AWAITING_VENDOR, R.ISSUED}),
            R.CANCELLED,
            HANDLERS | CLERKS,
        ),
    ),
    hooks=(_record,),
)

RMA_WORKFLOW = engine.Machine(
    name="rma",
    model=Rma,
    field="status",
    initial=M.CLAIMED,
    transitions=(
        Transition("receive", _("Record the good part received"), frozenset({M.CLAIMED}), M.RECEIVED, CLERKS),
        Transition("ship", _("Record the defective part shipped"), frozenset({M.RECEIVED}), M.RETURNED, CLERKS),
        Transition("cancel", _("Cancel the RMA"), frozenset({M.CLAIMED}), M.CANCELLED, CLERKS),
    ),
    hooks=(_record,),
)

QUOTE_WORKFLOW = engine.Machine(
    name="quote",
    model=Quote,
    field="status",
    initial=Q.OFFERED,
    transitions=(
        Transition("accept", _("Accept the quote"), frozenset({Q.OFFERED}), Q.ACCEPTED, ANSWERERS),
        Transition("decline", _("Decline the quote"), frozenset({Q.OFFERED}), Q.DECLINED, ANSWERERS),
        Transition("withdraw", _("Withdraw the quote"), frozenset({Q.OFFERED}), Q.WITHDRAWN, HANDLERS | {Role.HOTLINE}),
    ),
    hooks=(_record,),
)

RETURN_WORKFLOW = engine.Machine(
    name="return",
    model=ReturnOffer,
    field="status",
    initial=RO.AWAITING_APPROVAL,
    transitions=(
        Transition("approve", _("Approve"), frozenset({RO.AWAITING_APPROVAL}), RO.AWAITING_CONSENT, MOVE_DECIDERS),
        Transition("reject", _("Reject"), frozenset({RO.AWAITING_APPROVAL}), RO.REJECTED, MOVE_DECIDERS),
        Transition("agree", _("Agree"), frozenset({RO.AWAITING_CONSENT}), RO.AGREED, ANSWERERS),
        Transition("refuse", _("Decline"), frozenset({RO.AWAITING_CONSENT}), RO.DECLINED, ANSWERERS),
    ),
    hooks=(_record,),
)

MACHINES = (PART_REQUEST_WORKFLOW, RMA_WORKFLOW, QUOTE_WORKFLOW, RETURN_WORKFLOW)
