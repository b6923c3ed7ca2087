"""The case timeline moves into the timeline mechanism's one table (timeline.Entry).

Each cases.CaseEvent row becomes an Entry with the same id (attachments keep pointing at their
entry), subject = the case. Older rows stored `changes` as display text keyed by the field's
label in the language of the moment ({"负责人": …} or {"owner": …}); the labels are mapped back
to field names where they are one (best effort, in every language of the site) and the values,
already words, are kept as they were under `changes_shown`. CaseEvent stays as a proxy."""

import django.db.models.deletion
from django.conf import settings
from django.db import connection, migrations, models
from django.utils import translation
from django.utils.translation import gettext

# Frozen here: the service acts as they were labelled when these rows were written.
ACTS = {
    "contacted": "Customer contacted",
    "on_site": "Arrived on site",
    "depart_requested": "HQ engineer requested",
    "departed": "HQ engineer departed",
    "fault_report": "Fault report submitted",
}


def _translations(source: str) -> set[str]:
    words = {source}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words.add(gettext(source))
    return words


def _field_names(Case) -> dict[str, str]:
    names = {}
    for field in Case._meta.get_fields():
        verbose = getattr(field, "verbose_name", None)
        if verbose:
            for label in _translations(str(verbose)):
                names[label] = field.name
    return names


def _acts() -> dict[str, str]:
    return {label: value for value, source in ACTS.items() for label in _translations(source)}


def legacy_data(row, fields: dict[str, str], acts: dict[str, str], act_labels: set[str]) -> dict:
    """An old row's data: its text and statuses as they were, `changes` under field names."""
    data = {key: getattr(row, key) for key in ("text", "from_status", "to_status") if getattr(row, key)}
    shown = {}
    for label, pair in (row.changes or {}).items():
        if label in act_labels and isinstance(pair, list) and len(pair) == 2 and pair[1] in acts:
            data["act"] = acts[pair[1]]
            continue
        shown[fields.get(label, label)] = pair
    if shown:
        data["changes_shown"] = shown
    return data


def forwards(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Case = apps.get_model("cases", "Case")
    Entry = apps.get_model("timeline", "Entry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type, _created = ContentType.objects.get_or_create(app_label="cases", model="case")
    fields, acts, act_labels = _field_names(Case), _acts(), _translations("act")
    batch = []
    for row in CaseEvent.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            Entry(
                id=row.pk,
                subject_type_id=case_type.pk,
                subject_id=row.case_id,
                actor_id=row.actor_id,
                kind=row.kind,
                data=legacy_data(row, fields, acts, act_labels),
                public=row.is_public,
                created_at=row.at,
            )
        )
        if len(batch) >= 2000:
            Entry.objects.bulk_create(batch)
            batch = []
    Entry.objects.bulk_create(batch)
    _reset_sequence(schema_editor, Entry)


def backwards(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Entry = apps.get_model("timeline", "Entry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type = ContentType.objects.filter(app_label="cases", model="case").first()
    if case_type is None:
        return
    entries = Entry.objects.filter(subject_type_id=case_type.pk)
    rows = []
    for entry in entries.order_by("pk").iterator(chunk_size=2000):
        data = entry.data or {}
        rows.append(
            CaseEvent(
                id=entry.pk,
                case_id=entry.subject_id,
                actor_id=entry.actor_id,
                kind=entry.kind[:20],
                at=entry.created_at,
                is_public=entry.public,
                from_status=data.get("from_status") or "",
                to_status=data.get("to_status") or "",
                changes=data.get("changes_shown") or data.get("changes") or {},
                text=data.get("text") or "",
            )
        )
    CaseEvent.objects.bulk_create(rows)
    entries._raw_delete(schema_editor.connection.alias)
    _reset_sequence(schema_editor, CaseEvent)


def _reset_sequence(schema_editor, model) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_case_follow_up_of"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("timeline", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="attachment",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attachments",
                to="timeline.entry",
            ),
        ),
        migrations.DeleteModel(name="CaseEvent"),
        migrations.CreateModel(
            name="CaseEvent",
            fields=[],
            options={
                "verbose_name": "case timeline entry",
                "verbose_name_plural": "case timeline entries",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("timeline.entry",),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attachment",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="cases.caseevent",
                    ),
                ),
            ]
        ),
    ]
