"""Reading a timeline: entries rendered in the active language (the reader's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet

from aftersales.accounts import policy
from aftersales.timeline.models import Entry
from aftersales.timeline.registry import Change, get


@dataclass(frozen=True)
class RenderedEntry:
    entry: Entry
    label: str
    changes: list[Change]
    text: str

    @property
    def at(self) -> dt.datetime:
        return self.entry.created_at

    @property
    def actor(self):
        return self.entry.actor

    @property
    def public(self) -> bool:
        return self.entry.public


def render(entry: Entry) -> RenderedEntry:
    """One entry as its kind's renderers word it, in the active language."""
    kind = get(entry.kind)
    data = entry.data or {}
    return RenderedEntry(entry, str(kind.label), kind.changes(data), kind.text(data))


def entries_for(subject: models.Model, *, reader) -> QuerySet[Entry]:
    """The subject's entries a reader may see, newest first: staff see every entry, anyone
    else (a customer) only the public ones. Whether the reader may see the subject at all is
    the caller's scoped query; this narrows the entries, it does not widen the subject."""
    entries = Entry.objects.for_subject(subject).select_related("actor")
    if not policy.allowed(reader, "timeline.read_internal"):
        entries = entries.filter(public=True)
    return entries


def render_all(entries: Iterable[Entry]) -> list[RenderedEntry]:
    return [render(entry) for entry in entries]


# --- a renderer for changes of a model's fields -------------------------------------------


def model_changes(model: type[models.Model], key: str = "changes"):
    """A `changes` renderer for {field name: [before, after]} of `model`'s fields, raw values:
    labels are the fields' verbose names, choices their labels, foreign keys the related
    object's name (by id, read now), many-to-many a list of ids. Entries moved from an older
    store may hold display text instead, under "<key>_shown" ({label or field: [before, after]});
    those are shown as stored, their label translated when it names a field."""

    def render_changes(data: Mapping[str, Any]) -> list[Change]:
        lines = []
        for name, (before, after) in (data.get(key) or {}).items():
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            lines.append(Change(label, display_value(field, before), display_value(field, after)))
        for name, (before, after) in (data.get(f"{key}_shown") or {}).items():
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            lines.append(Change(label, "" if before is None else str(before), "" if after is None else str(after)))
        return lines

    return render_changes


def _field(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def display_value(field, value: Any) -> str:
    """A raw stored value as a reader sees it (in the active language)."""
    if value is None or value == "" or value == []:
        return ""
    if field is None:
        return str(value)
    if field.many_to_many:
        related = field.related_model._default_manager.filter(pk__in=value)
        return ", ".join(sorted(str(obj) for obj in related))
    if field.is_relation:
        obj = field.related_model._default_manager.filter(pk=value).first()
        return str(obj) if obj is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def saved_row_changes(data: Mapping[str, Any]) -> list[Change]:
    """Renderer of `record.created`/`record.changed`: the row's model is named in the data."""
    try:
        model = apps.get_model(data.get("model") or "")
    except (LookupError, ValueError):
        return [Change(str(name), *map(_shown, pair)) for name, pair in (data.get("changes") or {}).items()]
    return model_changes(model)(data)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)
