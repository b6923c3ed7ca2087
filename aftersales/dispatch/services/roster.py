"""The duty roster (值班表, R4.7): shifts per team and region, who is on duty at a moment, swaps,
and whether a moment is after hours on the business calendar (holidays and 调休 included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.calendars.models import BusinessCalendar, HolidayDay, parse_hours
from aftersales.core import refcache
from aftersales.core.errors import Conflict, DomainError
from aftersales.dispatch.models import Shift, ShiftSwap, Team
from aftersales.dispatch.permissions import DUTY_MANAGER, ON_DUTY
from aftersales.timeline.services import record

# The hours each kind of shift covers by default (local time); a shift whose end is not after
# its start ends the next day.
DEFAULT_TIMES = {
    Shift.Kind.DAY: (dt.time(8, 30), dt.time(17, 30)),
    Shift.Kind.NIGHT: (dt.time(17, 30), dt.time(8, 30)),
    Shift.Kind.HOLIDAY: (dt.time(8, 30), dt.time(8, 30)),
}
MAX_SHIFT = dt.timedelta(hours=36)
OFFICE_CALENDAR = "5x8"
OFFICE_HOURS = (dt.time(8, 30), dt.time(17, 30))


def shift_times(day: dt.date, kind: str, starts: dt.time | None = None, ends: dt.time | None = None):
    """(starts_at, ends_at) of a shift of `kind` starting on `day`, in the current time zone;
    an end at or before the start is on the next day (a night shift across midnight)."""
    default_start, default_end = DEFAULT_TIMES[Shift.Kind(kind)]
    starts, ends = starts or default_start, ends or default_end
    tz = timezone.get_current_timezone()
    starts_at = dt.datetime.combine(day, starts, tz)
    end_day = day + dt.timedelta(days=1) if ends <= starts else day
    return starts_at, dt.datetime.combine(end_day, ends, tz)


# --- the calendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayInfo:
    """What the business calendar says about a day: a working day or not, and why."""

    date: dt.date
    working: bool
    holiday: str  # the public holiday's name, if it is one
    makeup: bool  # a make-up working day (调休) on a weekend

    @property
    def label(self) -> str:
        if self.makeup:
            return _("Make-up working day")
        if self.holiday:
            return self.holiday
        return "" if self.working else _("Weekend")


def days_info(first: dt.date, last: dt.date) -> dict[dt.date, DayInfo]:
    special = {row.date: row for row in HolidayDay.objects.filter(date__range=(first, last))}
    result = {}
    day = first
    while day <= last:
        row = special.get(day)
        if row is not None and row.kind == HolidayDay.Kind.WORKDAY:
            result[day] = DayInfo(day, True, "", day.weekday() >= 5)
        elif row is not None:
            result[day] = DayInfo(day, False, row.name or _("Public holiday"), False)
        else:
            result[day] = DayInfo(day, day.weekday() < 5, "", False)
        day += dt.timedelta(days=1)
    return result


def office_hours() -> tuple[dt.time, dt.time]:
    """From the first opening to the last closing of the 5×8 calendar's day (lunch is not after hours)."""
    calendar = refcache.cached(
        "dispatch.office_calendar",
        (BusinessCalendar,),
        lambda: BusinessCalendar.objects.filter(code=OFFICE_CALENDAR).first(),
    )
    try:
        periods = parse_hours(calendar.hours) if calendar is not None else ()
    except ValueError:
        periods = ()
    if not periods or periods[0][0] == periods[-1][1]:
        return OFFICE_HOURS
    return periods[0][0], periods[-1][1]


def _is_working_day(day: dt.date) -> bool:
    special = refcache.cached(
        "dispatch.special_days",
        (HolidayDay,),
        lambda: dict(HolidayDay.objects.values_list("date", "kind")),
    )
    kind = special.get(day)
    if kind is None:
        return day.weekday() < 5
    return kind == HolidayDay.Kind.WORKDAY


def after_hours(at: dt.datetime) -> bool:
    """Is `at` outside office hours: a weekend or public holiday (unless a make-up working day),
    or before opening or after closing on a working day?"""
    local = timezone.localtime(at)
    if not _is_working_day(local.date()):
        return True
    opens, closes = office_hours()
    return not (opens <= local.time() < closes)


