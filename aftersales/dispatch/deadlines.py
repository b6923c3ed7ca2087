"""Dispatch's due times on the deadlines mechanism (docs/deadlines.md, docs/dispatch.md).

- `dispatch.handover`: a pending handover is to be accepted or refused within
  `DISPATCH_HANDOVER_MINUTES` (30) business minutes; deciding or withdrawing it meets it. A
  breach is written on the case's timeline and alarms the receiving team's duty manager once.
- `dispatch.assignment`: a case opened without an owner is to be given to someone within
  `DISPATCH_ASSIGNMENT_MINUTES` (15); the assignment meets it (the case saved with an owner),
  finishing the case unassigned stops it. A breach alarms the duty manager once.

Both count on the `DISPATCH_CALENDAR` calendar (`7x24`: the roster covers every hour, after
hours through the people on duty). A time of 0 turns that due time off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import calendars_by_code
from aftersales.deadlines import registry
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.display import DeadlineView, view
from aftersales.deadlines.models import RUNNING, Deadline
from aftersales.deadlines.registry import Breach
from aftersales.deadlines.services import Target
from aftersales.notifications.services import queue_notification
from aftersales.timeline.services import build, record_many

HANDOVER = "dispatch.handover"
ASSIGNMENT = "dispatch.assignment"


def handover_minutes() -> int:
    return int(getattr(settings, "DISPATCH_HANDOVER_MINUTES", 30))


def assignment_minutes() -> int:
    return int(getattr(settings, "DISPATCH_ASSIGNMENT_MINUTES", 15))


def dispatch_calendar() -> BusinessCalendar:
    code = getattr(settings, "DISPATCH_CALENDAR", "7x24")
    calendar = calendars_by_code().get(code)
    if calendar is None:
        calendar, _created = BusinessCalendar.objects.get_or_create(
            code=code, defaults={"name": code, "kind": BusinessCalendar.Kind.H7X24}
        )
    return calendar


# --- starting, meeting, stopping ----------------------------------------------------------------


def start_handover_deadline(handover, *, at: dt.datetime | None = None) -> Deadline | None:
    if handover_minutes() <= 0:
        return None
    (deadline,) = deadlines.start(
        handover,
        [Target(HANDOVER, handover_minutes(), dispatch_calendar())],
        at=at or handover.requested_at,
        model=Deadline,
    )
    return deadline


def meet_handover_deadline(handover, *, at: dt.datetime) -> None:
    deadlines.meet(Deadline.objects.for_subject(handover).filter(kind=HANDOVER), at=at)


def start_assignment_deadline(case, *, at: dt.datetime | None = None) -> Deadline | None:
    if assignment_minutes() <= 0:
        return None
    (deadline,) = deadlines.start(
        case, [Target(ASSIGNMENT, assignment_minutes(), dispatch_calendar())], at=at or case.opened_at, model=Deadline
    )
    return deadline


def on_case_saved(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    """`post_save` of a case: given to someone meets its assignment deadline; finished without
    an owner stops it. Saves that change neither the owner nor the status are left alone."""
    if created or (update_fields is not None and not {"owner", "status"} & set(update_fields)):
        return
    running = Deadline.objects.for_subject(instance).filter(RUNNING, kind=ASSIGNMENT)
    if instance.owner_id is not None:
        deadlines.meet(running, at=timezone.now())
    elif not instance.is_open:
        deadlines.stop(running, at=timezone.now())


# --- breaches -----------------------------------------------------------------------------------


def duty_managers(team, at: dt.datetime) -> list:
    """The duty managers of the team's shifts covering `at`; none: of every shift on duty; none
    on a shift: the team's manager."""
    from aftersales.dispatch.services.roster import on_duty

    shifts = list(on_duty(at, team=team)) if team is not None else []
    shifts = shifts or list(on_duty(at))
    people = {shift.duty_manager_id: shift.duty_manager for shift in shifts if shift.duty_manager_id}
    if not people and team is not None and team.manager_id:
        people[team.manager_id] = team.manager
    return list(people.values())


def on_handover_breach(breaches: Sequence[Breach], now: dt.datetime) -> None:
    from aftersales.cases.models import Case
    from aftersales.dispatch import notices
    from aftersales.dispatch.models import Handover

    handovers = Handover.objects.select_related("case", "to_team__manager").in_bulk([b.subject_id for b in breaches])
    record_many(
        build((Case, handovers[b.subject_id].case_id), kind="dispatch.handover.overdue", data={}, at=now)
        for b in breaches
        if b.subject_id in handovers
    )
    for breach in breaches:
        handover = handovers.get(breach.subject_id)
        if handover is None:
            continue
        recipients = duty_managers(handover.to_team, now)
        if recipients:
            queue_notification(
                kind=notices.HANDOVER_OVERDUE,
                recipients=recipients,
                subject=_("Handover of %(number)s to %(team)s not decided in time")
                % {"number": handover.case.number, "team": handover.to_team.name},
                case=handover.case,
                payload={"handover": handover.pk},
                dedupe_key=f"handover-overdue:{handover.pk}",
            )


def on_assignment_breach(breaches: Sequence[Breach], now: dt.datetime) -> None:
    from aftersales.cases.models import Case
    from aftersales.dispatch import notices

    cases = Case.objects.select_related("team__manager").in_bulk([b.subject_id for b in breaches])
    record_many(
        build((Case, b.subject_id), kind="dispatch.unassigned.overdue", data={}, at=now)
        for b in breaches
        if b.subject_id in cases
    )
    for breach in breaches:
        case = cases.get(breach.subject_id)
        if case is None:
            continue
        recipients = duty_managers(case.team, now)
        if recipients:
            queue_notification(
                kind=notices.UNASSIGNED_OVERDUE,
                recipients=recipients,
                subject=_("Case %(number)s still unassigned") % {"number": case.number},
                case=case,
                dedupe_key=f"unassigned-overdue:{case.pk}",
            )


def register() -> None:
    registry.register(HANDOVER, label=gettext_lazy("Handover decided"), on_breach=on_handover_breach)
    registry.register(ASSIGNMENT, label=gettext_lazy("Case assigned"), on_breach=on_assignment_breach)


# --- reading ------------------------------------------------------------------------------------


def views_of(subjects, kind: str, now: dt.datetime | None = None) -> dict[int, DeadlineView]:
    """Each subject's latest deadline of `kind` as people read it, by the subject's id (one query)."""
    rows = list(subjects)
    if not rows:
        return {}
    subject_type = ContentType.objects.get_for_model(type(rows[0]))
    found = Deadline.objects.filter(subject_type=subject_type, subject_id__in=[r.pk for r in rows], kind=kind)
    latest = {d.subject_id: d for d in found.select_related("calendar").order_by("started_at", "pk")}
    return {pk: view(deadline, now) for pk, deadline in latest.items()}
