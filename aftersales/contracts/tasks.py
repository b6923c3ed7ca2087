from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.contracts.services import queue_renewal_reminders


@db_periodic_task(crontab(hour="8", minute="0"))
def renewal_reminders():
    """Every morning at 08:00 (server time): contracts whose renewal window has opened."""
    return queue_renewal_reminders(today=timezone.localdate())
