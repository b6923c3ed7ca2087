"""Shared fixtures: named personas (one per role) and two customers, A and B."""

from __future__ import annotations

import pytest

from aftersales.accounts.roles import Role
from aftersales.calendars.queries import forget_holidays
from aftersales.cases import services
from aftersales.cases.models import Channel, Kind, Severity
from tests.factories import ContactFactory, CustomerFactory, EquipmentFactory, SiteFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_holidays():
    # A rolled-back test leaves no signal behind: never reuse its holiday fingerprint.
    forget_holidays()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every persona gets a password; the production hasher's iterations would dominate the run.
    # Hashes made with the default hashers (e.g. by a management command) still verify.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # Rate-limit counters start from nothing in every test, in memory (never var/cache).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db):
    def make(*roles: Role, username: str | None = None, **kwargs):
        name = username or f"{'-'.join(r.value for r in roles) or 'norole'}"
        return UserFactory(username=name, roles=roles, **kwargs)

    return make


@pytest.fixture
def agent(make_user):
    return make_user(Role.HOTLINE, username="agent")


@pytest.fixture
def engineer(make_user):
    return make_user(Role.ENGINEER, username="engineer")


@pytest.fixture
def manager(make_user):
    return make_user(Role.DEPT_MANAGER, username="manager")


@pytest.fixture
def executive(make_user):
    return make_user(Role.EXECUTIVE, username="executive")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES, username="sales")


@pytest.fixture
def customer_a(db):
    return CustomerFactory(code="hospital-a", name="上海第一人民医院")


@pytest.fixture
def customer_b(db):
    return CustomerFactory(code="bank-b", name="浦东发展银行")


def _portal_user(make_user, customer, username):
    # The customer's manager: sees every case of the organisation (tests/portal has contacts
    # who see only their own cases and those they are copied on).
    user = make_user(Role.CUSTOMER, username=username)
    ContactFactory(customer=customer, user=user, name=f"{username} 联系人", is_customer_manager=True)
    return user


@pytest.fixture
def contact_a(make_user, customer_a):
    return _portal_user(make_user, customer_a, "contact-a")


@pytest.fixture
def contact_b(make_user, customer_b):
    return _portal_user(make_user, customer_b, "contact-b")


@pytest.fixture
def equipment_a(customer_a):
    return EquipmentFactory(site=SiteFactory(customer=customer_a, name="门诊楼机房"))


@pytest.fixture
def open_case(agent):
    """Open a case through the intake service, as the hotline would."""

    def make(customer, *, by=None, severity=Severity.C, title="交换机无法呼出", **kwargs):
        return services.open_case(
            customer=customer,
            by=by or agent,
            title=title,
            description=kwargs.pop("description", "客户来电：所有分机无法拨打外线。"),
            kind=kwargs.pop("kind", Kind.FAULT),
            severity=severity,
            channel=kwargs.pop("channel", Channel.PHONE),
            **kwargs,
        )

    return make


@pytest.fixture
def case_a(open_case, customer_a, equipment_a):
    return open_case(customer_a, equipment=equipment_a)


@pytest.fixture
def equipment_b(customer_b):
    return EquipmentFactory(site=SiteFactory(customer=customer_b, name="数据中心"))


@pytest.fixture
def case_b(open_case, customer_b, equipment_b):
    return open_case(customer_b, equipment=equipment_b, title="柜员终端蓝屏", description="营业厅三台终端反复重启。")


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (browser, PostgreSQL concurrency) run last, whatever their markers.

    They end with a flush that also removes the rows the migrations seed (role groups,
    calendars, service targets); pytest-django would otherwise run tests that reach the
    database only through a fixture after them.
    """
    items.sort(key=_is_transactional)
