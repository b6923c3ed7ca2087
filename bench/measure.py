"""Timed requests through Django's test client, and intake through the service layer."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aftersales.cases import services
from aftersales.cases.models import Severity
from aftersales.customers.models import Customer
from aftersales.installed_base.models import Equipment

from . import seed as S


@dataclass
class Result:
    name: str
    what: str
    samples_ms: list[float]
    queries: int | None = None
    extra: str = ""
    # CPU time of this process (client, middleware, view, templates), without the database's.
    cpu_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return self.pct(0.50)

    @property
    def p95(self) -> float:
        return self.pct(0.95)

    @property
    def max(self) -> float:
        return max(self.samples_ms)

    @property
    def cpu_p50(self) -> float | None:
        return sorted(self.cpu_ms)[len(self.cpu_ms) // 2] if self.cpu_ms else None


def get_ok(client: Client, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return response.content


def time_pages(client: Client, urls: Callable[[int], str], n: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of `n` requests, after `warmup` untimed ones."""
    for i in range(warmup):
        get_ok(client, urls(-1 - i))
    wall, cpu = [], []
    for i in range(n):
        url = urls(i)
        start, start_cpu = time.perf_counter(), time.process_time()
        get_ok(client, url)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def capture(client: Client, url: str) -> list[dict]:
    """The SQL one request runs (after a warm-up request, so caches are as in the timed runs)."""
    get_ok(client, url)
    with CaptureQueriesContext(connection) as ctx:
        get_ok(client, url)
    return list(ctx.captured_queries)


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def time_intake(agent, n: int, warmup: int, rng: random.Random):
    """Open `n` cases one after the other through services.open_case.

    Returns per-call wall and CPU times, the calls per second over the whole loop, and the
    numbers of SQL queries of one severity-C and one severity-A call.
    """
    customers = list(Customer.objects.filter(is_active=True).prefetch_related("contacts"))
    equipment: dict[int, list[Equipment]] = {}
    for item in Equipment.objects.select_related("product_model__vendor", "site"):
        equipment.setdefault(item.customer_id, []).append(item)
    weights = [5 if c.pk in equipment else 1 for c in customers]

    opened: list[int] = []

    def one(severity: str | None = None) -> None:
        customer = rng.choices(customers, weights=weights)[0]
        items = equipment.get(customer.pk) or [None]
        contacts = list(customer.contacts.all()) or [None]
        title, description = S.case_text(rng)
        case = services.open_case(
            customer=customer,
            by=agent,
            title=title,
            description=description,
            kind=S.pick(rng, S.KIND_WEIGHTS),
            severity=severity or S.pick(rng, S.SEVERITY_WEIGHTS),
            channel=S.pick(rng, S.CHANNEL_WEIGHTS),
            contact=rng.choice(contacts),
            equipment=rng.choice(items),
        )
        opened.append(case.pk)

    for _ in range(warmup):
        one()
    with CaptureQueriesContext(connection) as ctx:
        one(Severity.C)
    queries_c = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        one(Severity.A)
    queries_a = len(ctx.captured_queries)

    wall, cpu = [], []
    loop_start = time.perf_counter()
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        one()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    elapsed = time.perf_counter() - loop_start
    return wall, cpu, n / elapsed, queries_c, queries_a, opened


def _references(cursor, table: str) -> list[tuple[str, str, str]]:
    """(child table, child column, parent column) of every foreign key pointing at `table`."""
    cursor.execute(
        """
        SELECT child.relname, ca.attname, pa.attname
        FROM pg_constraint c
        JOIN pg_class child ON child.oid = c.conrelid
        JOIN pg_class parent ON parent.oid = c.confrelid
        JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
        JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND parent.relname = %s
        """,
        [table],
    )
    return cursor.fetchall()


def _delete(cursor, table: str, column: str, subquery: str, depth: int = 0) -> None:
    if depth > 8:
        raise RuntimeError(f"foreign keys nest too deep below {table}")
    for child, child_column, parent_column in _references(cursor, table):
        if child != table:  # a self-reference (merged_into) never points at the rows removed here
            inner = f'SELECT "{parent_column}" FROM "{table}" WHERE "{column}" IN ({subquery})'
            _delete(cursor, child, child_column, inner, depth + 1)
    cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" IN ({subquery})')


def remove_cases(ids: list[int]) -> None:
    """Delete the cases the intake run opened, with every row that refers to them (timeline,
    clocks, notifications, ...), so that a rerun with --reuse measures the same data.

    The timeline is append-only for the application; the benchmark removes its own rows with
    plain SQL, following the foreign keys the schema has at the time.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_removed (id bigint PRIMARY KEY) ON COMMIT DROP")
        cursor.execute("INSERT INTO bench_removed SELECT unnest(%s::bigint[])", [ids])
        _delete(cursor, "cases_case", "id", "SELECT id FROM bench_removed")
