"""What happens to a fetched e-mail, and what the desk does with the ones left to it.

`ingest` stores every message once (by its content: identity headers and body, see
`content_hash`) and, in the same transaction, adds it to its case, opens a case, or leaves it
for triage; automatic mail and our own mail coming back are stored and ignored. A message
that cannot be read or handled is kept in quarantine, so it never holds up the mail behind it. The caller (the fetcher) marks the message seen on the server only after `ingest`
has returned, i.e. after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Channel, Kind, Severity, Status
from aftersales.cases.queries import cases_visible_to_contact
from aftersales.core.errors import Conflict, NotAllowed, StorageUnavailable
from aftersales.core.uploads import check_upload
from aftersales.customers.models import Contact
from aftersales.inbox import rules
from aftersales.inbox.models import MAIL_INTAKE_USERNAME, InboundMessage, IntakeSettings, Mailbox, Outcome
from aftersales.inbox.notices import MAIL_ON_CLOSED_CASE
from aftersales.inbox.parsing import (
    ParsedMail,
    UnparseableMail,
    content_digest,
    parse_message,
    sniff_message_id,
    storable,
)
from aftersales.notifications.services import queue_notification, users_with_role

logger = logging.getLogger(__name__)

# Outcomes a desk member may still turn into a case (an ignored auto-reply may be a real mail).
ACTIONABLE = frozenset({Outcome.TRIAGE, Outcome.IGNORED_AUTO})


@dataclass
class IngestResult:
    message: InboundMessage
    duplicate: bool = False

    @property
    def outcome(self) -> str:
        return "duplicate" if self.duplicate else self.message.outcome


def mail_intake_user():
    """The account the worker acts as: a hotline agent's rights, no password (migration 0002
    creates it; made again here if a database flush removed it)."""
    user, created = get_user_model().objects.get_or_create(
        username=MAIL_INTAKE_USERNAME, defaults={"display_name": "邮件收件 (mail intake)", "password": "!"}
    )
    if created:
        user.groups.add(Group.objects.get_or_create(name=Role.HOTLINE.value)[0])
    return user


def content_hash(raw: bytes) -> str:
    """Two fetched copies are one message when their identity headers and body agree: the
    trace headers of each delivery do not count, the Message-ID alone does not decide."""
    return content_digest(raw)


def _existing(digest: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(content_hash=digest).first()


# --- ingest --------------------------------------------------------------------------------


def ingest(raw: bytes, *, mailbox: Mailbox | None = None) -> IngestResult:
    """Store and handle one raw message; committed when this returns.

    Guarantees: stored at most once; never raises for a bad message: whatever in it the
    database refuses or the handling trips over, it is stored in quarantine with the reason,
    so the next message is fetched. Raises only when the database itself fails (it cannot
    even store the quarantined original) or the file store cannot take its attachments
    (`StorageUnavailable`), so the caller leaves the message unseen on the server and it is
    fetched again.
    """
    raw = bytes(raw)
    digest = content_hash(raw)
    message_id = storable(sniff_message_id(raw))[:500]
    existing = _existing(digest)
    if existing is not None:
        return IngestResult(existing, duplicate=True)
    message = InboundMessage(mailbox=mailbox, message_id=message_id, content_hash=digest, raw=raw, size=len(raw))
    try:
        with transaction.atomic():
            _process(message)
    except IntegrityError as error:
        existing = _existing(digest)
        if existing is not None:  # another worker stored it meanwhile
            return IngestResult(existing, duplicate=True)
        return _quarantine(message, f"the database refused it: {error}")
    except UnparseableMail as error:
        return _quarantine(message, str(error))
    except StorageUnavailable:
        # Nothing of the message is wrong: its files could not be stored. Left unseen on the
        # server, it is handled in full by a later run.
        logger.warning("inbound message %s left for the next run: the file store is unavailable", message_id or digest)
        raise
    except Exception as error:
        logger.exception("inbound message %s could not be processed", message_id or digest)
        return _quarantine(message, f"{type(error).__name__}: {error}")
    return IngestResult(message)


def _quarantine(message: InboundMessage, reason: str) -> IngestResult:
    """Keep the original in quarantine with the reason. What was read of it is kept for the
    lists if the database takes it; if not, the original and the reason alone."""
    shown = {
        "subject": storable(message.subject)[:500],
        "from_name": storable(message.from_name)[:200],
        "from_address": storable(message.from_address)[:320],
        "sent_at": message.sent_at,
    }
    for fields in (shown, {}):
        quarantined = InboundMessage(
            mailbox=message.mailbox,
            message_id=storable(message.message_id)[:500],
            content_hash=message.content_hash,
            raw=bytes(message.raw),
            size=message.size,
            outcome=Outcome.QUARANTINED,
            reason=storable(reason)[:10000],
            processed_at=timezone.now(),
            **fields,
        )
        try:
            with transaction.atomic():
                quarantined.save()
        except IntegrityError:
            existing = _existing(message.content_hash)
            if existing is not None:
                return IngestResult(existing, duplicate=True)
            if not fields:
                raise
        except DatabaseError:
            if not fields:
                raise  # not even the original can be stored: the database itself is failing
            logger.exception("quarantined message %s stored without its headers", message.content_hash)
        except Exception:  # a value Python cannot even hand to the database (a date out of range)
            if not fields:
                raise
            logger.exception("quarantined message %s stored without its headers", message.content_hash)
        else:
            return IngestResult(quarantined)
    raise AssertionError("unreachable")


def _process(message: InboundMessage) -> None:
    parsed = parse_message(bytes(message.raw))
    message.subject = parsed.subject[:500]
    message.from_name = parsed.from_name[:200]
    message.from_address = parsed.from_address[:320]
    message.sent_at = parsed.date
    message.body_text = parsed.text
    message.body_html = parsed.html
    message.processed_at = timezone.now()
    message.processed_by = by = mail_intake_user()
    notes = list(parsed.problems)
    mailbox_address = message.mailbox.username if message.mailbox else ""
    outcome, reason, case = _route(parsed, by=by, mailbox_address=mailbox_address, notes=notes)
    message.outcome, message.case = outcome, case
    message.reason = "\n".join([reason, *notes]).strip()
    message.save()


def _route(parsed: ParsedMail, *, by, mailbox_address: str, notes: list[str]):
    loop = rules.loop_reason(parsed, mailbox_address=mailbox_address)
    if loop:
        return Outcome.IGNORED_LOOP, loop, None
    automatic = rules.automatic_reason(parsed)
    if automatic:
        return Outcome.IGNORED_AUTO, automatic, None
    if not parsed.from_address:
        return Outcome.TRIAGE, "no sender address", None
    contacts = known_contacts(parsed.from_address)
    referenced = referenced_case(parsed, notes=notes)
    if referenced is not None:
        return _reply(referenced, parsed, contacts=contacts, by=by, notes=notes)
    customers = {contact.customer_id for contact in contacts}
    if len(customers) > 1:
        return Outcome.TRIAGE, f"{parsed.from_address} is a contact of several customers", None
    if not contacts:
        return Outcome.TRIAGE, f"unknown sender {parsed.from_address}", None
    contact = contacts[0] if len(contacts) == 1 else None
    case = _open_case(parsed, by=by, customer=contacts[0].customer, contact=contact, notes=notes)
    return Outcome.OPENED_CASE, f"new mail from contact {contacts[0]}", case


def referenced_case(parsed: ParsedMail, *, notes: list[str]) -> Case | None:
    """The existing case the mail refers to: the one our quoted Message-IDs name, else the
    first existing number written in the subject; numbers that do not exist are noted."""
    numbers = rules.referenced_case_numbers(parsed)
    found = {case.number: case for case in Case.objects.select_related("contact").filter(number__in=numbers)}
    for number in numbers:
        if number in found:
            return found[number]
        notes.append(f"refers to {number}, which does not exist")
    return None


# A merge chain longer than this is a data error, not a reason to loop.
MAX_MERGE_HOPS = 20


def merge_target(case: Case) -> Case:
    """The case a merged case lives on in (following merges of merges)."""
    seen = {case.pk}
    while case.status == Status.MERGED and case.merged_into_id and len(seen) <= MAX_MERGE_HOPS:
        case = Case.objects.select_related("contact").get(pk=case.merged_into_id)
        if case.pk in seen:
            break
        seen.add(case.pk)
    return case


def sender_may_see(contacts: list[Contact], case: Case) -> bool:
    """The one visibility rule: could the sender, as a portal contact, see this case?"""
    return any(cases_visible_to_contact(contact).filter(pk=case.pk).exists() for contact in contacts)


def _reply(case: Case, parsed: ParsedMail, *, contacts: list[Contact], by, notes: list[str]):
    """A reply to `case`: joins it (or the case it was merged into) only if the sender may see
    that case; a reply to a closed case reopens it or opens a follow-up."""
    number, target = case.number, merge_target(case)
    via = f"reply to {number}" + (f", merged into {target.number}" if target.pk != case.pk else "")
    if not sender_may_see(contacts, target):
        if not any(contact.customer_id == target.customer_id for contact in contacts):
            return Outcome.TRIAGE, f"{via} from {parsed.from_address}, not a contact of its customer", None
        return Outcome.TRIAGE, f"{via} from {parsed.from_address}, a contact who may not see that case", None
    if target.status in (Status.CLOSED, Status.CANCELLED):
        return _reply_to_finished_case(target, parsed, contacts=contacts, by=by, notes=notes, via=via)
    _add_to_case(target, parsed, by=by, notes=notes)
    return Outcome.ADDED_TO_CASE, via, target


def reopen_window() -> dt.timedelta:
    return dt.timedelta(days=IntakeSettings.current().reopen_window_days)


def _reply_to_finished_case(case: Case, parsed: ParsedMail, *, contacts, by, notes: list[str], via: str):
    """Never added silently: a case closed within the reopen window is reopened (through the
    workflow, on its timeline); otherwise, or when cancelled, a new case linked to it is
    opened. Either way the case's owner is notified."""
    window = reopen_window()
    closed_at = case.closed_at
    if case.status == Status.CLOSED and closed_at is not None and timezone.now() - closed_at <= window:
        case_services.transition(
            case=case,
            action="reopen",
            by=by,
            text=_("Reopened by an e-mail from %(sender)s (closed %(days)s days ago; reopen window %(window)s days).")
            % {"sender": _sender(parsed), "days": (timezone.now() - closed_at).days, "window": window.days},
        )
        _add_to_case(case, parsed, by=by, notes=notes)
        _notify_owner(case, parsed, follow_up=None)
        return Outcome.ADDED_TO_CASE, f"{via}: reopened (closed {closed_at:%Y-%m-%d})", case
    contact = next((c for c in contacts if c.customer_id == case.customer_id), None)
    follow_up = _open_case(parsed, by=by, customer=case.customer, contact=contact, notes=notes)
    follow_up = case_services.link_follow_up(case=follow_up, of=case, by=by)
    _notify_owner(case, parsed, follow_up=follow_up)
    return Outcome.OPENED_CASE, f"{via}, which is {case.status}: new case {follow_up.number} follows it up", follow_up


