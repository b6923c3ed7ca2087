"""What every API view shares: the request's language and the one visibility rule."""

from __future__ import annotations

from django.utils import translation
from rest_framework import viewsets

from aftersales.accounts.roles import STAFF_ROLES, Role
from aftersales.api.errors import request_language


class LanguageMixin:
    """Speak the request's language: from `?lang=`/Accept-Language before authentication (so
    a refused login is answered in it), then from the user's setting once the user is known
    (the token's user included), before permissions are checked."""

    def initial(self, request, *args, **kwargs):
        translation.activate(request_language(request))
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        translation.activate(request_language(request, request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


class ReadOnlyViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    pass


def visible_customer_id(user) -> int | None:
    """The one customer a customer contact may see master data of; None for everyone else.
    The same test as `visible_cases`: an active user whose contact record is active."""
    if not (user.is_authenticated and user.is_active) or Role.CUSTOMER not in user.roles:
        return None
    contact = getattr(user, "contact", None)
    return contact.customer_id if contact is not None and contact.is_active else None


def is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.roles & STAFF_ROLES)


def scope_to_customer(queryset, user, field: str = "customer_id"):
    """Staff see every row; a customer contact only their organisation's; others nothing."""
    if is_staff(user):
        return queryset
    customer_id = visible_customer_id(user)
    if customer_id is None:
        return queryset.none()
    return queryset.filter(**{field: customer_id})
