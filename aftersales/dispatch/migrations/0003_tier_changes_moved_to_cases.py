"""Tier changes are kept by the case (`cases.TierChange`), so that an escalation rule's raise is
recorded like a person's: the rows recorded so far are copied there, then this table goes."""

from django.db import migrations


def copy_to_cases(apps, schema_editor):
    old = apps.get_model("dispatch", "TierChange")
    new = apps.get_model("cases", "TierChange")
    new.objects.bulk_create(
        new(case_id=row.case_id, from_tier=row.from_tier, to_tier=row.to_tier, reason=row.reason, by_id=row.by_id, at=row.at)
        for row in old.objects.order_by("pk").iterator()
    )


def copy_back(apps, schema_editor):
    old = apps.get_model("dispatch", "TierChange")
    new = apps.get_model("cases", "TierChange")
    old.objects.bulk_create(
        old(case_id=row.case_id, from_tier=row.from_tier, to_tier=row.to_tier, reason=row.reason, by_id=row.by_id, at=row.at)
        for row in new.objects.exclude(by=None).order_by("pk").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0002_roster_assignment_handling_vendor_cases_handovers"),
        ("cases", "0011_tier_changes_kept_by_the_case"),
    ]

    operations = [
        migrations.RunPython(copy_to_cases, copy_back),
        migrations.DeleteModel(name="TierChange"),
    ]
