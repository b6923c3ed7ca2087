from django import template
from django.utils.html import format_html

from aftersales.sla.display import due_in_words

register = template.Library()


@register.filter
def due_pill(due_at):
    """The time left to a deadline as a coloured pill (empty when there is none)."""
    words, colour = due_in_words(due_at)
    if not words:
        return "—"
    return format_html('<span class="pill pill-{}" title="{}">{}</span>', colour, due_at.isoformat(), words)
