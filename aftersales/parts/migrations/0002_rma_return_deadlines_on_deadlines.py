"""Every RMA whose good part has arrived gets its return deadline on the deadlines mechanism
(`parts.rma_return`), due where its stored `return_due_at` says (the same rule: the end of the
tenth working day after the day of receipt): running while the defective part is out (with its
warning two working days before, unless that moment has passed with the due time), met when it
was shipped back (breached at the due time when that was late). Reversing removes them."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

RETURN = "parts.rma_return"
WARNING = "parts.rma_return.warning"
DAY_MINUTES = 24 * 60
BEIJING = ZoneInfo("Asia/Shanghai")


def start_deadlines(apps, schema_editor):
    from aftersales.calendars.business_time import WorkingCalendar, add_business_minutes
    from aftersales.calendars.models import parse_hours

    Rma = apps.get_model("parts", "Rma")
    Deadline = apps.get_model("deadlines", "Deadline")
    Alarm = apps.get_model("deadlines", "Alarm")
    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    HolidayDay = apps.get_model("calendars", "HolidayDay")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rmas = Rma.objects.filter(good_received_at__isnull=False).exclude(status="cancelled").order_by("pk")
    if not rmas.exists():
        return
    calendar, _created = BusinessCalendar.objects.get_or_create(
        code="5x24", defaults={"name": "5×24 工作日全天", "kind": "5x24"}
    )
    holidays = {d for d, k in HolidayDay.objects.values_list("date", "kind") if k != "workday"}
    workdays = {d for d, k in HolidayDay.objects.values_list("date", "kind") if k == "workday"}
    working = WorkingCalendar.working_days(
        parse_hours(""), tz=calendar.time_zone, holidays=frozenset(holidays), workdays=frozenset(workdays)
    )
    rma_type, _created = ContentType.objects.get_or_create(app_label="parts", model="rma")
    already = set(Deadline.objects.filter(subject_type=rma_type, kind=RETURN).values_list("subject_id", flat=True))
    now = timezone.now()
    for rma in rmas.iterator():
        if rma.pk in already:
            continue
        day = rma.good_received_at.astimezone(BEIJING).date() + dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING)
        due = rma.return_due_at or add_business_minutes(start, 10 * DAY_MINUTES, working)
        met = rma.returned_at if rma.status == "returned" else None
        deadline = Deadline.objects.create(
            subject_type=rma_type,
            subject_id=rma.pk,
            kind=RETURN,
            target_minutes=10 * DAY_MINUTES,
            calendar=calendar,
            started_at=start,
            due_at=due,
            met_at=met,
            breached_at=due if met is not None and met > due else None,
        )
        if rma.return_due_at is None:
            Rma.objects.filter(pk=rma.pk).update(return_due_at=due)
        if met is None and due > now:
            Alarm.objects.get_or_create(
                key=f"rma-return-warning:{rma.pk}",
                defaults={
                    "subject_type": rma_type,
                    "subject_id": rma.pk,
                    "deadline": deadline,
                    "kind": WARNING,
                    "fire_at": add_business_minutes(start, 8 * DAY_MINUTES, working),
                },
            )


def remove_deadlines(apps, schema_editor):
    Deadline = apps.get_model("deadlines", "Deadline")
    Alarm = apps.get_model("deadlines", "Alarm")
    Alarm.objects.filter(kind=WARNING).delete()
    Deadline.objects.filter(kind=RETURN).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parts", "0001_spare_parts_stock_rma_quotes"),
        ("deadlines", "0001_deadlines_and_alarms"),
        ("calendars", "0002_seed_calendars_and_holidays"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(start_deadlines, remove_deadlines)]
