"""Service acts recorded on a case (R3.3): each meets the clock it satisfies or starts the one it asks for."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    OPEN_STATUSES,
    Act,
    Case,
    CaseEvent,
    EventKind,
    Status,
)
from aftersales.cases.services.common import (
    _lock,
    _record,
    _require_worker,
)
from aftersales.cases.signals import act_recorded
from aftersales.core.errors import NotAllowed

ACT_STATUSES: dict[str, frozenset[Status]] = {
    Act.FAULT_REPORT: frozenset({Status.RESOLVED, Status.CLOSED}) | OPEN_STATUSES,
}


@transaction.atomic
def record_act(*, case: Case, by, act: str, text: str = "") -> CaseEvent:
    """Record a service act (customer contacted, on site, HQ engineer requested or departed,
    fault report submitted); it meets the clock it satisfies, or starts the one it asks for."""
    _require_worker(by)
    if act not in Act.values:
        raise CaseError(_("Unknown act."), fields={"act": [_("Choose one of the listed acts.")]})
    locked = _lock(case)
    if locked.status not in ACT_STATUSES.get(act, OPEN_STATUSES):
        raise NotAllowed(
            _("This cannot be recorded while the case is “%(status)s”.") % {"status": locked.get_status_display()}
        )
    event = _record(locked, by, EventKind.CLOCK, text=(text or "").strip(), act=act)
    # The clock it meets or starts is the service levels' (aftersales.sla listens).
    act_recorded.send(sender=Case, case=locked, by=by, at=event.at, act=act)
    return event
