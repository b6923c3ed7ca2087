#!/usr/bin/env python
"""Load benchmark of the staff pages and of intake on PostgreSQL.

    .venv/bin/python bench/run.py [--cases 100000] [--database-url URL] [--reuse]

Creates (or recreates) the benchmark database, migrates it, seeds it with cases and their
timelines, then times the case queue, the case page, the search box and phone intake, and
prints a table that is also written to bench/results/latest.txt (EXPLAIN ANALYZE of the
queue and search queries goes to bench/results/explain.txt). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench"
# Bump when the seeded data change shape, so that --reuse does not reuse an older shape.
SEED_VERSION = 2
QUEUE_URL = "/cases/?status=open&severity=A&severity=B"
TARGET_P95_MS = 150.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases to seed (default 100000)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help=f"PostgreSQL database to use; dropped and recreated unless --reuse (default {DEFAULT_URL})",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds the same seeded data")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first (default 10)")
    parser.add_argument("--intake", type=int, default=500, help="cases opened through open_case (default 500)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed of the data and the requests")
    return parser.parse_args()


# --- the database, before Django starts -------------------------------------------------


def _connect(url: str, dbname: str):
    import dj_database_url
    import psycopg

    p = dj_database_url.parse(url)
    return psycopg.connect(
        dbname=dbname,
        user=p.get("USER") or None,
        password=p.get("PASSWORD") or None,
        host=p.get("HOST") or None,
        port=p.get("PORT") or None,
        autocommit=True,
    )


def _db_name(url: str) -> str:
    import dj_database_url

    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"The benchmark runs on PostgreSQL; {url!r} is not a postgres:// URL.")
    return parsed["NAME"]


def read_marker(url: str) -> dict | None:
    """What was seeded, from the database's comment (None if the database does not exist)."""
    name = _db_name(url)
    with _connect(url, "postgres") as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def write_marker(url: str, marker: dict) -> None:
    from psycopg import sql

    name = _db_name(url)
    with _connect(url, "postgres") as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(json.dumps(marker)))
        )


