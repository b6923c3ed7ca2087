"""Large exports go to the worker: queued for the requester, made with their filters and their
visibility, downloadable by them alone, gone when they expire. Read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.http import QueryDict
from huey.contrib.djhuey import HUEY
from openpyxl import load_workbook

from aftersales.accounts.roles import Role
from aftersales.cases.queries import QueueFilter, queue
from aftersales.documents.models import Document
from aftersales.notifications.models import Notification
from aftersales.reports import background
from aftersales.reports.models import Export, ExportList
from tests.reports.conftest import AS_OF


@pytest.fixture
def at_as_of():
    with time_machine.travel(AS_OF, tick=False):
        yield


@pytest.fixture
def worker_immediate():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def small_limit(settings):
    """Three rows stream at once; the month's lists are larger, so they go to the worker."""
    settings.EXPORT_STREAM_MAX_ROWS = 3


def workbook_rows(body: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def streamed(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return workbook_rows(b"".join(response.streaming_content))


def ask(client, user, path, params, django_capture_on_commit_callbacks):
    """Ask for an export as `user`, run what the commit queues (the worker, immediate)."""
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(path, params)


def test_an_export_within_the_limit_streams_at_once(client, manager, month, at_as_of, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 100
    client.force_login(manager)
    rows = streamed(client.get("/reports/export/cases.xlsx", {"status": "all"}))
    assert len(rows) - 1 == queue(manager, QueueFilter(status="all")).count()
    assert not Export.objects.exists()


def test_a_large_export_is_queued_made_by_the_worker_and_downloaded_by_the_requester(
    client, manager, month, at_as_of, small_limit, worker_immediate, django_capture_on_commit_callbacks
):
    params = {"status": "all", "customer": month.customer.pk}
    response = ask(client, manager, "/reports/export/cases.xlsx", params, django_capture_on_commit_callbacks)
    expected = list(queue(manager, QueueFilter(status="all", customer_id=month.customer.pk)))
    assert len(expected) > 3
    assert response.status_code == 302 and response["Location"] == "/reports/exports/"
    export = Export.objects.get()
    assert (export.list, export.requested_by, export.rows) == (ExportList.CASES, manager, len(expected))
    assert export.expires_at == AS_OF + dt.timedelta(days=3)
    document = Document.objects.get(kind=background.EXPORT_KIND, subject_id=export.pk)
    assert document.status == Document.Status.READY and document.file.name.endswith(".xlsx")

    page = client.get("/reports/exports/")
    assert f'href="/reports/exports/{export.pk}/"'.encode() in page.content

    download = client.get(f"/reports/exports/{export.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    rows = streamed(download)
    # the filters held: customer A's cases in the queue's order, customer B's b1 nowhere
    assert [row[0] for row in rows[1:]] == [case.number for case in expected]
    assert month.cases["b1"].number not in {row[0] for row in rows}
    c1 = next(row for row in rows if row[0] == month.cases["c1"].number)
    assert c1[1] == dt.datetime(2026, 11, 3, 9, 0)  # a real date, Beijing wall-clock time
    assert c1[12] == 1.5  # a real number of hours

    told = Notification.objects.get(kind=background.EXPORT_READY)
    assert told.recipient == manager and told.payload == {"export": export.pk}


def test_another_person_never_finds_the_export(
    client,
    manager,
    executive,
    engineer,
    month,
    at_as_of,
    small_limit,
    worker_immediate,
    django_capture_on_commit_callbacks,
):
    ask(client, manager, "/reports/export/cases.xlsx", {"status": "all"}, django_capture_on_commit_callbacks)
    export = Export.objects.get()
    for other in (executive, engineer):
        client.force_login(other)
        assert client.get(f"/reports/exports/{export.pk}/").status_code == 404
        assert f"/reports/exports/{export.pk}/".encode() not in client.get("/reports/exports/").content
    client.logout()
    assert client.get(f"/reports/exports/{export.pk}/").status_code == 302  # to the log-in page


def test_breaches_export_in_the_background_keeps_the_month_and_real_types(
    client, manager, month, at_as_of, small_limit, worker_immediate, django_capture_on_commit_callbacks
):
    params = {"month": "2026-11", "customer": month.customer.pk}
    response = ask(client, manager, "/reports/export/breaches.xlsx", params, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.filters == {"month": ["2026-11"], "customer": [str(month.customer.pk)]}
    rows = streamed(client.get(f"/reports/exports/{export.pk}/"))
    c2, c3, c4 = (month.cases[name].number for name in ("c2", "c3", "c4"))
    assert sorted(row[0] for row in rows[1:]) == sorted([c2, c2, c2, c2, c3, c4])
    restore_c2 = next(row for row in rows if row[0] == c2 and row[6] == dt.datetime(2026, 11, 5, 16, 0))
    assert restore_c2[8] == 1.0


def test_visits_export_lists_the_months_visits_with_real_dates(client, manager, at_as_of, month):
    client.force_login(manager)
    rows = streamed(client.get("/reports/export/visits.xlsx", {"month": "2026-11"}))
    assert len(rows) == 2
    visit = rows[1]
    assert visit[0] == month.cases["c4"].number
    assert visit[4] == str(month.eng2)
    assert visit[5] == dt.datetime(2026, 11, 12, 15, 10)
    assert visit[7] == dt.datetime(2026, 11, 12, 16, 0)
    # another month, or another customer, has none
    assert len(streamed(client.get("/reports/export/visits.xlsx", {"month": "2026-10"}))) == 1
    other = {"month": "2026-11", "customer": month.cases["b1"].customer_id}
    assert len(streamed(client.get("/reports/export/visits.xlsx", other))) == 1


def test_staff_without_the_right_is_refused(client, engineer, agent, month):
    client.force_login(engineer)
    assert client.get("/reports/export/breaches.xlsx", {"month": "2026-11"}).status_code == 403
    client.force_login(agent)  # sees visits, but not the reports
    assert client.get("/reports/export/visits.xlsx", {"month": "2026-11"}).status_code == 403
    assert not Export.objects.exists()


def test_the_worker_reads_the_rows_as_the_requester_with_their_scope(month, contact_a, manager, db):
    """A customer's manager exporting (through the same listing the worker runs) gets their own
    company's cases only; staff get both customers'."""
    everything = QueryDict("status=all")
    as_of = AS_OF
    theirs = background.listing(ExportList.CASES, contact_a, everything, as_of=as_of)
    numbers = {row[0] for row in theirs.rows()}
    assert month.cases["c1"].number in numbers and month.cases["b1"].number not in numbers
    assert theirs.count() == len(numbers)
    staff = {row[0] for row in background.listing(ExportList.CASES, manager, everything, as_of=as_of).rows()}
    assert month.cases["b1"].number in staff


def test_rows_made_after_the_request_are_not_in_the_export(month, manager, db):
    before = AS_OF.replace(year=2026, month=11, day=20)
    listing = background.listing(ExportList.CASES, manager, QueryDict("status=all"), as_of=before)
    numbers = {row[0] for row in listing.rows()}
    assert month.cases["c5"].number in numbers and month.cases["c6"].number not in numbers


def test_a_requester_who_lost_the_right_gets_no_file(
    client, make_user, month, at_as_of, small_limit, django_capture_on_commit_callbacks
):
    boss = make_user(Role.DEPT_MANAGER, username="boss")
    client.force_login(boss)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        client.get("/reports/export/breaches.xlsx", {"month": "2026-11"})
    boss.groups.clear()
    boss.groups.add(*make_user(Role.ENGINEER, username="now-engineer").groups.all())
    from aftersales.documents.services import render_document

    document = render_document(Document.objects.get(kind=background.EXPORT_KIND).pk)
    assert document.status == Document.Status.FAILED and not document.file


def test_bad_filters_are_field_errors_not_exports(client, manager, month, small_limit):
    client.force_login(manager)
    assert client.get("/reports/export/visits.xlsx", {"month": "2026-99"}).status_code == 400
    assert client.get("/reports/export/cases.xlsx", {"customer": "999999"}).status_code == 400
    assert not Export.objects.exists()


def test_an_expired_export_is_404_then_discarded_with_its_file(
    client, manager, month, at_as_of, small_limit, worker_immediate, django_capture_on_commit_callbacks
):
    ask(client, manager, "/reports/export/cases.xlsx", {"status": "all"}, django_capture_on_commit_callbacks)
    export = Export.objects.get()
    stored = Document.objects.get(kind=background.EXPORT_KIND).file.name
    assert default_storage.exists(stored)
    assert background.discard_expired() == 0
    with time_machine.travel(AS_OF + dt.timedelta(days=3, minutes=1), tick=False):
        assert client.get(f"/reports/exports/{export.pk}/").status_code == 404
        assert background.discard_expired() == 1
    assert not Export.objects.exists()
    assert not Document.objects.filter(kind=background.EXPORT_KIND).exists()
    assert not default_storage.exists(stored)
