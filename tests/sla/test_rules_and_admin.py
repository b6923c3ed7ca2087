"""Escalation rules may name a person; service targets and rules are edited in the admin."""

import pytest
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.notifications.models import Notification
from aftersales.sla.models import EscalationRule, ServiceTarget
from tests.sla.conftest import local


def test_a_rule_can_notify_one_named_person(travel, staff, fault, contract_for, make_user):
    contract_for()
    hotline_lead = make_user(Role.HOTLINE, username="hotline-lead")
    EscalationRule.objects.create(
        name="A 案例通知热线组长", trigger=EscalationRule.Trigger.AT_OPENING, severities="A", notify_user=hotline_lead
    )
    travel(local(2026, 11, 23, 10, 0))

    case = fault("A")

    recipients = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert "hotline-lead" in recipients
    assert staff["executive"].username in recipients  # the seeded rule still fires too


@pytest.mark.parametrize(
    "model",
    ["sla_servicetarget", "sla_escalationrule", "sla_clock", "sla_escalation", "cases_suspensionrequest"],
)
def test_sla_admin_pages_load(admin_client, model):
    # Suspension requests are the case's (asked on the case, approving one moves it).
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


def test_a_service_target_is_edited_in_the_admin(admin_client):
    target = ServiceTarget.objects.get(severity="A", clock="restore")
    url = reverse("admin:sla_servicetarget_change", args=[target.pk])
    form = {"severity": "A", "clock": "restore", "minutes": 90, "calendar": target.calendar_id, "starts": target.starts}

    assert admin_client.post(url, form).status_code == 302
    target.refresh_from_db()
    assert target.minutes == 90
