#!/usr/bin/env python
"""Profile case creation through the REST API in-process (no HTTP server), on a benchmark database.

    .venv/bin/python bench/profile_create.py [--database-url URL] [--calls 200] [--profile]

Posts `--calls` cases by serial number through Django's test client with the token of a hotline
user, as bench/api.py does over HTTP, after a warm-up; prints wall and CPU time per call, the
queries of one call with their times, and with `--profile` the functions that take the most
time (cProfile, cumulative). The cases stay in the database, as bench/api.py's do.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api as A  # noqa: E402
from bench import run as R  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=A.DEFAULT_URL)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print the cProfile of the timed calls")
    parser.add_argument("--limit", default=45, type=int, help="functions printed (45)")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    args = parser.parse_args()
    R.start_django(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    equipment = A.ensure_equipment()
    client = Client(HTTP_AUTHORIZATION=f"Token {A.api_token()}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rng = random.Random(1)

    def create(i: int) -> None:
        response = client.post("/api/v1/cases/", A.new_case(rng, equipment, i), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"{response.status_code}: {response.content[:500]!r}")

    for i in range(10):
        create(i)
    with CaptureQueriesContext(connection) as captured:
        create(0)
    print(f"queries per call: {len(captured.captured_queries)}")
    for q in captured.captured_queries:
        print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:160]}")
    profile = cProfile.Profile() if args.profile else None
    walls, cpus = [], []
    for i in range(args.calls):
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        create(i)
        if profile:
            profile.disable()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    print(
        f"{args.calls} calls: wall p50 {statistics.median(walls):.1f} ms, p95 {walls[int(0.95 * len(walls)) - 1]:.1f} ms,"
        f" cpu p50 {statistics.median(cpus):.1f} ms"
    )
    if profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
