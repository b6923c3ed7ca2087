"""Every breach reaches the timeline once, whoever notices it first: the sweep or a late act."""

import datetime as dt

from aftersales.cases import services
from aftersales.cases.models import EventKind
from aftersales.sla.services import sweep
from tests.sla.conftest import local


def _breach_texts(case):
    return [event.text for event in case.events.filter(kind=EventKind.BREACHED)]


def test_late_acceptance_before_any_sweep_records_the_missed_sign_off(travel, staff, fault, contract_for):
    contract_for()
    traveller = travel(local(2026, 11, 23, 10, 0))
    case = fault("A")
    traveller.move_to(local(2026, 11, 23, 10, 12))

    services.transition(case=case, action="accept", by=staff["engineer"])

    texts = _breach_texts(case)
    assert len(texts) == 1 and "Sign-off" in texts[0]


def test_a_breach_marked_by_the_sweep_is_not_recorded_again_by_the_late_act(travel, staff, fault, contract_for):
    contract_for()
    traveller = travel(local(2026, 11, 23, 10, 0))
    case = fault("A")
    traveller.move_to(local(2026, 11, 23, 10, 11))
    sweep()
    sign_off_breaches = [t for t in _breach_texts(case) if "Sign-off" in t]

    services.transition(case=case, action="accept", by=staff["engineer"])

    assert [t for t in _breach_texts(case) if "Sign-off" in t] == sign_off_breaches
    assert len(sign_off_breaches) == 1


def test_raising_the_severity_records_targets_already_missed_under_the_new_level(travel, staff, fault, contract_for):
    contract_for()
    traveller = travel(local(2026, 11, 23, 10, 0))
    case = fault("C")
    traveller.shift(dt.timedelta(minutes=40))

    services.change_severity(case=case, by=staff["engineer"], severity="A", reason="全院电话中断")

    texts = _breach_texts(case)
    assert any("Sign-off" in t for t in texts)  # A: sign-off due 10:10, now 10:40
    assert not any("restored" in t.lower() for t in texts)  # restore due 12:00, still ahead
