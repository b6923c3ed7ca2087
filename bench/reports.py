#!/usr/bin/env python
"""Benchmark of the reports on the 1 000 000-case data set: the dashboard, the monthly reports,
the large export.

    .venv/bin/python bench/reports.py [--database-url URL] [--requests 20] [--export-rows 100000]
        [--customers 0]

Uses its own copy of the data of bench/api.py (`createdb -T aftersales_api_bench
aftersales_reports_bench`); if the database is missing it is created and seeded with the same
code (bench/sla_sweep.py: 1 000 000 cases over three years, 100 000 open). Nothing else writes
to it; the monthly reports are made inside a transaction that is rolled back.

Measures, as an executive (every customer), the month being the last full month of the data:

- the dashboard's figures for a month (thirteen months of KPIs, grouped queries) and the
  whole dashboard page over Django's test client (figures, breakdowns, availability, engineers,
  template);
- the same for a year: twelve months of figures and the year's breakdowns;
- the monthly report of every customer: rows made, each PDF rendered (`--customers N` for the
  first N customers only);
- the export of `--export-rows` cases of the queue to Excel (write-only openpyxl, streamed
  from the database), first a tenth of the rows then all of them, with the process's peak RSS
  after each (flat when streamed); measured first, so the peak is the export's own.

Prints a table, also written to bench/results/reports.txt. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as R  # noqa: E402
from bench import sla_sweep as W  # noqa: E402

if TYPE_CHECKING:
    from bench.measure import Result

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_reports_bench"
TARGETS_MS = {"month": 300.0, "year": 1000.0, "monthly": 60_000.0, "export": 60_000.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--requests", type=int, default=20, help="timed runs of each dashboard series (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--export-rows", type=int, default=100_000, help="rows of the export (default 100000)")
    parser.add_argument("--customers", type=int, default=0, help="monthly reports of the first N customers (0: all)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed if the data must be seeded")
    return parser.parse_args()


def ensure_data(url: str, seed: int, progress) -> None:
    """Migrate; seed like bench/api.py when the database holds no cases yet."""
    W.ensure_database(url)
    R.start_django(url)
    from django.core.management import call_command

    from aftersales.cases.models import Case

    progress("Migrating ...")
    call_command("migrate", verbosity=0, interactive=False)
    master = W.ensure_master()
    if not Case.objects.exists():
        progress("Seeding 1 000 000 cases (as bench/api.py) ...")
        W.seed(1_000_000, 100_000, master, seed, progress)


def timed(name: str, what: str, kind: str, run, n: int, warmup: int) -> tuple[Result, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.measure import Result

    for _ in range(warmup):
        run()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        run()
    return Result(name, what, samples, queries=len(queries.captured_queries)), kind


def dashboard_series(user, period, year, args) -> list[tuple[Result, str]]:
    from django.test import Client
    from django.utils import timezone

    from aftersales.reports import counts, kpis

    cases = kpis.report_cases(user)
    compared = [period, period.previous_month(), period.a_year_before()]
    months = [period.a_year_before(), *period.months_back(12)]
    client = Client()
    client.force_login(user)

    def month_figures():
        counts.month_figures(cases, months, as_of=timezone.now(), durations=compared)

    def month_page():
        response = client.get("/reports/", {"month": f"{period.first:%Y-%m}"})
        assert response.status_code == 200, response.status_code

    def year_figures():
        counts.month_figures(cases, year, as_of=timezone.now())
        whole = kpis.Period(year[0].first, year[-1].last)
        for dimension in kpis.BREAKDOWNS:
            kpis.faults_by(cases, whole, dimension)

    n, w = args.requests, args.warmup
    return [
        timed("dashboard figures, month", "13 months of KPIs + 3 months' major faults", "month", month_figures, n, w),
        timed("dashboard page, month", "GET /reports/?month=… (test client)", "month", month_page, n, w),
        timed("dashboard figures, year", "12 months of KPIs + the year's 5 breakdowns", "year", year_figures, n, w),
    ]


def monthly_series(period, args) -> tuple[Result, str]:
    from django.db import transaction
    from django.utils import timezone

    from aftersales.customers.models import Customer
    from aftersales.documents.models import Audience, Document
    from aftersales.documents.services import render_document, request_document
    from aftersales.reports import figures, service_reports
    from aftersales.reports.models import ReportStatus
    from bench.measure import Result

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as media, transaction.atomic():
        from django.conf import settings

        settings.MEDIA_ROOT = media
        if args.customers:
            keep = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[: args.customers])
            Customer.objects.exclude(pk__in=keep).update(is_active=False)  # rolled back below
        now = timezone.now()
        made = service_reports.generate(period, at=now)
        for report in made:  # what issuing does, without the review: figures frozen, PDF asked
            report.figures = figures.compute(
                customer_id=report.customer_id, period=period, kind=report.period_kind, as_of=now
            )
            report.status, report.issued_at = ReportStatus.ISSUED, now
            report.save(update_fields=["figures", "status", "issued_at"])
            audience = Audience.CUSTOMER if report.customer_id else Audience.STAFF
            request_document(
                kind=service_reports.KIND, subject=report, language=service_reports.LANGUAGE, audience=audience, by=None
            )
        pending = Document.objects.filter(kind=service_reports.KIND, status=Document.Status.PENDING)
        rendered = [render_document(pk) for pk in pending.values_list("pk", flat=True)]
        ready = sum(1 for document in rendered if document is not None and document.is_ready)
        transaction.set_rollback(True)
    ms = (time.perf_counter() - start) * 1000
    return Result(
        "monthly reports, all customers" if not args.customers else f"monthly reports, {args.customers} customers",
        f"generate + render {len(made)} PDFs ({ready} ready)",
        [ms],
    ), "monthly"


def export_series(user, args) -> list[tuple[Result, str]]:
    from aftersales.cases.queries import QueueFilter, queue
    from aftersales.reports import exports
    from bench.measure import Result

    every = queue(user, QueueFilter(status="all"))

    def write(rows: int) -> tuple[float, int, int]:
        """Milliseconds, the process's peak RSS afterwards (KiB), file size."""
        start = time.perf_counter()
        body = exports.write_workbook("cases", exports.queue_header(), exports.queue_rows(every[:rows]))
        ms = (time.perf_counter() - start) * 1000
        size = body.seek(0, os.SEEK_END)
        body.close()
        return ms, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size

    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    small_ms, small_rss, _ = write(args.export_rows // 10)
    ms, rss, size = write(args.export_rows)
    extra = (
        f"peak RSS {rss_start / 1024:.0f} MiB before, {small_rss / 1024:.0f} MiB after "
        f"{R.fmt_int(args.export_rows // 10)} rows ({small_ms / 1000:.1f} s), {rss / 1024:.0f} MiB after "
        f"{R.fmt_int(args.export_rows)}; file {size / 2**20:.1f} MiB"
    )
    return [
        (
            Result(
                f"export, {R.fmt_int(args.export_rows)} rows", "queue → xlsx (write-only, streamed)", [ms], extra=extra
            ),
            "export",
        )
    ]


def report(results: list[tuple[Result, str]], sizes: dict, versions: str, load: dict, period) -> str:
    lines = [
        f"Reports benchmark — {time.strftime('%Y-%m-%d %H:%M')}",
        f"code:     {R.code_version()}",
        f"machine:  {R.machine()}",
        f"software: {versions}",
        f"data:     {R.fmt_int(sizes['cases'])} cases, {R.fmt_int(sizes['clocks'])} clocks; month {period.first:%Y-%m}",
        f"load:     before {load['before']}, after {load['after']} (1-minute load average)",
        "",
        f"{'series':<34} {'what':<48} {'n':>3} {'p50':>9} {'p95':>9} {'max':>9} {'queries':>7} {'target':>14}",
    ]
    for result, kind in results:
        target = TARGETS_MS[kind]
        verdict = "ok" if result.p95 < target else "MISSED"
        queries = "" if result.queries is None else str(result.queries)
        lines.append(
            f"{result.name:<34} {result.what:<48} {len(result.samples_ms):>3} {result.p50:>9.1f} {result.p95:>9.1f} "
            f"{result.max:>9.1f} {queries:>7} {f'<{target:.0f} {verdict}':>14}"
        )
        if result.extra:
            lines.append(f"    {result.extra}")
    lines += ["", "Times in milliseconds (wall clock, in this process, database on the same machine)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()

    def progress(line: str) -> None:
        print(line, flush=True)

    ensure_data(args.database_url, args.seed, progress)
    import django
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from aftersales.cases.models import Case
    from aftersales.reports.kpis import Period
    from aftersales.sla.models import Clock

    user = get_user_model().objects.get(username="exec001")
    latest = Case.objects.order_by("-opened_at").values_list("opened_at", flat=True).first() or timezone.now()
    period = Period.month_of(latest).previous_month()
    year = period.months_back(12)
    sizes = {"cases": Case.objects.count(), "clocks": Clock.objects.count()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    load = {"before": f"{os.getloadavg()[0]:.2f}"}
    results: list = []

    def done(new: list) -> None:
        results.extend(new)
        for result, _kind in new:
            progress(f"  {result.name}: p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms {result.extra}")

    # The export first: the process's peak RSS is then the export's own.
    progress("Export ...")
    done(export_series(user, args))
    progress("Monthly reports ...")
    done([monthly_series(period, args)])
    progress(f"Dashboard, {args.requests} runs per series ...")
    done(dashboard_series(user, period, year, args))
    load["after"] = f"{os.getloadavg()[0]:.2f}"
    versions = f"Python {sys.version.split()[0]}, Django {django.get_version()}, {pg_version}"
    text = report(results, sizes, versions, load, period)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports.txt").write_text(text, encoding="utf-8")
    print()
    print(text, end="")
    print(f"\nWritten to {RESULTS / 'reports.txt'}.")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"Total run time {time.monotonic() - started:.0f} s.")
