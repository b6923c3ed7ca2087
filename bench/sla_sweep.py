#!/usr/bin/env python
"""Benchmark of the service-clock sweep (aftersales.sla.services.sweep) on PostgreSQL.

    .venv/bin/python bench/sla_sweep.py [--database-url URL] [--reuse] [--cases 1000000]
        [--open 10000,100000] [--rounds 15] [--due 1000] [--escalations 1000,0]

Uses its own database (created if missing). For each scenario (number of open cases), the case
tables are emptied and re-seeded with set-based SQL (INSERT ... SELECT FROM generate_series)
into the real tables: `--cases` cases of which `--open` are open, their service clocks (the
opening targets of their severity), escalations and timelines; then the indexes are rebuilt and
the database is VACUUM ANALYZEd. Seeded times are relative to an anchor instant T0 (the seeding
time, kept in the database comment): every running clock not yet breached is due after T0 and
every pending escalation fires after T0. `--reuse` keeps the seeded scenario if it matches.

Each round then, in a committed transaction, moves the due time of `--due` running clocks and
the firing time of N pending escalations (each set on distinct open cases, picked at random) to
just before T0, and times `sweep(now=T0)`: its wall time, its CPU time, and its two parts
(`deadlines.services.sweep_breaches`, `sweep_alarms`). After each round the rows are put back in the future,
the timeline entries and notifications the sweep wrote are deleted and the tables vacuumed, so
every round starts from the same state. There is one series of rounds per N in `--escalations`.
One extra round, rolled back, captures the SQL (number of queries, time in the database) and the
EXPLAIN ANALYZE of the two selecting queries.

The table is printed and written to bench/results/sla_sweep.txt. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as R  # noqa: E402  (database and report helpers of the page benchmark)

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_sweep_bench"
# Bump when the seeded data change shape, so that --reuse does not reuse an older shape.
SEED_VERSION = 4
TARGET_MEDIAN_S = 0.5
HISTORY_DAYS = 3 * 365
# The open cases are every SPREAD-th case among the most recent ones.
SPREAD = 3
# Wall-clock minutes per business minute, roughly: seeded due times are placed plausibly, not
# computed on the calendars (the arithmetic is benchmarked by bench/business_time.py).
WALL_FACTOR = {"7x24": 1.0, "5x24": 1.4, "5x8": 4.2}
STAFF = [
    ("hotline", 12, "hotline"),
    ("engineer", 60, "eng"),
    ("specialist", 18, "spec"),
    ("expert", 8, "expert"),
    ("duty_manager", 4, "duty"),
    ("dept_manager", 3, "dept"),
    ("centre_manager", 1, "centre"),
    ("executive", 2, "exec"),
]
N_CUSTOMERS = 300


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help=f"PostgreSQL database to use, created if missing; its case tables are emptied (default {DEFAULT_URL})",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data if they have the same shape")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in all (default 1000000)")
    parser.add_argument(
        "--open", default="10000,100000", help="open cases, one scenario per number (default 10000,100000)"
    )
    parser.add_argument("--rounds", type=int, default=15, help="timed sweeps per scenario (default 15)")
    parser.add_argument("--due", type=int, default=1000, help="clocks due in each round (default 1000)")
    parser.add_argument(
        "--escalations",
        default="1000,0",
        help="escalations due in each round; one series of rounds per number (default 1000,0)",
    )
    parser.add_argument("--seed", type=int, default=20240601, help="random seed of the data and the rounds")
    args = parser.parse_args()
    args.open_counts = sorted({int(n.replace("_", "")) for n in args.open.split(",") if n.strip()})
    args.escalation_counts = list(dict.fromkeys(int(n) for n in args.escalations.split(",") if n.strip()))
    for n_open in args.open_counts:
        if not 0 < n_open * SPREAD <= args.cases:
            parser.error(f"--open {n_open}: needs 1 <= open <= cases / {SPREAD}")
    return args


def ensure_database(url: str) -> None:
    """Create the database if it does not exist."""
    from psycopg import sql

    name = R._db_name(url)
    with R._connect(url, "postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


# --- seeding ------------------------------------------------------------------------------


@dataclass
class MasterIds:
    hotline: list[int]
    owners: list[int]
    customers: list[int]


def ensure_master() -> MasterIds:
    """Staff in their role groups and customers, through the ORM (kept between scenarios)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from aftersales.accounts.models import User
    from aftersales.customers.models import Customer

    if not User.objects.filter(username="hotline001").exists():
        password = make_password(None)
        users, roles = [], []
        for role, count, prefix in STAFF:
            group, _created = Group.objects.get_or_create(name=role)
            for i in range(1, count + 1):
                users.append(
                    User(
                        username=f"{prefix}{i:03d}",
                        display_name=f"{prefix}{i:03d}",
                        password=password,
                        email=f"{prefix}{i:03d}@service.example.com",
                    )
                )
                roles.append(group)
        User.objects.bulk_create(users)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=g.pk) for u, g in zip(users, roles, strict=True)]
        )
    if not Customer.objects.exists():
        kinds = list(Customer.Kind.values)
        Customer.objects.bulk_create(
            [
                Customer(code=f"c{i:04d}", name=f"客户{i:04d}", short_name=f"客户{i:04d}", kind=kinds[i % len(kinds)])
                for i in range(1, N_CUSTOMERS + 1)
            ]
        )

    def ids(prefix: str) -> list[int]:
        return list(User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))

    return MasterIds(
        hotline=ids("hotline"),
        owners=ids("eng") + ids("spec") + ids("expert"),
        customers=list(Customer.objects.order_by("pk").values_list("pk", flat=True)),
    )


