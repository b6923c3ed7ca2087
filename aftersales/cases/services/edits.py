"""Changing a case: its fields, its severity, its owner and team, and comments and replies with files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import notices, signals
from aftersales.cases.errors import CaseError
from aftersales.cases.events import case_event
from aftersales.cases.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    EventKind,
    Severity,
    Tier,
    TierChange,
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
from aftersales.timeline.services import record_many

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
def change_tier(
    *, case: Case, by, tier: str, reason: str, at: dt.datetime | None = None, expected_tier: str | None = None
) -> TierChange | None:
    """Move the case to another tier (L1→L2→L3→L4 or back) with the reason: the one place a tier
    changes. Locks the case, keeps a `TierChange` (who, when, from, to, why) and writes *Tier
    changed* on the case's timeline. `by=None` is the system (an escalation rule, named in the
    reason). `expected_tier`: the tier the caller saw; if the case has moved since or is finished,
    nothing is changed and None is returned (a sweep raising a case twice raises it once)."""
    if by is not None:
        _require_worker(by)
    reason = (reason or "").strip()
    if tier not in Tier.values:
        raise CaseError(_("Choose L1, L2, L3 or L4."), fields={"to_tier": [_("Invalid choice.")]})
    if not reason:
        raise CaseError(_("Please say why."), fields={"reason": [_("This field is required.")]})
    locked = _lock(case)
    if expected_tier is not None and (locked.tier != expected_tier or not locked.is_open):
        return None
    if locked.tier == tier:
        raise CaseError(_("The case is already at this tier."), fields={"to_tier": [_("Choose another tier.")]})
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be edited; reopen it first."))
    before, locked.tier = locked.tier, tier
    locked.save(update_fields=["tier", "updated_at"])
    change = TierChange.objects.create(
        case=locked, from_tier=before, to_tier=tier, reason=reason, by=by, at=at or timezone.now()
    )
    _record(locked, by, EventKind.TIER, text=reason, changes={"tier": [before, tier]}, at=at)
    case.tier = tier
    return change


class TierMove(NamedTuple):
    """One case to move by the system: from the tier it was seen at, to another, and why."""

    case_id: int
    from_tier: str
    to_tier: str
    reason: str


@transaction.atomic
def change_tiers(*, moves: Sequence[TierMove], at: dt.datetime) -> list[TierChange]:
    """The system's tier changes for many cases at once (an escalation sweep), with the same
    record as `change_tier`: a `TierChange` by nobody (the system) at `at`, and *Tier changed*
    on each case's timeline. A case no longer at its move's `from_tier`, or finished, is left
    alone; a case named twice moves once (its first move). The cases are locked in id order,
    then one statement per target tier, one insert of the records, one of the entries."""
    wanted: dict[int, TierMove] = {}
    for move in moves:
        wanted.setdefault(move.case_id, move)
    rows = (
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", "tier")
    )
    due = [wanted[pk] for pk, tier in rows if tier == wanted[pk].from_tier and wanted[pk].to_tier != tier]
    by_target: dict[str, list[int]] = {}
    for move in due:
        by_target.setdefault(move.to_tier, []).append(move.case_id)
    for tier, case_ids in by_target.items():
        Case.objects.filter(pk__in=case_ids).update(tier=tier, updated_at=at)
    changes = TierChange.objects.bulk_create(
        TierChange(case_id=m.case_id, from_tier=m.from_tier, to_tier=m.to_tier, reason=m.reason[:1000], at=at)
        for m in due
    )
    record_many(
        [
            case_event(m.case_id, kind=EventKind.TIER, at=at, text=m.reason, changes={"tier": [m.from_tier, m.to_tier]})
            for m in due
        ]
    )
    return changes


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
