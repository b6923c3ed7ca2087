"""What an escalation does when it fires: notify, maybe raise the tier, write the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.cases.events import case_event
from aftersales.cases.models import Case, EventKind, Tier
from aftersales.deadlines import registry as deadlines
from aftersales.notifications.models import Notification
from aftersales.notifications.services import users_with_role
from aftersales.sla.models import Escalation, EscalationRule
from aftersales.sla.notices import ESCALATION
from aftersales.sla.services import clock_labels, insert_rows
from aftersales.timeline.services import record_many

_NEXT_TIER: dict[str, Tier] = {Tier.L1: Tier.L2, Tier.L2: Tier.L3, Tier.L3: Tier.L4}


class Firing(NamedTuple):
    """What firing an escalation needs of it, its case and its clock.

    The sweep hands over plain values (`firings_of`): building a thousand escalations with
    their cases and clocks as model instances costs more than the queries.
    """

    pk: int
    rule_id: int
    case_id: int
    number: str
    severity: str
    tier: str
    owner_id: int | None
    clock_kind: str | None

    @classmethod
    def of(cls, escalation: Escalation) -> Firing:
        case = escalation.case
        clock_kind = escalation.clock.kind if escalation.clock is not None else None
        assert escalation.rule_id is not None  # an escalation names its rule
        return cls(
            escalation.pk, escalation.rule_id, case.pk, case.number, case.severity, case.tier, case.owner_id, clock_kind
        )


def firings_of(alarms: Sequence[deadlines.Firing]) -> list[Firing]:
    """The escalation alarms the sweep claimed, with what firing needs of their cases: one query."""
    cases = {
        row[0]: row
        for row in Case.objects.filter(pk__in={alarm.subject_id for alarm in alarms}).values_list(
            "pk", "number", "severity", "tier", "owner_id"
        )
    }
    firings = []
    for alarm in alarms:
        if alarm.subject_id not in cases or alarm.ref is None:
            continue
        case_id, number, severity, tier, owner_id = cases[alarm.subject_id]
        firings.append(Firing(alarm.pk, alarm.ref, case_id, number, severity, tier, owner_id, alarm.deadline_kind))
    return firings


def describe(rule: EscalationRule, firing: Firing, labels: Mapping[str, str] | None = None) -> str:
    if rule.trigger == EscalationRule.Trigger.AT_OPENING:
        return _("Severity %(severity)s case opened.") % {"severity": firing.severity}
    if rule.trigger == EscalationRule.Trigger.UNRESOLVED:
        return _("Unresolved %(minutes)s minutes after opening.") % {"minutes": rule.minutes}
    labels = labels or clock_labels()
    kind = firing.clock_kind or rule.clock
    clock = labels.get(kind, kind)
    if rule.trigger == EscalationRule.Trigger.BEFORE_DUE:
        return _("%(clock)s due in %(minutes)s minutes.") % {"clock": clock, "minutes": rule.minutes}
    return _("%(clock)s overdue.") % {"clock": clock}


def fire(firings: list[Firing], *, now: dt.datetime, rules: Mapping[int, EscalationRule] | None = None) -> None:
    """Carry out claimed escalations (already marked fired) in a few bulk statements.

    `rules` may hold rules already loaded (by id); the others are read in one query.
    """
    rules = _rules(firings, rules or {})
    owners = _owners(firings, rules)
    labels = clock_labels()
    subject_text = _("Escalation on %(number)s: %(reason)s")
    event_text = _("%(rule)s — %(reason)s Notified: %(names)s")
    reasons: dict[tuple, str] = {}  # by rule, clock and severity
    audiences: dict[tuple, tuple[list, str]] = {}  # recipients and their names, by rule and owner
    role_members: dict[str, list] = {}
    notifications, events = [], []
    raised: dict[int, tuple[str, str]] = {}  # case → its tier seen and why it is raised
    for firing in firings:
        rule = rules[firing.rule_id]
        key = (firing.rule_id, firing.clock_kind, firing.severity)
        if key not in reasons:
            reasons[key] = describe(rule, firing, labels)
        reason = reasons[key]
        audience = (firing.rule_id, firing.owner_id)
        if audience not in audiences:
            owner = owners.get(firing.owner_id) if firing.owner_id is not None else None
            recipients = _recipients(rule, owner, role_members)
            audiences[audience] = (recipients, ", ".join(str(user) for user in recipients) or _("nobody"))
        recipients, names = audiences[audience]
        subject = (subject_text % {"number": firing.number, "reason": reason})[:200]
        payload = {"rule": rule.name, "channels": rule.channels.split(",")}
        notifications += [
            {
                "kind": ESCALATION,
                "recipient_id": user.pk,
                "case_id": firing.case_id,
                "subject": subject,
                "payload": payload,
                "dedupe_key": f"escalation:{firing.pk}",
            }
            for user in recipients
        ]
        if rule.raise_tier and firing.tier in _NEXT_TIER:
            raised.setdefault(firing.case_id, (firing.tier, f"{rule.name} — {reason}"))
        events.append(
            case_event(
                firing.case_id,
                kind=EventKind.ESCALATED,
                at=now,
                text=event_text % {"rule": rule.name, "reason": reason, "names": names},
            )
        )
    insert_rows(Notification, notifications, ignore_conflicts=True)
    record_many(events)
    _raise_tiers(raised, now=now)


def _raise_tiers(raised: Mapping[int, tuple[str, str]], *, now: dt.datetime) -> None:
    """Raise each case one tier through the case service, which keeps the record (by the system,
    the rule as the reason), in a few statements; a case raised twice in a batch goes up one
    tier."""
    if raised:
        moves = [
            case_services.TierMove(case_id, tier, _NEXT_TIER[tier], reason)
            for case_id, (tier, reason) in raised.items()
        ]
        case_services.change_tiers(moves=moves, at=now)


def _rules(firings: list[Firing], loaded: Mapping[int, EscalationRule]) -> dict[int, EscalationRule]:
    """The firings' rules with the person each notifies: one query for those not loaded yet."""
    rules = dict(loaded)
    missing = {firing.rule_id for firing in firings} - rules.keys()
    if missing:
        rules.update(EscalationRule.objects.select_related("notify_user").in_bulk(missing))
    return rules


def _owners(firings: list[Firing], rules: Mapping[int, EscalationRule]) -> dict[int, User]:
    """The case owners to notify, by id: one query."""
    ids = {f.owner_id for f in firings if f.owner_id is not None and rules[f.rule_id].notify_owner}
    return get_user_model().objects.in_bulk(ids) if ids else {}


def _recipients(rule: EscalationRule, owner, cache: dict[str, list]) -> list:
    recipients = []
    if rule.notify_role:
        if rule.notify_role not in cache:
            cache[rule.notify_role] = list(users_with_role(Role(rule.notify_role)))
        recipients += cache[rule.notify_role]
    for person in (rule.notify_user, owner if rule.notify_owner else None):
        if person is not None and person.is_active and person not in recipients:
            recipients.append(person)
    return recipients