CASES_SQL = """
WITH g AS MATERIALIZED (
    SELECT i,
           %(t0)s::timestamptz - ((%(n)s - i)::float8 * %(span_s)s / %(n)s + 60) * interval '1 second' AS opened,
           (i > %(n)s - %(spread)s * %(n_open)s AND (%(n)s - i) %% %(spread)s = 0) AS is_open,
           random() AS r_sev, random() AS r_status, random() AS r_tier, random() AS r_text,
           random() AS r_people, random() AS r_customer, random() AS r_accept, random() AS r_resolve,
           random() AS r_close, random() AS r_kind
    FROM generate_series(1, %(n)s) AS i
), s AS MATERIALIZED (
    SELECT g.*,
           to_char(opened AT TIME ZONE 'Asia/Shanghai', 'YYYYMM') AS period,
           CASE WHEN r_sev < 0.05 THEN 'A' WHEN r_sev < 0.25 THEN 'B' WHEN r_sev < 0.75 THEN 'C' ELSE 'D' END
               AS severity,
           CASE WHEN is_open THEN
                CASE WHEN r_status < 0.15 THEN 'new' WHEN r_status < 0.30 THEN 'accepted'
                     WHEN r_status < 0.65 THEN 'in_progress' WHEN r_status < 0.75 THEN 'waiting_customer'
                     WHEN r_status < 0.83 THEN 'waiting_vendor' WHEN r_status < 0.93 THEN 'waiting_parts'
                     WHEN r_status < 0.97 THEN 'suspended' ELSE 'reopened' END
                ELSE CASE WHEN r_status < 0.05 THEN 'cancelled' ELSE 'closed' END
           END AS status,
           CASE WHEN r_tier < 0.75 THEN 'L1' WHEN r_tier < 0.93 THEN 'L2' WHEN r_tier < 0.99 THEN 'L3' ELSE 'L4' END
               AS tier,
           (%(devices)s::text[])[1 + floor(r_text * %(n_devices)s)::int]
             || (%(components)s::text[])[1 + floor(r_customer * %(n_components)s)::int]
             || (%(symptoms)s::text[])[1 + floor(r_kind * %(n_symptoms)s)::int] AS title
    FROM g
), t AS MATERIALIZED (
    SELECT s.*,
           'CS' || period || '-' || lpad((row_number() OVER (PARTITION BY period ORDER BY i))::text, 6, '0') AS number,
           CASE WHEN status NOT IN ('new', 'cancelled') THEN opened + (1 + r_accept * 20) * interval '1 minute' END
               AS accepted,
           CASE WHEN status = 'closed'
                THEN LEAST(%(t0)s::timestamptz - interval '2 second', opened + (0.5 + r_resolve * 72) * interval '1 hour')
           END AS resolved,
           '客户反映' || title || '，影响业务，已远程排查。' AS description
    FROM s
)
INSERT INTO cases_case (
    id, number, kind, severity, channel, status, title, description, tier, entitlement, repair_quote,
    excluded_cause, opened_at, accepted_at, resolved_at, closed_at, updated_at, search_text,
    customer_id, owner_id, taken_by_id, next_due_at
)
SELECT i, number,
       CASE WHEN r_kind < 0.7 THEN 'fault' WHEN r_kind < 0.8 THEN 'maintenance' WHEN r_kind < 0.85 THEN 'return'
            WHEN r_kind < 0.9 THEN 'complaint' WHEN r_kind < 0.95 THEN 'consultation' ELSE 'inspection' END,
       severity,
       CASE WHEN r_people < 0.6 THEN 'phone' WHEN r_people < 0.75 THEN 'email' WHEN r_people < 0.85 THEN 'web'
            WHEN r_people < 0.95 THEN 'monitoring' ELSE 'api' END,
       status, title, description, tier,
       CASE WHEN r_customer < 0.4 THEN 'contract' WHEN r_customer < 0.7 THEN 'warranty'
            WHEN r_customer < 0.85 THEN 'chargeable' ELSE 'unknown' END,
       NULL, '', opened, accepted, resolved,
       CASE WHEN status = 'closed'
                THEN LEAST(%(t0)s::timestamptz - interval '1 second', resolved + r_close * interval '3 days')
            WHEN status = 'cancelled' THEN LEAST(%(t0)s::timestamptz - interval '1 second',
                                                 opened + r_close * interval '1 hour')
       END,
       opened,
       lower(number || ' ' || title || ' ' || description),
       (%(customers)s::bigint[])[1 + floor(%(n_customers)s * r_customer ^ 2)::int],
       CASE WHEN status NOT IN ('new', 'cancelled')
            THEN (%(owners)s::bigint[])[1 + floor(r_people * %(n_owners)s)::int] END,
       (%(hotline)s::bigint[])[1 + floor(r_accept * %(n_hotline)s)::int],
       NULL
FROM t
"""

