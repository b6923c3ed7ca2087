"""Business-time arithmetic over service calendars (7×24, 5×24, 5×8 with holidays and 调休).

Pure Python, no Django. A `WorkingCalendar` says which stretches of local time are open;
`add_business_minutes` and `business_minutes_between` are exact to the microsecond.

How it is fast: the calendar lazily lays out its open intervals, year by year, as integer
microseconds since the epoch together with the running total of open time before each
interval. Then "business time elapsed at instant t" is one binary search, adding is another,
and both are O(log n) whatever the span.

Semantics:
- open intervals are half-open [start, end) in local time;
- `add(t, m)` for m > 0 is the earliest instant at which m minutes of open time have passed
  since t, so a deadline can fall exactly on closing time (17:30) but never inside closed time;
- `add(t, 0)` is t;
- `between(a, b)` is the open time inside [a, b) (negative if b < a).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

US_PER_MINUTE = 60_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
# A calendar with no open time at all within this many years is refused, not looped over.
MAX_SEARCH_YEARS = 10

Hours = tuple[tuple[dt.time, dt.time], ...]  # open periods of one day, e.g. 08:30–12:00, 13:30–17:30
ALL_DAY: Hours = ((dt.time(0, 0), dt.time(0, 0)),)  # 00:00 to the next midnight


def _to_us(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("business-time arithmetic needs time-zone-aware datetimes")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(0, 0, us)


@dataclass(eq=False)
class WorkingCalendar:
    """When service time runs.

    `weekly` maps weekday (0 = Monday) to that day's open hours; a missing weekday is closed.
    `holidays` are closed whatever the weekday; `workdays` (调休 make-up days) are open with
    `workday_hours` whatever the weekday. With `observe_holidays=False` (7×24) both are ignored.
    """

    tz: ZoneInfo
    weekly: Mapping[int, Hours]
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    workday_hours: Hours = ()
    observe_holidays: bool = True
    _starts: list[int] = field(default_factory=list, repr=False)
    _ends: list[int] = field(default_factory=list, repr=False)
    _before: list[int] = field(default_factory=list, repr=False)  # open time before each interval
    _years: tuple[int, int] | None = field(default=None, repr=False)
    _covered: tuple[int, int] = field(default=(0, -1), repr=False)  # µs range with a year's margin
    _total: int = field(default=0, repr=False)
    _always_open: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self._always_open = self.always_open

    # -- construction helpers -------------------------------------------------------------

    @classmethod
    def round_the_clock(cls, tz: str = "Asia/Shanghai") -> WorkingCalendar:
        """7×24: always open; holidays do not matter."""
        return cls(tz=ZoneInfo(tz), weekly=dict.fromkeys(range(7), ALL_DAY), observe_holidays=False)

    @classmethod
    def working_days(
        cls,
        hours: Hours = ALL_DAY,
        *,
        tz: str = "Asia/Shanghai",
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
    ) -> WorkingCalendar:
        """Monday to Friday with `hours` (5×24 by default, 5×8 with office hours), closed on
        public holidays, open on make-up working days."""
        return cls(
            tz=ZoneInfo(tz),
            weekly=dict.fromkeys(range(5), hours),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            workday_hours=hours,
        )

    # -- the day plan ---------------------------------------------------------------------

    def hours_on(self, day: dt.date) -> Hours:
        if self.observe_holidays:
            if day in self.workdays:
                return self.workday_hours
            if day in self.holidays:
                return ()
        return self.weekly.get(day.weekday(), ())

    def _lay_out(self, first_year: int, last_year: int) -> None:
        """(Re)build the interval table for whole years first_year..last_year."""
        starts: list[int] = []
        ends: list[int] = []
        before: list[int] = []
        total = 0
        day = dt.date(first_year, 1, 1)
        stop = dt.date(last_year + 1, 1, 1)
        while day < stop:
            for opens, closes in self.hours_on(day):
                start = _to_us(dt.datetime.combine(day, opens, self.tz))
                end_day = day + dt.timedelta(days=1) if closes <= opens else day
                end = _to_us(dt.datetime.combine(end_day, closes, self.tz))
                if starts and start <= ends[-1]:  # touching periods (e.g. two all-day days) merge
                    total += max(0, end - ends[-1])
                    ends[-1] = max(ends[-1], end)
                    continue
                starts.append(start)
                ends.append(end)
                before.append(total)
                total += end - start
            day += dt.timedelta(days=1)
        self._starts, self._ends, self._before, self._total = starts, ends, before, total
        self._years = (first_year, last_year)
        # Instants in the inner years are covered with at least a year of margin either side.
        self._covered = (
            _to_us(dt.datetime(first_year + 1, 1, 1, tzinfo=self.tz)),
            _to_us(dt.datetime(last_year, 1, 1, tzinfo=self.tz)) - 1,
        )

    def _cover(self, *moments_us: int) -> None:
        if self._always_open:
            return
        low_us, high_us = self._covered
        if low_us <= min(moments_us) and max(moments_us) <= high_us:
            return
        years = [_from_us(us).astimezone(self.tz).year for us in moments_us]
        low, high = min(years) - 1, max(years) + 1
        if self._years is None or low < self._years[0] or high > self._years[1]:
            current = self._years or (low, high)
            self._lay_out(min(low, current[0]), max(high, current[1]))

    # -- arithmetic -----------------------------------------------------------------------

    @property
    def always_open(self) -> bool:
        """7×24: business time is wall-clock time, no table needed."""
        return not self.observe_holidays and all(self.weekly.get(day) == ALL_DAY for day in range(7))

    def elapsed_us(self, moment_us: int) -> int:
        """Open time (µs) from the start of the laid-out table to `moment_us`."""
        if self._always_open:
            return moment_us
        if not self._covered[0] <= moment_us <= self._covered[1]:
            self._cover(moment_us)
        index = bisect.bisect_right(self._starts, moment_us) - 1
        if index < 0:
            return 0
        return self._before[index] + min(moment_us, self._ends[index]) - self._starts[index]

    def add_us(self, start_us: int, amount_us: int) -> int:
        if amount_us < 0:
            raise ValueError("cannot add a negative business time")
        if amount_us == 0 or self._always_open:
            return start_us + amount_us
        target = self.elapsed_us(start_us) + amount_us
        for _attempt in range(MAX_SEARCH_YEARS):
            if target <= self._total:
                break
            assert self._years is not None
            self._lay_out(self._years[0], self._years[1] + 1)
        else:
            raise ValueError("the calendar has no open time in the next years")
        # The interval in which the running total reaches the target (its end counts).
        index = bisect.bisect_left(self._before, target) - 1
        index = max(index, 0)
        while self._before[index] + self._ends[index] - self._starts[index] < target:
            index += 1
        return self._starts[index] + target - self._before[index]


def add_business_minutes(start: dt.datetime, minutes: float, calendar: WorkingCalendar) -> dt.datetime:
    """The instant `minutes` of open time after `start` (UTC, aware)."""
    return _from_us(calendar.add_us(_to_us(start), round(minutes * US_PER_MINUTE)))


def add_business_time(start: dt.datetime, span: dt.timedelta, calendar: WorkingCalendar) -> dt.datetime:
    return _from_us(calendar.add_us(_to_us(start), span // _ONE_US))


def business_minutes_between(a: dt.datetime, b: dt.datetime, calendar: WorkingCalendar) -> float:
    """Open time between `a` and `b` in minutes (negative when b is before a)."""
    a_us, b_us = _to_us(a), _to_us(b)
    calendar._cover(a_us, b_us)
    return (calendar.elapsed_us(b_us) - calendar.elapsed_us(a_us)) / US_PER_MINUTE


def business_time_between(a: dt.datetime, b: dt.datetime, calendar: WorkingCalendar) -> dt.timedelta:
    a_us, b_us = _to_us(a), _to_us(b)
    calendar._cover(a_us, b_us)
    return dt.timedelta(microseconds=calendar.elapsed_us(b_us) - calendar.elapsed_us(a_us))


def is_open(moment: dt.datetime, calendar: WorkingCalendar) -> bool:
    """Whether `moment` lies in open time (start included, end excluded)."""
    if calendar.always_open:
        return True
    us = _to_us(moment)
    calendar._cover(us)
    index = bisect.bisect_right(calendar._starts, us) - 1
    return index >= 0 and us < calendar._ends[index]
