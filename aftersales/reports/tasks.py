from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.reports import background, service_reports


@db_periodic_task(crontab(hour="6", minute="30"))
def service_reports_due():
    """Every morning at 06:30: on the first working day of a month, draft last month's reports
    (each customer's and the overall one); on the first working day of January, April, July and
    October also last quarter's. Idempotent: a report already made is not made again."""
    return len(service_reports.generate_due(at=timezone.now()))


@db_periodic_task(crontab(hour="3", minute="10"))
def discard_expired_exports():
    """Every night: the background exports past their days go, with their files."""
    return background.discard_expired()