CLOCKS_SQL = """
WITH c AS MATERIALIZED (
    SELECT k.id AS case_id, k.status, k.opened_at, k.accepted_at, k.resolved_at, k.closed_at,
           k.status IN ('new', 'accepted', 'in_progress', 'waiting_customer', 'waiting_vendor', 'waiting_parts',
                        'suspended', 'reopened') AS is_open,
           t.clock AS kind, t.minutes, t.calendar_id,
           k.opened_at + t.minutes * f.factor::float8 * interval '1 minute' AS natural_due,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4
    FROM cases_case k
    JOIN sla_servicetarget t ON t.severity = k.severity AND t.starts = 'opening'
    JOIN calendars_businesscalendar b ON b.id = t.calendar_id
    JOIN jsonb_each_text(%(factors)s::jsonb) AS f(code, factor) ON f.code = b.code
), d AS MATERIALIZED (
    -- What became of each clock.
    SELECT c.*,
           CASE
               WHEN NOT is_open AND status = 'cancelled' THEN 'stopped'
               WHEN NOT is_open AND kind = 'sign_off' THEN 'met'
               WHEN NOT is_open THEN CASE WHEN r1 < 0.15 THEN 'stopped' ELSE 'met' END
               WHEN kind = 'sign_off' AND accepted_at IS NOT NULL THEN 'met'
               WHEN kind <> 'sign_off' AND r1 < 0.4 THEN 'met'
               WHEN status = 'suspended' THEN 'paused'
               WHEN r3 < %(future_share)s THEN 'future'
               ELSE 'running'
           END AS fate
    FROM c
), e AS MATERIALIZED (
    SELECT d.*,
           CASE WHEN fate = 'future' THEN %(t0)s::timestamptz + (5 + r2 * 4320) * interval '1 minute'
                ELSE natural_due END AS due,
           CASE
               WHEN fate = 'met' AND kind = 'sign_off' AND accepted_at IS NOT NULL THEN accepted_at
               WHEN fate = 'met' AND NOT is_open
                   THEN LEAST(resolved_at, opened_at + (natural_due - opened_at) * (0.2 + 1.3 * r2))
               WHEN fate = 'met'
                   THEN opened_at + (LEAST(natural_due, %(t0)s::timestamptz) - opened_at) * (0.2 + 0.8 * r2)
           END AS met,
           CASE WHEN fate = 'stopped' THEN COALESCE(resolved_at, closed_at) END AS stopped,
           CASE WHEN fate = 'paused' THEN %(t0)s::timestamptz - (%(t0)s::timestamptz - opened_at) * r4 END AS paused
    FROM d
)
INSERT INTO deadlines_deadline (
    subject_type_id, subject_id, kind, target_minutes, calendar_id, started_at, due_at, met_at, breached_at,
    stopped_at, paused_at, paused_minutes
)
SELECT %(case_type)s, case_id, kind, minutes, calendar_id, opened_at, due, met,
       CASE WHEN due < COALESCE(met, stopped, paused, %(t0)s::timestamptz + interval '1 microsecond') THEN due END,
       stopped, paused, 0
FROM e
"""

ESCALATIONS_SQL = """
INSERT INTO deadlines_alarm (subject_type_id, subject_id, deadline_id, kind, ref, key, fire_at, fired_at, cancelled_at)
SELECT %(case_type)s, case_id, clock_id, 'sla.escalation', rule_id,
       'escalation:' || case_id || ':' || rule_id || ':' || COALESCE(clock_id::text, '-'), fire_at, fired_at, cancelled_at
FROM (
-- Rules that fire at opening: fired when the case was opened.
SELECT k.id, r.id, NULL::bigint, k.opened_at, k.opened_at, NULL::timestamptz
FROM cases_case k JOIN sla_escalationrule r ON r.trigger = 'opening' AND strpos(r.severities, k.severity) > 0
UNION ALL
-- Unresolved N minutes after opening: cancelled if the case was finished before, else fired or pending.
SELECT id, rule_id, NULL, fire_at,
       CASE WHEN finished_at IS NULL AND fire_at <= %(t0)s THEN fire_at
            WHEN finished_at >= fire_at THEN fire_at END,
       CASE WHEN finished_at < fire_at THEN finished_at END
FROM (
    SELECT k.id, r.id AS rule_id, k.opened_at + r.minutes * interval '1 minute' AS fire_at,
           COALESCE(k.resolved_at, k.closed_at) AS finished_at
    FROM cases_case k JOIN sla_escalationrule r ON r.trigger = 'unresolved' AND strpos(r.severities, k.severity) > 0
) u
UNION ALL
-- Rules on a clock: cancelled if the clock was met, stopped or paused first, else fired or pending.
SELECT case_id, rule_id, clock_id, fire_at,
       CASE WHEN (ended_at IS NULL OR ended_at >= fire_at) AND fire_at <= %(t0)s THEN fire_at END,
       CASE WHEN ended_at < fire_at THEN ended_at END
FROM (
    SELECT cl.subject_id AS case_id, r.id AS rule_id, cl.id AS clock_id,
           cl.due_at + CASE WHEN r.trigger = 'before_due' THEN -1 ELSE 1 END * r.minutes * interval '1 minute'
               AS fire_at,
           COALESCE(cl.met_at, cl.stopped_at, cl.paused_at) AS ended_at
    FROM deadlines_deadline cl
    JOIN cases_case k ON k.id = cl.subject_id
    JOIN sla_escalationrule r ON r.clock = cl.kind AND r.trigger IN ('before_due', 'breached')
                             AND strpos(r.severities, k.severity) > 0
) x
) AS escalation (case_id, rule_id, clock_id, fire_at, fired_at, cancelled_at)
"""

