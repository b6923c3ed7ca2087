"""`{% case_parts case user as parts %}`: what the case page and the portal case page show of a
case's part requests, quotes and return offers, and which of their forms the reader may use."""

from __future__ import annotations

from django import template
from django.db.models import Q

from aftersales.accounts import policy
from aftersales.customers.models import Contact
from aftersales.parts import permissions as perms
from aftersales.parts import queries, services
from aftersales.parts.documents import quote_documents
from aftersales.parts.models import Part, Quote, ReturnOffer

register = template.Library()


@register.simple_tag
def case_parts(case, user) -> dict:
    requests = list(queries.visible_part_requests(user).filter(case=case).order_by("-requested_at", "-pk"))
    quotes = list(queries.visible_quotes(user).filter(case=case))
    offers = list(queries.visible_return_offers(user).filter(case=case))
    staff = queries.may_view_stock(user)
    answering = policy.allowed(user, perms.GIVE_CONSENT, case) or policy.allowed(user, perms.RECORD_CONSENT, case)
    context = {
        "requests": requests,
        "quotes": [(quote, list(quote_documents(user, quote))) for quote in quotes],
        "offers": offers,
        "staff": staff,
        "may_answer": answering,
        "may_fit": policy.allowed(user, perms.FIT_PART),
        "may_cancel": policy.allowed(user, perms.CANCEL_REQUEST),
        "may_decide": policy.allowed(user, perms.DECIDE_RETURN),
    }
    if not staff:
        return context
    may_request = policy.allowed(user, perms.REQUEST_PART, case) and case.status in services.FILING_STATUSES
    live_quote = any(q.status in (Quote.Status.OFFERED, Quote.Status.ACCEPTED) for q in quotes)
    context |= {
        "may_request": may_request,
        "parts": _fitting_parts(case) if may_request else [],
        "may_quote": policy.allowed(user, perms.OFFER_QUOTE, case)
        and case.is_open
        and not live_quote
        and services.case_is_chargeable(case),
        "remedies": _remedies(case) if policy.allowed(user, perms.OFFER_RETURN, case) else [],
        "contacts": Contact.objects.filter(customer_id=case.customer_id, is_active=True) if answering else [],
    }
    return context


def _remedies(case) -> list[tuple[str, str]]:
    allowed = services.remedies_for(case)
    return [(remedy.value, str(remedy.label)) for remedy in ReturnOffer.Remedy if remedy in allowed]


def _fitting_parts(case):
    parts = Part.objects.filter(is_active=True)
    if case.equipment_id is None:
        return parts
    equipment = case.equipment
    fits = Q(product_models=equipment.product_model_id) | Q(product_models__isnull=True, vendor_id=equipment.vendor_id)
    return parts.filter(fits).distinct()
