"""A transaction that writes to the outbox wakes the worker once, however many rows it wrote."""

import pytest
from django.db import transaction

from aftersales.notifications import services
from aftersales.notifications.models import Notification
from aftersales.notifications.services import queue_notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("writes", [1, 2, 5])
def test_one_delivery_is_queued_per_transaction(writes, engineer, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for number in range(writes):
            queue_notification(
                kind=Notification.Kind.CASE_ASSIGNED, recipients=[engineer, manager], subject=f"Case {number}"
            )

    assert Notification.objects.count() == 2 * writes
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_each_transaction_wakes_the_worker_again(engineer, monkeypatch):
    woken = []
    monkeypatch.setattr(services, "_enqueue_delivery", lambda: woken.append(1))
    for number in range(3):
        with transaction.atomic():
            queue_notification(kind=Notification.Kind.CASE_ASSIGNED, recipients=[engineer], subject=f"{number}")
            queue_notification(kind=Notification.Kind.CASE_ASSIGNED, recipients=[engineer], subject=f"{number}b")

    assert len(woken) == 3
