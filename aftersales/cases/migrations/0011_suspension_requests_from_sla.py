"""Suspension requests become the case app's (a case asks for them and approving one moves the
case): the model moves, the table stays where it is (`sla_suspensionrequest`), and so do its
rows; only the model's state and its content type (approvals, timeline entries, permissions,
admin log point at it) change app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="suspensionrequest").exists():
        ContentType.objects.filter(app_label=old, model="suspensionrequest").update(app_label=new)


def move_content_type(apps, schema_editor):
    _relabel(apps, "sla", "cases")


def move_content_type_back(apps, schema_editor):
    _relabel(apps, "cases", "sla")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_callback_requests_from_the_portal"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0006_clocks_and_escalations_on_deadlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SuspensionRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("requested_at", models.DateTimeField()),
                        ("reason", models.TextField(max_length=2000, verbose_name="reason")),
                        ("consent_by", models.CharField(max_length=100, verbose_name="customer's consent given by")),
                        (
                            "consent_channel",
                            models.CharField(
                                choices=[("phone", "Phone"), ("email", "E-mail"), ("on_site", "On site"), ("written", "In writing")],
                                max_length=10,
                                verbose_name="consent given by",
                            ),
                        ),
                        ("consent_at", models.DateTimeField(verbose_name="consent given at")),
                        ("expected_end_at", models.DateTimeField(blank=True, null=True, verbose_name="expected end")),
                        (
                            "end_reminded_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="owner reminded of the expected end"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("pending", "Awaiting approval"), ("approved", "Approved"), ("rejected", "Rejected")],
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_note", models.TextField(blank=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="suspension_requests",
                                to="cases.case",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "suspension request",
                        "verbose_name_plural": "suspension requests",
                        "db_table": "sla_suspensionrequest",
                        "ordering": ["-requested_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status", "pending")),
                                fields=("case",),
                                name="one_pending_suspension_per_case",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
