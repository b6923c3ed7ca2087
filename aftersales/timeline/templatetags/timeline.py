"""{% timeline_entries subject user as entries %}: a subject's entries for one reader, rendered."""

from __future__ import annotations

from django import template

from aftersales.timeline.rendering import entries_for, render, render_all

register = template.Library()


@register.simple_tag
def timeline_entries(subject, reader):
    """The subject's entries the reader may see (public only for a customer), newest first,
    each rendered in the active language: .label, .changes (before → after lines), .text."""
    return render_all(entries_for(subject, reader=reader))


@register.filter
def rendered(entry):
    """One entry rendered in the active language."""
    return render(entry)
