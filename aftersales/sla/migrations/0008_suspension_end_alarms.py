"""The reminder of a suspension's expected end becomes an alarm of the deadlines mechanism
(`sla.suspension_end`, key `suspension-end:<request>`, `ref` the request): one for the current
suspension of every case suspended now whose owner was not reminded yet, firing at its expected
end (at once, on the next sweep, when that has passed). Reverses by deleting those alarms."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

KIND = "sla.suspension_end"


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Alarm = apps.get_model("deadlines", "Alarm")
    SuspensionRequest = apps.get_model("cases", "SuspensionRequest")
    case_type = ContentType.objects.get_or_create(app_label="cases", model="case")[0]
    latest = (
        SuspensionRequest.objects.filter(case=OuterRef("case"), status="approved")
        .order_by("-decided_at", "-pk")
        .values("pk")[:1]
    )
    current = SuspensionRequest.objects.filter(
        status="approved",
        case__status="suspended",
        expected_end_at__isnull=False,
        end_reminded_at__isnull=True,
        pk=Subquery(latest),
    )
    Alarm.objects.bulk_create(
        [
            Alarm(
                subject_type=case_type,
                subject_id=request.case_id,
                kind=KIND,
                ref=request.pk,
                key=f"suspension-end:{request.pk}",
                fire_at=request.expected_end_at,
            )
            for request in current
        ],
        ignore_conflicts=True,
    )


def backward(apps, schema_editor):
    apps.get_model("deadlines", "Alarm").objects.filter(kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0007_suspension_requests_to_cases"),
        ("deadlines", "0001_deadlines_and_alarms"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
