"""The helpers every case operation shares: role checks, the row lock, the timeline entry, validation, files and the case number."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases.errors import CaseError
from aftersales.cases.events import record_case_event
from aftersales.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    EventKind,
)
from aftersales.cases.numbering import format_case_number
from aftersales.core.uploads import check_upload, guess_content_type
from aftersales.notifications.models import Notification


def _require_worker(user) -> None:
    policy.require(user, "cases.work")


def _require_case_party(by, case: Case) -> None:
    """Staff who work cases, or a customer's contact who may see this case."""
    policy.require(by, "cases.comment", case)


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


# A case being opened holds this until its number is taken, the last moment before COMMIT
# (`settle_case_number`): unique (random), never a valid number, never seen outside the
# opening's transaction.
PROVISIONAL_PREFIX = "~"


def provisional_case_number() -> str:
    return PROVISIONAL_PREFIX + secrets.token_hex(9)


def settle_case_number(case: Case) -> None:
    """Give a case opened with a provisional number its real one, as late as possible.

    The month's counter row stays locked from its upsert until the transaction ends, so every
    other opening waits there: taking it as the last statements of the opening (with the
    case's number, search text and next due time written in one UPDATE) keeps that wait to a
    few milliseconds instead of the whole opening. Gap-free and unique as before: the upsert
    and the case commit or roll back together. Messages queued meanwhile that quote the
    provisional number (escalations fired at opening, the people on duty, an assignment) get
    the real one.
    """
    provisional = case.number
    # Read before the counter is taken: usually none, and the lock is not held meanwhile.
    quoted = list(
        Notification.objects.filter(case_id=case.pk, subject__contains=provisional).only("subject", "payload")
    )
    case.number = allocate_case_number(case.opened_at)
    case.search_text = case.build_search_text()
    Case.objects.filter(pk=case.pk).update(
        number=case.number, search_text=case.search_text, next_due_at=case.next_due_at
    )
    for row in quoted:
        row.subject = row.subject.replace(provisional, case.number)
        row.payload = json.loads(json.dumps(row.payload).replace(provisional, case.number))
        row.save(update_fields=["subject", "payload"])


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
