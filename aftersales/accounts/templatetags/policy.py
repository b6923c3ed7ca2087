"""`{% if user|may:"cases.close" %}`: templates ask the permission policy by name, never role sets.

Loaded as a template builtin (settings.TEMPLATES), so every template may use it without `load`.
"""

from __future__ import annotations

from django import template

from aftersales.accounts import policy

register = template.Library()


@register.filter
def may(user, name: str) -> bool:
    """Does `user` hold the permission `name` (no object)? False for anyone not logged in."""
    return policy.allowed(user, name)
