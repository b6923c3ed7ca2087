"""The case announces its moments (aftersales.cases.signals) inside the operation's
transaction, so apps that act on a case (the service levels, dispatch) listen instead of being
called: each signal is sent once, with the case's facts, and a receiver that raises rolls the
operation back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.dispatch import Signal

from aftersales.cases import services, signals
from aftersales.cases.models import Act, Case, EventKind, Severity, Status
from aftersales.core.errors import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict]]]:
    """Every case moment sent during the test, by signal name, with its arguments."""
    calls: list[tuple[str, dict]] = []
    connected: list[tuple[Signal, object]] = []
    for name in (
        "case_opening",
        "case_opened",
        "case_moved",
        "severity_changed",
        "act_recorded",
        "replied_publicly",
        "progress_noted",
    ):
        signal = getattr(signals, name)

        def receiver(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            calls.append((_name, kwargs))

        signal.connect(receiver, weak=False, dispatch_uid=f"test-moments-{name}")
        connected.append((signal, f"test-moments-{name}"))
    yield calls
    for signal, uid in connected:
        signal.disconnect(dispatch_uid=uid)


def _names(heard) -> list[str]:
    return [name for name, _kwargs in heard]


def test_opening_announces_opening_then_opened(heard, open_case, customer_a):
    case = open_case(customer_a)
    assert _names(heard) == ["case_opening", "case_opened"]
    assert heard[0][1]["case"] == case and heard[0][1]["at"] == case.opened_at


def test_every_move_is_announced_with_its_action_and_statuses(heard, case_a, engineer):
    heard.clear()
    services.transition(case=case_a, action="accept", by=engineer)
    services.transition(case=case_a, action="start", by=engineer)

    moves = [(kw["action"], kw["from_status"], kw["to_status"]) for name, kw in heard if name == "case_moved"]
    assert moves == [("accept", Status.NEW, Status.ACCEPTED), ("start", Status.ACCEPTED, Status.IN_PROGRESS)]
    assert all(kw["by"] == engineer and kw["case"].pk == case_a.pk for _name, kw in heard)


def test_severity_act_reply_and_progress_are_announced(heard, case_a, engineer):
    services.transition(case=case_a, action="accept", by=engineer)
    heard.clear()
    services.change_severity(case=case_a, by=engineer, severity=Severity.B, reason="影响门诊挂号")
    services.record_act(case=case_a, by=engineer, act=Act.CONTACTED)
    services.add_comment(case=case_a, by=engineer, text="已安排工程师明早上门。", public=True)
    services.add_comment(case=case_a, by=engineer, text="内部备注", public=False, counts_as_progress=False)

    assert _names(heard) == ["severity_changed", "act_recorded", "replied_publicly", "progress_noted"]
    assert heard[1][1]["act"] == Act.CONTACTED


def test_lines_a_receiver_returns_for_a_severity_change_reach_the_timeline(case_a, engineer):
    def say(sender, **kwargs):
        return ["observed by a listener"]

    signals.severity_changed.connect(say, weak=False, dispatch_uid="test-moments-lines")
    try:
        services.change_severity(case=case_a, by=engineer, severity=Severity.B, reason="影响门诊挂号")
    finally:
        signals.severity_changed.disconnect(dispatch_uid="test-moments-lines")
    assert case_a.events.filter(kind=EventKind.CLOCK, text__contains="observed by a listener").exists()


def test_a_receiver_that_refuses_rolls_the_move_back(case_a, engineer):
    def refuse(sender, **kwargs):
        raise NotAllowed("no")

    signals.case_moved.connect(refuse, weak=False, dispatch_uid="test-moments-refuse")
    try:
        with pytest.raises(NotAllowed):
            services.transition(case=case_a, action="accept", by=engineer)
    finally:
        signals.case_moved.disconnect(dispatch_uid="test-moments-refuse")
    assert Case.objects.get(pk=case_a.pk).status == Status.NEW
    assert not case_a.events.filter(kind=EventKind.STATUS).exists()
