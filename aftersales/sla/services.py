"""Service clocks and escalations.

The case services call these hooks inside their own transaction:
`start_clocks` at intake, `meet` when an act satisfies a clock, `progress_noted`,
`stop_clocks` when a case is finished, `pause`/`resume` around a suspension,
`severity_changed`. `sweep` is the periodic job: it marks breaches and fires escalations,
claiming work with row locks (`skip_locked`) so several workers never do anything twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.calendars.business_time import add_business_minutes, business_minutes_between
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.cases.events import case_event
from aftersales.cases.models import Case, EventKind, Severity, Status
from aftersales.contracts.models import Coverage
from aftersales.sla.models import (
    Clock,
    ClockKind,
    ClockStart,
    Escalation,
    EscalationRule,
    NoContractCoverage,
    ServiceTarget,
)
from aftersales.timeline.models import Entry
from aftersales.timeline.services import record_many

# Narrowest first: a contract's coverage can only narrow a target's calendar.
_WIDTH: dict[str, int] = {BusinessCalendar.Kind.H5X8: 0, BusinessCalendar.Kind.H5X24: 1, BusinessCalendar.Kind.H7X24: 2}
# Coverage of a case without a contract when its severity has no row (administration → coverage
# without a contract).
NO_CONTRACT_COVERAGE = Coverage.H5X8
SWEEP_BATCH = 2000


# --- which calendar a clock runs on -----------------------------------------------------


def coverage_calendar_code(case: Case) -> str:
    """The service hours the customer is entitled to for this case (see docs/sla.md): the
    contract's, or for a case without one (in warranty or chargeable) the administrators'
    *coverage without a contract* of its severity (seeded: A/B 7×24, C/D 5×8)."""
    contract = case.contract
    if contract is None:
        configured = NoContractCoverage.objects.filter(severity=case.severity).values_list("coverage", flat=True)
        return configured.first() or NO_CONTRACT_COVERAGE
    if contract.critical_round_the_clock and case.severity in (Severity.A, Severity.B):
        return Coverage.H7X24
    return contract.coverage


def effective_calendar(
    case: Case, target: ServiceTarget, calendars: dict[str, BusinessCalendar], coverage_code: str | None = None
) -> BusinessCalendar:
    """The narrower of the target's calendar and the case's coverage (`coverage_code` when
    the caller already looked it up for several targets).

    The fault report is the company's own paperwork, due in working days after resolution
    whatever hours the customer bought, so coverage does not narrow it (on 5×8 its 2 × 24 h
    would otherwise stretch to more than six working days).
    """
    if target.clock == ClockKind.FAULT_REPORT:
        return target.calendar
    coverage = calendars[coverage_code or coverage_calendar_code(case)]
    return coverage if _WIDTH[coverage.kind] < _WIDTH[target.calendar.kind] else target.calendar


def _calendars_by_code() -> dict[str, BusinessCalendar]:
    return {calendar.code: calendar for calendar in BusinessCalendar.objects.all()}


def _targets(severity: str, starts: str | None = None) -> list[ServiceTarget]:
    targets = ServiceTarget.objects.filter(severity=severity).select_related("calendar")
    return list(targets.filter(starts=starts) if starts else targets)


def _due(start: dt.datetime, minutes: float, calendar: BusinessCalendar) -> dt.datetime:
    return add_business_minutes(start, minutes, working_calendar(calendar))


# --- starting and meeting clocks --------------------------------------------------------


def start_clocks(
    case: Case,
    *,
    at: dt.datetime,
    starts: str = ClockStart.OPENING,
    kinds: Iterable[str] | None = None,
    new_case: bool = False,
) -> list[Clock]:
    """Start the case's clocks of the given start point (and kinds) at `at`.

    `new_case`: the case was created in this transaction, so it has no clocks or escalations
    yet; they are then written without looking for earlier ones (intake is the busiest path)."""
    calendars = _calendars_by_code()
    coverage_code = coverage_calendar_code(case)
    clocks = []
    for target in _targets(case.severity, starts):
        if kinds is not None and target.clock not in kinds:
            continue
        calendar = effective_calendar(case, target, calendars, coverage_code)
        clocks.append(
            Clock(
                case=case,
                kind=target.clock,
                target_minutes=target.minutes,
                calendar=calendar,
                started_at=at,
                due_at=_due(at, target.minutes, calendar),
            )
        )
    Clock.objects.bulk_create(clocks)
    # Only a full start (intake, reopening) schedules the case's rules: restarting one clock
    # (the next progress interval) must not move "unresolved N minutes after opening".
    rules = _rules(case.severity, EscalationRule.Trigger.values)
    if starts == ClockStart.OPENING and kinds is None:
        restore = next((c for c in clocks if c.kind == ClockKind.RESTORE), None) if new_case else None
        _schedule_case_rules(case, at, rules, restore=restore, new_case=new_case)
    _schedule_clock_rules(case, clocks, rules, new_case=new_case)
    if new_case:
        due = [clock.due_at for clock in clocks]
        _set_next_due(case, min(due) if due else None)
    else:
        refresh_next_due(case)
    return clocks


def meet(case: Case, kinds: Iterable[str], *, at: dt.datetime) -> list[Clock]:
    """The act done at `at` satisfies the running clocks of `kinds`; late ones stay breached."""
    met = list(case.clocks.filter(kind__in=list(kinds), met_at__isnull=True, stopped_at__isnull=True))
    late = []
    for clock in met:
        clock.met_at = at
        if at > clock.due_at and clock.breached_at is None:
            clock.breached_at = clock.due_at
            late.append(clock)
        clock.paused_at = None
    Clock.objects.bulk_update(met, ["met_at", "breached_at", "paused_at"])
    record_many(_breach_event(clock.case_id, clock.kind, clock.due_at) for clock in late)
    _cancel_escalations(Escalation.objects.filter(clock__in=met), at)
    refresh_next_due(case)
    return met


def progress_noted(case: Case, *, at: dt.datetime) -> None:
    """A progress entry meets the progress clock and starts the next interval."""
    had_progress_clock = case.clocks.filter(
        kind=ClockKind.PROGRESS, met_at__isnull=True, stopped_at__isnull=True
    ).exists()
    meet(case, [ClockKind.PROGRESS], at=at)
    if had_progress_clock and case.is_open and case.status != "resolved":
        start_clocks(case, at=at, starts=ClockStart.OPENING, kinds=[ClockKind.PROGRESS])
        if case.status == Status.SUSPENDED:
            pause(case, at=at)  # a note while suspended: the next interval waits for the resumption


def stop_clocks(case: Case, *, at: dt.datetime, keep: Iterable[str] = ()) -> None:
    """The case no longer needs its running clocks (resolved, closed, cancelled, merged)."""
    running = case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True).exclude(kind__in=list(keep))
    _cancel_escalations(Escalation.objects.filter(clock__in=running), at)
    running.update(stopped_at=at, paused_at=None)
    _cancel_escalations(Escalation.objects.filter(case=case, clock__isnull=True), at)
    refresh_next_due(case)


# --- suspension -------------------------------------------------------------------------


def pause(case: Case, *, at: dt.datetime) -> None:
    """Every running clock stops counting; pending escalations wait (resume reschedules them)."""
    case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True).update(paused_at=at)
    _cancel_escalations(Escalation.objects.filter(case=case), at)
    refresh_next_due(case)


def resume(case: Case, *, at: dt.datetime) -> None:
    """Clocks go on: each due time moves by the business time spent paused."""
    clocks = list(case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=False))
    for clock in clocks:
        assert clock.paused_at is not None  # the query above asks for paused clocks
        calendar = working_calendar(clock.calendar)
        paused = business_minutes_between(clock.paused_at, at, calendar)
        # A clock already overdue when paused keeps its due time (the sweep marks it breached).
        if clock.breached_at is None and clock.due_at > clock.paused_at:
            remaining = business_minutes_between(clock.paused_at, clock.due_at, calendar)
            clock.due_at = add_business_minutes(at, max(remaining, 0), calendar)
        clock.paused_minutes += paused
        clock.paused_at = None
    Clock.objects.bulk_update(clocks, ["due_at", "paused_minutes", "paused_at"])
    _schedule_case_rules(case, case.opened_at)
    _schedule_clock_rules(case, clocks)
    refresh_next_due(case)


# --- severity change --------------------------------------------------------------------


def severity_changed(case: Case, *, at: dt.datetime) -> list[str]:
    """Recompute the running clocks for the case's new severity, from the case's start.

    Returns a line per clock for the timeline (kind: old due → new due).
    """
    calendars = _calendars_by_code()
    coverage_code = coverage_calendar_code(case)
    targets = {target.clock: target for target in _targets(case.severity)}
    lines, newly_breached = [], []
    running = list(case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True))
    for clock in running:
        target = targets.get(clock.kind)
        if target is None:
            clock.stopped_at = at
            lines.append(_("%(clock)s: no longer applies") % {"clock": clock.get_kind_display()})
            continue
        old_due = clock.due_at
        clock.calendar = effective_calendar(case, target, calendars, coverage_code)
        clock.target_minutes = target.minutes
        clock.due_at = _due(clock.started_at, target.minutes + clock.paused_minutes, clock.calendar)
        was_breached = clock.breached_at is not None
        clock.breached_at = clock.due_at if clock.due_at <= at else None
        if clock.breached_at is not None and not was_breached:
            newly_breached.append(clock)
        lines.append(
            _("%(clock)s: due %(old)s → %(new)s")
            % {"clock": clock.get_kind_display(), "old": _local(old_due), "new": _local(clock.due_at)}
        )
    Clock.objects.bulk_update(running, ["calendar", "target_minutes", "due_at", "breached_at", "stopped_at"])
    record_many(_breach_event(clock.case_id, clock.kind, clock.due_at) for clock in newly_breached)
    _cancel_escalations(Escalation.objects.filter(clock__in=[c for c in running if c.stopped_at]), at)
    # Rules of the old level only (e.g. "unresolved" of A/B after lowering to C) no longer fire.
    pending = case.escalations.filter(fired_at__isnull=True, cancelled_at__isnull=True).select_related("rule")
    _cancel_escalations(
        Escalation.objects.filter(pk__in=[e.pk for e in pending if not e.rule.applies_to(case.severity)]), at
    )
    # Met clocks count as present: what was already done is not asked for again.
    existing = {clock.kind for clock in case.clocks.filter(stopped_at__isnull=True)}
    missing = [kind for kind, target in targets.items() if target.starts == ClockStart.OPENING and kind not in existing]
    if missing and case.is_open:
        started = start_clocks(case, at=case.opened_at, kinds=missing)
        lines += [
            _("%(clock)s: started, due %(due)s") % {"clock": c.get_kind_display(), "due": _local(c.due_at)}
            for c in started
        ]
    _schedule_case_rules(case, case.opened_at)
    _schedule_clock_rules(case, [c for c in running if c.stopped_at is None])
    refresh_next_due(case)
    return lines


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- the case's nearest deadline (denormalised for the queue) ---------------------------


def refresh_next_due(case: Case) -> None:
    next_due = case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True, paused_at__isnull=True).aggregate(
        due=Min("due_at")
    )["due"]
    _set_next_due(case, next_due)


def _set_next_due(case: Case, next_due: dt.datetime | None) -> None:
    if next_due != case.next_due_at:
        case.next_due_at = next_due
        Case.objects.filter(pk=case.pk).update(next_due_at=next_due)


# --- escalation scheduling --------------------------------------------------------------


def _rules(severity: str, triggers: Iterable[str]) -> list[EscalationRule]:
    return [
        rule
        for rule in EscalationRule.objects.filter(trigger__in=list(triggers), is_active=True)
        if rule.applies_to(severity)
    ]


def _schedule_case_rules(
    case: Case,
    opened_at: dt.datetime,
    rules: list[EscalationRule] | None = None,
    *,
    restore: Clock | None = None,
    new_case: bool = False,
) -> None:
    if rules is None:
        rules = _rules(case.severity, [EscalationRule.Trigger.AT_OPENING, EscalationRule.Trigger.UNRESOLVED])
    if restore is None and not new_case:
        restore = case.clocks.filter(kind=ClockKind.RESTORE).select_related("calendar").first()
    scheduled = []
    for rule in rules:
        if rule.trigger == EscalationRule.Trigger.AT_OPENING:
            _fire_now(case, rule)
            continue
        if rule.trigger != EscalationRule.Trigger.UNRESOLVED:
            continue
        if restore is not None:
            fire_at = _due(opened_at, rule.minutes + restore.paused_minutes, restore.calendar)
        else:
            fire_at = opened_at + dt.timedelta(minutes=rule.minutes)
        scheduled.append((rule, None, fire_at))
    _schedule(case, scheduled, new_case=new_case)


def _schedule_clock_rules(
    case: Case, clocks: Iterable[Clock], rules: list[EscalationRule] | None = None, *, new_case: bool = False
) -> None:
    if rules is None:
        rules = _rules(case.severity, [EscalationRule.Trigger.BEFORE_DUE, EscalationRule.Trigger.BREACHED])
    scheduled = []
    for clock in clocks:
        for rule in rules:
            if rule.clock != clock.kind or rule.trigger not in CLOCK_TRIGGERS:
                continue
            sign = -1 if rule.trigger == EscalationRule.Trigger.BEFORE_DUE else 1
            scheduled.append((rule, clock, clock.due_at + sign * dt.timedelta(minutes=rule.minutes)))
    _schedule(case, scheduled, new_case=new_case)


CLOCK_TRIGGERS = frozenset({EscalationRule.Trigger.BEFORE_DUE, EscalationRule.Trigger.BREACHED})


def _schedule(case: Case, scheduled: list, *, new_case: bool) -> None:
    """Write the (rule, clock, fire_at) firings: in one insert for a new case, which has none yet."""
    if new_case:
        Escalation.objects.bulk_create(
            [Escalation(case=case, rule=rule, clock=clock, fire_at=fire_at) for rule, clock, fire_at in scheduled]
        )
        return
    for rule, clock, fire_at in scheduled:
        _upsert(case, rule, clock, fire_at)


def _upsert(case: Case, rule: EscalationRule, clock: Clock | None, fire_at: dt.datetime) -> None:
    """Schedule (or move) the rule's firing on the case; one that already fired stays fired."""
    existing = Escalation.objects.filter(case=case, rule=rule, clock=clock).first()
    if existing is None:
        Escalation.objects.create(case=case, rule=rule, clock=clock, fire_at=fire_at)
    elif existing.fired_at is None:
        Escalation.objects.filter(pk=existing.pk).update(fire_at=fire_at, cancelled_at=None)


