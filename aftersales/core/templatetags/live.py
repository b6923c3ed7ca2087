"""Live pages: the marker a page carries to poll and tick (static/aftersales/live.js), and the
attributes of a countdown the browser ticks."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from aftersales.core import live

register = template.Library()


@register.simple_tag
def live_marker(version: str | None = None) -> SafeString:
    """The hidden marker of a live page: the version it shows (none: only tick the countdowns),
    how often to ask, and the words of a countdown in the reader's language (the same words
    as the server's, `deadlines.display.span_in_words`)."""
    words = {
        "left": _("%(span)s left"),
        "overdue": _("overdue by %(span)s"),
        "min": _("%(m)s min"),
        "hmin": _("%(h)s h %(m)s min"),
        "h": _("%(h)s h"),
        "dh": _("%(d)s d %(h)s h"),
        "d": _("%(d)s d"),
    }
    attributes = "".join(format_html(' data-{}="{}"', name, text) for name, text in words.items())
    if version is not None:
        attributes += format_html(' data-version="{}" data-every="{}"', version, live.poll_seconds())
    return mark_safe(f'<span hidden data-live data-testid="live"{attributes}></span>')  # the values are escaped above


def countdown_attributes(due_at: dt.datetime | None, warning_minutes: float) -> SafeString:
    """` data-due=… data-warn=…` for a pill the browser counts down by the wall clock."""
    if due_at is None:
        return mark_safe("")
    return format_html(' data-due="{}" data-warn="{}"', due_at.isoformat(), f"{warning_minutes:g}")


@register.filter
def ticks(view) -> SafeString:
    """The countdown attributes of a deadline's view (`deadlines.display.DeadlineView`), empty
    when only the server can say how much time is left."""
    if view is None:
        return mark_safe("")
    return countdown_attributes(view.wall_clock_due, view.warning_minutes)
