"""Excel exports read back: the queue's rows in the queue's order with real dates and numbers,
through the visibility rule; the breaches of a month."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from aftersales.cases.queries import QueueFilter, queue
from aftersales.reports import exports
from tests.reports.conftest import AS_OF, NOVEMBER


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture
def at_as_of():
    with time_machine.travel(AS_OF, tick=False):
        yield


def test_queue_export_is_the_queue_with_its_filters(client, manager, month, at_as_of):
    client.force_login(manager)
    rows = sheet_rows(client.get("/reports/export/cases.xlsx", {"status": "all", "customer": month.customer.pk}))
    expected = queue(manager, QueueFilter(status="all", customer_id=month.customer.pk))
    assert [row[0] for row in rows[1:]] == [case.number for case in expected]
    assert month.cases["b1"].number not in {row[0] for row in rows}
    c1 = next(row for row in rows if row[0] == month.cases["c1"].number)
    # real values: the opening in Beijing time as a date, the hours to resolve as a number
    assert c1[1] == dt.datetime(2026, 11, 3, 9, 0)
    assert c1[12] == 1.5


def test_queue_export_default_is_the_open_queue(client, manager, month, at_as_of):
    client.force_login(manager)
    rows = sheet_rows(client.get("/reports/export/cases.xlsx"))
    assert [row[0] for row in rows[1:]] == [case.number for case in queue(manager, QueueFilter())]


def test_queue_export_refuses_customers_and_bad_filters(client, contact_a, manager, month):
    client.force_login(contact_a)
    assert client.get("/reports/export/cases.xlsx", {"status": "all"}).status_code in (302, 403)
    client.force_login(manager)
    assert client.get("/reports/export/cases.xlsx", {"customer": "999999"}).status_code == 400
    assert client.get("/reports/export/cases.xlsx", {"status": "nonsense"}).status_code == 400


def test_breaches_export_lists_the_months_breached_clocks(client, manager, engineer, month, at_as_of):
    client.force_login(manager)
    rows = sheet_rows(client.get("/reports/export/breaches.xlsx", {"month": "2026-11", "customer": month.customer.pk}))
    got = sorted((row[0], row[3]) for row in rows[1:])
    c2, c3, c4 = (month.cases[name].number for name in ("c2", "c3", "c4"))
    # c2: sign-off, response, restore, fault report; c3: one progress interval; c4: the second restore.
    # c9 is cancelled, c7's breach is December's, b1 is customer B's.
    assert [number for number, _kind in got] == sorted([c2, c2, c2, c2, c3, c4])
    restore_c2 = next(row for row in rows if row[0] == c2 and row[6] == dt.datetime(2026, 11, 5, 16, 0))
    assert restore_c2[8] == 1.0  # due 16:00, met 17:00
    client.force_login(engineer)
    assert client.get("/reports/export/breaches.xlsx", {"month": "2026-11"}).status_code == 403


def test_breaches_export_rejects_a_bad_month(client, manager, db):
    client.force_login(manager)
    assert client.get("/reports/export/breaches.xlsx", {"month": "2026-99"}).status_code == 400


def test_workbook_is_written_row_by_row_in_write_only_mode(month, manager):
    body = exports.write_workbook("t", ["a"], ([n] for n in range(5000)))
    book = load_workbook(body, read_only=True)
    assert sum(1 for _ in book.active.iter_rows()) == 5001
    cases = exports.breached_clocks(exports.Case.objects.all(), NOVEMBER)
    assert cases.count() >= 6


def test_memory_stays_flat_however_many_rows():
    import tracemalloc

    def peak(rows: int) -> int:
        tracemalloc.start()
        row = [dt.datetime(2026, 11, 3, 9, 0), "CS202611-000001", "交换机无法呼出" * 3, 1.5]
        exports.write_workbook("t", ["a", "b", "c", "d"], (row for _ in range(rows))).close()
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(1_000), peak(20_000)
    assert large < small * 2  # twenty times the rows, not twenty times the memory
