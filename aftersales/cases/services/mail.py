"""What the e-mail intake adds to a case: a customer's mail, and the follow-up link to a finished case."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.cases.errors import CaseError
from aftersales.cases.models import (
    Case,
    EventKind,
)
from aftersales.cases.services.common import (
    _check_files,
    _lock,
    _record,
    _require_worker,
    _store_files,
)


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
