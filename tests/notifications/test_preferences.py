"""Per staff member: which events, which channels, quiet hours (never for severity A/B)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Severity
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Channel, Notification, NotificationPreference
from aftersales.notifications.preferences import quiet_hours_end
from aftersales.notifications.services import save_preferences
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db
Status = Notification.Status
Kind = Notification.Kind


@pytest.fixture
def night_owl(make_user):
    """An engineer with quiet hours 22:00-07:00 who wants e-mail and SMS."""
    user = make_user(Role.ENGINEER, username="night", email="night@aftersales.example", phone="13700000001")
    save_preferences(
        user=user,
        events=[Kind.CASE_ASSIGNED, Kind.ESCALATION],
        channels=["email", "sms"],
        quiet_start=dt.time(22, 0),
        quiet_end=dt.time(7, 0),
    )
    return user


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (local(2026, 6, 8, 23, 30), local(2026, 6, 9, 7, 0)),
        (local(2026, 6, 9, 3, 0), local(2026, 6, 9, 7, 0)),
        (local(2026, 6, 9, 7, 0), None),
        (local(2026, 6, 8, 21, 59), None),
        (local(2026, 6, 8, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(now, end):
    assert quiet_hours_end(now, dt.time(22, 0), dt.time(7, 0)) == end


def test_quiet_hours_within_a_day():
    assert quiet_hours_end(local(2026, 6, 8, 12, 30), dt.time(12, 0), dt.time(13, 30)) == local(2026, 6, 8, 13, 30)
    assert quiet_hours_end(local(2026, 6, 8, 13, 30), dt.time(12, 0), dt.time(13, 30)) is None
    assert quiet_hours_end(local(2026, 6, 8, 12, 30), None, None) is None


def test_quiet_hours_hold_a_severity_c_case_until_morning(smtp, travel, open_case, customer_a, manager, night_owl):
    travel(local(2026, 6, 8, 23, 0))
    case = open_case(customer_a, severity=Severity.C)
    services.assign(case=case, by=manager, owner=night_owl)

    deliver_due()

    held = Notification.objects.filter(recipient=night_owl).exclude(channel="")
    assert sorted(held.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.SMS]
    assert all(row.status == Status.PENDING and row.next_attempt_at == local(2026, 6, 9, 7, 0) for row in held)
    assert not smtp.mailbox.to("night@aftersales.example")

    travel.shift(7 * 60 + 59)  # 06:59
    deliver_due()
    assert not smtp.mailbox.to("night@aftersales.example")
    travel.shift(1)  # 07:00
    deliver_due()
    assert len(smtp.mailbox.to("night@aftersales.example")) == 1
    assert all(row.status == Status.SENT for row in held.all())


@pytest.mark.parametrize("severity", [Severity.A, Severity.B])
def test_quiet_hours_never_hold_a_severity_a_or_b_case(
    smtp, travel, open_case, customer_a, manager, night_owl, severity
):
    travel(local(2026, 6, 8, 23, 0))
    case = open_case(customer_a, severity=severity)
    services.assign(case=case, by=manager, owner=night_owl)

    deliver_due()

    (message,) = smtp.mailbox.to("night@aftersales.example")
    assert case.number in message["Subject"]
    sms = Notification.objects.get(recipient=night_owl, channel=Channel.SMS)
    assert sms.status == Status.SENT and sms.urgent


def test_an_event_turned_off_is_not_sent(smtp, open_case, customer_a, duty_manager_with_mail, engineer):
    save_preferences(user=duty_manager_with_mail, events=[Kind.ESCALATION], channels=["email"])
    case = open_case(customer_a, severity=Severity.C)
    _accept(case, engineer)
    _request_suspension(case, engineer)

    deliver_due()

    request = Notification.objects.get(kind=Kind.SUSPENSION_REQUEST, channel="")
    assert request.status == Status.SKIPPED and "preferences" in request.last_error
    assert not smtp.mailbox.received


def test_without_preferences_everything_comes_by_email(smtp, open_case, customer_a, duty_manager_with_mail, engineer):
    case = open_case(customer_a, severity=Severity.C)
    _accept(case, engineer)
    _request_suspension(case, engineer)

    deliver_due()

    (message,) = smtp.mailbox.to("duty@aftersales.example")
    assert case.number in message["Subject"]


@pytest.fixture
def duty_manager_with_mail(make_user):
    return make_user(Role.DUTY_MANAGER, username="duty", email="duty@aftersales.example")


def _accept(case, engineer):
    services.transition(case=case, action="accept", by=engineer)


def _request_suspension(case, engineer):
    from django.utils import timezone

    from aftersales.sla.models import SuspensionRequest

    services.request_suspension(
        case=case,
        by=engineer,
        reason="客户机房停电检修",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=timezone.now(),
        expected_end_at=timezone.now() + dt.timedelta(days=2),
    )


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_defaults_in_chinese(client, engineer):
    client.force_login(engineer)

    page = client.get("/account/notifications/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "我的通知" in html and "免打扰" in html
    assert 'name="channels" value="email"' in html and "checked" in html
    assert 'name="viewport"' in html  # the base layout: usable on a phone


def test_saving_preferences(client, engineer):
    client.force_login(engineer)

    response = client.post(
        "/account/notifications/",
        {
            "events": ["case_assigned", "escalation"],
            "channels": ["sms", "im"],
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )

    assert response.status_code == 302
    row = NotificationPreference.objects.get(user=engineer)
    assert row.events == ["case_assigned", "escalation"] and row.channels == ["sms", "im"]
    assert (row.quiet_start, row.quiet_end) == (dt.time(22, 0), dt.time(7, 0))


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        (
            "zh-hans",
            {"channels": [], "quiet_start": "22:00", "quiet_end": "07:00"},
            "channels",
            "请至少选择一种通知方式。",
        ),
        ("en", {"channels": []}, "channels", "Choose at least one channel."),
        (
            "zh-hans",
            {"channels": ["email"], "quiet_start": "22:00"},
            "quiet_end",
            "请同时填写免打扰的开始和结束时间，或都不填。",
        ),
        (
            "en",
            {"channels": ["email"], "quiet_start": "22:00", "quiet_end": "22:00"},
            "quiet_end",
            "The quiet hours must end at another time than they start.",
        ),
        (
            "en",
            {"channels": ["email"], "quiet_start": "25:99", "quiet_end": "07:00"},
            "quiet_start",
            "Enter a valid time.",
        ),
    ],
)
def test_bad_input_gets_a_field_error_and_keeps_the_rest(client, engineer, language, data, field, message):
    engineer.language = language
    engineer.save()
    client.force_login(engineer)

    response = client.post("/account/notifications/", {"events": ["escalation"], **data})

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert re.search(r'value="escalation"[^>]*checked', response.content.decode())  # what was ticked stays ticked
    assert not re.search(r'value="case_assigned"[^>]*checked', response.content.decode())
    assert not NotificationPreference.objects.filter(user=engineer).exists()


def test_customers_cannot_open_the_page(client, contact_a):
    client.force_login(contact_a)

    assert client.get("/account/notifications/")["Location"] == "/portal/"


def test_the_menu_links_to_the_page_for_staff_only(client, engineer, contact_a):
    client.force_login(engineer)
    with translation.override("zh-hans"):
        assert 'href="/account/notifications/"' in client.get("/cases/").content.decode()
    client.force_login(contact_a)
    assert 'href="/account/notifications/"' not in client.get("/portal/").content.decode()