EVENTS_SQL = """
INSERT INTO timeline_entry (subject_type_id, subject_id, created_at, actor_id, kind, public, data)
SELECT %(case_type)s, id, opened_at, taken_by_id, 'created', true,
       jsonb_build_object('to_status', 'new', 'text', description) FROM cases_case
UNION ALL
SELECT %(case_type)s, id, accepted_at, owner_id, 'status', false,
       '{"from_status": "new", "to_status": "accepted"}'::jsonb FROM cases_case
WHERE accepted_at IS NOT NULL
UNION ALL
SELECT %(case_type)s, subject_id, due_at, NULL, 'breached', false, jsonb_build_object('clock', kind, 'due_at', due_at)
FROM deadlines_deadline
WHERE breached_at IS NOT NULL
UNION ALL
SELECT %(case_type)s, id, closed_at, NULL, 'status', true,
       jsonb_build_object('from_status', CASE WHEN status = 'closed' THEN 'resolved' ELSE 'new' END, 'to_status', status)
FROM cases_case
WHERE status IN ('closed', 'cancelled')
"""

NEXT_DUE_SQL = """
UPDATE cases_case k SET next_due_at = m.due
FROM (
    SELECT subject_id AS case_id, min(due_at) AS due FROM deadlines_deadline
    WHERE met_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL
    GROUP BY subject_id
) m
WHERE k.id = m.case_id
"""


def seed(n_cases: int, n_open: int, master: MasterIds, rng_seed: int, progress) -> dict:
    """Empty the case tables and seed them for one scenario; returns counts and timings."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import seed as S
    from bench import vocabulary as V

    t0 = timezone.now().replace(microsecond=0)
    timings: dict[str, float] = {}
    started = time.monotonic()

    def step(name: str, sql: str, params: dict | None = None) -> int:
        begun = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [((rng_seed + len(timings)) % 1000) / 1000])
            cursor.execute(sql, params)
            rows = cursor.rowcount
        timings[name] = round(time.monotonic() - begun, 1)
        progress(f"  {name}: {rows:,} rows ({timings[name]} s)")
        return rows

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        cursor.execute("SET work_mem TO '256MB'")
        cursor.execute("TRUNCATE cases_case, cases_casenumbercounter RESTART IDENTITY CASCADE")
        # The deadlines name their case generically (no foreign key): the cascade misses them.
        cursor.execute("TRUNCATE deadlines_alarm, deadlines_deadline RESTART IDENTITY CASCADE")
    indexes = S.drop_secondary_indexes(["cases_case", "timeline_entry", "deadlines_deadline", "deadlines_alarm"])
    try:
        params = {
            "t0": t0,
            "n": n_cases,
            "n_open": n_open,
            "spread": SPREAD,
            "span_s": HISTORY_DAYS * 86400,
            "devices": V.DEVICES,
            "n_devices": len(V.DEVICES),
            "components": V.COMPONENTS,
            "n_components": len(V.COMPONENTS),
            "symptoms": V.SYMPTOMS,
            "n_symptoms": len(V.SYMPTOMS),
            "customers": master.customers,
            "n_customers": len(master.customers),
            "owners": master.owners,
            "n_owners": len(master.owners),
            "hotline": master.hotline,
            "n_hotline": len(master.hotline),
        }
        # The rows refer to one another by construction; checking ~20 million foreign keys one
        # by one at commit would take longer than writing them (replica role: no FK triggers).
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role TO replica")
        with transaction.atomic():
            cases = step("cases", CASES_SQL, params)
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [n_cases])
                cursor.execute(
                    "INSERT INTO cases_casenumbercounter (period, last) "
                    "SELECT substr(number, 3, 6), count(*) FROM cases_case GROUP BY 1"
                )
            from django.contrib.contenttypes.models import ContentType

            from aftersales.cases.models import Case

            case_type = ContentType.objects.get_for_model(Case).pk
            clocks = step(
                "clocks",
                CLOCKS_SQL,
                {"t0": t0, "factors": json.dumps(WALL_FACTOR), "future_share": 0.6, "case_type": case_type},
            )
            step("next due", NEXT_DUE_SQL)
            escalations = step("escalations", ESCALATIONS_SQL, {"t0": t0, "case_type": case_type})
            events = step("timeline", EVENTS_SQL, {"case_type": case_type})
            begun = time.monotonic()
        timings["commit"] = round(time.monotonic() - begun, 1)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role TO DEFAULT")
        begun = time.monotonic()
        progress(f"  building {len(indexes)} indexes ...")
        S.create_indexes(indexes)
        timings["indexes"] = round(time.monotonic() - begun, 1)
    begun = time.monotonic()
    progress("  VACUUM ANALYZE, CHECKPOINT ...")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")  # the seeding's dirty pages written now, not during the rounds
        cursor.execute("SET synchronous_commit TO on")
        cursor.execute("RESET work_mem")
    timings["vacuum"] = round(time.monotonic() - begun, 1)
    timings["total"] = round(time.monotonic() - started, 1)
    return {
        "t0": t0.isoformat(),
        "cases": cases,
        "clocks": clocks,
        "escalations": escalations,
        "events": events,
        "timings": timings,
    }


# --- measuring ----------------------------------------------------------------------------

PICK_CLOCKS = """
SELECT id, case_id FROM (
    SELECT DISTINCT ON (subject_id) id, subject_id AS case_id FROM deadlines_deadline
    WHERE met_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL
    ORDER BY subject_id, random()
) s ORDER BY random() LIMIT %s
"""
PICK_ESCALATIONS = """
SELECT id, case_id FROM (
    SELECT DISTINCT ON (subject_id) id, subject_id AS case_id FROM deadlines_alarm
    WHERE fired_at IS NULL AND cancelled_at IS NULL
    ORDER BY subject_id, random()
) s ORDER BY random() LIMIT %s
"""
DUE_NOW = """
SELECT (SELECT count(*) FROM deadlines_deadline
        WHERE met_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %(now)s),
       (SELECT count(*) FROM deadlines_alarm WHERE fired_at IS NULL AND cancelled_at IS NULL AND fire_at <= %(now)s)
