"""`{% case_field_visits case user as visits %}`: the visits of a case the user may see, for the
case page and the portal's case page (found through the case's visibility rule)."""

from __future__ import annotations

from django import template

from aftersales.accounts import policy
from aftersales.field import queries
from aftersales.field.permissions import DISPATCH

register = template.Library()


@register.simple_tag
def case_field_visits(case, user):
    return list(queries.case_visits(user, case))


@register.simple_tag
def may_dispatch(case, user) -> bool:
    return policy.allowed(user, DISPATCH, case)
