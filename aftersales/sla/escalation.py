"""What an escalation does when it fires: notify, maybe raise the tier, write the timeline."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from aftersales.accounts.roles import Role
from aftersales.cases.models import Case, CaseEvent, EventKind
from aftersales.dispatch.models import Tier
from aftersales.notifications.models import Notification
from aftersales.notifications.services import users_with_role
from aftersales.sla.models import Escalation, EscalationRule

_NEXT_TIER = {Tier.L1: Tier.L2, Tier.L2: Tier.L3, Tier.L3: Tier.L4}


def describe(rule: EscalationRule, escalation: Escalation) -> str:
    if rule.trigger == EscalationRule.Trigger.AT_OPENING:
        return _("Severity %(severity)s case opened.") % {"severity": escalation.case.severity}
    if rule.trigger == EscalationRule.Trigger.UNRESOLVED:
        return _("Unresolved %(minutes)s minutes after opening.") % {"minutes": rule.minutes}
    clock = escalation.clock.get_kind_display() if escalation.clock else rule.get_clock_display()
    if rule.trigger == EscalationRule.Trigger.BEFORE_DUE:
        return _("%(clock)s due in %(minutes)s minutes.") % {"clock": clock, "minutes": rule.minutes}
    return _("%(clock)s overdue.") % {"clock": clock}


def fire(escalations: list[Escalation], *, now: dt.datetime) -> None:
    """Carry out claimed escalations (already marked fired) in a few bulk statements."""
    role_members: dict[str, list] = {}
    notifications, events = [], []
    for escalation in escalations:
        rule, case = escalation.rule, escalation.case
        reason = describe(rule, escalation)
        recipients = _recipients(rule, case, role_members)
        subject = _("Escalation on %(number)s: %(reason)s") % {"number": case.number, "reason": reason}
        notifications += [
            Notification(
                kind=Notification.Kind.ESCALATION,
                recipient=user,
                case=case,
                subject=subject[:200],
                payload={"rule": rule.name, "channels": rule.channels.split(",")},
                dedupe_key=f"escalation:{escalation.pk}",
            )
            for user in recipients
        ]
        changes = {}
        if rule.raise_tier and case.tier in _NEXT_TIER:
            new_tier = _NEXT_TIER[case.tier]
            changes = {str(_("tier")): [case.get_tier_display(), str(Tier(new_tier).label)]}
            Case.objects.filter(pk=case.pk, tier=case.tier).update(tier=new_tier, updated_at=now)
        names = ", ".join(str(user) for user in recipients) or _("nobody")
        events.append(
            CaseEvent(
                case=case,
                at=now,
                kind=EventKind.ESCALATED,
                changes=changes,
                text=_("%(rule)s — %(reason)s Notified: %(names)s")
                % {"rule": rule.name, "reason": reason, "names": names},
            )
        )
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    CaseEvent.objects.bulk_create(events)


def _recipients(rule: EscalationRule, case: Case, cache: dict[str, list]) -> list:
    recipients = []
    if rule.notify_role:
        if rule.notify_role not in cache:
            cache[rule.notify_role] = list(users_with_role(Role(rule.notify_role)))
        recipients += cache[rule.notify_role]
    for person in (rule.notify_user, case.owner if rule.notify_owner else None):
        if person is not None and person.is_active and person not in recipients:
            recipients.append(person)
    return recipients
