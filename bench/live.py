#!/usr/bin/env python
"""Benchmark of live pages: many agents polling their queue with conditional requests.

    .venv/bin/python bench/live.py [--database-url URL] [--reuse] [--cases 20000] [--open 2000]
        [--agents 200] [--every 5] [--seconds 60] [--change-every 10] [--workers 2]
        [--redis-url redis://127.0.0.1:6379/14]

Uses its own small database (`aftersales_live_bench`, created if missing, seeded like the API
benchmark: bench/sla_sweep.py's cases with clocks and timelines; `--reuse` keeps it). gunicorn
serves the project (`--workers` sync workers, DEBUG off, the cache on Redis as in production)
and `--agents` simulated agents, each with its own logged-in session, do what a browser on the
queue does (aftersales/core/static/aftersales/live.js): load the queue once, then every
`--every` seconds (each at its own phase) ask `GET /cases/?partial=live` with `If-None-Match`;
a 304 costs nothing more, a 200 brings the table, whose ETag is kept. One agent in ten watches
the dispatch board instead. Meanwhile a writer opens a case through the REST API every
`--change-every` seconds, so every agent sees a change and fetches the table once per change.

Printed: p50/p95/p99 of the 304s and the 200s (ms), requests per second, the share of 200s,
and the CPU used by gunicorn (its workers' user+system time over the wall time, in cores of
the machine) and by the client (this process, on the same machine). Written to
bench/results/live.txt. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api as A  # noqa: E402
from bench import run as R  # noqa: E402
from bench import sla_sweep as W  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_live_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
SEED_VERSION = 1
VERSION = re.compile(rb'data-live [^>]*data-version="([0-9a-f]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help=f"Redis for the cache (default {DEFAULT_REDIS})")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data if they have the same shape")
    parser.add_argument("--cases", type=int, default=20_000, help="cases in all (default 20000)")
    parser.add_argument("--open", type=int, default=2_000, help="open cases among them (default 2000)")
    parser.add_argument("--agents", type=int, default=200, help="simulated agents (default 200)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between an agent's polls (default 5)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured run (default 60)")
    parser.add_argument("--change-every", type=float, default=10.0, help="seconds between new cases (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    return parser.parse_args()


# --- agents and their sessions --------------------------------------------------------------


def ensure_agents(n: int) -> list[str]:
    """`n` hotline agents (live001…), each with a fresh logged-in session; their cookies."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from aftersales.accounts.models import User
    from aftersales.accounts.roles import Role

    group, _created = Group.objects.get_or_create(name=Role.HOTLINE)
    cookies = []
    for i in range(1, n + 1):
        user, created = User.objects.get_or_create(
            username=f"live{i:03d}", defaults={"display_name": f"live{i:03d}", "password": make_password(None)}
        )
        if created:
            user.groups.add(group)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"sessionid={session.session_key}")
    return cookies


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[int, list[float]] = {}
        self.errors: list[str] = []

    def add(self, status: int, ms: float) -> None:
        with self.lock:
            self.samples.setdefault(status, []).append(ms)


def get(port: int, path: str, headers: dict) -> tuple[int, float, bytes, dict]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    return response.status, elapsed, body, dict(response.getheaders())


def first_version(port: int, cookie: str, path: str, rec: Recorder) -> str | None:
    """Load the page once, as the browser does before it starts asking (not measured)."""
    status, _ms, body, _h = get(port, path, {"Cookie": cookie, "Accept-Language": "zh-hans"})
    found = VERSION.search(body)
    if status != 200 or not found:
        rec.errors.append(f"{path} page answered {status}")
        return None
    return found.group(1).decode()


def agent(port: int, cookie: str, path: str, version: str, args, stop_at: float, phase: float, rec: Recorder) -> None:
    headers = {"Cookie": cookie, "Accept-Language": "zh-hans"}
    time.sleep(phase)
    next_at = time.monotonic()
    while next_at < stop_at:
        status, ms, _body, answer = get(port, path + "?partial=live", {**headers, "If-None-Match": f'"{version}"'})
        if status not in (200, 304):
            rec.errors.append(f"{path} poll answered {status}")
            return
        rec.add(status, ms)
        if status == 200:
            version = answer.get("ETag", "").strip('"')
        next_at += args.every
        time.sleep(max(0.0, next_at - time.monotonic()))


def writer(port: int, token: str, equipment, args, stop_at: float, rec: Recorder) -> None:
    rng = random.Random(args.seed)
    i = 0
    while time.monotonic() < stop_at:
        time.sleep(args.change_every)
        body = json.dumps(A.new_case(rng, equipment, i)).encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            "/api/v1/cases/",
            body=body,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 201:
            rec.errors.append(f"opening a case answered {response.status}")
        i += 1


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn as bench/api.py starts it (same environment), given longer to come up on a
    busy machine."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    env.update({"LOG_LEVEL": "WARNING", "API_RATE_PER_TOKEN": "off", "API_RATE_PER_ADDRESS": "off"})
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "aftersales.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            get(port, "/login/", {})
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def gunicorn_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [master, *(int(pid) for pid in children.read_text().split())] if children.exists() else [master]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


