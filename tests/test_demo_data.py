"""The demo data set: complete (every role, every status), realistic in size, idempotent."""

from __future__ import annotations

import io
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.accounts.roles import STAFF_ROLES, Role
from aftersales.cases.models import Case, CaseEvent, Consultation, EventKind, Kind, Severity, Status
from aftersales.contracts.entitlement import EntitlementKind
from aftersales.contracts.models import ChargeStandard, Coverage, ServiceContract
from aftersales.customers.models import Contact, Customer, ServiceOffice, Site
from aftersales.dispatch.models import Team, Tier
from aftersales.installed_base.models import Equipment, ProductModel
from aftersales.notifications.delivery import deliver_due
from aftersales.notifications.models import Notification
from aftersales.notifications.services import HISTORY_NOTE
from aftersales.sla.models import Clock, Escalation
from aftersales.sla.services import sweep

pytestmark = pytest.mark.django_db
# Checking the password of every demo user must not take seconds each.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

COUNTED = [
    ServiceOffice,
    Customer,
    Contact,
    Site,
    ProductModel,
    Equipment,
    ChargeStandard,
    ServiceContract,
    Team,
    User,
    Case,
    CaseEvent,
    Consultation,
    Notification,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed twice, once for the whole module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            first = counts()
            call_command("seed_demo", stdout=io.StringIO())
            yield first, counts()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_a_second_run_changes_nothing(seeded):
    first, second = seeded
    assert first == second
    assert first["Case"] > 0


def test_the_demo_engineer_has_a_visit_today(seeded):
    from aftersales.field.queries import my_visits_day

    engineer = User.objects.get(username="engineer")
    (visit,) = my_visits_day(engineer)
    assert visit.case.is_open and visit.case.site is not None
    assert timezone.localtime(visit.planned_departure_at).date() == timezone.localdate()


def test_sizes_meet_the_minimums(seeded):
    assert Customer.objects.count() >= 3
    assert Site.objects.count() >= 10
    assert Equipment.objects.count() >= 40
    assert User.objects.filter(groups__name__in=[r.value for r in STAFF_ROLES]).distinct().count() >= 12
    assert Case.objects.count() >= 60
    assert Consultation.objects.exists()


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_every_role_has_an_active_user_with_the_demo_password(seeded):
    for role in Role:
        # mail-intake: the account the e-mail intake acts as (no password; aftersales/inbox).
        user = User.objects.filter(is_active=True, groups__name=role.value).exclude(username="mail-intake").first()
        assert user is not None, role
        assert user.check_password("demo1234")
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_each_customer_has_a_manager_contact_and_a_portal_user(seeded):
    for customer in Customer.objects.all():
        assert customer.contacts.filter(is_customer_manager=True).count() == 1
        portal = customer.contacts.filter(user__groups__name=Role.CUSTOMER.value)
        assert portal.exists(), customer
    assert not Contact.objects.exclude(mobile="").exclude(mobile__regex=r"^1\d{10}$").exists()


def test_every_status_kind_severity_and_entitlement_occurs(seeded):
    def values(name):
        return set(Case.objects.values_list(name, flat=True))

    assert values("status") == set(Status.values)
    assert values("kind") == set(Kind.values)
    assert values("severity") == set(Severity.values)
    assert {EntitlementKind.WARRANTY, EntitlementKind.CONTRACT, EntitlementKind.CHARGEABLE} <= values("entitlement")


def test_cases_have_real_timelines(seeded):
    assert Case.objects.filter(opened_at__lt=timezone.now() - timezone.timedelta(days=30)).exists()
    assert CaseEvent.objects.filter(kind=EventKind.NOTE, is_public=False).exists()
    assert CaseEvent.objects.filter(kind=EventKind.REPLY, is_public=True, actor__contact__isnull=False).exists()
    assert Case.objects.filter(status=Status.MERGED, merged_into__isnull=False).count() >= 1
    assert Case.objects.exclude(tier=Tier.L1).exists()
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION).exists()
    for case in Case.objects.all():
        assert case.events.filter(kind=EventKind.CREATED).count() == 1


def test_contracts_and_warranty_cover_what_the_demo_shows(seeded):
    today = timezone.localdate()
    assert ServiceContract.objects.filter(end_date__lt=today).exists()
    assert set(ServiceContract.objects.values_list("coverage", flat=True)) == set(Coverage.values)
    assert ChargeStandard.objects.filter(is_default=True).count() == 1
    out_of_warranty = [e for e in Equipment.objects.filter(contracts__isnull=True) if e.warranty_end < today]
    assert out_of_warranty
    in_warranty = [e for e in Equipment.objects.all() if e.warranty_end >= today]
    assert in_warranty
    assert Equipment.objects.filter(product_model__is_hardware=False).exists()


def test_demo_logins_lists_every_role(seeded):
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://demo.example:8000", stdout=out)
    text = out.getvalue()
    assert "http://demo.example:8000/" in text
    assert "demo1234" in text
    for username in ("agent", "engineer", "admin", "hospital"):
        assert f"\n{username} " in text
    assert "Not in the database" not in text


# --- the demo's history is not news ------------------------------------------------------

HISTORY_KINDS = [
    Notification.Kind.ACKNOWLEDGEMENT,
    Notification.Kind.CASE_ASSIGNED,
    Notification.Kind.ESCALATION,
    Notification.Kind.SUSPENSION_REQUEST,
]


@pytest.mark.parametrize("kind", HISTORY_KINDS)
def test_what_the_demo_history_queued_is_recorded_as_not_sent(seeded, kind):
    rows = Notification.objects.filter(kind=kind)
    assert rows.exists()
    assert set(rows.values_list("status", "last_error")) == {(Notification.Status.SKIPPED, HISTORY_NOTE)}


def test_the_workers_first_minute_after_loading_sends_nothing(seeded, mailoutbox, caplog):
    with caplog.at_level(logging.INFO, logger="aftersales.notifications.senders"):
        assert sweep() == {"breaches": 0, "escalations": 0}  # the history's breaches and escalations are in
        delivered = deliver_due()

    assert not delivered.get("sent")
    assert mailoutbox == []
    assert "SMS to" not in caplog.text
    assert not Notification.objects.exclude(status=Notification.Status.SKIPPED).exists()


def test_the_history_missed_targets_and_fired_escalations_before_the_worker_starts(seeded):
    now = timezone.now()
    assert not Clock.objects.filter(
        met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__lte=now
    ).exists()
    assert CaseEvent.objects.filter(kind=EventKind.BREACHED).exists()
    assert CaseEvent.objects.filter(kind=EventKind.ESCALATED).exists()
    assert not Escalation.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, fire_at__lte=now).exists()


def test_what_falls_due_after_loading_is_notified_as_usual(seeded, mailoutbox):
    with time_machine.travel(timezone.now() + timezone.timedelta(days=3), tick=False):
        fired = sweep()
        delivered = deliver_due()

    assert fired["escalations"] > 0
    assert delivered.get("sent", 0) > 0
    assert mailoutbox
