"""Every operation that changes a deadline or an alarm.

Each runs in one transaction (the caller's when there is one: the subject's service that
locked the subject's row). The rows a change depends on are locked (`select_for_update`), so a
breach is recorded once even when a service meets a deadline while a sweep claims it; the
sweep itself claims rows with `skip_locked`, so several workers never handle a row twice.

A breach and a firing are handed, in the transaction that records them, to the handler the
owning app registered for the kind (`aftersales.deadlines.registry`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from aftersales.calendars.business_time import add_business_minutes, business_minutes_between
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.core.metrics import SWEEP_DURATION
from aftersales.deadlines import registry
from aftersales.deadlines.models import RUNNING, Alarm, Deadline
from aftersales.deadlines.registry import Breach, Firing

log = logging.getLogger(__name__)

# Rows claimed per sweep and per kind of work; the rest waits for the next minute.
SWEEP_BATCH = 2000

D = TypeVar("D", bound=Deadline)


class Target(NamedTuple):
    """What to start: a kind, its business minutes and the calendar they count on."""

    kind: str
    minutes: int
    calendar: BusinessCalendar


class Scheduled(NamedTuple):
    """An alarm to schedule: its kind, unique key, time, and optionally its deadline and reference."""

    kind: str
    key: str
    fire_at: dt.datetime
    deadline: Deadline | None = None
    ref: int | None = None


def due_time(start: dt.datetime, minutes: float, calendar: BusinessCalendar) -> dt.datetime:
    """The first instant at which `minutes` of open time on `calendar` have passed since `start`."""
    return add_business_minutes(start, minutes, working_calendar(calendar))


# --- deadlines --------------------------------------------------------------------------


def start(
    subject: models.Model,
    targets: Iterable[Target],
    *,
    at: dt.datetime,
    model: type[D],
) -> list[D]:
    """Start one deadline per target on `subject` at `at`, each due when its minutes of open time
    on its calendar have passed (computed once and stored). One insert; returns the rows, saved.
    `model` is Deadline or a proxy of it (the rows are returned as such)."""
    subject_type = ContentType.objects.get_for_model(subject)
    rows = [
        model(
            subject_type=subject_type,
            subject_id=subject.pk,
            kind=target.kind,
            target_minutes=target.minutes,
            calendar=target.calendar,
            started_at=at,
            due_at=due_time(at, target.minutes, target.calendar),
        )
        for target in targets
    ]
    Deadline.objects.bulk_create(rows)
    return rows


def meet(deadlines: QuerySet[D], *, at: dt.datetime) -> list[D]:
    """The running deadlines of `deadlines` are met at `at`. One met after its due time stays
    (or becomes) breached: a breach not recorded yet is recorded now, once, and handed to its
    kind's handler. Their pending alarms are cancelled. Returns the deadlines met."""
    with transaction.atomic(savepoint=False):
        met = list(deadlines.filter(met_at=None, stopped_at=None).select_for_update(of=("self",)))
        late = []
        for deadline in met:
            deadline.met_at = at
            if at > deadline.due_at and deadline.breached_at is None:
                deadline.breached_at = deadline.due_at
                late.append(deadline)
            deadline.paused_at = None
        Deadline.objects.bulk_update(met, ["met_at", "breached_at", "paused_at"])
        if met:
            cancel_alarms(Alarm.objects.filter(deadline__in=[d.pk for d in met]), at=at)
        _dispatch_breaches([_breach(d) for d in late], at)
        return met


def stop(deadlines: QuerySet, *, at: dt.datetime) -> int:
    """The running deadlines of `deadlines` are no longer needed (neither met nor breached):
    stopped at `at`, their pending alarms cancelled. Returns how many."""
    with transaction.atomic(savepoint=False):
        running = deadlines.filter(met_at=None, stopped_at=None)
        cancel_alarms(Alarm.objects.filter(deadline__in=running.values("pk")), at=at)
        return running.update(stopped_at=at, paused_at=None)


def pause(deadlines: QuerySet, *, at: dt.datetime) -> int:
    """The running deadlines of `deadlines` stop counting at `at` (a paused deadline is never
    breached by the sweep); their pending alarms are cancelled (their owner schedules them again
    on resuming, from the moved due times). Returns how many."""
    with transaction.atomic(savepoint=False):
        running = deadlines.filter(RUNNING)
        cancel_alarms(Alarm.objects.filter(deadline__in=running.values("pk")), at=at)
        return running.update(paused_at=at)


def resume(deadlines: QuerySet[D], *, at: dt.datetime) -> list[D]:
    """The paused deadlines of `deadlines` count again from `at`: each due time moves by the
    business time spent paused on its calendar, so the business time left is what it was when
    paused; `paused_minutes` adds that paused business time. A deadline already overdue when
    paused keeps its due time (the sweep records the breach). Returns the deadlines resumed."""
    with transaction.atomic(savepoint=False):
        paused = list(
            deadlines.filter(met_at=None, stopped_at=None, paused_at__isnull=False)
            .select_related("calendar")
            .select_for_update(of=("self",))
        )
        for deadline in paused:
            assert deadline.paused_at is not None  # the query asks for paused deadlines
            deadline.due_at, spent = resumed_due(deadline, at)
            deadline.paused_minutes += spent
            deadline.paused_at = None
        Deadline.objects.bulk_update(paused, ["due_at", "paused_minutes", "paused_at"])
        return paused


