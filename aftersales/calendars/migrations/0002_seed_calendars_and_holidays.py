"""The three standard service calendars and every public holiday the package knows."""

from django.db import migrations

CALENDARS = [
    ("7x24", "7×24 全天候", "7x24", ""),
    ("5x24", "5×24 工作日全天", "5x24", ""),
    ("5x8", "5×8 工作日办公时间", "5x8", "08:30-12:00, 13:30-17:30"),
]


def seed(apps, schema_editor):
    from chinese_calendar import constants

    BusinessCalendar = apps.get_model("calendars", "BusinessCalendar")
    HolidayDay = apps.get_model("calendars", "HolidayDay")
    for code, name, kind, hours in CALENDARS:
        BusinessCalendar.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "hours": hours})
    existing = set(HolidayDay.objects.values_list("date", flat=True))
    rows = [
        HolidayDay(date=day, kind=kind, name=str(name), source="chinese-calendar")
        for kind, days in (("holiday", constants.holidays), ("workday", constants.workdays))
        for day, name in days.items()
        if day not in existing
    ]
    HolidayDay.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
