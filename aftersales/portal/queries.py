"""Read side of the portal and of the desk's view of it."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.portal.models import Registration


def pending_registrations() -> QuerySet[Registration]:
    return Registration.objects.filter(status=Registration.Status.PENDING).select_related("customer")
