"""Read side of the portal and of the desk's view of it."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.portal.models import CallbackRequest, Registration


def pending_callbacks() -> QuerySet[CallbackRequest]:
    """Call-back requests nobody has taken yet: A before B, oldest first (top of the queue)."""
    return CallbackRequest.objects.filter(handled_at__isnull=True).select_related(
        "customer", "contact", "equipment__product_model"
    )


def pending_registrations() -> QuerySet[Registration]:
    return Registration.objects.filter(status=Registration.Status.PENDING).select_related("customer")
