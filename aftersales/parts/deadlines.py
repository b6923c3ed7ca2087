"""The defective part's return deadline on the deadlines mechanism (docs/deadlines.md, S4: back
with the vendor within ten working days of receiving the good part).

Receiving the good part starts a deadline of kind `parts.rma_return` on the RMA: it counts from
midnight after the day of receipt, ten working days on the 5×24 calendar (public holidays and
make-up days respected, Beijing time), so it falls due at the end of the tenth working day. An
alarm warns the branch's parts clerks two working days before; a breach is recorded once on the
RMA's timeline and escalates once to the branch's parts clerks and the service-centre managers.
Shipping the defective part back meets the deadline; cancelling the RMA stops it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy

from aftersales.calendars.models import BusinessCalendar
from aftersales.deadlines import queries as deadline_queries
from aftersales.deadlines import registry
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.models import Deadline
from aftersales.deadlines.registry import Breach, Firing
from aftersales.deadlines.services import Scheduled, Target, due_time
from aftersales.timeline import services as timeline

RETURN = "parts.rma_return"
WARNING = "parts.rma_return.warning"
RETURN_WORKING_DAYS = 10
WARN_WORKING_DAYS_BEFORE = 2
CALENDAR_CODE = "5x24"
DAY_MINUTES = 24 * 60
BEIJING = ZoneInfo("Asia/Shanghai")


def return_calendar() -> BusinessCalendar:
    """The working-day calendar the rule counts on: 5×24 with public holidays and 调休."""
    calendar, _created = BusinessCalendar.objects.get_or_create(
        code=CALENDAR_CODE, defaults={"name": "5×24 工作日全天", "kind": BusinessCalendar.Kind.H5X24}
    )
    return calendar


def counting_from(received_at: dt.datetime) -> dt.datetime:
    """The day of receipt does not count: the working days count from the next midnight."""
    day = received_at.astimezone(BEIJING).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING)


def return_due(received_at: dt.datetime) -> dt.datetime:
    """The arithmetic alone: when a part received at `received_at` is due back."""
    return due_time(counting_from(received_at), RETURN_WORKING_DAYS * DAY_MINUTES, return_calendar())


def warning_key(rma_pk: int) -> str:
    return f"rma-return-warning:{rma_pk}"


def start_return_deadline(rma) -> Deadline:
    """Start the RMA's return deadline and schedule its warning, in the caller's transaction
    (the RMA service's, holding the RMA's row)."""
    assert rma.good_received_at is not None
    calendar = return_calendar()
    start = counting_from(rma.good_received_at)
    (deadline,) = deadlines.start(
        rma, [Target(RETURN, RETURN_WORKING_DAYS * DAY_MINUTES, calendar)], at=start, model=Deadline
    )
    warn_at = due_time(start, (RETURN_WORKING_DAYS - WARN_WORKING_DAYS_BEFORE) * DAY_MINUTES, calendar)
    deadlines.schedule(rma, [Scheduled(WARNING, warning_key(rma.pk), warn_at, deadline)])
    return deadline


def return_deadlines(rma):
    return deadline_queries.for_subject(rma, kinds=[RETURN])


def return_deadline(rma) -> Deadline | None:
    """The RMA's return deadline (the latest started), or None before the good part arrived."""
    return return_deadlines(rma).order_by("-started_at", "-pk").first()


def meet_return_deadline(rma, *, at: dt.datetime) -> None:
    deadlines.meet(return_deadlines(rma), at=at)


def stop_return_deadline(rma, *, at: dt.datetime) -> None:
    deadlines.stop(return_deadlines(rma), at=at)


def on_breach(breaches: Sequence[Breach], now: dt.datetime) -> None:
    """Each defective part not back in time, once: a timeline entry on the RMA and one message
    to the branch's parts clerks and the service-centre managers."""
    from aftersales.parts.models import Rma
    from aftersales.parts.notices import queue_rma_return_overdue

    rmas = Rma.objects.select_related("warehouse", "vendor").in_bulk([b.subject_id for b in breaches])
    timeline.record_many(
        timeline.build((Rma, b.subject_id), kind="parts.rma.overdue", data={"due_at": b.due_at.isoformat()}, at=now)
        for b in breaches
        if b.subject_id in rmas
    )
    for breach in breaches:
        rma = rmas.get(breach.subject_id)
        if rma is not None:
            queue_rma_return_overdue(rma)


def on_warning(firings: Sequence[Firing], now: dt.datetime) -> None:
    """Two working days left: the branch's parts clerks are reminded, once."""
    from aftersales.parts.models import Rma
    from aftersales.parts.notices import queue_rma_return_due_soon

    rmas = Rma.objects.select_related("warehouse", "vendor").in_bulk([f.subject_id for f in firings])
    timeline.record_many(
        timeline.build((Rma, f.subject_id), kind="parts.rma.return_warning", data={}, at=now)
        for f in firings
        if f.subject_id in rmas
    )
    for firing in firings:
        rma = rmas.get(firing.subject_id)
        # Not for a part already overdue (received late in the records): the breach says more.
        still_due = rma is not None and (rma.return_due_at is None or rma.return_due_at > now)
        if rma is not None and rma.status == Rma.Status.RECEIVED and still_due:
            queue_rma_return_due_soon(rma)


def register() -> None:
    registry.register(
        RETURN, label=gettext_lazy("Defective part back with the vendor"), on_breach=on_breach, unit=registry.DAYS
    )
    registry.register(WARNING, label=gettext_lazy("Defective part due back soon"), on_fire=on_warning)


def with_return_views(rmas, now: dt.datetime | None = None) -> list:
    """The RMAs (already scoped to the reader) each with `return_view`: its return deadline as
    people read it ("剩余 3 个工作日", red when breached), or None before the part arrived. One
    query for all their deadlines."""
    from django.contrib.contenttypes.models import ContentType

    from aftersales.deadlines.display import view
    from aftersales.parts.models import Rma

    rows = list(rmas)
    latest: dict[int, Deadline] = {}
    found = Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(Rma), subject_id__in=[r.pk for r in rows], kind=RETURN
    ).select_related("calendar")
    for deadline in found.order_by("started_at", "pk"):
        latest[deadline.subject_id] = deadline
    for rma in rows:
        deadline = latest.get(rma.pk)
        rma.return_view = view(deadline, now) if deadline is not None else None
    return rows