def resumed_due(deadline: Deadline, at: dt.datetime) -> tuple[dt.datetime, float]:
    """(the due time of a deadline paused since `paused_at` and resumed at `at`, the business
    minutes it spent paused). Pure arithmetic on the deadline's calendar."""
    assert deadline.paused_at is not None
    calendar = working_calendar(deadline.calendar)
    spent = business_minutes_between(deadline.paused_at, at, calendar)
    if deadline.breached_at is not None or deadline.due_at <= deadline.paused_at:
        return deadline.due_at, spent
    left = business_minutes_between(deadline.paused_at, deadline.due_at, calendar)
    return add_business_minutes(at, max(left, 0), calendar), spent


class Retarget(NamedTuple):
    deadline: Deadline
    minutes: int
    calendar: BusinessCalendar


def retarget(changes: Sequence[Retarget], *, at: dt.datetime) -> list[tuple[Deadline, dt.datetime]]:
    """Give running deadlines a new target and calendar, counted from their start plus the
    business time they spent paused. One whose new due time has passed is breached (at that due
    time; a breach not recorded before is recorded now, once, and handed to its kind's handler);
    one now due in the future is no longer breached. Returns (deadline, its old due time)."""
    with transaction.atomic(savepoint=False):
        locked = set(
            Deadline.objects.filter(pk__in=[c.deadline.pk for c in changes])
            .select_for_update()
            .values_list("pk", flat=True)
        )
        moved, newly_breached = [], []
        for deadline, minutes, calendar in changes:
            if deadline.pk not in locked:
                continue
            old_due = deadline.due_at
            deadline.calendar = calendar
            deadline.target_minutes = minutes
            deadline.due_at = due_time(deadline.started_at, minutes + deadline.paused_minutes, calendar)
            was_breached = deadline.breached_at is not None
            deadline.breached_at = deadline.due_at if deadline.due_at <= at else None
            if deadline.breached_at is not None and not was_breached:
                newly_breached.append(deadline)
            moved.append((deadline, old_due))
        Deadline.objects.bulk_update([d for d, _old in moved], ["calendar", "target_minutes", "due_at", "breached_at"])
        _dispatch_breaches([_breach(d) for d in newly_breached], at)
        return moved


# --- alarms -----------------------------------------------------------------------------


def schedule(subject: models.Model, alarms: Iterable[Scheduled], *, new_subject: bool = False) -> None:
    """Schedule alarms on `subject`, one per key: a key not seen before is inserted; a pending
    or cancelled alarm of that key moves to the new time and is pending again; one that fired
    stays fired (an alarm fires once). `new_subject`: the subject was created in this
    transaction, so it has no alarms yet and they are written in one insert."""
    alarms = list(alarms)
    subject_type = ContentType.objects.get_for_model(subject)
    with transaction.atomic(savepoint=False):
        if new_subject:
            Alarm.objects.bulk_create([_alarm(subject_type, subject.pk, alarm) for alarm in alarms])
            return
        existing = dict(
            Alarm.objects.filter(key__in=[a.key for a in alarms]).select_for_update().values_list("key", "fired_at")
        )
        for alarm in alarms:
            if alarm.key not in existing:
                _alarm(subject_type, subject.pk, alarm).save(force_insert=True)
            elif existing[alarm.key] is None:
                Alarm.objects.filter(key=alarm.key, fired_at=None).update(fire_at=alarm.fire_at, cancelled_at=None)


def fire_now(subject: models.Model, alarm: Scheduled, *, at: dt.datetime | None = None) -> Alarm | None:
    """Fire an alarm at once, in the caller's transaction, unless its key exists already (an
    alarm fires once): recorded as fired at `at` and handed to its kind's handler. Returns the
    alarm, or None when the key was there before."""
    at = at or timezone.now()
    with transaction.atomic(savepoint=False):
        row, created = Alarm.objects.get_or_create(
            key=alarm.key,
            defaults={
                "subject_type": ContentType.objects.get_for_model(subject),
                "subject_id": subject.pk,
                "kind": alarm.kind,
                "fire_at": at,
                "fired_at": at,
                "deadline": alarm.deadline,
                "ref": alarm.ref,
            },
        )
        if not created:
            return None
        _dispatch_firings([_firing(row, alarm.deadline)], at)
        return row


def cancel_alarms(alarms: QuerySet[Alarm], *, at: dt.datetime) -> int:
    """Pending alarms of `alarms` will not fire (scheduling the key again revives one)."""
    return alarms.filter(fired_at=None, cancelled_at=None).update(cancelled_at=at)


