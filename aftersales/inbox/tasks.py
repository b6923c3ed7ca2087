from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.core.locks import one_at_a_time
from aftersales.inbox.fetch import process_inbox


@db_periodic_task(crontab(minute="*"))
@one_at_a_time("inbox-fetch")
def fetch_mail():
    """Every minute: fetch every active mailbox. The lock keeps two workers from fetching the
    same mailbox at once (which would only produce duplicates, recognised and not stored);
    a worker killed mid-fetch leaves no lock behind (aftersales.core.locks)."""
    return process_inbox()
