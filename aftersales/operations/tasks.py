from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from aftersales.operations.health import record_heartbeat


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    """Every minute: this worker is alive (read by /healthz and the metrics)."""
    record_heartbeat()
