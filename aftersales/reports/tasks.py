from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.reports import background, monthly
from aftersales.reports.kpis import Period


@db_periodic_task(crontab(hour="6", minute="30"))
def monthly_customer_reports():
    """Every morning at 06:30: on the first working day of a month, make last month's report of
    every customer (idempotent: a report already made is not made again)."""
    now = timezone.now()
    if not monthly.is_first_working_day(timezone.localdate(now)):
        return 0
    return len(monthly.generate(Period.month_of(now).previous_month(), at=now))


@db_periodic_task(crontab(hour="3", minute="10"))
def discard_expired_exports():
    """Every night: the background exports past their days go, with their files."""
    return background.discard_expired()