def recreate_database(url: str) -> None:
    from psycopg import sql

    name = _db_name(url)
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to drop database {name!r}: the benchmark only recreates databases whose name contains 'bench'."
        )
    with _connect(url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


def start_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
    os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory and skew the timings
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "? RAM"
    return f"{os.cpu_count()} CPUs ({cpu}), {memory}, {platform.system()} {platform.release()}"


def code_version() -> str:
    """The commit measured, and whether the working tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", "aftersales"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    commit = commit if len(commit) <= 80 else commit[:77] + "..."
    return commit + (" + uncommitted changes in aftersales/" if dirty else "")


def fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main() -> None:
    args = parse_args()
    url = args.database_url
    marker = read_marker(url)
    wanted = {"version": SEED_VERSION, "cases": args.cases, "seed": args.seed}
    reused = bool(args.reuse and marker and all(marker.get(k) == v for k, v in wanted.items()))
    if not reused:
        print(f"(Re)creating database {_db_name(url)} ...", flush=True)
        recreate_database(url)

    start_django(url)
    import django
    from django.core.management import call_command
    from django.db import connection

    from bench import measure as M
    from bench import seed as S

    print("Migrating ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)

    if reused:
        print(f"Reusing the seeded data ({fmt_int(marker['cases'])} cases, seeded in {marker['total_s']} s).")
    else:
        print(f"Seeding {fmt_int(args.cases)} cases ...", flush=True)
        stats = S.seed(args.cases, rng_seed=args.seed, progress=lambda line: print(line, flush=True))
        marker = {**wanted, **stats, "at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        write_marker(url, marker)
        print(f"Seeded in {stats['total_s']} s.", flush=True)

    from django.contrib.auth import get_user_model
    from django.test import Client

    from aftersales.cases.models import OPEN_STATUSES, Case, CaseEvent
    from aftersales.cases.queries import QueueFilter, queue

    rng = random.Random(args.seed + 1)
    agent = get_user_model().objects.get(username=S.BENCH_USER)
    client = Client()
    client.force_login(agent)
    n, warm = args.requests, args.warmup
    results = []
    explains = []

    load_before = f"{os.getloadavg()[0]:.2f}"
    n_cases = Case.objects.count()
    n_open = Case.objects.filter(status__in=OPEN_STATUSES).count()
    n_events = CaseEvent.objects.count()
    n_clocks = S.load_sla_targets().model.objects.count() if S.load_sla_targets() else 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), pg_size_pretty(pg_database_size(current_database()))")
        pg_version, db_size = cursor.fetchone()

    # 1. Queue: open cases of severity A and B, first page.
    print("Timing the queue page ...", flush=True)
    queries = M.capture(client, QUEUE_URL)
    samples, cpu = M.time_pages(client, lambda i: QUEUE_URL, n, warm)
    queue_rows = queue(agent, QueueFilter(status="open", severities=("A", "B"))).count()
    results.append(
        M.Result(
            "queue", "GET /cases/?status=open&severity=A&severity=B", samples, len(queries), f"{queue_rows} rows", cpu
        )
    )
    explains.append(("queue page", QUEUE_URL, queries))

    # 2. Case page of random cases.
    print("Timing the case page ...", flush=True)
    numbers = list(Case.objects.values_list("number", flat=True))
    picks = rng.sample(numbers, min(len(numbers), n + warm + 1))
    queries = M.capture(client, f"/cases/{picks[-1]}/")
    samples, cpu = M.time_pages(client, lambda i: f"/cases/{picks[i]}/", n, warm)
    results.append(M.Result("case", "GET /cases/<random number>/", samples, len(queries), "", cpu))

    # 3. Search: short (2-character) words and longer ones, which the trigram index can serve.
    for label, words in (("2-char", S.V.SEARCH_WORDS_SHORT), ("3+char", S.V.SEARCH_WORDS_LONG)):
        print(f"Timing the search ({label} words) ...", flush=True)
        urls = [f"/cases/?q={word}&status=all" for word in words]
        queries = M.capture(client, urls[0])
        samples, cpu = M.time_pages(client, lambda i, urls=urls: urls[i % len(urls)], n, warm)
        matches = {w: queue(agent, QueueFilter(status="all", q=w)).count() for w in words}
        result = M.Result(
            f"search {label}",
            f"GET /cases/?q=<{label} word>&status=all",
            samples,
            len(queries),
            f"{min(matches.values())}-{max(matches.values())} rows",
            cpu,
        )
        result.notes.append("matches: " + ", ".join(f"{w} {c}" for w, c in matches.items()))
        results.append(result)
        # The plans of the rarest and the commonest word differ: explain both.
        for word in sorted({min(matches, key=matches.get), max(matches, key=matches.get)}, key=matches.get):
            page = f"/cases/?q={word}&status=all"
            explains.append((f"search ({label} word {word}, {matches[word]} matches)", page, M.capture(client, page)))

    # 4. Intake through the service layer.
    print(f"Timing intake ({args.intake} cases through open_case) ...", flush=True)
    samples, cpu, per_second, q_c, q_a, opened = M.time_intake(agent, args.intake, warm, rng)
    M.remove_cases(opened)
    results.append(
        M.Result("intake", "services.open_case (sequential)", samples, q_c, f"{per_second:.1f} cases/s", cpu)
    )
    results[-1].notes.append(
        f"queries per call: {q_c} (severity A, executives notified: {q_a}); "
        f"the {len(opened)} cases opened were deleted afterwards"
    )

    # EXPLAIN ANALYZE of the case queries behind the queue and the search pages.
    explain_lines = []
    for title, page_url, page_queries in explains:
        explain_lines.append(f"=== {title}: GET {page_url}")
        for query in page_queries:
            sql_text = query["sql"]
            if "cases_case" not in sql_text or not sql_text.lstrip().upper().startswith("SELECT"):
                continue
            explain_lines += ["", f"-- {query['time']} s in the captured request", sql_text, "", M.explain(sql_text)]
        explain_lines.append("")

    # The table.
    lines = [
        f"Aftersales benchmark · {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"machine   {machine()}",
        f"code      {code_version()}",
        f"software  Python {platform.python_version()}, Django {django.get_version()}, {pg_version.split(' on ')[0]}",
        f"database  {_db_name(url)} ({db_size}): {fmt_int(n_cases)} cases ({100 * n_open / n_cases:.1f} % open), "
        f"{fmt_int(n_events)} timeline entries, {fmt_int(n_clocks)} service clocks",
        f"seeding   {marker['total_s']} s (master data {marker['master_s']} s, cases + timelines {marker['cases_s']} s, "
        f"indexes {marker['indexes_s']} s, VACUUM ANALYZE {marker['vacuum_s']} s){'  [reused from ' + marker['at'] + ']' if reused else ''}",
        f"load avg  {load_before} before, {os.getloadavg()[0]:.2f} after the measurements (1-minute)",
        f"method    {n} timed requests per page after {warm} warm-ups, Django test client, "
        f"logged in as {agent.username} (hotline agent); intake: {args.intake} sequential open_case calls",
        "",
        f"{'row':<14}{'what':<48}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}{'SQL':>5}  result",
    ]
    for r in results:
        lines.append(
            f"{r.name:<14}{r.what:<48}{len(r.samples_ms):>5}{r.p50:>9.1f}{r.p95:>9.1f}{r.max:>9.1f}{r.cpu_p50 or 0:>9.1f}"
            f"{r.queries if r.queries is not None else '':>5}  {r.extra}"
        )
    lines.append("")
    for r in results:
        for note in r.notes:
            lines.append(f"{r.name}: {note}")
    verdicts = []
    for r in results[:2]:
        ok = r.p95 < TARGET_P95_MS
        verdicts.append(f"{r.name} p95 {r.p95:.1f} ms {'PASS' if ok else 'FAIL'}")
    lines.append(f"target    p95 < {TARGET_P95_MS:.0f} ms for queue and case pages: " + "; ".join(verdicts))
    report = "\n".join(lines) + "\n"

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.txt").write_text(report, encoding="utf-8")
    (RESULTS / "explain.txt").write_text("\n".join(explain_lines) + "\n", encoding="utf-8")
    print()
    print(report, end="")
    print(f"\nWritten to {RESULTS / 'latest.txt'} (query plans: {RESULTS / 'explain.txt'}).")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"Total run time {time.monotonic() - started:.0f} s.")
