"""Customers stay in the portal: one place decides which pages a customer's contact may open.

A logged-in customer contact who asks for any other page of the site (the staff queue, a case
page, the phone intake, the duty board, the inbox, API tokens, the desk's side of the portal, the
admin) is sent to the portal's home page, before the view runs and before anything is looked
up: the answer is the same whether the case, call-back or message named in the address exists
or not. The list below is an allow-list, so a staff page added later is closed to customers
without anyone having to remember it.

The REST API has its own rules for customer callers (see `aftersales.api`): it answers in JSON,
never with a redirect.
"""

from __future__ import annotations

from django.shortcuts import redirect

# Route names (namespace:name) a customer's contact may open outside the portal's own pages.
CUSTOMER_ROUTES = frozenset(
    {
        "home",
        "login",
        "logout",
        "set_language",
        # Files of the customer's own cases are downloaded through the one checked view.
        "attachment",
        "portal:home",
        "portal:login",
        "portal:set_password",
        "portal:register",
        "portal:case_new",
        "portal:case",
        "portal:case_reply",
        "portal:case_confirm",
        "portal:case_reject",
        "portal:case_summary",
        "portal:case_document",
        "portal:visit",
        "portal:report_document",
        # The issued service reports of the customer's manager (their own company's only: else 404).
        "portal:service_reports",
        "portal:service_report_pdf",
        "portal:service_report_xlsx",
        # The customer's answers on the portal case page (their own rows only: else 404).
        "parts:confirm_request",
        "parts:decline_request",
        "parts:accept_quote",
        "parts:decline_quote",
        "parts:quote_pdf",
        "parts:quote_document",
        "parts:agree_return",
        "parts:refuse_return",
    }
)
# Whole namespaces with their own answer for customers.
CUSTOMER_NAMESPACES = frozenset({"api"})


def is_customer_route(match) -> bool:
    """May a customer's contact open the page `match` (a ResolverMatch) resolves to?"""
    if match.namespaces and match.namespaces[0] in CUSTOMER_NAMESPACES:
        return True
    return match.view_name in CUSTOMER_ROUTES


class CustomerBoundaryMiddleware:
    """Sends a customer's contact who asks for a staff page to the portal (after
    AuthenticationMiddleware, before any view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_customer_contact:
            return None
        if is_customer_route(request.resolver_match):
            return None
        return redirect("portal:home")