"""


@dataclass
class Round:
    clocks: list[int]
    escalations: list[int]
    tiers: list[tuple[int, str]]
    last_event: int
    last_notification: int


@dataclass
class Series:
    """The timed rounds of one scenario with a given number of escalations due."""

    n_escalations: int
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    breaches_ms: list[float] = field(default_factory=list)
    escalations_ms: list[float] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)

    def typical(self, key: str) -> float:
        return median([r[key] for r in self.results])


@dataclass
class Scenario:
    n_open: int
    seeded: dict
    reused: bool
    series: list[Series] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    diag_wall_ms: float = 0.0
    diag_escalations: int = 0
    explains: list[tuple[str, str, str]] = field(default_factory=list)
    sizes: dict = field(default_factory=dict)


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def median(samples: list[float]) -> float:
    ordered = sorted(samples)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def set_up_round(now: dt.datetime, n_due: int, n_escalations: int, round_seed: float) -> Round:
    """Make `n_due` running clocks and `n_escalations` pending escalations due just before `now`."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(DUE_NOW, {"now": now})
        already = cursor.fetchone()
        if already != (0, 0):
            raise SystemExit(f"{already[0]} clocks and {already[1]} escalations are already due before the round")
        cursor.execute("SELECT setseed(%s)", [round_seed])
        cursor.execute(PICK_CLOCKS, [n_due])
        clocks = [row[0] for row in cursor.fetchall()]
        cursor.execute(PICK_ESCALATIONS, [n_escalations])
        picked = cursor.fetchall()
        escalations = [row[0] for row in picked]
        if len(clocks) < n_due or len(escalations) < n_escalations:
            raise SystemExit(
                f"only {len(clocks)} running clocks and {len(escalations)} pending escalations on distinct cases"
            )
        cursor.execute(
            "UPDATE deadlines_deadline SET due_at = %s - (1 + random() * 599) * interval '1 second' WHERE id = ANY(%s)",
            [now, clocks],
        )
        cursor.execute(
            "UPDATE deadlines_alarm SET fire_at = %s - (1 + random() * 599) * interval '1 second' WHERE id = ANY(%s)",
            [now, escalations],
        )
        cursor.execute("SELECT id, tier FROM cases_case WHERE id = ANY(%s)", [[row[1] for row in picked]])
        tiers = cursor.fetchall()
        cursor.execute("SELECT COALESCE(max(id), 0) FROM timeline_entry")
        last_event = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(max(id), 0) FROM notifications_notification")
        last_notification = cursor.fetchone()[0]
    return Round(clocks, escalations, tiers, last_event, last_notification)


