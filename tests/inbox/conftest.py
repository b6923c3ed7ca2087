"""The world the mail corpus (tests/data/mail) is written for: see expected.toml."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from aftersales.cases import services
from aftersales.cases.models import Channel, Kind, Severity
from tests.factories import ContactFactory, CustomerFactory

MAIL_DIR = Path(__file__).resolve().parent.parent / "data" / "mail"
EXPECTED = tomllib.loads((MAIL_DIR / "expected.toml").read_text(encoding="utf-8"))
OPENED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def raw(name: str) -> bytes:
    return (MAIL_DIR / name).read_bytes()


MAIL_SETTINGS = {
    "MAIL_DOMAIN": "aftersales.example.cn",
    "DEFAULT_FROM_EMAIL": "售后服务中心 <service@aftersales.example.cn>",
    "ATTACHMENT_MAX_BYTES": 100_000,
}


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    for name, value in MAIL_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture
def mail_world(db, agent, customer_a, customer_b):
    return build_mail_world(agent, customer_a, customer_b)


def build_mail_world(agent, customer_a, customer_b) -> SimpleNamespace:
    """Customers A and B, their contacts, and cases CS202611-000001 (A, copied to 王芳) and
    -000002 (B)."""
    customer_a.email_domains = "hospital-a.cn"
    customer_a.save()
    zhang = ContactFactory(customer=customer_a, name="张伟", email="zhang.wei@hospital-a.cn")
    wang = ContactFactory(customer=customer_a, name="王芳", email="Wang.Fang@hospital-a.cn")
    # A colleague at A who neither reported nor follows case A: may not write to it.
    ContactFactory(customer=customer_a, name="刘洋", email="liu.yang@hospital-a.cn")
    ContactFactory(customer=customer_a, name="离职员工", email="old.staff@hospital-a.cn", is_active=False)
    li = ContactFactory(customer=customer_b, name="李娜", email="li.na@bank-b.cn")
    ContactFactory(customer=customer_a, name="IT", email="it@shared-services.cn")
    ContactFactory(customer=customer_b, name="IT", email="it@shared-services.cn")
    other = CustomerFactory(code="gov-c", name="某区政府", is_active=False)
    ContactFactory(customer=other, name="停用客户联系人", email="someone@gov-c.cn")

    def case(customer, contact, title):
        return services.open_case(
            customer=customer,
            contact=contact,
            by=agent,
            title=title,
            description="电话受理",
            kind=Kind.FAULT,
            severity=Severity.C,
            channel=Channel.PHONE,
            opened_at=OPENED,
        )

    case_a = case(customer_a, zhang, "交换机无法呼出")
    case_b = case(customer_b, li, "柜员终端蓝屏")
    assert (case_a.number, case_b.number) == ("CS202611-000001", "CS202611-000002")
    # 王芳 follows case A in the portal, so she may write to it; other colleagues may not.
    services.set_copies(case=case_a, by=agent, contacts=[wang])
    return SimpleNamespace(
        A=customer_a, B=customer_b, case_A=case_a, case_B=case_b, zhang=zhang, wang=wang, li=li, agent=agent
    )


# --- a real IMAP server ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot():
    import os

    from tests.inbox.dovecot import Dovecot, dovecot_binary

    binary = dovecot_binary()
    if binary is None:
        message = "Debian's dovecot is not installed (make test installs dovecot-imapd)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = Dovecot(binary).start()
    yield server
    server.stop()


@pytest.fixture
def imap_user(dovecot):
    """An IMAP account of its own for each test (the server lives for the whole session)."""
    from tests.inbox.dovecot import USERS

    index = _next_user.pop(0) if _next_user else pytest.fail("out of IMAP test accounts")
    return USERS[index]


_next_user = list(range(40))


@pytest.fixture
def imap_mailbox(dovecot, imap_user, monkeypatch):
    from aftersales.inbox.models import Mailbox
    from tests.inbox.dovecot import PASSWORD

    monkeypatch.setenv("INBOX_TEST_PASSWORD", PASSWORD)
    return Mailbox.objects.create(
        name=f"support ({imap_user})",
        host="127.0.0.1",
        port=dovecot.port,
        security=Mailbox.Security.NONE,
        username=imap_user,
        password_env="INBOX_TEST_PASSWORD",
    )