# --- who is on duty ----------------------------------------------------------------------------


def on_duty(at: dt.datetime, *, team: Team | None = None, region: str = "") -> QuerySet[Shift]:
    """The shifts covering `at` (start included, end excluded), for a team and/or a region (a
    shift with no region covers every region of its team)."""
    shifts = Shift.objects.filter(starts_at__lte=at, ends_at__gt=at)
    if team is not None:
        shifts = shifts.filter(team=team)
    if region:
        shifts = shifts.filter(Q(region="") | Q(region=region))
    return shifts.select_related("team", "duty_engineer", "duty_manager")


# --- planning ----------------------------------------------------------------------------------


def _check_people(duty_engineer, duty_manager) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if duty_engineer is None or not policy.allowed(duty_engineer, ON_DUTY):
        errors["duty_engineer"] = [_("Choose a staff member.")]
    if duty_manager is None or not policy.allowed(duty_manager, DUTY_MANAGER):
        errors["duty_manager"] = [_("Choose someone with a manager's role.")]
    return errors


def _check_times(starts_at, ends_at) -> dict[str, list[str]]:
    if starts_at is None or ends_at is None:
        return {"starts_at": [_("This field is required.")]}
    if ends_at <= starts_at:
        return {"ends_at": [_("The shift must end after it starts.")]}
    if ends_at - starts_at > MAX_SHIFT:
        return {"ends_at": [_("A shift lasts at most 36 hours.")]}
    return {}


