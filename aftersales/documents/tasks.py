from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from aftersales.documents import services


@db_task()
def render_document_task(document_id: int):
    """Render one queued document (a thin wrapper: the service records success or failure)."""
    services.render_document(document_id)


@db_periodic_task(crontab(minute="*/5"))
def render_stale_documents():
    """Every five minutes: render documents whose queue message was lost (queue or worker down)."""
    return services.render_stale()
