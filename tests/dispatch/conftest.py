"""A Shanghai team with two AVAYA engineers, a duty manager and a national holiday with its
make-up working day (in 2030, a year the holiday package does not know: the rows are ours)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.roles import Role
from aftersales.calendars.models import HolidayDay
from aftersales.customers.models import ServiceOffice
from aftersales.dispatch.models import Engineer, Team
from tests.factories import EquipmentFactory, SiteFactory, VendorFactory

SH = ZoneInfo("Asia/Shanghai")
HOLIDAY = dt.date(2030, 10, 1)  # a Tuesday, National Day
MAKEUP_SATURDAY = dt.date(2030, 10, 12)
SUNDAY = dt.date(2030, 10, 13)
MONDAY = dt.date(2030, 10, 14)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SH)


@pytest.fixture
def calendar_2030(db):
    HolidayDay.objects.create(date=HOLIDAY, kind=HolidayDay.Kind.HOLIDAY, name="国庆节")
    HolidayDay.objects.create(date=MAKEUP_SATURDAY, kind=HolidayDay.Kind.WORKDAY, name="国庆节调休")


@pytest.fixture
def office(db):
    return ServiceOffice.objects.create(name="上海服务站", city="上海")


@pytest.fixture
def duty_manager(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty-manager")


@pytest.fixture
def team(db, duty_manager, office):
    return Team.objects.create(
        name="上海一线", region="上海", service_office=office, auto_assign=True, manager=duty_manager
    )


def _engineer(make_user, team, office, name, *, vendors=(), region="上海"):
    user = make_user(Role.ENGINEER, username=name)
    team.members.add(user)
    profile = Engineer.objects.create(user=user, region=region, service_office=office)
    profile.vendors.set(vendors)
    return user


@pytest.fixture
def avaya(db):
    return VendorFactory(name="AVAYA")


@pytest.fixture
def zhang(make_user, team, office, avaya):
    return _engineer(make_user, team, office, "zhang", vendors=[avaya])


@pytest.fixture
def li(make_user, team, office, avaya):
    return _engineer(make_user, team, office, "li", vendors=[avaya])


@pytest.fixture
def make_engineer(make_user, team, office):
    def make(name, **kwargs):
        return _engineer(make_user, team, office, name, **kwargs)

    return make


@pytest.fixture
def sh_equipment(customer_a, office, avaya):
    site = SiteFactory(customer=customer_a, name="门诊楼机房", region="上海", service_office=office)
    return EquipmentFactory(site=site)