def _overlapping(team, region, starts_at, ends_at, exclude=None) -> bool:
    shifts = Shift.objects.filter(team=team, region=region, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude is not None:
        shifts = shifts.exclude(pk=exclude.pk)
    return shifts.exists()


def _shift_data(shift: Shift) -> dict:
    return {
        "team": shift.team_id,
        "region": shift.region,
        "kind": shift.kind,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "duty_engineer": shift.duty_engineer_id,
        "duty_manager": shift.duty_manager_id,
    }


@transaction.atomic
def plan_shift(
    *,
    team: Team,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    duty_engineer,
    duty_manager,
    by,
    region: str = "",
    note: str = "",
) -> Shift:
    """Put a shift on the roster. Guarantees: a manager plans it; it ends after it starts (at
    most 36 h later); the duty manager holds a manager's role; it does not overlap another shift
    of the same team and region; the shift's timeline records it."""
    policy.require(by, "dispatch.plan_roster")
    # The team's row serialises planning: two managers at once cannot both pass the overlap check.
    team = Team.objects.select_for_update().get(pk=team.pk)
    region = (region or team.region or "").strip()
    errors = _check_times(starts_at, ends_at) | _check_people(duty_engineer, duty_manager)
    if kind not in Shift.Kind.values:
        errors["kind"] = [_("Choose day, night or holiday.")]
    if not errors and _overlapping(team, region, starts_at, ends_at):
        errors["starts_at"] = [_("Another shift of this team and region overlaps these hours.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    shift = Shift.objects.create(
        team=team,
        region=region,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        duty_engineer=duty_engineer,
        duty_manager=duty_manager,
        note=note.strip(),
        planned_by=by,
    )
    record(
        shift,
        actor=by,
        kind="dispatch.shift.planned",
        data={"changes": {k: [None, v] for k, v in _shift_data(shift).items()}},
    )
    return shift


@transaction.atomic
def change_shift(*, shift: Shift, by, **changes) -> Shift:
    """Change a planned shift's kind, times, people, region or note; before → after on its timeline."""
    policy.require(by, "dispatch.plan_roster")
    Team.objects.select_for_update().get(pk=shift.team_id)
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    before = _shift_data(locked)
    for name in ("kind", "starts_at", "ends_at", "duty_engineer", "duty_manager", "region", "note"):
        if name in changes:
            setattr(locked, name, changes[name])
    errors = _check_times(locked.starts_at, locked.ends_at) | _check_people(locked.duty_engineer, locked.duty_manager)
    if not errors and _overlapping(locked.team, locked.region, locked.starts_at, locked.ends_at, exclude=locked):
        errors["starts_at"] = [_("Another shift of this team and region overlaps these hours.")]
    if errors:
        raise DomainError(_("Please correct the errors below."), fields=errors)
    locked.save()
    after = _shift_data(locked)
    diff = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if diff:
        record(locked, actor=by, kind="dispatch.shift.changed", data={"changes": diff})
    return locked


@transaction.atomic
def swap_shift(*, shift: Shift, by, duty: str, to_user, reason: str, expected_user=None) -> ShiftSwap:
    """Hand a shift's duty (engineer or manager) to someone else, with the reason (R4.7). The
    row is locked: if `expected_user` is given and someone else took over meanwhile, Conflict."""
    policy.require(by, "dispatch.swap_shift")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why."), fields={"reason": [_("This field is required.")]})
    if duty not in ShiftSwap.Duty.values:
        raise DomainError(_("Choose the duty engineer or the duty manager."), fields={"duty": [_("Invalid choice.")]})
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    field = "duty_engineer" if duty == ShiftSwap.Duty.ENGINEER else "duty_manager"
    current = getattr(locked, field)
    if expected_user is not None and current.pk != expected_user.pk:
        raise Conflict(_("Someone else changed this shift meanwhile; look again."))
    if to_user.pk == current.pk:
        raise DomainError(_("This person is already on duty."), fields={"to_user": [_("Choose someone else.")]})
    errors = (
        _check_people(to_user, locked.duty_manager)
        if field == "duty_engineer"
        else _check_people(locked.duty_engineer, to_user)
    )
    if errors:
        raise DomainError(_("Please correct the errors below."), fields={"to_user": sum(errors.values(), [])})
    setattr(locked, field, to_user)
    locked.save(update_fields=[field])
    swap = ShiftSwap.objects.create(shift=locked, duty=duty, from_user=current, to_user=to_user, reason=reason, by=by)
    record(
        locked,
        actor=by,
        kind="dispatch.shift.swapped",
        data={"changes": {field: [current.pk, to_user.pk]}, "text": reason},
    )
    return swap


@transaction.atomic
def fill_week(*, team: Team, monday: dt.date, engineers: list, duty_manager, by, region: str = "") -> list[Shift]:
    """Plan the week from `monday` out of office hours, from the business calendar: a night shift
    (17:30–08:30) after each working day — make-up working days (调休) included — and a whole-day
    holiday shift (08:30–08:30) on each weekend day and public holiday, the duty engineers taking
    turns. Days that already have a shift of the team and region are left as they are. Returns
    the shifts planned."""
    policy.require(by, "dispatch.plan_roster")
    if not engineers:
        raise DomainError(_("Choose at least one duty engineer."), fields={"engineers": [_("This field is required.")]})
    days = week_of(monday)
    info = days_info(days[0], days[-1])
    planned: list[Shift] = []
    for index, day in enumerate(days):
        kind = Shift.Kind.NIGHT if info[day].working else Shift.Kind.HOLIDAY
        starts_at, ends_at = shift_times(day, kind, ends=dt.time(8, 30))
        if _overlapping(team, (region or team.region or "").strip(), starts_at, ends_at):
            continue
        planned.append(
            plan_shift(
                team=team,
                kind=kind,
                starts_at=starts_at,
                ends_at=ends_at,
                duty_engineer=engineers[index % len(engineers)],
                duty_manager=duty_manager,
                by=by,
                region=region,
            )
        )
    return planned


def week_of(day: dt.date) -> list[dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def roster_week(team: Team | None, monday: dt.date) -> list[dict]:
    """The seven days from `monday`, each with what the calendar says and the shifts starting that day."""
    days = week_of(monday)
    info = days_info(days[0], days[-1])
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(days[0], dt.time(0), tz)
    shifts = Shift.objects.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=7))
    if team is not None:
        shifts = shifts.filter(team=team)
    by_day: dict[dt.date, list[Shift]] = {day: [] for day in days}
    for shift in shifts.select_related("team", "duty_engineer", "duty_manager").order_by("starts_at", "team__name"):
        by_day.setdefault(timezone.localtime(shift.starts_at).date(), []).append(shift)
    return [{"date": day, "info": info[day], "shifts": by_day.get(day, [])} for day in days]