def _notify_owner(case: Case, parsed: ParsedMail, *, follow_up: Case | None) -> None:
    """The finished case's owner (the duty managers when it has none) hears of the mail."""
    recipients = [case.owner] if case.owner_id and case.owner.is_active else list(users_with_role(Role.DUTY_MANAGER))
    subject = (
        _("E-mail about closed case %(number)s: new case %(new)s") % {"number": case.number, "new": follow_up.number}
        if follow_up
        else _("Case %(number)s reopened by the customer's e-mail") % {"number": case.number}
    )
    queue_notification(
        kind=MAIL_ON_CLOSED_CASE,
        recipients=recipients,
        subject=subject,
        case=case,
        payload={"sender": _sender(parsed), "follow_up": follow_up.number if follow_up else ""},
    )


def known_contacts(address: str) -> list[Contact]:
    if not address:
        return []
    return list(
        Contact.objects.filter(email__iexact=address, is_active=True, customer__is_active=True)
        .select_related("customer")
        .order_by("pk")
    )


def _sender(parsed: ParsedMail) -> str:
    """The sender as shown on the timeline: the address is the sender; the display name, which
    may say anything ("<someone@customer>"), is quoted text next to it."""
    if not parsed.from_name:
        return parsed.from_address
    name = parsed.from_name.replace('"', "'")
    return f'"{name}" <{parsed.from_address}>'


