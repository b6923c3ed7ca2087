"""The KPIs (docs/kpis.md), computed from the records: the case rows, their service clocks
(`sla.Clock`, deadlines of the deadlines mechanism) and their timeline. No counter is kept by
hand: every figure can be recomputed for any past period and filter.

Every function starts from `report_cases(user, filters)`, the caller's visible cases
(`visible_cases`) narrowed by the filters, so a customer's manager sees their own company's
figures and nobody learns another customer's. Period boundaries are local days in Asia/Shanghai;
the data is stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from aftersales.cases.models import Case, CaseEvent, Channel, EventKind, Kind, Severity, Status
from aftersales.cases.queries import visible_cases
from aftersales.field.models import Visit
from aftersales.sla.models import Clock, ClockKind

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Duplicates and mistakes are not service: they count nowhere.
NOT_COUNTED = (Status.CANCELLED, Status.MERGED)
# 用户申告: what the customer told us (not what a monitoring alarm or a system opened).
CUSTOMER_CHANNELS = (Channel.PHONE, Channel.FAX, Channel.EMAIL, Channel.WEB)


# --- period and filters ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days [first, last] in Asia/Shanghai; `start`/`end` the UTC instants bounding them."""

    first: dt.date
    last: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(dt.date(year, month, 1), following - dt.timedelta(days=1))

    @classmethod
    def month_of(cls, moment: dt.datetime) -> Period:
        local = moment.astimezone(SHANGHAI)
        return cls.month(local.year, local.month)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI).astimezone(dt.UTC)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        """The quarter `number` (1-4) of `year`: three whole months."""
        first = Period.month(year, 3 * number - 2)
        return cls(first.first, Period.month(year, 3 * number).last)

    @classmethod
    def quarter_of(cls, moment: dt.datetime) -> Period:
        local = moment.astimezone(SHANGHAI)
        return cls.quarter(local.year, (local.month - 1) // 3 + 1)

    @property
    def quarter_number(self) -> int:
        return (self.first.month - 1) // 3 + 1

    def previous_quarter(self) -> Period:
        before = self.first - dt.timedelta(days=1)
        return Period.quarter(before.year, (before.month - 1) // 3 + 1)

    def previous_month(self) -> Period:
        before = self.first - dt.timedelta(days=1)
        return Period.month(before.year, before.month)

    def a_year_before(self) -> Period:
        return Period.month(self.first.year - 1, self.first.month)

    def months_back(self, count: int) -> list[Period]:
        """The `count` months ending with this one, oldest first."""
        months = [self]
        while len(months) < count:
            months.append(months[-1].previous_month())
        return months[::-1]

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Filters:
    customer_id: int | None = None
    team_id: int | None = None
    region: str = ""
    severity: str = ""


def report_cases(user, filters: Filters | None = None) -> QuerySet[Case]:
    """The cases a report about `user`'s view may count: visible to them, narrowed by the filters,
    never a cancelled or merged one."""
    filters = filters or Filters()
    cases = visible_cases(user).exclude(status__in=NOT_COUNTED)
    if filters.customer_id:
        cases = cases.filter(customer_id=filters.customer_id)
    if filters.team_id:
        cases = cases.filter(team_id=filters.team_id)
    if filters.region:
        cases = cases.filter(site__region=filters.region)
    if filters.severity:
        cases = cases.filter(severity=filters.severity)
    return cases


def opened_in(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    return cases.filter(opened_at__gte=period.start, opened_at__lt=period.end)


def faults(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Fault cases counted in `period`: those opened in it (local time)."""
    return opened_in(cases, period).filter(kind=Kind.FAULT)


# --- ratios ------------------------------------------------------------------------------


@dataclass
class Ratio:
    """`timely` of `counted`, the ids behind each (for the links to the queue); `pending` are
    not decided yet (running, or paused by a suspension, and not overdue) and count in neither."""

    timely: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)

    @property
    def counted(self) -> list[int]:
        return sorted({*self.timely, *self.late})

    @property
    def rate(self) -> float | None:
        """None when nothing was counted: "no data", never 0 % nor 100 %."""
        total = len(self.timely) + len(self.late)
        return len(self.timely) / total if total else None


def clock_outcome(clock: Clock, as_of: dt.datetime) -> str | None:
    """'timely', 'late', 'pending', or None for a clock stopped unmet (no longer needed).

    Paused time never counts against a clock: resuming moved its due time by the business time
    spent paused (deadlines.resume), so `met_at <= due_at` already allows for it."""
    if clock.breached_at is not None or (clock.met_at is not None and clock.met_at > clock.due_at):
        return "late"
    if clock.met_at is not None:
        return "timely"
    if clock.stopped_at is not None:
        return None
    if clock.paused_at is None and clock.due_at <= as_of:
        return "late"  # overdue, the sweep has not marked it yet
    return "pending"


def outcome_conditions(as_of: dt.datetime) -> dict[str, Q]:
    """`clock_outcome` as three exclusive conditions on a clock (a clock in none of them was
    stopped unmet and counts nowhere)."""
    late = (
        Q(breached_at__isnull=False)
        | Q(met_at__isnull=False, met_at__gt=F("due_at"))
        | Q(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True, due_at__lte=as_of)
    )
    timely = Q(breached_at__isnull=True, met_at__isnull=False, met_at__lte=F("due_at"))
    pending = Q(breached_at__isnull=True, met_at__isnull=True, stopped_at__isnull=True) & (
        Q(paused_at__isnull=False) | Q(due_at__gt=as_of)
    )
    return {"late": late, "timely": timely, "pending": pending}


def clock_timeliness(cases: QuerySet[Case], period: Period, kind: str, *, as_of: dt.datetime) -> Ratio:
    """Each clock of `kind` started in `period` counts once (a reopened case's new clock counts
    on its own), by the case's id."""
    clocks = Clock.objects.filter(
        kind=kind, subject_id__in=cases.values("pk"), started_at__gte=period.start, started_at__lt=period.end
    )
    ratio = Ratio()
    for clock in clocks.order_by("started_at", "pk"):
        outcome = clock_outcome(clock, as_of)
        if outcome is not None:
            getattr(ratio, outcome).append(clock.subject_id)
    return ratio


def repair_timeliness(fault_cases: QuerySet[Case], *, as_of: dt.datetime) -> Ratio:
    """故障修复及时率: a fault is timely when every restore clock it had (one at opening, one
    more per reopening) was met by its due time; late when any was missed; pending while one
    runs. Faults without a restore limit (severities whose targets have none) are not counted
    (`without_restore_limit`)."""
    outcomes: dict[int, list[str]] = defaultdict(list)
    for clock in Clock.objects.filter(kind=ClockKind.RESTORE, subject_id__in=fault_cases.values("pk")):
        outcome = clock_outcome(clock, as_of)
        if outcome is not None:
            outcomes[clock.subject_id].append(outcome)
    ratio = Ratio()
    for case_id, seen in sorted(outcomes.items()):
        if "late" in seen:
            ratio.late.append(case_id)
        elif "pending" in seen:
            ratio.pending.append(case_id)
        else:
            ratio.timely.append(case_id)
    return ratio


# --- fault durations (历时), from the timeline ----------------------------------------------


def outage_intervals(case: Case, events: Iterable[CaseEvent], *, as_of: dt.datetime) -> list[tuple]:
    """The spans during which the fault was open and not suspended: from opening (or a
    reopening) to the resolution, less the time spent suspended; an open one runs to `as_of`."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    since: dt.datetime | None = case.opened_at
    for event in events:
        target = event.data.get("to_status")
        if target in (Status.RESOLVED, Status.CLOSED, Status.SUSPENDED, *NOT_COUNTED):
            if since is not None and event.created_at > since:
                spans.append((since, event.created_at))
            since = None
        elif since is None and target in (Status.REOPENED, Status.IN_PROGRESS, Status.ACCEPTED):
            since = event.created_at
    if since is not None and as_of > since:
        spans.append((since, as_of))
    return spans


def _status_events(case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.filter(case__in=case_ids, kind=EventKind.STATUS).order_by("created_at", "pk"):
        events[event.subject_id].append(event)
    return events


def outage_minutes(cases: Iterable[Case], *, as_of: dt.datetime, within: Period | None = None) -> dict[int, float]:
    """Minutes of fault per case (clipped to `within` when given)."""
    cases = list(cases)
    events = _status_events([case.pk for case in cases])
    minutes: dict[int, float] = {}
    for case in cases:
        total = 0.0
        for begin, end in outage_intervals(case, events.get(case.pk, []), as_of=as_of):
            if within is not None:
                begin, end = max(begin, within.start), min(end, within.end)
            if end > begin:
                total += (end - begin).total_seconds() / 60
        minutes[case.pk] = total
    return minutes


@dataclass
class MajorFaults:
    """重大故障次数和历时: severity-A faults opened in the period and how long each lasted."""

    minutes: dict[int, float]

    @property
    def count(self) -> int:
        return len(self.minutes)

    @property
    def total_minutes(self) -> float:
        return sum(self.minutes.values())


def major_faults(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> MajorFaults:
    majors = faults(cases, period).filter(severity=Severity.A)
    return MajorFaults(outage_minutes(majors, as_of=as_of))


@dataclass
class Availability:
    """系统可用率 of one customer system (an installed piece of equipment)."""

    equipment_id: int
    customer_id: int
    outage_minutes: float
    period_minutes: float
    case_ids: list[int]

    @property
    def rate(self) -> float:
        return 1 - self.outage_minutes / self.period_minutes


def availability(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> list[Availability]:
    """Per system with a severity-A fault (system down) overlapping the period: the share of the
    period's minutes it was not down. Suspended time is not down time; a system with no such
    fault is available 100 % and not listed."""
    down = cases.filter(kind=Kind.FAULT, severity=Severity.A, equipment__isnull=False, opened_at__lt=period.end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start)
    )
    down_list = list(down)
    minutes = outage_minutes(down_list, as_of=min(as_of, period.end), within=period)
    rows: dict[int, Availability] = {}
    for case in down_list:
        assert case.equipment_id is not None
        row = rows.setdefault(
            case.equipment_id, Availability(case.equipment_id, case.customer_id, 0.0, period.minutes, [])
        )
        if minutes[case.pk] > 0:
            row.outage_minutes += minutes[case.pk]
            row.case_ids.append(case.pk)
    return sorted((row for row in rows.values() if row.case_ids), key=lambda row: row.rate)


# --- breakdowns --------------------------------------------------------------------------

BREAKDOWNS = {
    "severity": "severity",
    "category": "equipment__product_model__category",
    "product_model": "equipment__product_model__name",
    "vendor": "equipment__vendor__name",
    "region": "site__region",
}


def faults_by(cases: QuerySet[Case], period: Period, dimension: str) -> list[tuple[str, int]]:
    """Faults of the period counted by one dimension (BREAKDOWNS), largest first; "" is unknown."""
    column = BREAKDOWNS[dimension]
    rows = faults(cases, period).values(column).annotate(n=Count("pk")).order_by("-n", column)
    return [(row[column] or "", row["n"]) for row in rows]


def customer_reported(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(channel__in=CUSTOMER_CHANNELS)


def complaints(cases: QuerySet[Case], period: Period) -> list[int]:
    return list(opened_in(cases, period).filter(kind=Kind.COMPLAINT).order_by("pk").values_list("pk", flat=True))


def satisfaction(cases: QuerySet[Case], period: Period) -> float | None:
    """No surveys are recorded yet: "no data"."""
    return None


# Reports with a deadline: the fault report (2 working days after resolution) is a clock now;
# the monthly and quarterly customer reports join when they are produced by the system.
REPORT_CLOCKS: dict[str, str] = {"fault_report": ClockKind.FAULT_REPORT}


def report_timeliness(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> dict[str, Ratio]:
    return {name: clock_timeliness(cases, period, kind, as_of=as_of) for name, kind in REPORT_CLOCKS.items()}


# --- engineer assessment -----------------------------------------------------------------


@dataclass
class EngineerFigures:
    user_id: int
    name: str
    resolved: list[int] = field(default_factory=list)
    clocks_met: int = 0
    clocks_breached: int = 0
    visits: int = 0
    restore_minutes: list[float] = field(default_factory=list)

    @property
    def average_restore_minutes(self) -> float | None:
        return sum(self.restore_minutes) / len(self.restore_minutes) if self.restore_minutes else None

    @property
    def average_restore_hours(self) -> float | None:
        minutes = self.average_restore_minutes
        return None if minutes is None else minutes / 60


def engineer_assessment(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> list[EngineerFigures]:
    """Per engineer: the cases they resolved in the period (the timeline's resolution entries,
    by who resolved), the clocks of the cases they own decided in the period (met on time, or
    breached), the site visits they arrived at, and the average fault time of what they resolved."""
    figures: dict[int, EngineerFigures] = {}

    def of(user_id: int) -> EngineerFigures:
        if user_id not in figures:
            figures[user_id] = EngineerFigures(user_id, "")
        return figures[user_id]

    resolutions = CaseEvent.objects.filter(
        case__in=cases.values("pk"),
        kind=EventKind.STATUS,
        created_at__gte=period.start,
        created_at__lt=period.end,
        actor__isnull=False,
    ).filter(to_status=Status.RESOLVED)
    resolved_by: dict[int, list[int]] = defaultdict(list)
    for event in resolutions.order_by("created_at", "pk"):
        resolved_by[event.actor_id].append(event.subject_id)
    resolved_faults = cases.filter(pk__in=[pk for ids in resolved_by.values() for pk in ids], kind=Kind.FAULT)
    minutes = outage_minutes(resolved_faults, as_of=as_of)
    for user_id, ids in resolved_by.items():
        row = of(user_id)
        row.resolved = list(dict.fromkeys(ids))
        row.restore_minutes = [minutes[pk] for pk in dict.fromkeys(ids) if pk in minutes]

    # Counted by the database, per owner: a year of clocks never comes into Python.
    decided = (
        Clock.objects.filter(subject_id__in=cases.filter(owner__isnull=False).values("pk"))
        .filter(
            Q(met_at__gte=period.start, met_at__lt=period.end)
            | Q(breached_at__gte=period.start, breached_at__lt=period.end)
        )
        .annotate(owner_id=Subquery(Case.objects.filter(pk=OuterRef("subject_id")).values("owner_id")[:1]))
        .values("owner_id")
        .annotate(decided=Count("pk"), late=Count("pk", filter=outcome_conditions(as_of)["late"]))
        .order_by()
    )
    for owner in decided:
        row = of(owner["owner_id"])
        row.clocks_breached += owner["late"]
        row.clocks_met += owner["decided"] - owner["late"]

    visits = Visit.objects.filter(
        case__in=cases.values("pk"), arrived_at__gte=period.start, arrived_at__lt=period.end
    ).values_list("engineers", flat=True)
    for engineer_id in visits:
        if engineer_id is not None:
            of(engineer_id).visits += 1
    for user in get_user_model().objects.filter(pk__in=list(figures)):  # the names, in one query
        figures[user.pk].name = str(user)
    return sorted(figures.values(), key=lambda row: (-len(row.resolved), row.name))


# --- everything for one period -----------------------------------------------------------


@dataclass
class Summary:
    period: Period
    faults: list[int]
    repair: Ratio
    no_restore_limit: list[int]
    response: Ratio
    first_contact: Ratio
    sign_off: Ratio
    progress: Ratio
    major: MajorFaults
    customer_reported: list[int]
    customer_repair: Ratio
    complaints: list[int]
    satisfaction: float | None
    reports: dict[str, Ratio]


def summary(cases: QuerySet[Case], period: Period, *, as_of: dt.datetime) -> Summary:
    """The headline KPIs of one period over `cases` (from `report_cases`)."""
    period_faults = faults(cases, period)
    reported = customer_reported(period_faults)
    repair = repair_timeliness(period_faults, as_of=as_of)
    judged = {*repair.counted, *repair.pending}
    return Summary(
        period=period,
        faults=list(period_faults.order_by("pk").values_list("pk", flat=True)),
        repair=repair,
        no_restore_limit=[pk for pk in period_faults.order_by("pk").values_list("pk", flat=True) if pk not in judged],
        response=clock_timeliness(cases, period, ClockKind.RESPONSE, as_of=as_of),
        first_contact=clock_timeliness(cases, period, ClockKind.FIRST_CONTACT, as_of=as_of),
        sign_off=clock_timeliness(cases, period, ClockKind.SIGN_OFF, as_of=as_of),
        progress=clock_timeliness(cases, period, ClockKind.PROGRESS, as_of=as_of),
        major=major_faults(cases, period, as_of=as_of),
        customer_reported=list(reported.order_by("pk").values_list("pk", flat=True)),
        customer_repair=repair_timeliness(reported, as_of=as_of),
        complaints=complaints(cases, period),
        satisfaction=satisfaction(cases, period),
        reports=report_timeliness(cases, period, as_of=as_of),
    )
