from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from aftersales.notifications.delivery import deliver_due


@db_periodic_task(crontab(minute="*"))
def deliver_outbox():
    """Every minute: pass on staff requests and send due messages, retrying failed ones.

    Several workers may run it at once: each claims its rows (SKIP LOCKED), none is sent twice.
    """
    return deliver_due()


@db_task()
def deliver_soon():
    """Queued when a transaction that wrote to the outbox commits: deliver without waiting."""
    return deliver_due()
