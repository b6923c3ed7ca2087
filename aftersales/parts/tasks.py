from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.parts.summary import send_monthly_summary_if_due


@db_periodic_task(crontab(hour="17", minute="0"))
def monthly_rma_summary():
    """Every day at 17:00: on the month's last working day, the RMA summary goes to headquarters."""
    return send_monthly_summary_if_due(today=timezone.localdate())
