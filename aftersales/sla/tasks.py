from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.core.locks import one_at_a_time
from aftersales.sla.holidays import remind_missing_holidays
from aftersales.sla.services import sweep_counts


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("sla-sweep")
def sweep_clocks():
    """Every minute: the deadlines mechanism's one sweep marks breached clocks, fires due
    escalations and reminds the owners of suspensions past their expected end (each an alarm).

    Several workers may run it at once: the sweep claims rows with skip_locked, and the lock
    (released when its holder dies, aftersales.core.locks) only spares the database a
    pointless second pass.
    """
    return sweep_counts()


@db_periodic_task(crontab(hour="9", minute="0"))
def holiday_data_reminders():
    """Every morning at 09:00: from 1 November, remind administrators (once a week) of next
    year's public holidays not entered yet, and of the current year's at any time."""
    return remind_missing_holidays(today=timezone.localdate())
