"""Opening a case and logging a consultation (R2): who may open what, the number, the entitlement, the clocks from the opening time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    Case,
    Channel,
    Consultation,
    EventKind,
    Severity,
    Status,
)
from aftersales.cases.notices import queue_acknowledgement
from aftersales.cases.services.common import (
    _check_files,
    _record,
    _require_worker,
    _store_files,
    _validate_parties,
    _validated,
    provisional_case_number,
    settle_case_number,
)
from aftersales.cases.services.edits import assign
from aftersales.cases.signals import case_opened, case_opening
from aftersales.contracts.entitlement import entitlement_for
from aftersales.core.errors import NotAllowed

# A case entered with an opening time this much before now was taken earlier (by phone, after
# hours) and is recorded as such; as much after now is clock skew, more is refused.
LATE_ENTRY_SKEW = dt.timedelta(minutes=5)

# R2.1: A and B faults come in by phone; the portal opens only C and D.
PORTAL_SEVERITIES = frozenset({Severity.C, Severity.D})

# R2.1: a fax is logged with the scanned page(s) attached, as PDF, TIFF or an image.
FAX_PAGE_EXTENSIONS = frozenset({"pdf", "tif", "tiff", "png", "jpg", "jpeg", "gif", "bmp", "webp"})


def _check_fax_pages(channel: str, files: Sequence) -> None:
    """A case that came by fax carries its scanned page(s), whoever logs it (the phone intake,
    the API): a field error on `attachments` otherwise."""
    if channel != Channel.FAX:
        return
    errors = [] if files else [_("A fax case needs the scanned fax attached (PDF, TIFF or an image).")]
    for upload in files:
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in FAX_PAGE_EXTENSIONS:
            errors.append(
                _("“%(name)s” is not a scanned page; attach the fax as PDF, TIFF or an image.") % {"name": upload.name}
            )
    if errors:
        raise CaseError(errors[0], fields={"attachments": errors})


def _require_intake_right(by, *, customer, contact, equipment, severity: str, channel: str) -> None:
    """Staff who work cases open any case. A customer's contact opens one only through the
    portal (channel web), in their own name, for their own organisation's equipment, at
    severity C or D."""
    if policy.allowed(by, "cases.open"):
        return
    own = policy.customer_scope(by).contact
    if own is None or channel != Channel.WEB:
        raise NotAllowed(gettext_lazy("Your role may not change cases."))
    if (
        customer.pk != own.customer_id
        or contact is None
        or contact.pk != own.pk
        or equipment is None
        or equipment.customer_id != own.customer_id
    ):
        raise CaseError(
            _("A case can be opened only for your own organisation's equipment."),
            fields={"equipment": [_("Choose one of your organisation's equipment.")]},
        )
    if severity not in PORTAL_SEVERITIES:
        raise CaseError(
            _("Severity A and B faults must be reported by phone."),
            fields={"severity": [_("Choose C or D, or call the hotline.")]},
        )


@transaction.atomic
def open_case(
    *,
    customer,
    by,
    title: str,
    description: str,
    kind: str,
    severity: str,
    channel: str,
    contact=None,
    site=None,
    equipment=None,
    excluded_cause: str = "",
    attachments: Sequence = (),
    opened_at: dt.datetime | None = None,
    acknowledge: bool = True,
    owner=None,
    team=None,
) -> Case:
    """Open a case for `customer`, taken by `by` (who stays responsible for feedback, R2.5).

    Guarantees: a unique number; the entitlement of the equipment on that day recorded on the
    case; a public "opened" timeline entry; attachments checked before anything is written; a
    the service clocks of its severity started, and the escalation rules that fire at opening
    (severity A → every executive, R2.6) carried out. Nothing is saved if any check fails.

    `opened_at` is the real time of a call taken earlier (after hours, R4.7): the clocks run from
    it and the timeline says when the case was entered. `owner`/`team` are the desk's choice at
    intake; apps acting on `case_opened` see them set and leave them be.
    """
    _require_intake_right(
        by, customer=customer, contact=contact, equipment=equipment, severity=severity, channel=channel
    )
    _validate_parties(customer, contact, site, equipment)
    _check_fax_pages(channel, attachments)
    checked = _check_files(attachments)
    entered_at = timezone.now()
    if opened_at is not None and opened_at > entered_at + LATE_ENTRY_SKEW:
        raise CaseError(
            _("The time of the call cannot be in the future."),
            fields={"opened_at": [_("Give the time the call was taken, not later than now.")]},
        )
    opened_at = opened_at or entered_at
    if equipment is not None and site is None:
        site = equipment.site
    entitlement = entitlement_for(equipment, on=timezone.localdate(opened_at), excluded_cause=excluded_cause)
    case = Case(
        customer=customer,
        contact=contact,
        site=site,
        equipment=equipment,
        kind=kind,
        severity=severity,
        channel=channel,
        title=title.strip(),
        description=description.strip(),
        # A case a customer opens in the portal is nobody's yet: the desk signs it.
        taken_by=by if policy.allowed(by, "cases.own") else None,
        entitlement=entitlement.kind,
        contract=entitlement.contract,
        repair_quote=entitlement.repair_quote,
        excluded_cause=excluded_cause,
        opened_at=opened_at,
    )
    # The parties are rows just read and checked above: no need to look each up again.
    loaded = [name for name in PARTY_FIELDS if getattr(case, name) is not None]
    _validated(case, exclude=["number", "search_text", *loaded])
    # The number is taken last (settle_case_number): its counter row stays locked until this
    # transaction ends.
    case.number = provisional_case_number()
    case.save()
    event = _record(case, by, EventKind.CREATED, public=True, to_status=Status.NEW, text=case.description, at=opened_at)
    _store_files(case, event, checked, by, public=True)
    if entered_at - opened_at > LATE_ENTRY_SKEW:
        _record(case, by, EventKind.ENTERED_LATE, called_at=opened_at.isoformat(), entered_at=entered_at.isoformat())
    if owner is not None or team is not None:
        assign(case=case, by=by, owner=owner, team=team)
        case.refresh_from_db(fields=["owner", "team"])
    # Clocks from the opening time (the service levels, aftersales.sla, listen); a receiver
    # returns the clocks it started and may set `next_due_at`, written with the number below.
    answers = case_opening.send(sender=Case, case=case, by=by, at=opened_at)
    case.started_clocks = [clock for _receiver, clocks in answers for clock in clocks or ()]
    # Other apps act on a new case (e.g. dispatch proposes an owner) in this same transaction.
    case_opened.send(sender=Case, case=case, by=by)
    settle_case_number(case)
    if acknowledge:  # not for automatic mail the desk turned into a case: no mail loops
        queue_acknowledgement(case)  # to the customer, with the next target time (R2.4)
    return case


PARTY_FIELDS = ("customer", "contact", "site", "equipment", "taken_by", "contract")


@transaction.atomic
def log_consultation(
    *, customer, by, question: str, answer: str, channel: str, contact=None, equipment=None
) -> Consultation:
    """Record a question answered on the spot (R2.3): closed at once, kept in history."""
    _require_worker(by)
    _validate_parties(customer, contact, None, equipment)
    consultation = Consultation(
        customer=customer,
        contact=contact,
        equipment=equipment,
        channel=channel,
        question=question.strip(),
        answer=answer.strip(),
        answered_by=by,
    )
    _validated(consultation)
    consultation.save()
    return consultation
