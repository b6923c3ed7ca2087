from django import template
from django.conf import settings

from aftersales.accounts import policy

register = template.Library()


@register.simple_tag
def hotline_number() -> str:
    return settings.HOTLINE_NUMBER


@register.filter
def can_give_portal_access(user) -> bool:
    return policy.allowed(user, "customers.invite")
