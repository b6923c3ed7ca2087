"""Changing a case: its fields, its severity, its owner and team, and comments and replies with files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import notices, signals
from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    FINISHED_STATUSES,
    Case,
    CaseEvent,
    EventKind,
    Severity,
)
from aftersales.cases.services.common import (
    _check_files,
    _lock,
    _pk,
    _record,
    _require_worker,
    _store_files,
    _validate_parties,
    _validated,
)
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.notifications.services import queue_notification

EDITABLE_FIELDS = ("title", "description", "kind", "channel", "contact", "site", "equipment", "tier")


@transaction.atomic
def update_case(*, case: Case, by, expected_updated_at: dt.datetime | None = None, **changes) -> Case:
    """Change editable fields; records one timeline entry with every before → after.
    `expected_updated_at`: the case's last change the caller saw: Conflict if it changed since."""
    _require_worker(by)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CaseError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    locked = _lock(case)
    expect_unchanged(locked, updated_at=expected_updated_at)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be edited; reopen it first."))
    _validate_parties(locked.customer, changes.get("contact"), changes.get("site"), changes.get("equipment"))
    diff = {}
    for field, value in changes.items():
        old = getattr(locked, field)
        if old != value:
            model_field = locked._meta.get_field(field)
            assert isinstance(model_field, Field)  # edits name the case's own columns
            diff[field] = [model_field.value_from_object(locked), None]
            setattr(locked, field, value)
            diff[field][1] = model_field.value_from_object(locked)
    if not diff:
        return locked
    locked.search_text = locked.build_search_text()
    _validated(locked, exclude=["number", "search_text"])
    locked.save()
    _record(locked, by, EventKind.FIELDS, changes=diff)
    return locked


@transaction.atomic
def change_severity(*, case: Case, by, severity: str, reason: str, expected_severity: str | None = None) -> Case:
    """Raise or lower the severity, with a reason. The running clocks are recomputed from the
    case's opening for the new level (recorded in the timeline); rules that fire at opening
    for the new level (an upgrade to A → executives) fire now. `expected_severity`: the one the
    caller saw: Conflict if it changed meanwhile."""
    _require_worker(by)
    if severity not in Severity.values:
        raise CaseError(_("Unknown severity."), fields={"severity": [_("Choose A, B, C or D.")]})
    if not reason.strip():
        raise CaseError(_("Please say why."), fields={"reason": [_("This field is required.")]})
    locked = _lock(case)
    expect_unchanged(locked, severity=expected_severity)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be edited; reopen it first."))
    if locked.severity == severity:
        return locked
    before = locked.severity
    locked.severity = severity
    locked.save(update_fields=["severity", "updated_at"])
    event = _record(
        locked,
        by,
        EventKind.SEVERITY,
        changes={"severity": [before, severity]},
        text=reason.strip(),
    )
    # The service levels recompute the running clocks and say how (aftersales.sla listens).
    answers = signals.severity_changed.send(sender=Case, case=locked, by=by, at=event.at)
    lines = [line for _receiver, answer in answers for line in answer or ()]
    if lines:
        _record(
            locked, by, EventKind.CLOCK, text=_("Clocks recomputed from the opening time:") + "\n" + "\n".join(lines)
        )
    return locked


def expect_unchanged(
    locked: Case,
    *,
    owner: str | None = None,
    severity: str | None = None,
    updated_at: dt.datetime | None = None,
) -> None:
    """Conflict ("changed meanwhile", 409 in the API, a message on the page) unless the locked
    case still has the owner (user name, "" for nobody), the severity and the time of its last
    change (`updated_at`) the caller saw; None: not checked. Of two people changing one case at
    once, the second is told, not overruled."""
    if updated_at is not None and locked.updated_at != updated_at:
        raise Conflict(_("Someone else changed this case meanwhile. Load the case again and retry."))
    if owner is not None:
        current = locked.owner.username if locked.owner is not None else ""
        if current != owner:
            raise Conflict(
                _(
                    "Someone else changed this case meanwhile: its owner is now “%(owner)s”. Load the case again and retry."
                )
                % {"owner": current or "—"}
            )
    if severity and locked.severity != severity:
        raise Conflict(
            _(
                "Someone else changed this case meanwhile: its severity is now “%(severity)s”. Load the case again and retry."
            )
            % {"severity": locked.get_severity_display()}
        )


@transaction.atomic
def assign(*, case: Case, by, owner=None, team=None, expected_owner: str | None = None) -> Case:
    """Give the case to a person and/or a team; the new owner is notified. `expected_owner`:
    the owner's user name the caller saw ("" for nobody): Conflict if it changed meanwhile.
    `by` None is the system itself (dispatch's automatic assignment of a new case)."""
    if by is not None:
        _require_worker(by)
    locked = _lock(case)
    expect_unchanged(locked, owner=expected_owner)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be reassigned."))
    if owner is not None and not policy.allowed(owner, "cases.own"):
        raise CaseError(_("Cases can only be assigned to staff."), fields={"owner": [_("Choose a staff member.")]})
    diff = {}
    if owner != locked.owner:
        diff["owner"] = [locked.owner_id, _pk(owner)]
        locked.owner = owner
    if team != locked.team:
        diff["team"] = [locked.team_id, _pk(team)]
        locked.team = team
    if not diff:
        return locked
    locked.save(update_fields=["owner", "team", "updated_at"])
    _record(locked, by, EventKind.ASSIGNED, changes=diff)
    if owner is not None and owner != by:
        queue_notification(
            kind=notices.CASE_ASSIGNED,
            recipients=[owner],
            subject=_("Case %(number)s assigned to you") % {"number": locked.number},
            case=locked,
        )
    return locked


@transaction.atomic
def add_comment(
    *,
    case: Case,
    by,
    text: str,
    public: bool,
    attachments: Sequence = (),
    service_report: bool = False,
    counts_as_progress: bool = True,
) -> CaseEvent:
    """An internal note (staff only) or a reply visible to the customer, with files. Files
    marked as a service report are offered for download in the customer's portal.

    A staff note counts as a progress entry (R3.3) unless `counts_as_progress` is False, as for
    a note a monitoring system writes. A customer's contact cannot write to, or upload to, a
    finished (closed, cancelled, merged) case, whichever way they ask (portal or API)."""
    text = (text or "").strip()
    if not text and not attachments:
        raise CaseError(_("Write something or attach a file."), fields={"text": [_("This field is required.")]})
    customer = policy.allowed(by, "customers.contact")
    if customer:
        if not public or service_report:
            raise NotAllowed(_("Customers can only write replies."))
    else:
        _require_worker(by)
    if service_report and (not public or not attachments):
        raise CaseError(
            _("A service report is a file the customer sees: attach it and make the reply visible to the customer."),
            fields={"service_report": [_("Attach the report and tick “visible to the customer”.")]},
        )
    checked = _check_files(attachments)
    locked = _lock(case)
    if customer and locked.status in FINISHED_STATUSES:
        raise NotAllowed(_("This case is closed; please open a new request if you still need help."))
    kind = EventKind.REPLY if public else EventKind.NOTE
    event = _record(locked, by, kind, public=public, text=text)
    _store_files(locked, event, checked, by, public=public, service_report=service_report)
    Case.objects.filter(pk=locked.pk).update(updated_at=event.at)
    if not customer:
        if public:
            signals.replied_publicly.send(sender=Case, case=locked, by=by, at=event.at)
        if counts_as_progress:
            signals.progress_noted.send(sender=Case, case=locked, by=by, at=event.at)
    return event
