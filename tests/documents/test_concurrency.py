"""Requests for one document at the same moment, on a real PostgreSQL server."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from aftersales.documents.models import Audience, Document
from aftersales.documents.services import request_document
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def worker_immediate():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture(autouse=True)
def slow_insert(monkeypatch):
    """Each request pauses between reading the series and inserting its row: without the lock
    on the subject, simultaneous requests would all read "no version yet" and collide."""
    create = Document.objects.create

    def slow_create(**fields):
        time.sleep(0.3)
        return create(**fields)

    monkeypatch.setattr(Document.objects, "create", slow_create)


def _ask(subject, language):
    def work():
        return request_document(kind="note", subject=subject, language=language, audience=Audience.CUSTOMER, by=None)

    return work


def test_simultaneous_clicks_make_one_version(subject):
    results = run_together([_ask(subject, "zh-hans") for _ in range(4)])
    assert all(isinstance(result, Document) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Document.objects.count() == 1


def test_simultaneous_requests_in_two_languages_get_distinct_versions(subject):
    results = run_together([_ask(subject, "zh-hans"), _ask(subject, "en")])
    assert all(isinstance(result, Document) for result in results), results
    assert sorted(Document.objects.values_list("version", flat=True)) == [1, 2]
    assert set(Document.objects.values_list("status", flat=True)) == {Document.Status.READY}