def reset_round(state: Round, now: dt.datetime) -> dict[str, int]:
    """Put the round's rows back in the future; remove what the sweep wrote (timeline, outbox).

    Returns how many notifications and timeline entries the sweep had written."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deadlines_deadline SET breached_at = NULL, due_at = %s + (5 + random() * 4320) * interval '1 minute' "
            "WHERE id = ANY(%s)",
            [now, state.clocks],
        )
        cursor.execute(
            "UPDATE deadlines_alarm SET fired_at = NULL, fire_at = %s + (5 + random() * 4320) * interval '1 minute' "
            "WHERE id = ANY(%s)",
            [now, state.escalations],
        )
        cursor.execute(
            "UPDATE cases_case k SET tier = v.tier FROM unnest(%s::bigint[], %s::text[]) AS v(id, tier) "
            "WHERE k.id = v.id AND k.tier <> v.tier",
            [[row[0] for row in state.tiers], [row[1] for row in state.tiers]],
        )
        # The benchmark's own rows; the application never deletes timeline entries.
        cursor.execute("DELETE FROM notifications_notification WHERE id > %s", [state.last_notification])
        written = {"notifications": cursor.rowcount}
        cursor.execute("DELETE FROM timeline_entry WHERE id > %s", [state.last_event])
        written["events"] = cursor.rowcount
    # Without this, the dead rows of earlier rounds would slow the later ones down: the same
    # escalations fire again (their notifications' dedupe keys meet their dead predecessors in
    # the unique index), and the server's autovacuum may be off (it is on the benchmark machine).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM notifications_notification, timeline_entry, deadlines_deadline, deadlines_alarm")
    return written


# The sweep's two parts, one transaction each (aftersales.deadlines.services).
PARTS = ("sweep_breaches", "sweep_alarms")


class PartTimer:
    """Wraps the sweep's two parts (module globals that `sweep` looks up) to time each."""

    def __init__(self) -> None:
        from aftersales.deadlines import services

        self.services = services
        self.originals = {name: getattr(services, name) for name in PARTS}
        self.last: dict[str, float] = {}

    def __enter__(self) -> PartTimer:
        for name, original in self.originals.items():
            setattr(self.services, name, self._timed(name, original))
        return self

    def __exit__(self, *exc) -> None:
        for name, original in self.originals.items():
            setattr(self.services, name, original)

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.last[name] = (time.perf_counter() - start) * 1000

        return timed


def sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM cases_case),
                   (SELECT count(*) FROM cases_case WHERE status IN ('new', 'accepted', 'in_progress',
                        'waiting_customer', 'waiting_vendor', 'waiting_parts', 'suspended', 'reopened')),
                   (SELECT count(*) FROM deadlines_deadline),
                   (SELECT count(*) FROM deadlines_deadline WHERE met_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL),
                   (SELECT count(*) FROM deadlines_deadline
                    WHERE met_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL),
                   (SELECT count(*) FROM deadlines_alarm),
                   (SELECT count(*) FROM deadlines_alarm WHERE fired_at IS NULL AND cancelled_at IS NULL),
                   (SELECT count(*) FROM timeline_entry),
                   pg_size_pretty(pg_database_size(current_database())),
                   pg_size_pretty(pg_relation_size('deadline_unbreached_due_idx')),
                   pg_size_pretty(pg_relation_size('alarm_pending_idx')),
                   pg_size_pretty(pg_total_relation_size('deadlines_deadline')),
                   pg_size_pretty(pg_total_relation_size('cases_case'))
            """
        )
        row = cursor.fetchone()
    keys = [
        "cases",
        "open",
        "clocks",
        "running",
        "unbreached",
        "escalations",
        "pending",
        "events",
        "db_size",
        "clock_idx",
        "escalation_idx",
        "clock_table",
        "case_table",
    ]
    return dict(zip(keys, row, strict=True))


def diagnose(scenario: Scenario, now: dt.datetime, args, round_seed: float) -> None:
    """One round rolled back: the SQL of the sweep, and the plans of its two selecting queries."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from aftersales.sla import services

    scenario.diag_escalations = args.escalation_counts[0]
    state = set_up_round(now, args.due, scenario.diag_escalations, round_seed)
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                services.sweep(now=now)
                scenario.diag_wall_ms = (time.perf_counter() - start) * 1000
            transaction.set_rollback(True)
        scenario.queries = list(ctx.captured_queries)
        selects = [
            (table, q["sql"])
            for q in scenario.queries
            for table in ("deadlines_deadline", "deadlines_alarm")
            if q["sql"].lstrip().upper().startswith("SELECT") and "FOR UPDATE" in q["sql"].upper()
            if f'FROM "{table}"' in q["sql"]
        ]
        for table, sql in selects:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                transaction.set_rollback(True)
            scenario.explains.append((table, sql, plan))
    finally:
        reset_round(state, now)


