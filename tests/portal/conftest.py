"""Portal personas: at customer A a manager (sees every case), a plain contact and a
colleague; at customer B a plain contact."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from tests.factories import ContactFactory, EquipmentFactory, SiteFactory


def _contact_user(make_user, customer, username, *, manager=False, email=""):
    user = make_user(Role.CUSTOMER, username=username, email=email)
    ContactFactory(customer=customer, user=user, name=f"{username} 联系人", is_customer_manager=manager, email=email)
    return user


@pytest.fixture
def manager_a(make_user, customer_a):
    return _contact_user(make_user, customer_a, "manager-a", manager=True, email="boss@hospital-a.cn")


@pytest.fixture
def alice(make_user, customer_a):
    """A plain contact of customer A."""
    return _contact_user(make_user, customer_a, "alice", email="alice@hospital-a.cn")


@pytest.fixture
def colleague(make_user, customer_a):
    return _contact_user(make_user, customer_a, "colleague", email="colleague@hospital-a.cn")


@pytest.fixture
def bob(make_user, customer_b):
    """A plain contact of customer B."""
    return _contact_user(make_user, customer_b, "bob", email="bob@bank-b.cn")


@pytest.fixture
def equipment_a2(customer_a):
    return EquipmentFactory(site=SiteFactory(customer=customer_a, name="住院楼机房"))
