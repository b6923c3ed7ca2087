"""A missed target reads on the timeline as clock: due … → breached, in the reader's language,
whichever path records it: the sweep, a late act, or a severity raised after the due time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from aftersales.cases import services
from aftersales.cases.models import EventKind
from aftersales.sla.models import ClockKind
from aftersales.sla.services import sweep
from tests.sla.conftest import local

pytestmark = pytest.mark.django_db

OPENED = local(2026, 11, 23, 10, 0)  # a Monday; severity A signs off within 10 minutes


def _by_sweep(case, staff, traveller):
    traveller.move_to(OPENED + dt.timedelta(minutes=11))
    sweep()


def _by_late_act(case, staff, traveller):
    traveller.move_to(OPENED + dt.timedelta(minutes=12))
    services.transition(case=case, action="accept", by=staff["engineer"])


def _by_severity_raise(case, staff, traveller):
    traveller.move_to(OPENED + dt.timedelta(minutes=40))
    services.change_severity(case=case, by=staff["engineer"], severity="A", reason="全院电话中断")


PATHS = [
    pytest.param(_by_sweep, "A", id="sweep"),
    pytest.param(_by_late_act, "A", id="late-act"),
    pytest.param(_by_severity_raise, "C", id="severity-raised"),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("record", "severity"), PATHS)
def test_a_breach_entry_shows_the_clock_and_its_due_time_to_breached(
    record, severity, language, travel, staff, fault, contract_for, client
):
    contract_for()
    traveller = travel(OPENED)
    case = fault(severity)
    engineer = staff["engineer"]
    engineer.language = language
    engineer.save(update_fields=["language"])
    with translation.override(language):
        record(case, staff, traveller)
        label = str(ClockKind.SIGN_OFF.label)
        before = translation.gettext("due %(due)s") % {"due": "2026-11-23 10:10"}
        after = translation.gettext("Breached")
        # Stored as the clock's kind and due time; worded in the language of whoever reads it.
        (entry,) = [event for event in case.events.filter(kind=EventKind.BREACHED) if label in event.changes]
        changes = entry.changes

    assert changes == {label: [before, after]}
    client.force_login(engineer)
    page = client.get(reverse("case_detail", args=[case.number])).content.decode()
    assert f"{escape(label)}: <del>{escape(before)}</del> → <ins>{escape(after)}</ins>" in page


@pytest.mark.parametrize(("record", "severity"), PATHS)
def test_every_timeline_change_is_a_before_after_pair(record, severity, travel, staff, fault, contract_for):
    contract_for()
    traveller = travel(OPENED)
    case = fault(severity)
    record(case, staff, traveller)
    traveller.move_to(OPENED + dt.timedelta(hours=6))
    sweep()  # every other target of the case missed too, and the escalations fired

    changes = [(event.kind, event.changes) for event in case.events.all()]
    assert any(kind == EventKind.BREACHED for kind, _changes in changes)
    for kind, entry in changes:
        for what, pair in entry.items():
            assert isinstance(what, str) and isinstance(pair, list) and len(pair) == 2, (kind, entry)
