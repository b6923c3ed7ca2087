"""Vendor RMAs: the defective part's return deadline (ten working days after the day the good
part arrived, on the business calendar), shipping it back, the history per vendor and serial,
and the monthly summary (Excel read back, e-mailed to HQ on the last working day)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aftersales.calendars.models import HolidayDay
from aftersales.calendars.queries import forget_holidays
from aftersales.notifications.models import Notification
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import exports, services
from aftersales.parts.models import Rma
from aftersales.parts.queries import monthly_summary, rma_history, vendor_master_list
from aftersales.parts.services import rma as services_rma
from aftersales.parts.summary import send_monthly_summary_if_due

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def claimed(clerk, branch, part):
    return services.claim_rma(number="rma-1", warehouse=branch, part=part, faulty_serial="bad-1", by=clerk)


def test_due_at_the_end_of_the_tenth_working_day_after_receipt(claimed, clerk):
    rma = services.receive_rma_part(rma=claimed, good_serial="g-1", received_at=_at(2026, 11, 23, 10), by=clerk)
    # Tue 24 … Fri 27 (4), Mon 30 … Fri 4 Dec (9), Mon 7 Dec (10): due at midnight ending it.
    assert rma.return_due_at == _at(2026, 12, 8, 0)


def test_public_holidays_do_not_count_and_make_up_days_do(claimed, clerk):
    for day in range(1, 8):
        HolidayDay.objects.update_or_create(date=dt.date(2026, 10, day), defaults={"kind": "holiday"})
    HolidayDay.objects.update_or_create(date=dt.date(2026, 10, 10), defaults={"kind": "workday"})
    forget_holidays()
    with time_machine.travel(_at(2026, 9, 30, 16)):
        rma = services.receive_rma_part(rma=claimed, good_serial="g-1", received_at=_at(2026, 9, 30, 15), by=clerk)
    # 8, 9, 10 (调休 Saturday), 12 … 16, 19, 20 October.
    assert rma.return_due_at == _at(2026, 10, 21, 0)


def test_receipt_enters_stock_and_shipping_back_records_carrier_and_waybill(claimed, clerk, branch, part):
    rma = services.receive_rma_part(rma=claimed, good_serial="g-1", by=clerk)
    assert branch.balances.get(part=part).on_hand == 1
    with pytest.raises(services.PartsError) as refused:
        services.ship_defective_part(rma=rma, carrier="", waybill="", by=clerk)
    assert set(refused.value.fields) == {"carrier", "waybill"}
    rma = services.ship_defective_part(rma=rma, carrier="顺丰", waybill="SF100", by=clerk)
    assert (rma.status, rma.carrier, rma.waybill) == (Rma.Status.RETURNED, "顺丰", "SF100")
    assert not rma.is_overdue()


def test_rma_numbers_are_unique_per_vendor(claimed, clerk, branch, part):
    with pytest.raises(services.PartsError) as refused:
        services.claim_rma(number="RMA-1", warehouse=branch, part=part, by=clerk)
    assert "number" in refused.value.fields


def test_history_per_vendor_and_per_serial(claimed, clerk, branch, part):
    services.receive_rma_part(rma=claimed, good_serial="g-1", by=clerk)
    other = services.claim_rma(number="rma-2", warehouse=branch, part=part, faulty_serial="bad-2", by=clerk)
    assert list(rma_history(clerk, serial="G-1")) == [Rma.objects.get(pk=claimed.pk)]
    assert list(rma_history(clerk, serial="bad-2")) == [other]
    assert set(rma_history(clerk, vendor_id=part.vendor_id)) == {Rma.objects.get(pk=claimed.pk), other}


def test_customers_see_no_rmas(claimed, contact_a):
    assert not rma_history(contact_a).exists()


def test_monthly_summary_per_branch_and_its_workbook(claimed, clerk, branch, hq, part):
    services.receive_rma_part(rma=claimed, good_serial="g-1", received_at=_at(2026, 11, 2, 9), by=clerk)
    late = services.claim_rma(number="rma-2", warehouse=hq, part=part, by=clerk)
    services.receive_rma_part(rma=late, good_serial="g-2", received_at=_at(2026, 11, 3, 9), by=clerk)
    services.ship_defective_part(rma=late, carrier="EMS", waybill="E1", by=clerk)
    summaries = {s.warehouse.code: s for s in monthly_summary(2026, 11)}
    assert [r.number for r in summaries["hz"].received] == ["RMA-1"]
    assert [r.number for r in summaries["hz"].overdue] == ["RMA-1"]  # due 17 Nov, not shipped by now
    assert [r.number for r in summaries["bj-hq"].returned] == ["RMA-2"]
    assert [r.number for r in summaries["bj-hq"].overdue] == ["RMA-2"]  # shipped on 23 Nov, due 18 Nov

    book = load_workbook(io.BytesIO(exports.rma_summary_workbook(monthly_summary(2026, 11), title="2026-11")))
    totals = {row[0]: row[1:] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert totals["杭州"] == (1, 0, 1) and totals["北京总部"] == (1, 1, 1)
    received = {row[1]: row for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert received["RMA-1"][0] == "杭州" and received["RMA-1"][5] == "G-1"
    assert received["RMA-1"][8] == dt.datetime(2026, 11, 2, 9, 0)  # a real date, Beijing time
    assert isinstance(received["RMA-1"][4], int)
    assert [s.warehouse.code for s in monthly_summary(2026, 11)][0] == "bj-hq"  # headquarters first


def test_the_summary_goes_to_hq_once_on_the_last_working_day_only(claimed, clerk, make_user, hq):
    from aftersales.accounts.roles import Role

    centre = make_user(Role.CENTRE_MANAGER, username="centre")
    assert send_monthly_summary_if_due(today=dt.date(2026, 11, 27)) == 0  # a Friday, not the last
    assert send_monthly_summary_if_due(today=dt.date(2026, 11, 30)) == 2  # Monday 30 November
    assert send_monthly_summary_if_due(today=dt.date(2026, 11, 30)) == 0  # once only
    sent = Notification.objects.filter(kind="rma_monthly_summary")
    assert {n.recipient for n in sent} == {clerk, centre}
    assert sent.first().payload["month"] == "2026-11"


def test_the_summary_mail_carries_the_workbook(claimed, clerk, make_user, hq):
    from django.core import mail
    from django.utils import timezone

    from aftersales.notifications.delivery import deliver_due

    clerk.email = "clerk@example.com"
    clerk.save()
    services.receive_rma_part(rma=claimed, good_serial="g-1", received_at=_at(2026, 11, 2, 9), by=clerk)
    with time_machine.travel(_at(2026, 11, 30, 17)):
        assert send_monthly_summary_if_due(today=dt.date(2026, 11, 30)) == 1
        mail.outbox.clear()
        deliver_due(now=timezone.now() + dt.timedelta(seconds=1))
        deliver_due(now=timezone.now() + dt.timedelta(seconds=2))
    (sent,) = [m for m in mail.outbox if m.to == ["clerk@example.com"]]
    (name, content, mimetype), *_ = sent.attachments
    assert name == "rma-summary-2026-11.xlsx" and mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(content))
    assert book.worksheets[0]["A1"].value == "2026-11"
    totals = {row[0]: row[1:] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert totals["杭州"] == (1, 0, 1)  # received 2 November, due 17 November, still out
    received = [row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert received == ["RMA-1"]


def test_the_last_working_day_skips_a_month_ending_on_a_weekend(db):
    assert not services.is_last_working_day_of_month(dt.date(2027, 1, 31))  # a Sunday
    assert services.is_last_working_day_of_month(dt.date(2027, 1, 29))  # the Friday before


def test_vendor_master_list_for_a_period(claimed, clerk, part):
    rows = vendor_master_list(part.vendor_id, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert list(rows) == [claimed]
    assert not vendor_master_list(part.vendor_id, dt.date(2026, 10, 1), dt.date(2026, 10, 31)).exists()
    book = load_workbook(io.BytesIO(exports.rma_list_workbook(rows, title="AVAYA")))
    assert book.active["B2"].value == "RMA-1"


def test_a_branch_that_is_no_direct_ship_point_gets_its_part_through_headquarters(clerk, hq, part):
    from aftersales.parts.models import StockMovement, Warehouse

    shanghai = Warehouse.objects.create(code="sh", name="上海", vendor_direct_ship=False)
    rma = services.claim_rma(number="rma-sh", warehouse=shanghai, part=part, by=clerk)
    services.receive_rma_part(rma=rma, good_serial="g-sh", by=clerk)
    route = list(StockMovement.objects.filter(rma=rma).order_by("pk").values_list("warehouse__code", "kind"))
    assert route == [("bj-hq", "receive"), ("bj-hq", "transfer_out"), ("sh", "transfer_in")]
    assert shanghai.balances.get(part=part).on_hand == 1
    assert hq.balances.get(part=part).on_hand == 0


@pytest.mark.django_db
@given(
    received=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)),
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_due_time_is_midnight_after_the_tenth_working_day_after_receipt(received):
    received = received.replace(tzinfo=BEIJING)
    due = rma_deadlines.return_due(received).astimezone(BEIJING)  # the deadline's arithmetic alone
    calendar = services_rma._working_days_calendar()
    assert (due.hour, due.minute) == (0, 0)
    last = due.date() - dt.timedelta(days=1)
    assert calendar.hours_on(last)  # the last day counted is a working day
    days = [received.date() + dt.timedelta(days=n) for n in range(1, (last - received.date()).days + 1)]
    assert sum(1 for day in days if calendar.hours_on(day)) == 10