def measure(scenario: Scenario, args, progress) -> None:
    from aftersales.sla import services

    now = dt.datetime.fromisoformat(scenario.seeded["t0"])
    scenario.sizes = sizes()
    progress(
        f"  {scenario.sizes['open']:,} open cases, {scenario.sizes['unbreached']:,} running clocks not breached, "
        f"{scenario.sizes['pending']:,} pending escalations"
    )
    base_seed = (args.seed % 1000) / 1000
    diagnose(scenario, now, args, base_seed)
    progress(f"  captured round: {len(scenario.queries)} queries, {scenario.diag_wall_ms:.0f} ms")
    with PartTimer() as parts:
        for n_escalations in args.escalation_counts:
            series = Series(n_escalations)
            scenario.series.append(series)
            progress(f"  {args.due} clocks and {n_escalations} escalations due per round:")
            for i in range(-1, args.rounds):  # round 0 is a warm-up
                state = set_up_round(now, args.due, n_escalations, (base_seed + (i + 2) / 100 + n_escalations / 7) % 1)
                try:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    result = services.sweep(now=now)
                    cpu = (time.process_time() - start_cpu) * 1000
                    wall = (time.perf_counter() - start) * 1000
                finally:
                    begun = time.perf_counter()
                    written = reset_round(state, now)
                    reset_ms = (time.perf_counter() - begun) * 1000
                expected = {"breaches": args.due, "escalations": n_escalations}
                if result != expected:
                    raise SystemExit(f"round {i + 1}: sweep returned {result}, expected {expected}")
                progress(
                    f"    round {i + 1:>2}: {wall:7.1f} ms (breaches {parts.last[PARTS[0]]:6.1f}, "
                    f"escalations {parts.last[PARTS[1]]:6.1f}, cpu {cpu:6.1f}) {result}; "
                    f"reset and VACUUM {reset_ms:.0f} ms" + (" (warm-up)" if i < 0 else "")
                )
                if i < 0:
                    continue
                series.wall_ms.append(wall)
                series.cpu_ms.append(cpu)
                series.breaches_ms.append(parts.last[PARTS[0]])
                series.escalations_ms.append(parts.last[PARTS[1]])
                series.results.append({**result, **written})


# --- report -------------------------------------------------------------------------------


def query_profile(queries: list[dict]) -> list[tuple[str, int, float]]:
    """(statement kind, count, total ms) of the captured queries, the most expensive first."""
    groups: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        sql = " ".join(q["sql"].split())
        words = sql.split(" ")
        verb = words[0].upper()
        if verb == "SELECT":
            table = next((w for i, w in enumerate(words) if words[i - 1].upper() == "FROM"), "?")
            key = f"SELECT FROM {table}" + (" FOR UPDATE" if "FOR UPDATE" in sql.upper() else "")
        elif verb in ("UPDATE", "INSERT", "DELETE"):
            key = " ".join(words[:3] if verb == "INSERT" else words[:2])
        else:
            key = verb
        groups[key.replace('"', "")].append(float(q["time"]) * 1000)
    rows = [(key, len(times), sum(times)) for key, times in groups.items()]
    return sorted(rows, key=lambda row: -row[2])


