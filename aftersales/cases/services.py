"""Every operation that changes a case. Each runs in one transaction, locks the case row when
it changes one, records a timeline entry, and queues notifications in the same transaction.
Pages, the API, the worker and management commands all call these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.roles import CASE_WORKERS, Role
from aftersales.approvals import registry as approval_registry
from aftersales.approvals import services as approvals
from aftersales.approvals.models import Request as ApprovalRequest
from aftersales.cases import notices
from aftersales.cases.errors import CaseError
from aftersales.cases.events import record_case_event
from aftersales.cases.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    Channel,
    Consultation,
    EventKind,
    Severity,
    Status,
)
from aftersales.cases.notices import queue_acknowledgement
from aftersales.cases.numbering import format_case_number
from aftersales.cases.workflow import CASE_WORKFLOW, HANDLERS, suspend_on_approval, transition_for
from aftersales.contracts.entitlement import entitlement_for
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.core.transitions import Move
from aftersales.core.uploads import check_upload, guess_content_type
from aftersales.notifications.services import queue_notification, users_with_role
from aftersales.sla import services as sla
from aftersales.sla.models import ACT_MEETS, Act, ClockKind, ClockStart, SuspensionRequest
from aftersales.sla.notices import SUSPENSION_REQUEST

__all__ = ["CaseError"]  # defined with the workflow table, raised by these services


# --- helpers ----------------------------------------------------------------------------


def _require_worker(user) -> None:
    if not (user.roles & CASE_WORKERS):
        raise NotAllowed(gettext_lazy("Your role may not change cases."))


# R2.1: A and B faults come in by phone; the portal opens only C and D.
PORTAL_SEVERITIES = frozenset({Severity.C, Severity.D})


def _require_intake_right(by, *, customer, contact, equipment, severity: str, channel: str) -> None:
    """Staff who work cases open any case. A customer's contact opens one only through the
    portal (channel web), in their own name, for their own organisation's equipment, at
    severity C or D."""
    if by.roles & CASE_WORKERS:
        return
    own = getattr(by, "contact", None) if by.is_customer_contact else None
    if own is None or not own.is_active or channel != Channel.WEB:
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


def _require_case_party(by, case: Case) -> None:
    """Staff who work cases, or a customer's contact who may see this case."""
    if by.roles & CASE_WORKERS:
        return
    from aftersales.cases.queries import visible_cases

    if not (by.is_customer_contact and visible_cases(by).filter(pk=case.pk).exists()):
        raise NotAllowed(gettext_lazy("Your role may not change cases."))


def _lock(case: Case) -> Case:
    # of=("self",): lock only the case row; PostgreSQL refuses FOR UPDATE on the nullable
    # side of the outer join that select_related("equipment") adds.
    return Case.objects.select_for_update(of=("self",)).select_related("equipment").get(pk=case.pk)


def _record(case: Case, by, kind: EventKind, *, public: bool = False, text: str = "", **data) -> CaseEvent:
    return record_case_event(case, by=by, kind=kind, public=public, text=text, **data)


def _pk(value):
    return None if value is None else value.pk


