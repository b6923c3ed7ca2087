"""A monitoring system posting as its own integration user, with a read-write token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.api.tokens import create_token
from aftersales.monitoring.models import AlarmSource
from tests.factories import EquipmentFactory, SiteFactory


@pytest.fixture
def nms_user(make_user):
    return make_user(Role.HOTLINE, username="nms")


@pytest.fixture
def source(nms_user):
    return AlarmSource.objects.create(code="zabbix", name="Zabbix", api_user=nms_user)


def token_client(user, scope=ApiToken.Scope.READ_WRITE, **headers) -> APIClient:
    key = create_token(user=user, name="monitoring", scope=scope).key
    return APIClient(headers={"Authorization": f"Token {key}", **headers})


@pytest.fixture
def nms(source):
    """The monitoring system's API client (read-write token), answering in English."""
    return token_client(source.api_user, **{"Accept-Language": "en"})


@pytest.fixture
def pbx(customer_a):
    return EquipmentFactory(
        site=SiteFactory(customer=customer_a, name="总院机房"), serial_number="FOC1234X0AB", hostname="pbx-main"
    )
