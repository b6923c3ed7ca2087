"""The case summary (案例摘要) as a generated PDF: kind `case_summary` of aftersales.documents.

A customer's copy holds only what the portal shows: the customer-visible timeline, people of
the service company by display name (never a user name), no internal notes and no service
clocks. A staff copy holds everything, internal entries marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases.models import Case, EventKind
from aftersales.cases.providers import case_clocks
from aftersales.cases.queries import visible_cases
from aftersales.core.errors import DomainError
from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.documents.services import document_response, request_document

CASE_SUMMARY = "case_summary"


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    label: str
    actor: str
    text: str
    changes: dict
    internal: bool


def audience_for(user) -> str:
    """The copy a user gets when they print: staff the full one, anyone else the customer's."""
    return Audience.STAFF if policy.allowed(user, "cases.read") else Audience.CUSTOMER


def readable_audiences(user) -> list[str]:
    """Staff may read both copies (to see what the customer got); a customer only theirs."""
    return [Audience.STAFF, Audience.CUSTOMER] if policy.allowed(user, "cases.read") else [Audience.CUSTOMER]


def request_case_summary(*, case: Case, by) -> Document:
    """Queue a case summary for `by` in the language they read the page in (the caller found
    `case` through visible_cases). A double-click returns the version already pending."""
    return request_document(
        kind=CASE_SUMMARY, subject=case, language=_reader_language(), audience=audience_for(by), by=by
    )


def request_summary_for_page(request, case: Case) -> None:
    """Ask for `case`'s summary on behalf of the page's user and say so (or why not) as a message;
    the staff case page and the portal both call it."""
    try:
        request_case_summary(case=case, by=request.user)
        messages.success(request, _("The summary is being generated."))
    except DomainError as error:
        messages.error(request, error.message)


def case_document_response(user, number: str, pk: int):
    """A document of case `number`, found only through `visible_cases` and the copies `user` may
    read: another customer's, the staff copy for a customer and a missing one are the same 404."""
    cases = visible_cases(user).filter(number=number.upper())
    return document_response(get_visible_document(cases, pk, audiences=readable_audiences(user)))


def case_summaries(user, case: Case):
    """The summaries of `case` the user may download, newest first."""
    return documents_of(case, kind=CASE_SUMMARY, audiences=readable_audiences(user))


def _reader_language() -> str:
    active = translation.get_language() or settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    return active if active in codes else translation.get_supported_language_variant(active)


def build_case_summary(*, subject: Case, audience: str) -> dict:
    """The summary's context, computed in the worker in the recipient's language."""
    staff = audience == Audience.STAFF
    events = subject.events.select_related("actor").order_by("at", "pk")
    if not staff:
        events = events.filter(is_public=True)
    return {
        "case": subject,
        "staff_copy": staff,
        "owner": _person(subject.owner, staff=staff) if subject.owner_id else "",
        "timeline": [_row(event, staff=staff) for event in events],
        "clocks": case_clocks(subject) if staff else [],
    }


def _row(event, *, staff: bool) -> TimelineRow:
    if staff:
        label = event.get_kind_display()
        if event.to_status:
            label = f"{label}: {event.get_to_status_display()}"
        changes = event.changes or {}
    else:
        # As the portal names them: a status change by its new status, a reply as a reply.
        label = event.get_to_status_display() if event.kind == EventKind.STATUS else event.get_kind_display()
        if event.kind == EventKind.REPLY:
            label = _("Reply")
        changes = {}
    actor = _person(event.actor, staff=staff) if event.actor_id else (_("system") if staff else "")
    return TimelineRow(event.at, label, actor, event.text, changes, internal=not event.is_public)


def _person(user, *, staff: bool) -> str:
    """Staff read everyone as the pages show them; a customer reads the service company's
    people by display or full name only (a user name is a log-in, not a name)."""
    if staff:
        return str(user)
    if policy.allowed(user, "cases.read"):
        return user.display_name or user.get_full_name() or _("Service team")
    contact = getattr(user, "contact", None)
    return (contact.name if contact is not None else "") or user.display_name or user.get_full_name() or _("Customer")


def _filename(case: Case) -> str:
    return f"{case.number}-summary"


def register() -> None:
    register_kind(
        DocumentKind(
            name=CASE_SUMMARY,
            model=Case,
            template="cases/documents/case_summary.html",
            build_context=build_case_summary,
            filename=_filename,
            label=gettext_lazy("Case summary"),
        )
    )