def _alarm(subject_type: ContentType, subject_id: int, alarm: Scheduled) -> Alarm:
    return Alarm(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=alarm.kind,
        key=alarm.key,
        fire_at=alarm.fire_at,
        deadline=alarm.deadline,
        ref=alarm.ref,
    )


# --- the sweep --------------------------------------------------------------------------


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic job: record the breach of every running deadline due by `now` and fire
    every pending alarm due by `now`, each handed to its kind's handler. Found through the
    due-soon partial indexes, never by reading every subject; each row claimed with
    `skip_locked`, so several workers at once handle each breach and each alarm exactly once.
    Returns how many of each it handled (at most SWEEP_BATCH of each per call)."""
    done = sweep_by_kind(now=now)
    return {"breaches": done.breaches, "alarms": done.alarms}


class Swept(NamedTuple):
    """What one sweep handled: breaches recorded, and alarms fired per kind."""

    breaches: int
    fired: Counter[str]

    @property
    def alarms(self) -> int:
        return sum(self.fired.values())


def sweep_by_kind(*, now: dt.datetime | None = None, alarm_kinds: Iterable[str] | None = None) -> Swept:
    """The sweep, saying how many alarms of each kind fired (an app reports its own kinds).
    `alarm_kinds`: fire only the alarms of these kinds, and record no breach (an app's own step,
    e.g. `sla.suspensions.remind_suspension_ends`); the others wait for the full sweep."""
    now = now or timezone.now()
    if alarm_kinds is not None:
        return Swept(0, fire_due_alarms(now, kinds=alarm_kinds))
    with SWEEP_DURATION.time():
        return Swept(sweep_breaches(now), fire_due_alarms(now))


@transaction.atomic
def sweep_breaches(now: dt.datetime) -> int:
    # Plain tuples, not model instances: building a thousand rows costs more than the query.
    due = [
        Breach(*row)
        for row in Deadline.objects.select_for_update(skip_locked=True)
        .filter(RUNNING, breached_at=None, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", "kind", "subject_type_id", "subject_id", "due_at")[:SWEEP_BATCH]
    ]
    if not due:
        return 0
    Deadline.objects.filter(pk__in=[breach.pk for breach in due]).update(breached_at=F("due_at"))
    _dispatch_breaches(due, now)
    return len(due)


def sweep_alarms(now: dt.datetime) -> int:
    return sum(fire_due_alarms(now).values())


@transaction.atomic
def fire_due_alarms(now: dt.datetime, *, kinds: Iterable[str] | None = None) -> Counter[str]:
    """Fire every pending alarm due by `now` (of `kinds`, if given), each once; how many per kind."""
    pending = Alarm.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        fired_at=None, cancelled_at=None, fire_at__lte=now
    )
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    due = [
        Firing(*row)
        for row in pending.order_by("fire_at").values_list(
            "pk", "kind", "subject_type_id", "subject_id", "ref", "deadline_id", "deadline__kind", "fire_at"
        )[:SWEEP_BATCH]
    ]
    if not due:
        return Counter()
    Alarm.objects.filter(pk__in=[firing.pk for firing in due]).update(fired_at=now)
    _dispatch_firings(due, now)
    return Counter(firing.kind for firing in due)


def _breach(deadline: Deadline) -> Breach:
    assert deadline.pk is not None
    return Breach(deadline.pk, deadline.kind, deadline.subject_type_id, deadline.subject_id, deadline.due_at)


def _firing(alarm: Alarm, deadline: Deadline | None) -> Firing:
    return Firing(
        alarm.pk,
        alarm.kind,
        alarm.subject_type_id,
        alarm.subject_id,
        alarm.ref,
        alarm.deadline_id,
        deadline.kind if deadline is not None else None,
        alarm.fire_at,
    )


def _dispatch_breaches(breaches: Sequence[Breach], now: dt.datetime) -> None:
    for handler, batch in _by_handler(breaches, "on_breach").items():
        handler(batch, now)


def _dispatch_firings(firings: Sequence[Firing], now: dt.datetime) -> None:
    for handler, batch in _by_handler(firings, "on_fire").items():
        handler(batch, now)


T = TypeVar("T", Breach, Firing)


def _by_handler(rows: Sequence[T], role: str) -> dict[Callable[[Sequence[T], dt.datetime], None], list[T]]:
    """The rows grouped by the handler their kind registered: kinds sharing one handler (the
    nine case clocks) are handed over in one call, so it writes them in one statement."""
    groups: dict[Callable[[Sequence[T], dt.datetime], None], list[T]] = defaultdict(list)
    unhandled: Counter[str] = Counter()
    for row in rows:
        handler = getattr(registry.get(row.kind), role)
        if handler is None:
            unhandled[row.kind] += 1
        else:
            groups[handler].append(row)
    for kind, count in unhandled.items():
        log.warning("kind %s has no %s handler: %d row(s) marked only", kind, role, count)
    return groups
