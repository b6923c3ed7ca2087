"""Shared fixtures: named personas (one per role) and two customers, A and B."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import override_settings

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

    from aftersales.core import refcache

    cache.clear()
    # Reference data kept by a test whose transaction was rolled back must not reach the next.
    refcache.clear()
    yield
    refcache.clear()


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


def new_customer_a():
    return CustomerFactory(code="hospital-a", name="上海第一人民医院")


def new_customer_b():
    return CustomerFactory(code="bank-b", name="浦东发展银行")


@pytest.fixture
def customer_a(db):
    return new_customer_a()


@pytest.fixture
def customer_b(db):
    return new_customer_b()


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


# --- pytest-xdist (`make test` runs `-n 2 --dist loadgroup`) ---------------------------------


def pytest_itemcollected(item):
    """Tests sharing one of our expensive module- or session-scoped fixtures run on one worker.

    Under xdist each worker builds its own copy of such a fixture: a module's seeded var/ or
    demo data would be built twice, a second dovecot or chromium started. An `xdist_group` keeps
    them together (read by `--dist loadgroup`; marks added here come before xdist names the items).

    Never a transactional test (browser, PostgreSQL concurrency): xdist hands out the groups
    first, biggest first, and such a test ends with a flush that the tests after it on that
    worker would find (see pytest_collection_modifyitems); ungrouped, they keep their place last.
    """
    if _is_transactional(item):
        return
    group = shared_fixture_group(item)
    if group is not None:
        item.add_marker(pytest.mark.xdist_group(group))


def shared_fixture_group(item) -> str | None:
    """The group of a test using a fixture of ours (not a plugin's) wider than one test:
    session scope: the fixture's name (one server per run); module scope: the module."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    module_group = None
    for name in info.names_closure:
        definitions = info.name2fixturedefs.get(name) or ()
        for definition in definitions[-1:]:
            if not definition.baseid:  # a plugin's fixture (pytest-django's database set-up, ...)
                continue
            if definition.scope == "session":
                return name
            if definition.scope == "module":
                module_group = item.module.__name__
    return module_group


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def built_once(django_db_blocker, **settings) -> Iterator[None]:
    """Rows written once for a whole module (in a module-scoped fixture) and rolled back after it.

    Only for data the module's tests read: each test's own transaction is a savepoint inside
    this one, so whatever a test writes is undone, but the Python objects handed out are shared.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS, **settings):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_worker_fuzz_summaries: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A worker's API fuzzing summary (tests/api/conftest.py), printed by the controller."""
    _worker_fuzz_summaries.extend(getattr(node, "workeroutput", {}).get("fuzz_tally", []))


def pytest_terminal_summary(terminalreporter):
    if _worker_fuzz_summaries:
        terminalreporter.section("API fuzzing (Schemathesis)")
        for line in _worker_fuzz_summaries:
            terminalreporter.write_line(line)


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
    for item in items:
        if _is_transactional(item):
            _restore_migration_rows(item)


def _restore_migration_rows(item) -> None:
    """Every transactional test restores the database's initial rows after its flush.

    A flush without serialized_rollback lets post_migrate recreate content types and
    permissions, and the next test that does restore them would then fail on duplicates.
    """
    marker = item.get_closest_marker("django_db")
    kwargs = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        kwargs.setdefault("transaction", marker.args[0])
    if kwargs.get("serialized_rollback"):
        return
    kwargs.update(transaction=True, serialized_rollback=True)
    item.add_marker(pytest.mark.django_db(**kwargs), append=False)
