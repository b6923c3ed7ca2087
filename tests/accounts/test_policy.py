"""The permission policy: declared names, roles, conditions, and refusal that fails closed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.core.errors import NotAllowed


@pytest.fixture
def declared(monkeypatch):
    monkeypatch.setattr(policy, "_PERMISSIONS", dict(policy._PERMISSIONS))
    policy.declare("test.plan", roles={Role.DUTY_MANAGER}, refused="only duty managers plan")
    policy.declare(
        "test.own",
        roles={Role.ENGINEER},
        refused="only your own",
        condition=lambda user, obj: obj == user.username,
    )


def test_roles_hold_a_permission_and_others_are_refused_with_its_message(declared, make_user):
    planner, engineer = make_user(Role.DUTY_MANAGER), make_user(Role.ENGINEER)
    assert policy.allowed(planner, "test.plan")
    assert not policy.allowed(engineer, "test.plan")
    policy.require(planner, "test.plan")
    with pytest.raises(NotAllowed) as refused:
        policy.require(engineer, "test.plan")
    assert str(refused.value.message) == "only duty managers plan"


def test_a_condition_decides_per_object(declared, make_user):
    engineer = make_user(Role.ENGINEER, username="wang")
    assert policy.allowed(engineer, "test.own", "wang")
    assert not policy.allowed(engineer, "test.own", "li")


def test_undeclared_anonymous_and_inactive_fail_closed(declared, make_user):
    planner = make_user(Role.DUTY_MANAGER)
    assert not policy.allowed(planner, "test.plann")  # a typo
    with pytest.raises(NotAllowed):
        policy.require(planner, "test.plann")
    assert not policy.allowed(AnonymousUser(), "test.plan")
    assert not policy.allowed(None, "test.plan")
    planner.is_active = False
    assert not policy.allowed(planner, "test.plan")


def test_declaring_one_name_twice_differently_is_an_error(declared):
    policy.declare("test.plan", roles={Role.DUTY_MANAGER}, refused="only duty managers plan")  # same: fine
    with pytest.raises(ValueError):
        policy.declare("test.plan", roles={Role.ENGINEER})
