"""The world of the several-processes test, written into its own database by a child process.

    DATABASE_URL=... python -m tests.postgres.process_world build MAILDIR
    DATABASE_URL=... python -m tests.postgres.process_world report

Staff (a hotline agent, two engineers, a manager) with API tokens, one customer with contacts
and equipment, a Maildir mailbox, and service levels short enough to breach while the test
runs: severity A's clocks are due one minute after opening on the 7×24 calendar, and a rule
escalates to the managers as soon as one is breached. Prints what the test needs as JSON;
`report` prints what the database holds at the end, for the test to check.
"""

from __future__ import annotations

import json
import os
import sys

import django


def build(maildir: str) -> dict:
    from aftersales.accounts.roles import Role
    from aftersales.api.models import ApiToken
    from aftersales.api.tokens import create_token
    from aftersales.calendars.models import BusinessCalendar
    from aftersales.inbox.models import Mailbox
    from aftersales.sla.models import ClockKind, EscalationRule, ServiceTarget
    from tests.factories import ContactFactory, CustomerFactory, EquipmentFactory, SiteFactory, UserFactory

    people = {
        "agent": Role.HOTLINE,
        "engineer1": Role.ENGINEER,
        "engineer2": Role.ENGINEER,
        "manager": Role.DEPT_MANAGER,
    }
    tokens = {}
    for username, role in people.items():
        user = UserFactory(username=username, roles=[role], email=f"{username}@aftersales.example")
        user.set_password("several-processes")
        user.save()
        tokens[username] = create_token(user=user, name="test", scope=ApiToken.Scope.READ_WRITE).key

    customer = CustomerFactory(code="hospital-a", name="上海第一人民医院", email_domains="hospital-a.cn")
    site = SiteFactory(customer=customer, name="门诊楼机房")
    contacts = [ContactFactory(customer=customer, name=f"联系人{n}", email=f"c{n}@hospital-a.cn") for n in range(4)]
    equipment = [EquipmentFactory(site=site, serial_number=f"FDO2611{n:04d}") for n in range(4)]
    Mailbox.objects.create(name="support", kind=Mailbox.Kind.MAILDIR, path=maildir)

    round_the_clock = BusinessCalendar.objects.get(code="7x24")
    ServiceTarget.objects.filter(severity="A").update(minutes=1, calendar=round_the_clock)
    EscalationRule.objects.create(
        name="A: sign-off breached",
        trigger=EscalationRule.Trigger.BREACHED,
        clock=ClockKind.SIGN_OFF,
        minutes=0,
        severities="A",
        notify_role=Role.DEPT_MANAGER,
        channels="email",
    )
    return {
        "tokens": tokens,
        "customer": customer.pk,
        "contacts": [c.pk for c in contacts],
        "contact_emails": [c.email for c in contacts],
        "serials": [e.serial_number for e in equipment],
    }


def report() -> dict:
    from django.utils import timezone

    from aftersales.cases.models import Case, CaseEvent, EventKind
    from aftersales.deadlines.models import Alarm, Deadline
    from aftersales.inbox.models import InboundMessage
    from aftersales.notifications.models import Notification
    from aftersales.sla.models import ESCALATION_ALARM

    now = timezone.now()
    messages = Notification.objects.exclude(channel="")
    return {
        "now": now.isoformat(),
        "cases": list(Case.objects.values("number", "status", "severity", "channel", "opened_at")),
        "outbox": list(
            messages.values("pk", "kind", "channel", "address", "message_id", "status", "attempts", "parent_id")
        ),
        "requests_waiting": Notification.objects.filter(channel="", status=Notification.Status.PENDING).count(),
        "escalations": list(
            Alarm.objects.filter(kind=ESCALATION_ALARM).values("pk", "key", "subject_id", "fire_at", "fired_at")
        ),
        "escalated_events": list(CaseEvent.objects.filter(kind=EventKind.ESCALATED).values("subject_id", "text")),
        "overdue_alarms": Alarm.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, fire_at__lt=now)
        .values_list("key", flat=True)
        .count(),
        "unbreached_overdue_clocks": Deadline.objects.filter(
            due_at__lt=now,
            met_at__isnull=True,
            stopped_at__isnull=True,
            paused_at__isnull=True,
            breached_at__isnull=True,
        ).count(),
        "inbound": list(InboundMessage.objects.values("message_id", "outcome", "case__number", "reason")),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    django.setup()
    result = build(sys.argv[2]) if sys.argv[1] == "build" else report()
    print(json.dumps(result, default=str))
