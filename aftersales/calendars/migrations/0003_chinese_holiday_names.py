from django.db import migrations


def rename(apps, schema_editor):
    from chinese_calendar import Holiday

    HolidayDay = apps.get_model("calendars", "HolidayDay")
    for holiday in Holiday:
        HolidayDay.objects.filter(source="chinese-calendar", name=holiday.value).update(name=holiday.chinese)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0002_seed_calendars_and_holidays")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
