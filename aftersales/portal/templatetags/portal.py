from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def hotline_number() -> str:
    return settings.HOTLINE_NUMBER


@register.filter
def can_give_portal_access(user) -> bool:
    from aftersales.customers.access import INVITERS

    return bool(user.is_authenticated and user.roles & INVITERS)
