"""The repair quote as a PDF (kind `repair_quote` of aftersales.documents): what the customer
is asked to accept — the equipment, the lines and the total. The same copy for staff and the
customer (it holds nothing internal); downloaded only through the quote's case visibility."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.documents.services import document_response, request_document
from aftersales.parts.models import Quote
from aftersales.parts.queries import visible_quotes

REPAIR_QUOTE = "repair_quote"


def _audience(user) -> str:
    return Audience.STAFF if policy.allowed(user, "cases.read") else Audience.CUSTOMER


def _readable(user) -> list[str]:
    return [Audience.STAFF, Audience.CUSTOMER] if policy.allowed(user, "cases.read") else [Audience.CUSTOMER]


def _language() -> str:
    active = translation.get_language() or settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    return active if active in codes else translation.get_supported_language_variant(active)


def request_quote_pdf(*, quote: Quote, by) -> Document:
    """Queue the quote's PDF for `by` (who found `quote` through `visible_quotes`)."""
    return request_document(kind=REPAIR_QUOTE, subject=quote, language=_language(), audience=_audience(by), by=by)


def quote_documents(user, quote: Quote):
    return documents_of(quote, kind=REPAIR_QUOTE, audiences=_readable(user))


def quote_document_response(user, pk: int):
    """A quote PDF only if its quote is one the user may see (else the same 404 as none)."""
    return document_response(get_visible_document(visible_quotes(user), pk, audiences=_readable(user)))


def build_quote(*, subject: Quote, audience: str) -> dict:
    return {"quote": subject, "case": subject.case, "equipment": subject.equipment}


def register() -> None:
    register_kind(
        DocumentKind(
            name=REPAIR_QUOTE,
            model=Quote,
            template="parts/documents/quote.html",
            build_context=build_quote,
            filename=lambda quote: f"{quote.case.number}-quote-{quote.number}",
            label=gettext_lazy("Repair quote"),
        )
    )
