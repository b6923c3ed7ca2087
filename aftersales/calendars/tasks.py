from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.calendars.holiday_years import remind_missing_holidays


@db_periodic_task(crontab(hour="9", minute="0"))
def holiday_data_reminders():
    """Every morning at 09:00: from 1 November, remind administrators (once a week) of next
    year's public holidays not entered yet, and of the current year's at any time."""
    return remind_missing_holidays(today=timezone.localdate())