def _validated(instance, **kwargs) -> None:
    """Run model validation; report failures as a CaseError with field messages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        raise CaseError(_("Please correct the errors below."), fields=fields) from None


def allocate_case_number(at: dt.datetime) -> str:
    """The next number of the month of `at` (Asia/Shanghai). Call inside a transaction.

    The counter row is created or incremented by one upsert (SQLite and PostgreSQL both
    serialise it on the row): two transactions can never read the same value.
    """
    period = timezone.localtime(at).strftime("%Y%m")
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("period", "last") VALUES (%s, 1) '
            f'ON CONFLICT ("period") DO UPDATE SET "last" = {table}."last" + 1 RETURNING "last"',
            [period],
        )
        (sequence,) = cursor.fetchone()
    return format_case_number(period, sequence)


def _validate_parties(customer, contact, site, equipment) -> None:
    errors = {}
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("This contact belongs to another customer.")]
    if site is not None and site.customer_id != customer.pk:
        errors["site"] = [_("This site belongs to another customer.")]
    if equipment is not None and equipment.customer_id != customer.pk:
        errors["equipment"] = [_("This equipment belongs to another customer.")]
    if errors:
        raise CaseError(_("The case refers to another customer's records."), fields=errors)


def _check_files(files: Sequence) -> list[tuple]:
    checked, errors = [], []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise CaseError(_("An attachment was refused."), fields={"attachments": errors})
    return checked


def _store_files(
    case: Case, event: CaseEvent, checked: list[tuple], by, public: bool, service_report: bool = False
) -> list[Attachment]:
    stored = []
    for upload, digest in checked:
        attachment = Attachment(
            case=case,
            event=event,
            name=upload.name[:255],
            content_type=guess_content_type(upload.name),
            size=upload.size,
            sha256=digest,
            is_public=public,
            is_service_report=service_report,
            uploaded_by=by,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# --- intake -----------------------------------------------------------------------------


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
) -> Case:
    """Open a case for `customer`, taken by `by` (who stays responsible for feedback, R2.5).

    Guarantees: a unique number; the entitlement of the equipment on that day recorded on the
    case; a public "opened" timeline entry; attachments checked before anything is written; a
    the service clocks of its severity started, and the escalation rules that fire at opening
    (severity A → every executive, R2.6) carried out. Nothing is saved if any check fails.
    """
    _require_intake_right(
        by, customer=customer, contact=contact, equipment=equipment, severity=severity, channel=channel
    )
    _validate_parties(customer, contact, site, equipment)
    checked = _check_files(attachments)
    opened_at = opened_at or timezone.now()
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
        taken_by=by if by.is_staff_member else None,
        entitlement=entitlement.kind,
        contract=entitlement.contract,
        repair_quote=entitlement.repair_quote,
        excluded_cause=excluded_cause,
        opened_at=opened_at,
    )
    # The parties are rows just read and checked above: no need to look each up again.
    loaded = [name for name in PARTY_FIELDS if getattr(case, name) is not None]
    _validated(case, exclude=["number", "search_text", *loaded])
    # The number is taken last: its counter row stays locked until this transaction ends.
    case.number = allocate_case_number(opened_at)
    case.search_text = case.build_search_text()
    case.save()
    event = _record(case, by, EventKind.CREATED, public=True, to_status=Status.NEW, text=case.description, at=opened_at)
    _store_files(case, event, checked, by, public=True)
    # Clocks from the opening time; the "severity A at opening" rule notifies executives now.
    sla.start_clocks(case, at=opened_at, new_case=True)
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


# --- workflow ---------------------------------------------------------------------------


@transaction.atomic
def transition(
    *,
    case: Case,
    action: str,
    by,
    text: str = "",
    expected_status: str | None = None,
    merge_into: Case | None = None,
    suspension: SuspensionRequest | None = None,
) -> Case:
    """Move `case` by `action` of the transition table (`workflow.CASE_WORKFLOW`), through the
    transition engine.

    Locks the row first, so of two people acting at once one wins and the other gets a
    Conflict naming the new state (when they say which state they saw, `expected_status`)
    or NotAllowed (when the move no longer fits the state). The table's guards and hooks
    (timeline entry, timestamps, ownership, clocks, the merge note) run inside this
    transaction; a refusal writes nothing.
    """
    return CASE_WORKFLOW.apply(
        obj=case,
        action=action,
        by=by,
        text=text,
        expected=expected_status,
        merge_into=merge_into,
        suspension=suspension,
    )


def record_status_change(move: Move) -> None:
    """The timeline entry of every case move (the case machine's first hook)."""
    locked, by, before, text = move.obj, move.by, move.before, move.text
    public = move.target in (Status.RESOLVED, Status.CLOSED, Status.REOPENED, Status.CANCELLED, Status.MERGED)
    _record(locked, by, EventKind.STATUS, public=public, from_status=before, to_status=move.target, text=text)


def note_merge_on_target(move: Move) -> None:
    """The internal note on the case a merged case now points to (a hook of "merge")."""
    case, by, merge_into = move.obj, move.by, move.params["merge_into"]
    _record(
        merge_into,
        by,
        EventKind.NOTE,
        text=_("Case %(number)s was merged into this one.") % {"number": case.number},
    )


# --- edits ------------------------------------------------------------------------------

EDITABLE_FIELDS = ("title", "description", "kind", "channel", "contact", "site", "equipment", "tier")


@transaction.atomic
def update_case(*, case: Case, by, **changes) -> Case:
    """Change editable fields; records one timeline entry with every before → after."""
    _require_worker(by)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise CaseError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    locked = _lock(case)
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
def change_severity(*, case: Case, by, severity: str, reason: str) -> Case:
    """Raise or lower the severity, with a reason. The running clocks are recomputed from the
    case's opening for the new level (recorded in the timeline); rules that fire at opening
    for the new level (an upgrade to A → executives) fire now."""
    _require_worker(by)
    if severity not in Severity.values:
        raise CaseError(_("Unknown severity."), fields={"severity": [_("Choose A, B, C or D.")]})
    if not reason.strip():
        raise CaseError(_("Please say why."), fields={"reason": [_("This field is required.")]})
    locked = _lock(case)
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
    lines = sla.severity_changed(locked, at=event.at)
    if lines:
        _record(
            locked, by, EventKind.CLOCK, text=_("Clocks recomputed from the opening time:") + "\n" + "\n".join(lines)
        )
    return locked


@transaction.atomic
def assign(*, case: Case, by, owner=None, team=None) -> Case:
    """Give the case to a person and/or a team; the new owner is notified."""
    _require_worker(by)
    locked = _lock(case)
    if not locked.is_open:
        raise NotAllowed(_("A finished case cannot be reassigned."))
    if owner is not None and not owner.is_staff_member:
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
    if by.is_customer_contact:
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
    if by.is_customer_contact and locked.status in FINISHED_STATUSES:
        raise NotAllowed(_("This case is closed; please open a new request if you still need help."))
    kind = EventKind.REPLY if public else EventKind.NOTE
    event = _record(locked, by, kind, public=public, text=text)
    _store_files(locked, event, checked, by, public=public, service_report=service_report)
    Case.objects.filter(pk=locked.pk).update(updated_at=event.at)
    if not by.is_customer_contact:
        if public:
            sla.meet(locked, [ClockKind.REPLY, ClockKind.FIRST_CONTACT], at=event.at)
        if counts_as_progress:
            sla.progress_noted(locked, at=event.at)
    return event


# --- service acts and suspension (R3.3) ----------------------------------------------------

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
    if act == Act.DEPART_REQUESTED:
        sla.start_clocks(locked, at=event.at, starts=ClockStart.REQUEST, kinds=[ClockKind.DEPART])
    else:
        sla.meet(locked, ACT_MEETS[act], at=event.at)
    return event


def _require_roles(user, roles, message) -> None:
    if not (user.roles & roles):
        raise NotAllowed(message)


# Clocks of the engineer's device and the server differ by a few minutes.
CONSENT_CLOCK_SKEW = dt.timedelta(minutes=5)
# A consent given on the phone just before the agent finished typing the case is still valid.
CONSENT_BEFORE_OPENING = dt.timedelta(hours=1)


@transaction.atomic
def request_suspension(
    *,
    case: Case,
    by,
    reason: str,
    consent_by: str,
    consent_channel: str,
    consent_at: dt.datetime,
    expected_end_at: dt.datetime,
) -> SuspensionRequest:
    """An engineer asks to suspend (挂起) with the customer's consent and the date and time they
    expect to resume (in the future, within a year); duty managers are told. Once that time
    passes with the case still suspended, the sweep reminds the owner once."""
    suspend = transition_for("suspend")
    assert suspend is not None  # the table has it (tests/cases/test_workflow.py)
    _require_roles(by, HANDLERS, _("Your role may not ask to suspend a case."))
    locked = _lock(case)
    if locked.status not in suspend.sources:
        raise NotAllowed(
            _("A case that is “%(status)s” cannot be suspended.") % {"status": locked.get_status_display()}
        )
    if locked.suspension_requests.filter(status=SuspensionRequest.Status.PENDING).exists():
        raise Conflict(_("A suspension request for this case is already awaiting approval."))
    if consent_at < locked.opened_at - CONSENT_BEFORE_OPENING:
        raise CaseError(
            _("The customer's consent cannot be older than the case."),
            fields={"consent_at": [_("Give the time the customer agreed, after the case was opened.")]},
        )
    now = timezone.now()
    if consent_at > now + CONSENT_CLOCK_SKEW:
        message = _("The customer's consent cannot lie in the future.")
        raise CaseError(message, fields={"consent_at": [message]})
    _check_expected_end(expected_end_at, now)
    request = SuspensionRequest(
        case=locked,
        requested_by=by,
        requested_at=now,
        reason=(reason or "").strip(),
        consent_by=(consent_by or "").strip(),
        consent_channel=consent_channel,
        consent_at=consent_at,
        expected_end_at=expected_end_at,
    )
    _validated(request)
    request.save()
    _record(
        locked,
        by,
        EventKind.SUSPENSION,
        text=_("Suspension requested: %(reason)s\nCustomer's consent: %(who)s, %(how)s, %(when)s")
        % {
            "reason": request.reason,
            "who": request.consent_by,
            "how": request.get_consent_channel_display(),
            "when": timezone.localtime(consent_at).strftime("%Y-%m-%d %H:%M"),
        }
        + "\n"
        + _("Expected end: %(end)s") % {"end": timezone.localtime(expected_end_at).strftime("%Y-%m-%d %H:%M")},
    )
    # The decision flow (who decides, one decision, the notice to duty managers) is the
    # approvals mechanism's, under the policy below.
    approvals.request_approval(
        kind=SUSPENSION_APPROVAL,
        subject=request,
        by=by,
        evidence={
            "case": locked.pk,
            "consent_by": request.consent_by,
            "consent_channel": request.consent_channel,
            "consent_at": consent_at,
            "expected_end_at": expected_end_at,
        },
        evidence_text=request.reason,
    )
    return request


# A suspension is expected to end within this long; a later date is a typing error.
MAX_SUSPENSION = dt.timedelta(days=366)


def _check_expected_end(expected_end_at: dt.datetime | None, now: dt.datetime) -> None:
    if expected_end_at is None:
        raise CaseError(
            _("Say when the suspension is expected to end."),
            fields={"expected_end_at": [_("Give the date and time you expect to resume.")]},
        )
    if expected_end_at <= now:
        raise CaseError(
            _("The expected end of a suspension must lie in the future."),
            fields={"expected_end_at": [_("Give a date and time after now.")]},
        )
    if expected_end_at > now + MAX_SUSPENSION:
        raise CaseError(
            _("A suspension cannot be expected to last more than a year."),
            fields={"expected_end_at": [_("Give a date and time within a year.")]},
        )


@transaction.atomic
def decide_suspension(*, request: SuspensionRequest, by, approve: bool, note: str = "") -> SuspensionRequest:
    """A duty manager (or above) approves — the case is suspended and its clocks pause — or
    rejects the request, with a note. Deciding twice is a conflict. The decision is the approvals
    mechanism's (`approvals.services.decide`: decider checked, request locked, decided once);
    approving runs the case's "suspend" move in the same transaction, so a case that cannot be
    suspended any more leaves the request pending."""
    policy = approval_registry.get(SUSPENSION_APPROVAL)
    if not policy.may_decide(by, None):
        raise NotAllowed(policy.refused_decision)
    locked = SuspensionRequest.objects.select_for_update().get(pk=request.pk)
    approval = approvals.adopt(
        kind=SUSPENSION_APPROVAL,
        subject=locked,
        requester=locked.requested_by,
        requested_at=locked.requested_at,
        status=locked.status,
        decided_by=locked.decided_by,
        decided_at=locked.decided_at,
        decision_note=locked.decision_note,
    )
    approvals.decide(request=approval, by=by, approve=approve, note=note)
    locked.refresh_from_db()
    return locked


SUSPENSION_APPROVAL = "case.suspension"


def _decided_suspension(approval: ApprovalRequest) -> SuspensionRequest:
    """The suspension request behind `approval`, its decision copied from it (locked row)."""
    row = SuspensionRequest.objects.select_for_update().select_related("case").get(pk=approval.subject_id)
    row.status = approval.status
    row.decided_by, row.decided_at, row.decision_note = approval.decided_by, approval.decided_at, approval.decision_note
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return row


def _approve_suspension(approval: ApprovalRequest, by) -> None:
    suspend_on_approval(request=_decided_suspension(approval), by=by)


def _reject_suspension(approval: ApprovalRequest, by) -> None:
    row = _decided_suspension(approval)
    _record(
        row.case, by, EventKind.SUSPENSION, text=_("Suspension rejected: %(note)s") % {"note": row.decision_note or "—"}
    )


def _suspension_case(approval: ApprovalRequest) -> Case:
    return SuspensionRequest.objects.select_related("case").get(pk=approval.subject_id).case


def register_suspension_approval() -> None:
    """The suspension's approval policy: handlers ask, those the "suspend" move names decide,
    approving is that move, duty managers are told of each request. Called from `ready`."""
    suspend = transition_for("suspend")
    assert suspend is not None  # the table has it (tests/cases/test_workflow.py)
    approval_registry.register(
        approval_registry.Policy(
            kind=SUSPENSION_APPROVAL,
            label=gettext_lazy("Suspension"),
            requesters=HANDLERS,
            deciders=suspend.roles,
            on_approve=_approve_suspension,
            on_reject=_reject_suspension,
            on_requested=approval_registry.Notice(
                kind=SUSPENSION_REQUEST,
                recipients=lambda approval: users_with_role(Role.DUTY_MANAGER),
                subject=lambda approval: _("Case %(number)s: suspension awaiting your approval")
                % {"number": _suspension_case(approval).number},
                extra=lambda approval: {"case": _suspension_case(approval)},
            ),
            refused_request=gettext_lazy("Your role may not ask to suspend a case."),
            refused_decision=gettext_lazy("Only a duty manager or above may decide on a suspension."),
            already_decided=gettext_lazy("This request was already decided: %(status)s."),
        )
    )


# --- e-mail in (aftersales.inbox) ----------------------------------------------------------------


@transaction.atomic
def add_inbound_mail(*, case: Case, by, sender: str, text: str, attachments: Sequence = (), left_out=()) -> None:
    """Add a customer's e-mail to the case: a customer-visible entry with its files, recorded by
    `by` (the mail intake account or the desk member triaging it). The words are the customer's,
    so no desk clock is met and nothing is sent back. Files left out of it (too large, refused
    types, damaged) are named in an internal note."""
    _require_worker(by)
    checked = _check_files(attachments)
    locked = _lock(case)
    text = (text or "").strip()
    if text or checked:
        heading = _("E-mail from %(sender)s:") % {"sender": sender}
        event = _record(locked, by, EventKind.REPLY, public=True, text=f"{heading}\n\n{text}".strip())
        _store_files(locked, event, checked, by, public=True)
    if left_out:
        _record(locked, by, EventKind.NOTE, text=_("Left out of the e-mail:") + "\n" + "\n".join(left_out))
    Case.objects.filter(pk=locked.pk).update(updated_at=timezone.now())


@transaction.atomic
def link_follow_up(*, case: Case, of: Case, by) -> Case:
    """Mark `case` as the follow-up of the finished case `of` (a customer wrote about `of` too
    long after it closed to reopen it): both timelines say so, for the staff."""
    _require_worker(by)
    locked = _lock(case)
    if of.pk == locked.pk or of.customer_id != locked.customer_id:
        raise CaseError(_("A case can only follow up another case of the same customer."))
    locked.follow_up_of = of
    locked.save(update_fields=["follow_up_of", "updated_at"])
    _record(locked, by, EventKind.NOTE, text=_("Follow-up of case %(number)s.") % {"number": of.number})
    _record(of, by, EventKind.NOTE, text=_("Follow-up case %(number)s was opened.") % {"number": locked.number})
    return locked


# --- the customer's side: copies, confirmation (R7.1) ----------------------------------------


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