def split_attachments(parsed: ParsedMail) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The files that pass the upload checks, and a line for each one left out."""
    kept, left_out = [], []
    limit = settings.INBOX_MAX_ATTACHMENTS
    for index, part in enumerate(parsed.attachments):
        if index >= limit:
            left_out.append(
                _("“%(name)s”: more than %(limit)s files in one e-mail.") % {"name": part.name, "limit": limit}
            )
            continue
        if part.problem == "damaged":
            left_out.append(_("“%(name)s”: its encoding is damaged (see the original message).") % {"name": part.name})
            continue
        try:
            upload = SimpleUploadedFile(part.name[:200], part.data, content_type=part.content_type)
            check_upload(upload)
        except ValidationError as error:
            left_out.extend(error.messages)
            continue
        except Exception as error:  # one odd file never sinks the message
            logger.warning("attachment %r left out: %s", part.name, error)
            left_out.append(_("“%(name)s”: it could not be read (see the original message).") % {"name": part.name})
            continue
        kept.append(upload)
    return kept, left_out


def _add_to_case(case: Case, parsed: ParsedMail, *, by, notes: list[str]) -> None:
    kept, left_out = split_attachments(parsed)
    notes.extend(left_out)
    case_services.add_inbound_mail(
        case=case,
        by=by,
        sender=_sender(parsed),
        text=rules.without_quoted_history(parsed.text),
        attachments=kept,
        left_out=left_out,
    )


def _open_case(
    parsed: ParsedMail,
    *,
    by,
    customer,
    contact,
    notes: list[str],
    kind=Kind.FAULT,
    severity=Severity.D,
    title="",
    acknowledge: bool = True,
) -> Case:
    kept, left_out = split_attachments(parsed)
    notes.extend(left_out)
    title = (title or parsed.subject or _("E-mail from %(sender)s") % {"sender": _sender(parsed)}).strip()
    description = parsed.text.strip() or parsed.subject or _("(The e-mail has no text.)")
    case = case_services.open_case(
        customer=customer,
        contact=contact,
        by=by,
        title=title[:200],
        description=description[:20000],
        kind=kind,
        severity=severity,
        channel=Channel.EMAIL,
        attachments=kept,
        acknowledge=acknowledge,
    )
    if left_out:
        case_services.add_inbound_mail(case=case, by=by, sender=_sender(parsed), text="", left_out=left_out)
    return case


# --- the desk's actions ----------------------------------------------------------------------


def _require_worker(by) -> None:
    policy.require(by, "inbox.triage")


def _lock(message: InboundMessage, allowed: Iterable[str]) -> InboundMessage:
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if locked.outcome not in allowed:
        raise Conflict(_("This e-mail was already handled: %(outcome)s.") % {"outcome": locked.get_outcome_display()})
    return locked


def _done(message: InboundMessage, by, outcome: str, case: Case | None = None, reason: str = "") -> None:
    message.outcome, message.case, message.processed_by = outcome, case, by
    message.processed_at = timezone.now()
    if reason:
        message.reason = f"{message.reason}\n{reason}".strip()
    message.save(update_fields=["outcome", "case", "processed_by", "processed_at", "reason"])


@transaction.atomic
def open_case_from_message(
    *, message: InboundMessage, by, customer, contact=None, kind: str = Kind.FAULT, severity: str = Severity.D, title=""
) -> Case:
    """A desk member decides whose mail it is: a case (channel e-mail) for that customer."""
    _require_worker(by)
    locked = _lock(message, ACTIONABLE)
    parsed = parse_message(bytes(locked.raw))
    notes: list[str] = []
    # Mail that looked automatic is never acknowledged, even when a person opens a case for it.
    case = _open_case(
        parsed,
        by=by,
        customer=customer,
        contact=contact,
        notes=notes,
        kind=kind,
        severity=severity,
        title=title,
        acknowledge=locked.outcome != Outcome.IGNORED_AUTO,
    )
    _done(locked, by, Outcome.OPENED_CASE, case, "\n".join([f"case opened by {by}", *notes]))
    return case


@transaction.atomic
def add_message_to_case(*, message: InboundMessage, by, case: Case) -> Case:
    """A desk member adds the mail to a case they chose (and may see)."""
    _require_worker(by)
    locked = _lock(message, ACTIONABLE)
    parsed = parse_message(bytes(locked.raw))
    notes: list[str] = []
    _add_to_case(case, parsed, by=by, notes=notes)
    _done(locked, by, Outcome.ADDED_TO_CASE, case, "\n".join([f"added to {case.number} by {by}", *notes]))
    return case


@transaction.atomic
def discard_message(*, message: InboundMessage, by) -> InboundMessage:
    """Spam: leaves the triage list; the message itself is kept."""
    _require_worker(by)
    locked = _lock(message, {Outcome.TRIAGE})
    _done(locked, by, Outcome.DISCARDED, None, f"discarded by {by}")
    return locked


def reprocess_message(*, message: InboundMessage, by) -> InboundMessage:
    """Process a quarantined message again (after a fix, or a changed setting)."""
    _require_worker(by)
    try:
        with transaction.atomic():
            locked = _lock(message, {Outcome.QUARANTINED})
            _process(locked)
            return locked
    except (UnparseableMail, Exception) as error:
        if isinstance(error, (Conflict, NotAllowed, StorageUnavailable)):
            raise  # a refusal, or a passing outage: the message stays as it was
        reason = str(error) if isinstance(error, UnparseableMail) else f"{type(error).__name__}: {error}"
        InboundMessage.objects.filter(pk=message.pk, outcome=Outcome.QUARANTINED).update(
            reason=reason, processed_at=timezone.now()
        )
        message.refresh_from_db()
        return message
