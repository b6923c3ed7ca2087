from django import template
from django.utils import timezone
from django.utils.html import format_html

from aftersales.core.templatetags.live import countdown_attributes
from aftersales.sla.display import WARNING_MINUTES, case_due, due_in_words
from aftersales.sla.suspensions import current_suspension

register = template.Library()


@register.filter
def due_pill(due_at):
    """The time left to a deadline as a coloured pill (empty when there is none)."""
    words, colour = due_in_words(due_at)
    if not words:
        return "—"
    return _pill(colour, due_at, words)


@register.filter
def case_due_pill(case):
    """A case's next deadline as a pill; a suspended case's says "paused" with the time left."""
    words, colour, due_at = case_due(case)
    if not words:
        return "—"
    if due_at is None:
        return format_html('<span class="pill pill-{}" data-state="paused">{}</span>', colour, words)
    return _pill(colour, due_at, words)


def _pill(colour, due_at, words):
    """A pill the browser counts down on live pages (wall-clock time, as `due_in_words`)."""
    return format_html(
        '<span class="pill pill-{}" title="{}"{}>{}</span>',
        colour,
        due_at.isoformat(),
        countdown_attributes(due_at, WARNING_MINUTES),
        words,
    )


@register.simple_tag
def suspension_of(case):
    """The approved request a suspended case is under (with its expected end), else None."""
    return current_suspension(case)


@register.filter
def has_passed(moment) -> bool:
    return moment is not None and moment <= timezone.now()
