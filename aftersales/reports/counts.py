"""The dashboard's figures for many months at once, counted by the database.

`kpis.summary` gives one period's KPIs with the ids of the cases behind each figure (the lists
the figures open); the dashboard shows only how many, for thirteen months at a time. Counting
them with grouped queries (one per kind of record, whatever the number of months) gives the
same figures without reading every clock into Python: `tests/reports/test_figures.py` checks
each count against `kpis.summary` on the hand-built month and on random data.

The rules are those of `kpis` (docs/kpis.md): `kpis.outcome_conditions` is `kpis.clock_outcome`
written as conditions; months are local months in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Case as DbCase
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from aftersales.cases.models import Case, Kind, Severity
from aftersales.reports import kpis
from aftersales.reports.kpis import CUSTOMER_CHANNELS, SHANGHAI, Period, outcome_conditions
from aftersales.sla.models import Clock, ClockKind


@dataclass
class Tally:
    """A ratio's counts: `timely` and `late` as `kpis.Ratio` counts them (clocks, or cases for
    the repair rates), `counted` the distinct cases decided (Ratio.counted)."""

    timely: int = 0
    late: int = 0
    pending: int = 0
    counted: int = 0

    @property
    def rate(self) -> float | None:
        total = self.timely + self.late
        return self.timely / total if total else None


# The clocks counted per start month (kpis.clock_timeliness); repair is per fault, below.
CLOCK_RATIOS = {
    ClockKind.RESPONSE: "response",
    ClockKind.FIRST_CONTACT: "first_contact",
    ClockKind.SIGN_OFF: "sign_off",
    ClockKind.PROGRESS: "progress",
    ClockKind.FAULT_REPORT: "fault_report",
}


@dataclass
class MonthFigures:
    period: Period
    faults: int = 0
    repair: Tally = field(default_factory=Tally)
    no_restore_limit: int = 0
    response: Tally = field(default_factory=Tally)
    first_contact: Tally = field(default_factory=Tally)
    sign_off: Tally = field(default_factory=Tally)
    progress: Tally = field(default_factory=Tally)
    fault_report: Tally = field(default_factory=Tally)
    major_count: int = 0
    major_minutes: float | None = None  # only for the months asked with `durations`
    customer_reported: int = 0
    customer_repair: Tally = field(default_factory=Tally)
    complaints: int = 0


def _month_key(value) -> tuple[int, int]:
    """TruncMonth gives a date on SQLite and an aware datetime on PostgreSQL."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(SHANGHAI)
    return value.year, value.month


def month_figures(
    cases: QuerySet[Case], months: list[Period], *, as_of: dt.datetime, durations: Sequence[Period] = ()
) -> dict[Period, MonthFigures]:
    """The dashboard's figures of each month in `months` over `cases` (from `report_cases`), read
    at `as_of`: five queries however many months; the major faults' hours (from the timeline)
    only for the months in `durations`."""
    figures = {(m.first.year, m.first.month): MonthFigures(m) for m in months}
    start, end = min(m.start for m in months), max(m.end for m in months)
    _count_cases(cases, figures, start, end, as_of)
    _count_clocks(cases, figures, start, end, as_of)
    for period in durations:
        major = kpis.major_faults(cases, period, as_of=as_of)
        figures[(period.first.year, period.first.month)].major_minutes = major.total_minutes
    return {row.period: row for row in figures.values()}


# A fault's repair outcome over all its restore clocks (kpis.repair_timeliness): any late clock
# makes it late, else any pending one pending, else any met one timely; none of them (no
# restore limit, or stopped unmet) counts nowhere. As the largest code of its clocks:
LATE, PENDING, TIMELY, NO_LIMIT = 3, 2, 1, 0


def repair_state(as_of: dt.datetime) -> Subquery:
    """The fault's repair outcome code, from its restore clocks (one index look-up per fault)."""
    outcome = outcome_conditions(as_of)
    code = DbCase(
        When(outcome["late"], then=Value(LATE)),
        When(outcome["pending"], then=Value(PENDING)),
        When(outcome["timely"], then=Value(TIMELY)),
        default=Value(NO_LIMIT),
    )
    restore = Clock.objects.filter(kind=ClockKind.RESTORE, subject_id=OuterRef("pk"))
    return Subquery(restore.values("subject_id").annotate(state=Max(code)).values("state")[:1])


def _count_cases(cases, figures, start, end, as_of) -> None:
    """Faults, customer-reported faults, majors, complaints and the repair rates, by month: the
    faults grouped by month, repair outcome, channel and severity (a few hundred rows)."""
    opened = cases.filter(opened_at__gte=start, opened_at__lt=end)
    rows = (
        opened.filter(kind=Kind.FAULT)
        .annotate(
            month=TruncMonth("opened_at", tzinfo=SHANGHAI),
            state=Coalesce(repair_state(as_of), Value(NO_LIMIT)),
            reported=DbCase(When(channel__in=CUSTOMER_CHANNELS, then=Value(1)), default=Value(0)),
            major=DbCase(When(severity=Severity.A, then=Value(1)), default=Value(0)),
        )
        .values("month", "state", "reported", "major")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        month = figures.get(_month_key(row["month"]))
        if month is None:
            continue
        n = row["n"]
        month.faults += n
        month.major_count += n * row["major"]
        tallies = [month.repair, month.customer_repair] if row["reported"] else [month.repair]
        month.customer_reported += n * row["reported"]
        for tally in tallies:
            if row["state"] == LATE:
                tally.late += n
                tally.counted += n
            elif row["state"] == PENDING:
                tally.pending += n
            elif row["state"] == TIMELY:
                tally.timely += n
                tally.counted += n
        if row["state"] == NO_LIMIT:
            month.no_restore_limit += n
    complaints = (
        opened.filter(kind=Kind.COMPLAINT)
        .annotate(month=TruncMonth("opened_at", tzinfo=SHANGHAI))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in complaints:
        if (month := figures.get(_month_key(row["month"]))) is not None:
            month.complaints = row["n"]


def _count_clocks(cases, figures, start, end, as_of) -> None:
    """Each clock of the timeliness ratios by the month it started (kpis.clock_timeliness)."""
    outcome = outcome_conditions(as_of)
    rows = (
        Clock.objects.filter(
            kind__in=list(CLOCK_RATIOS),
            subject_id__in=cases.values("pk"),
            started_at__gte=start,
            started_at__lt=end,
        )
        .annotate(month=TruncMonth("started_at", tzinfo=SHANGHAI))
        .values("kind", "month")
        .annotate(
            timely=Count("pk", filter=outcome["timely"]),
            late=Count("pk", filter=outcome["late"]),
            pending=Count("pk", filter=outcome["pending"]),
            counted=Count("subject_id", filter=outcome["timely"] | outcome["late"], distinct=True),
        )
        .order_by()
    )
    for row in rows:
        if (month := figures.get(_month_key(row["month"]))) is not None:
            tally = Tally(row["timely"], row["late"], row["pending"], row["counted"])
            setattr(month, CLOCK_RATIOS[row["kind"]], tally)
