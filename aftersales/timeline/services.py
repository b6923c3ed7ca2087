"""Writing a timeline: the one way any app records what happened to a subject."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.utils import timezone

from aftersales.core import live
from aftersales.timeline.models import Entry


def record(
    subject: models.Model,
    *,
    actor,
    kind: str,
    data: Mapping[str, Any] | None = None,
    public: bool = False,
    at: dt.datetime | None = None,
) -> Entry:
    """Append one entry to `subject`'s timeline and return it.

    Guarantees: the entry is written in the caller's transaction (it commits or rolls back with
    the change it describes) and is never changed or deleted afterwards; `actor` None means the
    system; `data` is stored as given and must be machine-readable — field names and raw values
    or ids, never translated labels (dates as ISO text) — because it is rendered in the reader's
    language when read; `public` entries are the only ones a customer is ever shown."""
    entry = build(subject, actor=actor, kind=kind, data=data, public=public, at=at)
    entry.save(force_insert=True)
    _announce([entry])
    return entry


def build(
    subject: models.Model | tuple[type[models.Model], int],
    *,
    actor=None,
    kind: str,
    data: Mapping[str, Any] | None = None,
    public: bool = False,
    at: dt.datetime | None = None,
) -> Entry:
    """An unsaved entry, for `record_many`. `subject` is an instance, or (model, pk) when only
    the id is at hand (a sweep over many rows)."""
    model, pk = (subject[0], subject[1]) if isinstance(subject, tuple) else (type(subject), subject.pk)
    return Entry(
        subject_type=ContentType.objects.get_for_model(model),
        subject_id=pk,
        actor=actor,
        kind=kind,
        data=_plain(dict(data or {})),
        public=public,
        created_at=at or timezone.now(),
    )


def record_many(entries: Iterable[Entry]) -> None:
    """Append many entries built by `build` in one statement, with the guarantees of `record`
    (the entries given are not updated with their ids).

    On PostgreSQL the rows travel as one JSON document that `jsonb_to_recordset` expands:
    `bulk_create` under psycopg 3 renders every value in Python, which was most of the time of
    a sweep with a thousand escalations (docs/benchmarks.md). Elsewhere: `bulk_create`."""
    entries = list(entries)
    if not entries:
        return
    _announce(entries)
    if connection.vendor != "postgresql":
        Entry.objects.bulk_create(entries)
        return
    fields = [field for field in Entry._meta.concrete_fields if not field.primary_key]
    rows = [{field.attname: _json_ready(field.value_from_object(entry)) for field in fields} for entry in entries]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    record_type = ", ".join(f"{quote(field.attname)} {field.db_type(connection)}" for field in fields)
    sql = (
        f"INSERT INTO {quote(Entry._meta.db_table)} ({columns}) "
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record_type})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, ensure_ascii=False)])


def _announce(entries: list[Entry]) -> None:
    """Pages that follow a subject (the case page, the queue) learn it changed: every change
    of a subject is written here, so this is the one place that tells them."""
    by_type: dict[int, set[int]] = {}
    for entry in entries:
        by_type.setdefault(entry.subject_type_id, set()).add(entry.subject_id)
    for type_id, ids in by_type.items():
        subject_type = ContentType.objects.get_for_id(type_id)
        live.changed(f"{subject_type.app_label}.{subject_type.model}", ids)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()  # to the microsecond (DjangoJSONEncoder keeps milliseconds)
    return value


def _plain(value: Any) -> Any:
    """`value` as JSON gives it back: dates as ISO text, decimals and UUIDs as text, so
    what is stored is what a reader of the JSON gets. Plain values pass as they are (a sweep
    builds hundreds of entries)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # to the microsecond
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def protect_subjects(*subject_models: type[models.Model]) -> None:
    """A subject of these models that has timeline entries cannot be deleted: deleting it raises
    ProtectedError, as a PROTECT foreign key would. Call from the owning app's `ready`."""
    for model in subject_models:
        pre_delete.connect(_refuse_if_recorded, sender=model, dispatch_uid=f"timeline-protect-{model._meta.label}")


def _refuse_if_recorded(sender, instance, **kwargs) -> None:
    entries = Entry.objects.for_subject(instance)
    if entries.exists():
        raise ProtectedError(
            f"{sender._meta.label} {instance.pk} has a timeline; its history is kept, so it cannot be deleted",
            set(entries[:10]),
        )


# --- a row's own fields: created and changed -------------------------------------------------

CREATED = "record.created"
CHANGED = "record.changed"


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's own fields as raw, JSON-safe values: ids for relations, sorted id lists for
    many-to-many (read from the database), no primary key and no automatic timestamps."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values[field.name] = field.value_from_object(instance)
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            values[field.name] = sorted(related.pk for related in field.value_from_object(instance))
    return _plain(values)


def record_saved(
    instance: models.Model, *, actor, before: Mapping[str, Any] | None, public: bool = False
) -> Entry | None:
    """Record on `instance`'s own timeline what a save did: `before` None (a new row) records
    `record.created` with every field set; otherwise `record.changed` with each field whose raw
    value differs from `before` (a `snapshot` taken before the save), or nothing when none does.
    Call in the transaction of the save, after many-to-many fields are saved."""
    after = snapshot(instance)
    if before is None:
        changes = {name: [None, value] for name, value in after.items() if value not in (None, "", [])}
        kind = CREATED
    else:
        changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
        kind = CHANGED
        if not changes:
            return None
    data = {"model": instance._meta.label_lower, "changes": changes}
    return record(instance, actor=actor, kind=kind, data=data, public=public)
