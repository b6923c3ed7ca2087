"""The monthly customer reports become service reports of a month or a quarter, for one customer
or all, with a review before issue. The rows made so far are kept as monthly customer reports in
draft (they were never reviewed); their PDFs stay attached (the content type is renamed with the
model) under the new document kind's name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_KIND, NEW_KIND = "reports.customer_month", "reports.service_report"


def rename_document_kind(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Document.objects.filter(kind=OLD_KIND).update(kind=NEW_KIND)


def restore_document_kind(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    Document.objects.filter(kind=NEW_KIND).update(kind=OLD_KIND)


def user_link():
    return models.ForeignKey(
        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_monthly_customer_reports"),
        ("customers", "0001_initial"),
        ("documents", "0002_subject_columns_shared"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="customermonthlyreport", name="monthly_report_once_per_customer_month"),
        migrations.RenameModel("CustomerMonthlyReport", "PeriodicReport"),
        migrations.RenameField("periodicreport", "month", "period_start"),
        migrations.AlterField(
            model_name="periodicreport",
            name="period_start",
            field=models.DateField(
                help_text="The first day of the month or quarter reported on.", verbose_name="period"
            ),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="period_kind",
            field=models.CharField(
                choices=[("month", "Monthly"), ("quarter", "Quarterly")],
                default="month",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="periodicreport",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the report over all customers.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="customer",
            ),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("approved", "Approved, to issue"),
                    ("issued", "Issued"),
                ],
                default="draft",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="customer_base",
            field=models.TextField(blank=True, max_length=20000, verbose_name="Customer base"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="services_delivered",
            field=models.TextField(blank=True, max_length=20000, verbose_name="Services delivered"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="typical_cases",
            field=models.TextField(blank=True, max_length=20000, verbose_name="Typical cases"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="problems",
            field=models.TextField(blank=True, max_length=20000, verbose_name="Problems and suggestions"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="next_plan",
            field=models.TextField(blank=True, max_length=20000, verbose_name="Next quarter's plan"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="breach_reasons",
            field=models.JSONField(blank=True, default=dict, verbose_name="reasons of the breaches"),
        ),
        migrations.AddField(model_name="periodicreport", name="submitted_by", field=user_link()),
        migrations.AddField(
            model_name="periodicreport",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent for review"),
        ),
        migrations.AddField(model_name="periodicreport", name="reviewed_by", field=user_link()),
        migrations.AddField(
            model_name="periodicreport",
            name="reviewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reviewed"),
        ),
        migrations.AddField(model_name="periodicreport", name="issued_by", field=user_link()),
        migrations.AddField(
            model_name="periodicreport",
            name="issued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="issued"),
        ),
        migrations.AddField(
            model_name="periodicreport",
            name="figures",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="figures"),
        ),
        migrations.AlterModelOptions(
            name="periodicreport",
            options={
                "ordering": ["-period_start", "period_kind", "customer"],
                "verbose_name": "service report",
                "verbose_name_plural": "service reports",
            },
        ),
        migrations.AddConstraint(
            model_name="periodicreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("customer__isnull", False)),
                fields=("period_kind", "period_start", "customer"),
                name="report_once_per_customer_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="periodicreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("customer__isnull", True)),
                fields=("period_kind", "period_start"),
                name="report_once_overall_per_period",
            ),
        ),
        migrations.RunPython(rename_document_kind, restore_document_kind),
    ]
