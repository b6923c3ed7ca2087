#!/usr/bin/env python
"""Throughput of the business-time arithmetic (aftersales.calendars.business_time).

    .venv/bin/python bench/business_time.py [--ops 200000] [--warmup 20000] [--seed 7]

For the three standard calendars (7x24; 5x24 and 5x8 with the public holidays and make-up
working days of mainland China from the chinese-calendar package, built directly, without the
database), times `add_business_minutes` and `business_minutes_between` on random inputs:

- start instants uniformly random (to the microsecond) between 2024-01-01 and 2026-09-30,
  the years the holiday table covers;
- additions: a span of business minutes uniformly random in [0, 7 x 24 x 60), i.e. under a week;
- differences: a second instant uniformly random less than a week (wall time) after the first.

Each operation is timed twice: in a tight loop over `--ops` inputs (operations per second) and
one by one (p50 / p99 per operation, which includes about 0.1 us of timer overhead). A warm-up
pass first lets each calendar lay out its intervals for the years touched; the one-off cost of
that first lay-out is shown separately (7x24 needs no table: business time is wall-clock time).
Pure Python: no Django, no database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aftersales.calendars.business_time import (  # noqa: E402
    ALL_DAY,
    WorkingCalendar,
    add_business_minutes,
    business_minutes_between,
)
from bench.run import machine  # noqa: E402  (the page benchmark's description of the machine)

OFFICE_HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))  # as the seeded 5x8
FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 9, 30, tzinfo=dt.UTC)
WEEK_MINUTES = 7 * 24 * 60
TARGET_ADDS_PER_S = 100_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200_000, help="timed operations per row (default 200000)")
    parser.add_argument("--warmup", type=int, default=20_000, help="untimed operations first (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the inputs")
    return parser.parse_args()


def calendars() -> dict[str, WorkingCalendar]:
    from chinese_calendar import constants

    holidays, workdays = frozenset(constants.holidays), frozenset(constants.workdays)
    return {
        "7x24": WorkingCalendar.round_the_clock("Asia/Shanghai"),
        "5x24": WorkingCalendar.working_days(ALL_DAY, tz="Asia/Shanghai", holidays=holidays, workdays=workdays),
        "5x8": WorkingCalendar.working_days(OFFICE_HOURS, tz="Asia/Shanghai", holidays=holidays, workdays=workdays),
    }


def random_instants(rng: random.Random, n: int) -> list[dt.datetime]:
    span_us = int((UNTIL - FROM).total_seconds() * 1_000_000)
    return [FROM + dt.timedelta(microseconds=rng.randrange(span_us)) for _ in range(n)]


def inputs(rng: random.Random, n: int) -> tuple[list, list]:
    """(start, minutes) pairs for additions and (a, b) pairs for differences."""
    starts = random_instants(rng, n)
    adds = [(s, rng.uniform(0, WEEK_MINUTES)) for s in starts]
    firsts = random_instants(rng, n)
    week_us = WEEK_MINUTES * 60_000_000
    betweens = [(a, a + dt.timedelta(microseconds=rng.randrange(week_us))) for a in firsts]
    return adds, betweens


def loop_rate(fn, pairs, calendar) -> float:
    """Operations per second over the whole list."""
    start = time.perf_counter()
    for a, b in pairs:
        fn(a, b, calendar)
    return len(pairs) / (time.perf_counter() - start)


def per_op_us(fn, pairs, calendar) -> tuple[float, float]:
    """p50 and p99 of the single operation, in microseconds."""
    clock = time.perf_counter_ns
    samples = []
    for a, b in pairs:
        t0 = clock()
        fn(a, b, calendar)
        samples.append(clock() - t0)
    samples.sort()
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    cals = calendars()
    rows = []
    for name, calendar in cals.items():
        warm_adds, warm_betweens = inputs(rng, args.warmup)
        adds, betweens = inputs(rng, args.ops)
        t0 = time.perf_counter()
        add_business_minutes(warm_adds[0][0], warm_adds[0][1], calendar)  # first call lays out its years
        first_ms = (time.perf_counter() - t0) * 1000
        for start, minutes in warm_adds:
            add_business_minutes(start, minutes, calendar)
        for a, b in warm_betweens:
            business_minutes_between(a, b, calendar)
        add_rate = loop_rate(add_business_minutes, adds, calendar)
        between_rate = loop_rate(business_minutes_between, betweens, calendar)
        add_p50, add_p99 = per_op_us(add_business_minutes, adds, calendar)
        between_p50, between_p99 = per_op_us(business_minutes_between, betweens, calendar)
        # Open intervals laid out for the years touched (none when the calendar needs no table).
        intervals = f"{len(calendar._starts):,}" if calendar._years is not None else "none"
        rows.append((name, add_rate, add_p50, add_p99, between_rate, between_p50, between_p99, first_ms, intervals))

    print(f"Business-time arithmetic · {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}")
    print(f"machine   {machine()}")
    print(f"software  Python {platform.python_version()} ({platform.python_implementation()})")
    print(
        f"{args.ops} operations per row after {args.warmup} warm-ups; starts {FROM:%Y-%m-%d}..{UNTIL:%Y-%m-%d}, "
        "spans uniformly random under a week"
    )
    print()
    header = (
        f"{'calendar':<9}{'adds/s':>11}{'add p50 us':>12}{'add p99 us':>12}"
        f"{'between/s':>11}{'btw p50 us':>12}{'btw p99 us':>12}{'lay-out ms':>12}{'intervals':>11}"
    )
    print(header)
    for name, add_rate, add_p50, add_p99, between_rate, between_p50, between_p99, first_ms, intervals in rows:
        print(
            f"{name:<9}{add_rate:>11,.0f}{add_p50:>12.2f}{add_p99:>12.2f}"
            f"{between_rate:>11,.0f}{between_p50:>12.2f}{between_p99:>12.2f}{first_ms:>12.1f}{intervals:>11}"
        )
    slowest = min(row[1] for row in rows)
    verdict = "PASS" if slowest >= TARGET_ADDS_PER_S else "FAIL"
    print()
    print(f"target    >= {TARGET_ADDS_PER_S:,} additions/s on every calendar: slowest {slowest:,.0f}/s {verdict}")


if __name__ == "__main__":
    main()
