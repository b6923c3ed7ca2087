"""What every API view shares: the request's language and the one visibility rule."""

from __future__ import annotations

from django.utils import translation
from rest_framework import viewsets

from aftersales.api.errors import request_language
from aftersales.cases.queries import visible_customer_ids


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


def scope_to_customer(queryset, user, field: str = "customer_id"):
    """Staff see every row; a customer contact only their organisation's."""
    ids = visible_customer_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})