# --- run ------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    url = args.database_url
    W.ensure_database(url)
    marker = R.read_marker(url) or {}
    os.environ["REDIS_URL"] = args.redis_url
    R.start_django(url)
    import django
    from django.core.management import call_command
    from django.db import connection

    def progress(line: str) -> None:
        print(line, flush=True)

    progress("Migrating ...")
    call_command("migrate", verbosity=0, interactive=False)
    master = W.ensure_master()
    shape = {"version": W.SEED_VERSION, "live": SEED_VERSION, "cases": args.cases, "open": args.open, "seed": args.seed}
    if args.reuse and all(marker.get(k) == v for k, v in shape.items()):
        progress(f"Reusing {R.fmt_int(args.cases)} cases, {R.fmt_int(args.open)} open.")
        seeded = marker["seeded"]
    else:
        progress(f"Seeding {R.fmt_int(args.cases)} cases, {R.fmt_int(args.open)} open ...")
        seeded = W.seed(args.cases, args.open, master, args.seed, progress)
        R.write_marker(url, {**shape, "seeded": seeded})
    equipment = A.ensure_equipment()
    token = A.api_token()
    cookies = ensure_agents(args.agents)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    connection.close()

    port = A.free_port()
    progress(f"Starting gunicorn ({args.workers} sync workers) on port {port} ...")
    server = start_gunicorn(url, port, args.workers)
    load_before = f"{os.getloadavg()[0]:.2f}"
    rec = Recorder()
    rng = random.Random(args.seed)
    try:
        for _ in range(10 * args.workers):  # warm-up: imports, connections, template caches
            get(port, "/cases/", {"Cookie": cookies[0]})
        pids = gunicorn_pids(server.pid)
        paths = ["/dispatch/" if i % 10 == 9 else "/cases/" for i in range(len(cookies))]
        progress(f"Loading {args.agents} pages ...")
        with ThreadPoolExecutor(max_workers=args.workers * 2) as pool:
            versions = list(
                pool.map(lambda pair: first_version(port, pair[0], pair[1], rec), zip(cookies, paths, strict=True))
            )
        if rec.errors:
            raise SystemExit("Errors: " + "; ".join(sorted(set(rec.errors))[:10]))
        progress(f"{args.agents} agents polling every {args.every:g} s for {args.seconds:g} s ...")
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = [
            threading.Thread(
                target=agent,
                args=(port, cookie, path, version, args, stop_at, rng.uniform(0, args.every), rec),
                daemon=True,
            )
            for cookie, path, version in zip(cookies, paths, versions, strict=True)
        ]
        threads.append(threading.Thread(target=writer, args=(port, token, equipment, args, stop_at, rec), daemon=True))
        cpu_server, cpu_client = cpu_seconds(pids), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        wall = time.monotonic() - started
        cpu_server = cpu_seconds(pids) - cpu_server
        cpu_client = time.process_time() - cpu_client
    finally:
        server.terminate()
        server.wait(timeout=30)

    if rec.errors:
        raise SystemExit("Errors: " + "; ".join(sorted(set(rec.errors))[:10]))
    not_modified, changed = rec.samples.get(304, []), rec.samples.get(200, [])
    total = len(not_modified) + len(changed)
    lines = [
        "Live pages: agents polling with conditional requests (bench/live.py)",
        f"{R.machine()}; load average before the run {load_before}",
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, {pg_version}; cache on Redis",
        f"{R.fmt_int(seeded['cases'])} cases, {R.fmt_int(args.open)} open; gunicorn with {args.workers} sync workers",
        f"{args.agents} agents (9 in 10 on the queue, 1 in 10 on the dispatch board), one poll every "
        f"{args.every:g} s each; a new case every {args.change_every:g} s; {wall:.0f} s measured",
        "",
        f"{'answer':<24}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
        f"{'304 Not Modified':<24}{len(not_modified):>8}{pct(not_modified, 0.5):>9.1f}{pct(not_modified, 0.95):>9.1f}"
        f"{pct(not_modified, 0.99):>9.1f}",
        f"{'200 fragment':<24}{len(changed):>8}{pct(changed, 0.5):>9.1f}{pct(changed, 0.95):>9.1f}{pct(changed, 0.99):>9.1f}",
        "",
        f"requests/s {total / wall:.1f} (offered {args.agents / args.every:.1f}); 200s {100 * len(changed) / max(total, 1):.1f} %",
        f"CPU: gunicorn {cpu_server / wall:.2f} cores, client {cpu_client / wall:.2f} cores "
        f"(of {os.cpu_count()}, same machine)",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "live.txt").write_text(text, encoding="utf-8")
    print()
    print(text, end="")
    print(f"Written to {RESULTS / 'live.txt'}.")


if __name__ == "__main__":
    main()
