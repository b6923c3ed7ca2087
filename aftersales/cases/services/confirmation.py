"""The customer's side (R7.1): contacts copied on the case, confirming or rejecting a resolution."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    Case,
    EventKind,
    Status,
)
from aftersales.cases.services.common import (
    _lock,
    _record,
    _require_case_party,
)
from aftersales.cases.services.workflow import transition
from aftersales.core.errors import Conflict, NotAllowed


@transaction.atomic
def set_copies(*, case: Case, by, contacts: Sequence) -> Case:
    """Set the contacts copied on the case: only active contacts of the case's own customer.
    Copied contacts see the case in the portal; the change is on the timeline."""
    _require_case_party(by, case)
    locked = _lock(case)
    contacts = list(contacts)
    foreign = [c for c in contacts if c.customer_id != locked.customer_id or not c.is_active]
    if foreign:
        raise CaseError(
            _("Only active contacts of the case's customer can be copied."),
            fields={"copies": [_("%(name)s cannot be copied.") % {"name": c.name} for c in foreign]},
        )
    before = sorted(locked.copied_contacts.values_list("pk", flat=True))
    locked.copied_contacts.set(contacts)
    after = sorted(c.pk for c in contacts)
    if before != after:
        _record(locked, by, EventKind.COPIES, public=True, changes={"copied_contacts": [before, after]})
    return locked


@transaction.atomic
def confirm_resolution(*, case: Case, by, text: str = "") -> Case:
    """The customer confirms that the resolution holds (R7.1). The case stays resolved, marked
    as confirmed, for a department manager to close. A contact confirms a case they may see;
    staff record a confirmation the customer gave by phone. Confirming twice is a conflict."""
    _require_case_party(by, case)
    locked = _lock(case)
    if locked.status != Status.RESOLVED:
        raise NotAllowed(
            _("Only a resolved case can be confirmed; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if locked.customer_confirmed_at is not None:
        raise Conflict(_("The resolution was already confirmed."))
    event = _record(locked, by, EventKind.CONFIRMED, public=True, text=(text or "").strip())
    locked.customer_confirmed_at = event.at
    locked.save(update_fields=["customer_confirmed_at", "updated_at"])
    return locked


def reject_resolution(*, case: Case, by, reason: str, expected_status: str | None = None) -> Case:
    """The customer does not accept the resolution: the case is reopened (clocks restart, the
    desk signs it again) with the customer's reason on the timeline."""
    _require_case_party(by, case)
    return transition(case=case, action="reject", by=by, text=reason, expected_status=expected_status)
