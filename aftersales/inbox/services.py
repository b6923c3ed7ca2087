"""What happens to a fetched e-mail, and what the desk does with the ones left to it.

`ingest` stores every message once (by Message-ID, or by content when it has none) and, in the
same transaction, adds it to its case, opens a case, or leaves it for triage; automatic mail
and our own mail coming back are stored and ignored. A message that cannot be read is kept in
quarantine. The caller (the fetcher) marks the message seen on the server only after `ingest`
has returned, i.e. after the commit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import CASE_WORKERS, Role
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Channel, Kind, Severity
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.core.uploads import check_upload
from aftersales.customers.models import Contact
from aftersales.inbox import rules
from aftersales.inbox.models import MAIL_INTAKE_USERNAME, InboundMessage, Mailbox, Outcome
from aftersales.inbox.parsing import ParsedMail, UnparseableMail, parse_message, sniff_message_id

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
    return hashlib.sha256(raw).hexdigest()


def _existing(message_id: str, digest: str) -> InboundMessage | None:
    if message_id:
        return InboundMessage.objects.filter(message_id=message_id).first()
    return InboundMessage.objects.filter(message_id="", content_hash=digest).first()


# --- ingest --------------------------------------------------------------------------------


def ingest(raw: bytes, *, mailbox: Mailbox | None = None) -> IngestResult:
    """Store and handle one raw message; committed when this returns.

    Guarantees: stored at most once; never raises for a bad message (it goes to quarantine
    with the reason); raises only when the database itself fails, so the caller leaves the
    message unseen on the server and it is fetched again.
    """
    raw = bytes(raw)
    digest = content_hash(raw)
    message_id = sniff_message_id(raw)
    existing = _existing(message_id, digest)
    if existing is not None:
        return IngestResult(existing, duplicate=True)
    message = InboundMessage(mailbox=mailbox, message_id=message_id, content_hash=digest, raw=raw, size=len(raw))
    try:
        with transaction.atomic():
            _process(message)
    except IntegrityError:
        existing = _existing(message_id, digest)
        if existing is not None:  # another worker stored it meanwhile
            return IngestResult(existing, duplicate=True)
        _quarantine(message, "the database refused it (integrity error)")
    except UnparseableMail as error:
        _quarantine(message, str(error))
    except Exception as error:
        logger.exception("inbound message %s could not be processed", message_id or digest)
        _quarantine(message, f"{type(error).__name__}: {error}")
    return IngestResult(message)


def _quarantine(message: InboundMessage, reason: str) -> None:
    message.pk = None
    message.case = None
    message.outcome = Outcome.QUARANTINED
    message.reason = reason
    message.processed_at = timezone.now()
    message.save()


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
    number = rules.referenced_case_number(parsed)
    if number:
        case = Case.objects.select_related("contact").filter(number=number).first()
        if case is not None:
            if not is_contact_of_case(parsed.from_address, case):
                return (
                    Outcome.TRIAGE,
                    f"reply to {number} from {parsed.from_address}, not a contact of its customer",
                    None,
                )
            _add_to_case(case, parsed, by=by, notes=notes)
            return Outcome.ADDED_TO_CASE, f"reply to {number}", case
        notes.append(f"refers to {number}, which does not exist")
    contacts = known_contacts(parsed.from_address)
    customers = {contact.customer_id for contact in contacts}
    if len(customers) > 1:
        return Outcome.TRIAGE, f"{parsed.from_address} is a contact of several customers", None
    if not contacts:
        return Outcome.TRIAGE, f"unknown sender {parsed.from_address}", None
    contact = contacts[0] if len(contacts) == 1 else None
    case = _open_case(parsed, by=by, customer=contacts[0].customer, contact=contact, notes=notes)
    return Outcome.OPENED_CASE, f"new mail from contact {contacts[0]}", case


def known_contacts(address: str) -> list[Contact]:
    if not address:
        return []
    return list(
        Contact.objects.filter(email__iexact=address, is_active=True, customer__is_active=True)
        .select_related("customer")
        .order_by("pk")
    )


def is_contact_of_case(address: str, case: Case) -> bool:
    """Only the case's contact or an active contact of its customer may add to it by mail."""
    address = (address or "").lower()
    if case.contact is not None and (case.contact.email or "").lower() == address:
        return True
    return Contact.objects.filter(customer_id=case.customer_id, email__iexact=address, is_active=True).exists()


def _sender(parsed: ParsedMail) -> str:
    return f"{parsed.from_name} <{parsed.from_address}>" if parsed.from_name else parsed.from_address


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
        upload = SimpleUploadedFile(part.name[:200], part.data, content_type=part.content_type)
        try:
            check_upload(upload)
        except ValidationError as error:
            left_out.extend(error.messages)
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
    parsed: ParsedMail, *, by, customer, contact, notes: list[str], kind=Kind.FAULT, severity=Severity.D, title=""
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
    )
    if left_out:
        case_services.add_inbound_mail(case=case, by=by, sender=_sender(parsed), text="", left_out=left_out)
    return case


# --- the desk's actions ----------------------------------------------------------------------


def _require_worker(by) -> None:
    if not (by.roles & CASE_WORKERS):
        raise NotAllowed(_("Your role may not handle incoming e-mail."))


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
    case = _open_case(
        parsed, by=by, customer=customer, contact=contact, notes=notes, kind=kind, severity=severity, title=title
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
        if isinstance(error, (Conflict, NotAllowed)):
            raise
        reason = str(error) if isinstance(error, UnparseableMail) else f"{type(error).__name__}: {error}"
        InboundMessage.objects.filter(pk=message.pk, outcome=Outcome.QUARANTINED).update(
            reason=reason, processed_at=timezone.now()
        )
        message.refresh_from_db()
        return message
