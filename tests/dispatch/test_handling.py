"""Handling modes: remote login only under the customer's current authorisation; the S1
decision flow offered as the next step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.core.errors import DomainError, NotAllowed
from aftersales.dispatch.models import Handling, RemoteAuthorisation
from aftersales.dispatch.services import next_step, record_authorisation, record_remote_login, set_handling
from tests.dispatch.conftest import MONDAY, at

NOW = at(MONDAY, 10)


@pytest.fixture
def case(open_case, customer_a, sh_equipment):
    return open_case(customer_a, equipment=sh_equipment)


def _authorise(case, by, until, granted=NOW - dt.timedelta(hours=1), **kwargs):
    return record_authorisation(
        case=case, by=by, granted_by="王主任", channel="phone", granted_at=granted, valid_until=until, **kwargs
    )


@time_machine.travel(NOW, tick=False)
def test_remote_login_without_an_authorisation_is_refused_with_what_is_missing(case, engineer):
    with pytest.raises(NotAllowed) as error:
        set_handling(case=case, by=engineer, mode=Handling.Mode.REMOTE)
    assert "授权" in str(error.value.message)
    assert "mode" in error.value.fields
    assert not Handling.objects.filter(case=case, mode="A2").exists()


def test_an_expired_authorisation_blocks_remote_login_and_says_when_it_expired(case, engineer):
    with time_machine.travel(NOW, tick=False):
        _authorise(case, engineer, until=NOW + dt.timedelta(hours=2))
        set_handling(case=case, by=engineer, mode=Handling.Mode.REMOTE)
        record_remote_login(case=case, by=engineer, text="登录 CM 查看中继状态")
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False), pytest.raises(NotAllowed) as error:
        record_remote_login(case=case, by=engineer)
    message = str(error.value.message)
    assert "过期" in message and "12:00" in message and "王主任" in message
    assert case.events.filter(kind="dispatch.remote_login").count() == 1


@time_machine.travel(NOW, tick=False)
def test_an_authorisation_for_other_equipment_does_not_count(case, engineer, customer_a):
    from tests.factories import EquipmentFactory

    other = EquipmentFactory(site=case.equipment.site)
    RemoteAuthorisation.objects.create(
        customer=customer_a,
        equipment=other,
        granted_by="x",
        channel="phone",
        granted_at=NOW - dt.timedelta(hours=1),
        valid_until=NOW + dt.timedelta(days=1),
        recorded_by=engineer,
    )
    with pytest.raises(NotAllowed):
        record_remote_login(case=case, by=engineer)


@time_machine.travel(NOW, tick=False)
def test_an_authorisation_must_still_be_valid_and_not_given_in_the_future(case, engineer):
    with pytest.raises(DomainError) as past:
        _authorise(case, engineer, until=NOW - dt.timedelta(minutes=1), granted=NOW - dt.timedelta(hours=2))
    assert "valid_until" in past.value.fields
    with pytest.raises(DomainError) as future:
        _authorise(case, engineer, until=NOW + dt.timedelta(days=1), granted=NOW + dt.timedelta(hours=1))
    assert "granted_at" in future.value.fields


@time_machine.travel(NOW, tick=False)
def test_the_decision_flow_offers_the_next_step(case, engineer):
    assert next_step(case).mode == Handling.Mode.GUIDANCE
    set_handling(case=case, by=engineer, mode="A1", diagnosis="product")
    assert next_step(case).mode == Handling.Mode.REMOTE
    _authorise(case, engineer, until=NOW + dt.timedelta(days=1))
    set_handling(case=case, by=engineer, mode="A2")
    assert next_step(case).mode == Handling.Mode.ON_SITE  # remote did not fix it: on site within 24 h
    set_handling(case=case, by=engineer, mode="A3", diagnosis="environment")
    assert next_step(case).third_party
    set_handling(case=case, by=engineer, mode="A3", diagnosis="unclear")
    step = next_step(case)
    assert step.mode == Handling.Mode.ON_SITE and step.third_party


@time_machine.travel(NOW, tick=False)
def test_handling_changes_are_on_the_timeline_and_others_may_not_set_them(case, engineer, sales):
    set_handling(case=case, by=engineer, mode="A3", diagnosis="unclear")
    entry = case.events.get(kind="dispatch.handling")
    assert entry.data["changes"]["mode"] == [None, "A3"] and entry.public
    with pytest.raises(NotAllowed):
        set_handling(case=case, by=sales, mode="A1")