def _fire_now(case: Case, rule: EscalationRule) -> None:
    """Rules that fire at opening do so at once, in the opening's transaction (once per case)."""
    from aftersales.sla.escalation import Firing, fire

    now = timezone.now()
    escalation, created = Escalation.objects.get_or_create(
        case=case, rule=rule, clock=None, defaults={"fire_at": now, "fired_at": now}
    )
    if created:
        fire([Firing.of(escalation)], now=now, rules={rule.pk: rule})


def _cancel_escalations(escalations, at: dt.datetime) -> None:
    escalations.filter(fired_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=at)


# --- the sweep --------------------------------------------------------------------------


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark breached clocks and fire due escalations. Safe to run in several workers at once."""
    now = now or timezone.now()
    return {"breaches": _mark_breaches(now), "escalations": _fire_escalations(now)}


@transaction.atomic
def _mark_breaches(now: dt.datetime) -> int:
    # Plain tuples, not model instances: building a thousand clocks costs more than the query.
    due = list(
        Clock.objects.select_for_update(skip_locked=True)
        .filter(
            met_at__isnull=True,
            stopped_at__isnull=True,
            paused_at__isnull=True,
            breached_at__isnull=True,
            due_at__lte=now,
        )
        .order_by("due_at")
        .values_list("pk", "case_id", "kind", "due_at")[:SWEEP_BATCH]
    )
    if not due:
        return 0
    Clock.objects.filter(pk__in=[pk for pk, *_rest in due]).update(breached_at=F("due_at"))
    record_many(_breach_event(case_id, kind, due_at) for _pk, case_id, kind, due_at in due)
    return len(due)


def clock_labels() -> dict[str, str]:
    """Clock kind → its label in the active language (`get_kind_display` per row is slow)."""
    return {kind: str(label) for kind, label in ClockKind.choices}


BREACH_TEXT = gettext_noop("%(clock)s target missed (due %(due)s).")


def _breach_event(case_id: int, clock_kind: str, due_at: dt.datetime) -> Entry:
    """The timeline's record of a missed target (written once, whoever notices it first): the
    clock's kind and due time, worded when read (aftersales.cases.events) as the clock's label,
    from its due time to missed."""
    return case_event(case_id, kind=EventKind.BREACHED, at=due_at, clock=clock_kind, due_at=due_at)


@transaction.atomic
def _fire_escalations(now: dt.datetime) -> int:
    from aftersales.sla.escalation import FIRING_FIELDS, Firing, fire

    due = [
        Firing(*row)
        for row in Escalation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(fired_at__isnull=True, cancelled_at__isnull=True, fire_at__lte=now)
        .order_by("fire_at")
        .values_list(*FIRING_FIELDS)[:SWEEP_BATCH]
    ]
    if not due:
        return 0
    Escalation.objects.filter(pk__in=[firing.pk for firing in due]).update(fired_at=now)
    fire(due, now=now)
    return len(due)


# --- bulk inserts -----------------------------------------------------------------------


def insert_rows(model: type[models.Model], rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Insert many rows of `model` in one statement; the fields not given take their defaults.

    `rows` are dicts keyed by attribute name (`case_id`, not `case`), with the same keys in
    each. On PostgreSQL they travel as one JSON document that `jsonb_to_recordset` expands:
    `bulk_create` under psycopg 3 builds a model instance per row and renders every value into
    an array literal in Python, about 0.2 ms a row of ten columns on the benchmark machine,
    which was most of the time of a sweep with a thousand escalations (docs/benchmarks.md).
    Elsewhere (SQLite): `bulk_create`. As with `bulk_create`, no signals are sent.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], ignore_conflicts=ignore_conflicts)
        return
    given = set(rows[0])
    unknown = given - {field.attname for field in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    defaults = model()  # the values of the fields not given, as a new instance has them
    quote = connection.ops.quote_name
    columns, values, record, params = [], [], [], []
    for field in model._meta.concrete_fields:
        if field.attname not in given and field.primary_key:
            continue
        db_type = field.db_type(connection)
        columns.append(quote(field.column))
        if field.attname in given:
            values.append(f"r.{quote(field.attname)}")
            record.append(f"{quote(field.attname)} {db_type}")
        else:
            values.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(field.pre_save(defaults, add=True), connection))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM jsonb_to_recordset(%s::jsonb) AS r({', '.join(record)})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    params.append(json.dumps(rows, ensure_ascii=False, default=_json_value))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _json_value(value) -> str:
    if isinstance(value, dt.date | dt.time):  # datetimes too, to the microsecond
        return value.isoformat()
    return str(value)  # Decimal, UUID, lazy translations
