"""Service clocks and escalations: the case's service-level policy on the deadlines mechanism.

A clock is a deadline (aftersales.deadlines) whose subject is the case; an escalation rule
scheduled on a case is an alarm. This module decides which clocks a case has (targets by
severity, the coverage calendar), which rules are scheduled when, and what a breach and a
firing do (`on_breach`, `on_fire`, registered in SlaConfig.ready); the mechanism stores them,
does the business-time arithmetic, records each breach and fires each alarm once.

The case announces its moments (`aftersales.cases.signals`) and `sla.moments` calls these
inside the case service's transaction: `start_clocks` at intake, `meet` when an act satisfies
a clock, `progress_noted`, `stop_clocks` when a case is finished, `pause`/`resume` around a
suspension, `severity_changed`. `sweep` is the deadlines mechanism's one sweep.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import calendars_by_code
from aftersales.cases.events import case_event
from aftersales.cases.models import Case, EventKind, Severity, Status
from aftersales.contracts.models import Coverage
from aftersales.core import refcache
from aftersales.deadlines import queries as deadline_queries
from aftersales.deadlines import registry
from aftersales.deadlines import services as deadlines
from aftersales.deadlines.services import Retarget, Scheduled, Target
from aftersales.sla.models import (
    ESCALATION_ALARM,
    SUSPENSION_END_ALARM,
    Clock,
    ClockKind,
    ClockStart,
    Escalation,
    EscalationRule,
    NoContractCoverage,
    ServiceTarget,
    escalation_key,
)
from aftersales.timeline.models import Entry
from aftersales.timeline.services import record_many

# Narrowest first: a contract's coverage can only narrow a target's calendar.
_WIDTH: dict[str, int] = {BusinessCalendar.Kind.H5X8: 0, BusinessCalendar.Kind.H5X24: 1, BusinessCalendar.Kind.H7X24: 2}
# Coverage of a case without a contract when its severity has no row (administration → coverage
# without a contract).
NO_CONTRACT_COVERAGE = Coverage.H5X8


# --- which calendar a clock runs on -----------------------------------------------------


def coverage_calendar_code(case: Case) -> str:
    """The service hours the customer is entitled to for this case (see docs/sla.md): the
    contract's, or for a case without one (in warranty or chargeable) the administrators'
    *coverage without a contract* of its severity (seeded: A/B 7×24, C/D 5×8)."""
    contract = case.contract
    if contract is None:
        return _no_contract_coverage().get(case.severity) or NO_CONTRACT_COVERAGE
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


def _no_contract_coverage() -> dict[str, str]:
    """Coverage without a contract per severity (the first row of each, as configured)."""

    def load() -> dict[str, str]:
        coverage: dict[str, str] = {}
        for severity, code in NoContractCoverage.objects.order_by("pk").values_list("severity", "coverage"):
            coverage.setdefault(severity, code)
        return coverage

    return refcache.cached("sla.no_contract_coverage", (NoContractCoverage,), load)


def _calendars_by_code() -> dict[str, BusinessCalendar]:
    return calendars_by_code()


def _targets(severity: str, starts: str | None = None) -> list[ServiceTarget]:
    """The service targets of a severity (of one start point), read once per process (refcache)."""
    every = refcache.cached(
        "sla.targets",
        (ServiceTarget, BusinessCalendar),
        lambda: list(ServiceTarget.objects.select_related("calendar")),
    )
    return [t for t in every if t.severity == severity and (not starts or t.starts == starts)]


def _due(start: dt.datetime, minutes: float, calendar: BusinessCalendar) -> dt.datetime:
    return deadlines.due_time(start, minutes, calendar)


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
    clocks = deadlines.start(
        case,
        [
            Target(target.clock, target.minutes, effective_calendar(case, target, calendars, coverage_code))
            for target in _targets(case.severity, starts)
            if kinds is None or target.clock in kinds
        ],
        at=at,
        model=Clock,
    )
    # Only a full start (intake, reopening) schedules the case's rules: restarting one clock
    # (the next progress interval) must not move "unresolved N minutes after opening".
    rules = _rules(case.severity, EscalationRule.Trigger.values)
    if starts == ClockStart.OPENING and kinds is None:
        restore = next((c for c in clocks if c.kind == ClockKind.RESTORE), None) if new_case else None
        _schedule_case_rules(case, at, rules, restore=restore, new_case=new_case)
    _schedule_clock_rules(case, clocks, rules, new_case=new_case)
    if new_case:
        # Set, not saved: the opening writes it with the case's number (cases.signals.case_opening).
        due = [clock.due_at for clock in clocks if clock.due_at is not None]
        case.next_due_at = min(due) if due else None
    else:
        refresh_next_due(case)
    return clocks


def meet(case: Case, kinds: Iterable[str], *, at: dt.datetime) -> list[Clock]:
    """The act done at `at` satisfies the running clocks of `kinds`; late ones stay breached
    (a breach not recorded yet is recorded now, once); their escalations are cancelled."""
    met = deadlines.meet(case.clocks.filter(kind__in=list(kinds)), at=at)
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
    deadlines.stop(case.clocks.exclude(kind__in=list(keep)), at=at)
    _cancel_escalations(Escalation.objects.filter(case=case, clock__isnull=True), at)
    refresh_next_due(case)


# --- suspension -------------------------------------------------------------------------


def pause(case: Case, *, at: dt.datetime) -> None:
    """Every running clock stops counting; pending escalations wait (resume reschedules them)."""
    deadlines.pause(case.clocks, at=at)
    _cancel_escalations(Escalation.objects.filter(case=case), at)
    refresh_next_due(case)


def resume(case: Case, *, at: dt.datetime) -> None:
    """Clocks go on: each due time moves by the business time spent paused (a clock already
    overdue when paused keeps its due time: the sweep marks it breached)."""
    clocks = deadlines.resume(case.clocks, at=at)
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
    running = list(case.clocks.filter(met_at__isnull=True, stopped_at__isnull=True))
    old_dues = {clock.pk: clock.due_at for clock in running}
    deadlines.stop(Clock.objects.filter(pk__in=[c.pk for c in running if c.kind not in targets]), at=at)
    changes = [
        Retarget(clock, target.minutes, effective_calendar(case, target, calendars, coverage_code))
        for clock in running
        if (target := targets.get(clock.kind)) is not None
    ]
    deadlines.retarget(changes, at=at)
    lines = [
        _("%(clock)s: due %(old)s → %(new)s")
        % {"clock": clock.get_kind_display(), "old": _local(old_dues[clock.pk]), "new": _local(clock.due_at)}
        if clock.kind in targets
        else _("%(clock)s: no longer applies") % {"clock": clock.get_kind_display()}
        for clock in running
    ]
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
    _schedule_clock_rules(case, [c for c in running if c.kind in targets])
    refresh_next_due(case)
    return lines


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- the case's nearest deadline (denormalised for the queue) ---------------------------


def refresh_next_due(case: Case) -> None:
    _set_next_due(case, deadline_queries.next_due(case.clocks))


def _set_next_due(case: Case, next_due: dt.datetime | None) -> None:
    if next_due != case.next_due_at:
        case.next_due_at = next_due
        Case.objects.filter(pk=case.pk).update(next_due_at=next_due)


# --- escalation scheduling --------------------------------------------------------------


def _rules(severity: str, triggers: Iterable[str]) -> list[EscalationRule]:
    triggers = set(triggers)
    active = refcache.cached(
        "sla.rules",
        (EscalationRule,),
        lambda: list(EscalationRule.objects.filter(is_active=True)),
    )
    return [rule for rule in active if rule.trigger in triggers and rule.applies_to(severity)]


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
    """Schedule the (rule, clock, fire_at) firings as alarms, once per case, rule and clock: in
    one insert for a new case, which has none yet; one that already fired stays fired."""
    deadlines.schedule(
        case,
        [
            Scheduled(
                ESCALATION_ALARM,
                escalation_key(case.pk, rule.pk, clock.pk if clock is not None else None),
                fire_at,
                deadline=clock,
                ref=rule.pk,
            )
            for rule, clock, fire_at in scheduled
        ],
        new_subject=new_case,
    )


def _fire_now(case: Case, rule: EscalationRule) -> None:
    """Rules that fire at opening do so at once, in the opening's transaction (once per case)."""
    deadlines.fire_now(
        case, Scheduled(ESCALATION_ALARM, escalation_key(case.pk, rule.pk, None), timezone.now(), ref=rule.pk)
    )


