"""The service clocks and the scheduled escalations move onto the deadlines mechanism.

Every `sla_clock` row becomes a `deadlines_deadline` row with the same id whose subject is its
case; every `sla_escalation` row a `deadlines_alarm` row with the same id (notifications keep
their `escalation:<id>` dedupe keys), of kind `sla.escalation`, `ref` its rule, `deadline` its
clock and a unique key per case, rule and clock. `sla.Clock` and `sla.Escalation` become proxies
of the two. Reverses (the rows go back to the old tables)."""

from django.core.management.color import no_style
from django.db import migrations

CLOCK_COLUMNS = "kind, target_minutes, calendar_id, started_at, due_at, met_at, breached_at, stopped_at, paused_at, paused_minutes"
TIMES = "fire_at, fired_at, cancelled_at"


def _case_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label="cases", model="case")[0].pk


def _reset_sequences(apps, schema_editor, *models):
    connection = schema_editor.connection
    statements = connection.ops.sequence_reset_sql(no_style(), [apps.get_model(*m) for m in models])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def forward(apps, schema_editor):
    case_type = _case_type(apps)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO deadlines_deadline (id, subject_type_id, subject_id, {CLOCK_COLUMNS}) "
            f"SELECT id, %s, case_id, {CLOCK_COLUMNS} FROM sla_clock",
            [case_type],
        )
        cursor.execute(
            f"INSERT INTO deadlines_alarm (id, subject_type_id, subject_id, deadline_id, kind, ref, key, {TIMES}) "
            f"SELECT id, %s, case_id, clock_id, 'sla.escalation', rule_id, "
            f"'escalation:' || CAST(case_id AS TEXT) || ':' || CAST(rule_id AS TEXT) || ':' "
            f"|| COALESCE(CAST(clock_id AS TEXT), '-'), {TIMES} FROM sla_escalation",
            [case_type],
        )
    _reset_sequences(apps, schema_editor, ("deadlines", "Deadline"), ("deadlines", "Alarm"))


def backward(apps, schema_editor):
    case_type = _case_type(apps)
    kinds = ("sign_off", "response", "first_contact", "reply", "on_site", "depart", "restore", "progress", "fault_report")
    marks = ", ".join(["%s"] * len(kinds))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO sla_clock (id, case_id, {CLOCK_COLUMNS}) SELECT id, subject_id, {CLOCK_COLUMNS} "
            f"FROM deadlines_deadline WHERE subject_type_id = %s AND kind IN ({marks})",
            [case_type, *kinds],
        )
        cursor.execute(
            f"INSERT INTO sla_escalation (id, case_id, rule_id, clock_id, {TIMES}) "
            f"SELECT id, subject_id, ref, deadline_id, {TIMES} FROM deadlines_alarm WHERE kind = 'sla.escalation'"
        )
        cursor.execute("DELETE FROM deadlines_alarm WHERE kind = 'sla.escalation'")
        cursor.execute(
            f"DELETE FROM deadlines_deadline WHERE subject_type_id = %s AND kind IN ({marks})", [case_type, *kinds]
        )
    _reset_sequences(apps, schema_editor, ("sla", "Clock"), ("sla", "Escalation"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0001_deadlines_and_alarms"),
        ("sla", "0005_suspension_expected_end"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="Escalation"),
        migrations.DeleteModel(name="Clock"),
        migrations.CreateModel(
            name="Clock",
            fields=[],
            options={"verbose_name": "clock", "verbose_name_plural": "clocks", "ordering": ["due_at"], "proxy": True},
            bases=("deadlines.deadline",),
        ),
        migrations.CreateModel(
            name="Escalation",
            fields=[],
            options={"verbose_name": "escalation", "verbose_name_plural": "escalations", "proxy": True},
            bases=("deadlines.alarm",),
        ),
    ]
