from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from aftersales.inbox.fetch import process_inbox


@db_periodic_task(crontab(minute="*"))
@lock_task("inbox-fetch")
def fetch_mail():
    """Every minute: fetch every active mailbox. The lock keeps two workers from fetching the
    same mailbox at once (which would only produce duplicates, recognised and not stored)."""
    return process_inbox()
