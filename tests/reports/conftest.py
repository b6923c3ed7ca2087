"""The hand-built month of tests/reports (see the table in test_kpis.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.calendars.models import BusinessCalendar
from aftersales.cases.events import record_case_event
from aftersales.cases.models import Case, Channel, EventKind, Kind, Severity, Status
from aftersales.field.models import Visit
from aftersales.reports.kpis import SHANGHAI, Period
from aftersales.sla.models import Clock, ClockKind
from tests.factories import EquipmentFactory

NOVEMBER = Period.month(2026, 11)
AS_OF = dt.datetime(2026, 12, 2, 12, 0, tzinfo=SHANGHAI)


def local(text: str) -> dt.datetime:
    """'11-03 09:00' → that moment of 2026 in Asia/Shanghai."""
    return dt.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


class Month:
    def __init__(self, customer, equipment, other_equipment, engineers):
        self.customer, self.equipment, self.other_equipment = customer, equipment, other_equipment
        self.eng1, self.eng2 = engineers
        self.calendar = BusinessCalendar.objects.get(code="7x24")
        self.count = 0
        self.cases: dict[str, Case] = {}

    def case(self, name, severity, channel, opened, *, kind=Kind.FAULT, status=Status.IN_PROGRESS, **extra):
        self.count += 1
        extra.setdefault("customer", self.customer)
        extra.setdefault("equipment", self.equipment)
        case = Case.objects.create(
            number=f"CS202611-{self.count:06d}",
            title=name,
            description=name,
            severity=severity,
            channel=channel,
            kind=kind,
            status=status,
            opened_at=local(opened),
            **extra,
        )
        self.cases[name] = case
        return case

    def clock(self, case, kind, started, due, *, met=None, breached=None, stopped=None, paused=None, paused_minutes=0):
        at = {key: local(value) if value else None for key, value in dict(met=met, breached=breached).items()}
        Clock.objects.create(
            case=case,
            kind=kind,
            target_minutes=10,
            calendar=self.calendar,
            started_at=local(started),
            due_at=local(due),
            met_at=at["met"],
            breached_at=at["breached"],
            stopped_at=local(stopped) if stopped else None,
            paused_at=local(paused) if paused else None,
            paused_minutes=paused_minutes,
        )

    def moved(self, case, before, after, at, by=None):
        record_case_event(case, by=by, kind=EventKind.STATUS, at=local(at), from_status=before, to_status=after)


@pytest.fixture
def month(db, customer_a, customer_b, make_user):
    from aftersales.accounts.roles import Role

    equipment = EquipmentFactory(customer=customer_a, site__customer=customer_a)
    other = EquipmentFactory(customer=customer_a, site__customer=customer_a, site__region="北京")
    m = Month(
        customer_a,
        equipment,
        other,
        (make_user(Role.ENGINEER, username="eng1"), make_user(Role.ENGINEER, username="eng2")),
    )
    eng1, eng2 = m.eng1, m.eng2
    R, IP, S, RO = Status.RESOLVED, Status.IN_PROGRESS, Status.SUSPENDED, Status.REOPENED

    c1 = m.case("c1", Severity.A, Channel.PHONE, "11-03 09:00", status=R, owner=eng1, resolved_at=local("11-03 10:30"))
    m.moved(c1, Status.ACCEPTED, R, "11-03 10:30", eng1)
    m.clock(c1, ClockKind.SIGN_OFF, "11-03 09:00", "11-03 09:10", met="11-03 09:05")
    m.clock(c1, ClockKind.RESPONSE, "11-03 09:00", "11-03 09:15", met="11-03 09:05")
    m.clock(c1, ClockKind.FIRST_CONTACT, "11-03 09:00", "11-03 09:15", met="11-03 09:10")
    m.clock(c1, ClockKind.RESTORE, "11-03 09:00", "11-03 11:00", met="11-03 10:30")
    m.clock(c1, ClockKind.FAULT_REPORT, "11-03 10:30", "11-05 10:30", met="11-04 16:00")

    c2 = m.case(
        "c2", Severity.A, Channel.MONITORING, "11-05 14:00", status=R, owner=eng1, resolved_at=local("11-05 17:00")
    )
    m.moved(c2, IP, R, "11-05 17:00", eng1)
    m.clock(c2, ClockKind.SIGN_OFF, "11-05 14:00", "11-05 14:10", met="11-05 14:20", breached="11-05 14:10")
    m.clock(c2, ClockKind.RESPONSE, "11-05 14:00", "11-05 14:15", met="11-05 14:20", breached="11-05 14:15")
    m.clock(c2, ClockKind.RESTORE, "11-05 14:00", "11-05 16:00", met="11-05 17:00", breached="11-05 16:00")
    m.clock(c2, ClockKind.FAULT_REPORT, "11-05 17:00", "11-09 17:00", breached="11-09 17:00")

    c3 = m.case("c3", Severity.B, Channel.EMAIL, "11-10 08:00", status=R, owner=eng1, resolved_at=local("11-10 13:30"))
    m.moved(c3, IP, S, "11-10 09:00", eng1)
    m.moved(c3, S, IP, "11-10 13:00", eng1)
    m.moved(c3, IP, R, "11-10 13:30", eng1)
    # Paused 09:00-13:00: resuming moved the due time from 12:00 to 16:00.
    m.clock(c3, ClockKind.RESTORE, "11-10 08:00", "11-10 16:00", met="11-10 13:30", paused_minutes=240)
    m.clock(c3, ClockKind.PROGRESS, "11-10 08:00", "11-10 08:30", met="11-10 08:20")
    m.clock(c3, ClockKind.PROGRESS, "11-10 08:20", "11-10 08:50", met="11-10 09:00", breached="11-10 08:50")
    m.clock(c3, ClockKind.PROGRESS, "11-10 09:00", "11-10 13:30", stopped="11-10 13:30", paused_minutes=240)

    c4 = m.case(
        "c4",
        Severity.A,
        Channel.PHONE,
        "11-12 10:00",
        status=R,
        owner=eng2,
        resolved_at=local("11-12 18:00"),
        equipment=other,
        site=other.site,
    )
    m.moved(c4, IP, R, "11-12 11:00", eng2)
    m.moved(c4, R, RO, "11-12 15:00", eng2)
    m.moved(c4, IP, R, "11-12 18:00", eng2)
    m.clock(c4, ClockKind.RESTORE, "11-12 10:00", "11-12 12:00", met="11-12 11:00")
    m.clock(c4, ClockKind.RESTORE, "11-12 15:00", "11-12 17:00", met="11-12 18:00", breached="11-12 17:00")
    visit = Visit.objects.create(case=c4, planned_departure_at=local("11-12 15:10"), dispatched_by=eng2)
    Visit.objects.filter(pk=visit.pk).update(arrived_at=local("11-12 16:00"))
    visit.engineers.add(eng2)

    c5 = m.case("c5", Severity.C, Channel.WEB, "11-01 00:30", status=R, resolved_at=local("11-01 09:00"))
    m.moved(c5, IP, R, "11-01 09:00")
    m.clock(c5, ClockKind.RESPONSE, "11-01 00:30", "11-01 01:30", met="11-01 01:00")

    c6 = m.case("c6", Severity.A, Channel.PHONE, "11-30 23:30", status=R, owner=eng2, resolved_at=local("12-01 01:00"))
    m.moved(c6, IP, R, "12-01 01:00", eng2)
    m.clock(c6, ClockKind.RESTORE, "11-30 23:30", "12-01 01:30", met="12-01 01:00")

    c7 = m.case("c7", Severity.A, Channel.PHONE, "12-01 00:10", status=R, resolved_at=local("12-01 01:00"))
    m.moved(c7, IP, R, "12-01 01:00", eng1)
    m.clock(c7, ClockKind.SIGN_OFF, "12-01 00:10", "12-01 00:20", met="12-01 00:30", breached="12-01 00:20")
    m.clock(c7, ClockKind.RESTORE, "12-01 00:10", "12-01 02:10", met="12-01 01:00")

    c8 = m.case("c8", Severity.B, Channel.PHONE, "11-28 10:00", status=S, owner=eng2)
    m.moved(c8, IP, S, "11-28 12:00", eng2)
    m.clock(c8, ClockKind.RESTORE, "11-28 10:00", "11-28 14:00", paused="11-28 12:00")

    c9 = m.case("c9", Severity.A, Channel.PHONE, "11-15 10:00", status=Status.CANCELLED)
    m.clock(c9, ClockKind.SIGN_OFF, "11-15 10:00", "11-15 10:10", breached="11-15 10:10", stopped="11-15 10:30")
    m.clock(c9, ClockKind.RESTORE, "11-15 10:00", "11-15 12:00", stopped="11-15 10:30")

    m.case("c10", Severity.C, Channel.PHONE, "11-20 10:00", kind=Kind.COMPLAINT)

    other_customer = EquipmentFactory(customer=customer_b, site__customer=customer_b)
    b1 = m.case("b1", Severity.A, Channel.PHONE, "11-06 10:00", customer=customer_b, equipment=other_customer)
    m.clock(b1, ClockKind.RESTORE, "11-06 10:00", "11-06 12:00", breached="11-06 12:00")
    m.clock(b1, ClockKind.SIGN_OFF, "11-06 10:00", "11-06 10:10", breached="11-06 10:10")
    return m
