from django import template

from aftersales.notifications.models import Notification

register = template.Library()


@register.simple_tag
def failed_deliveries(case, limit: int = 5) -> list[Notification]:
    """The case's messages that could not be delivered, latest first (staff pages only)."""
    rows = Notification.objects.filter(case=case, status=Notification.Status.FAILED).exclude(channel="")
    return list(rows.order_by("-pk")[:limit])