def report(scenarios: list[Scenario], args, django_version: str, pg_version: str, load_before: str) -> str:
    counts = " / ".join(str(n) for n in args.escalation_counts)
    lines = [
        f"Service-clock sweep benchmark · {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"machine   {R.machine()}",
        f"code      {R.code_version()}",
        f"software  Python {platform.python_version()}, Django {django_version}, {pg_version.split(' on ')[0]}",
        f"load avg  {load_before} before, {os.getloadavg()[0]:.2f} after the measurements (1-minute)",
        f"method    per scenario and series: {args.rounds} timed sweep(now=T0) after 1 warm-up; each round "
        f"{args.due} running clocks and {counts} pending escalations (each on distinct open cases) made due "
        "just before T0",
        "",
    ]
    for s in scenarios:
        z = s.sizes
        t = s.seeded["timings"]
        lines.append(
            f"scenario  {R.fmt_int(z['open'])} open of {R.fmt_int(z['cases'])} cases ({z['db_size']}): "
            f"{R.fmt_int(z['clocks'])} clocks ({R.fmt_int(z['running'])} running, {R.fmt_int(z['unbreached'])} "
            f"not breached), {R.fmt_int(z['escalations'])} escalations ({R.fmt_int(z['pending'])} pending), "
            f"{R.fmt_int(z['events'])} timeline entries; partial indexes {z['clock_idx']} (clocks) and "
            f"{z['escalation_idx']} (escalations)"
        )
        lines.append(
            f"  seeded  {t['total']} s (cases {t['cases']} s, clocks {t['clocks']} s, escalations {t['escalations']} s, "
            f"timeline {t['timeline']} s, commit {t.get('commit', '?')} s, indexes {t['indexes']} s, "
            f"VACUUM ANALYZE + CHECKPOINT {t['vacuum']} s)" + (f"  [reused, T0 {s.seeded['t0']}]" if s.reused else "")
        )
    lines += [
        "",
        f"{'open cases':>12}{'due':>11}{'n':>4}{'sweep p50':>11}{'p95':>8}{'max':>8}{'breaches p50':>14}"
        f"{'escal. p50':>12}{'cpu p50':>9}  written per round (median)",
    ]
    for s in scenarios:
        for series in s.series:
            due = f"{args.due}+{series.n_escalations}"
            lines.append(
                f"{R.fmt_int(s.n_open):>12}{due:>11}{len(series.wall_ms):>4}{median(series.wall_ms):>11.1f}"
                f"{pct(series.wall_ms, 0.95):>8.1f}{max(series.wall_ms):>8.1f}{median(series.breaches_ms):>14.1f}"
                f"{median(series.escalations_ms):>12.1f}{median(series.cpu_ms):>9.1f}  "
                f"{series.typical('notifications'):.0f} notifications, {series.typical('events'):.0f} timeline entries"
            )
    lines += [
        "",
        "columns   due = clocks + escalations due per round; sweep = wall time of sweep(now) in ms; "
        "breaches / escal. = its two parts (deadlines sweep_breaches and sweep_alarms, one transaction each, commit "
        "included); cpu = CPU time of this process (Python) during the sweep",
    ]
    for s in scenarios:
        sql_ms = sum(float(q["time"]) for q in s.queries) * 1000
        lines.append("")
        lines.append(
            f"queries of one sweep, {R.fmt_int(s.n_open)} open, {args.due}+{s.diag_escalations} due "
            f"(captured round, rolled back: {s.diag_wall_ms:.0f} ms wall, {len(s.queries)} queries, "
            f"{sql_ms:.0f} ms in execute; a rollback skips the commit's deferred foreign-key checks):"
        )
        for key, count, total in query_profile(s.queries):
            lines.append(f"  {count:>5} x {key:<55}{total:>9.1f} ms")
    lines.append("")
    for n_escalations in args.escalation_counts:
        verdicts = []
        for s in scenarios:
            series = next(x for x in s.series if x.n_escalations == n_escalations)
            p50 = median(series.wall_ms) / 1000
            verdicts.append(f"{R.fmt_int(s.n_open)} open {p50:.3f} s {'PASS' if p50 < TARGET_MEDIAN_S else 'FAIL'}")
        lines.append(
            f"target    median sweep < {TARGET_MEDIAN_S} s, {args.due} clocks + {n_escalations} escalations due: "
            + "; ".join(verdicts)
        )
    if len(scenarios) > 1:
        low, high = scenarios[0], scenarios[-1]
        ratios = [
            f"{b.n_escalations} escalations {median(b.wall_ms) / median(a.wall_ms):.2f}x"
            for a, b in zip(low.series, high.series, strict=True)
        ]
        lines.append(
            f"growth    median sweep at {R.fmt_int(high.n_open)} vs {R.fmt_int(low.n_open)} open cases "
            f"({high.n_open / low.n_open:.0f}x as many): " + "; ".join(ratios)
        )
    for s in scenarios:
        for table, sql, plan in s.explains:
            index = {"deadlines_deadline": "deadline_unbreached_due_idx", "deadlines_alarm": "alarm_pending_idx"}[table]
            used = "uses" if index in plan else "does NOT use"
            lines += [
                "",
                f"=== EXPLAIN (ANALYZE, BUFFERS), {R.fmt_int(s.n_open)} open: the selecting query on {table} "
                f"({used} {index})",
                sql,
                "",
                plan,
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    url = args.database_url
    ensure_database(url)
    marker = R.read_marker(url) or {}
    R.start_django(url)
    import django
    from django.core.management import call_command
    from django.db import connection

    def progress(line: str) -> None:
        print(line, flush=True)

    progress("Migrating ...")
    call_command("migrate", verbosity=0, interactive=False)
    master = ensure_master()
    shape = {"version": SEED_VERSION, "cases": args.cases, "seed": args.seed}

    def matches(n_open: int) -> bool:
        return bool(args.reuse and all(marker.get(k) == v for k, v in shape.items()) and marker.get("open") == n_open)

    # The scenario already seeded (with --reuse) goes first.
    order = sorted(args.open_counts, key=lambda n: not matches(n))
    load_before = f"{os.getloadavg()[0]:.2f}"
    scenarios = []
    for n_open in order:
        if matches(n_open):
            # bench/api.py's database (the same seed plus equipment) is reused too; markers it
            # wrote before it kept T0 at the top level have it under "seeded" only.
            marker.setdefault("t0", marker["seeded"]["t0"])
            progress(f"Reusing {R.fmt_int(args.cases)} cases with {R.fmt_int(n_open)} open (T0 {marker['t0']}).")
            scenario = Scenario(n_open, marker["seeded"], reused=True)
        else:
            progress(f"Seeding {R.fmt_int(args.cases)} cases, {R.fmt_int(n_open)} open ...")
            seeded = seed(args.cases, n_open, master, args.seed, progress)
            marker = {**shape, "open": n_open, "t0": seeded["t0"], "seeded": seeded}
            R.write_marker(url, marker)
            progress(f"Seeded in {seeded['timings']['total']} s.")
            scenario = Scenario(n_open, seeded, reused=False)
        progress(f"Sweeping ({args.rounds} rounds) ...")
        measure(scenario, args, progress)
        scenarios.append(scenario)
    scenarios.sort(key=lambda s: s.n_open)

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
    text = report(scenarios, args, django.get_version(), pg_version, load_before)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sla_sweep.txt").write_text(text, encoding="utf-8")
    print()
    print(text, end="")
    print(f"\nWritten to {RESULTS / 'sla_sweep.txt'}.")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"Total run time {time.monotonic() - started:.0f} s.")