def _cancel_escalations(escalations, at: dt.datetime) -> None:
    deadlines.cancel_alarms(escalations, at=at)


# --- the sweep and the handlers ---------------------------------------------------------


def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The deadlines mechanism's one sweep (`aftersales.deadlines.services.sweep`): breaches of
    clocks and firings of escalations, each handled once, whatever other kinds it also handles."""
    done = sweep_counts(now=now)
    return {"breaches": done["breaches"], "escalations": done["escalations"]}


def sweep_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The one sweep, counted in the service levels' terms: breaches, escalations fired,
    reminders of suspensions past their expected end."""
    done = deadlines.sweep_by_kind(now=now)
    return {
        "breaches": done.breaches,
        "escalations": done.fired[ESCALATION_ALARM],
        "suspension_reminders": done.fired[SUSPENSION_END_ALARM],
    }


def on_breach(breaches: Sequence[registry.Breach], now: dt.datetime) -> None:
    """A clock missed its target (recorded once by the mechanism): the case timeline says so."""
    record_many(_breach_event(b.subject_id, b.kind, b.due_at) for b in breaches)


def on_fire(firings: Sequence[registry.Firing], now: dt.datetime) -> None:
    """Escalations fire (each once): notify, maybe raise the tier, write the timeline."""
    from aftersales.sla.escalation import fire, firings_of

    fire(firings_of(firings), now=now)


def register() -> None:
    """Declare the clock kinds, the escalation alarm and the suspension's expected-end alarm to
    the deadlines mechanism."""
    from aftersales.sla import suspensions

    for kind, label in ClockKind.choices:
        registry.register(kind, label=label, on_breach=on_breach)
    registry.register(ESCALATION_ALARM, label=_lazy("Escalation"), on_fire=on_fire)
    registry.register(SUSPENSION_END_ALARM, label=_lazy("Expected end of a suspension"), on_fire=suspensions.on_fire)


def clock_labels() -> dict[str, str]:
    """Clock kind → its label in the active language (`get_kind_display` per row is slow)."""
    return {kind: str(label) for kind, label in ClockKind.choices}


BREACH_TEXT = gettext_noop("%(clock)s target missed (due %(due)s).")


def _breach_event(case_id: int, clock_kind: str, due_at: dt.datetime) -> Entry:
    """The timeline's record of a missed target (written once, whoever notices it first): the
    clock's kind and due time, worded when read (aftersales.cases.events) as the clock's label,
    from its due time to missed."""
    return case_event(case_id, kind=EventKind.BREACHED, at=due_at, clock=clock_kind, due_at=due_at)


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
