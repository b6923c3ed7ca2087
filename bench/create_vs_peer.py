#!/usr/bin/env python
"""Case creation side by side with django-helpdesk 2.6.1, over HTTP, on the same PostgreSQL.

    .venv/bin/python bench/create_vs_peer.py [--sizes 100000,1000000] [--rounds 2] [--requests 150]
        [--concurrency 8] [--per-client 25]

For each size: our database is bench/api.py's (seeded by it if missing: `--sizes` cases, a tenth
of them open, with clocks, escalations and timelines; 1 000 000 cases →
`aftersales_api_bench`, 100 000 → `aftersales_api_bench_100k`), the peer's is
`helpdesk_bench_<size>`, seeded with as many tickets (one follow-up each) by one
`INSERT … SELECT … FROM generate_series`.

The peer is installed from PyPI into a throwaway virtualenv in `bench/.work/` (git-ignored:
nothing of it is committed), with a minimal Django project written there by this script
(token authentication, e-mail rendered and dropped by Django's dummy backend). Both are served
by gunicorn with 2 sync workers, DEBUG off, both running at once; the client (this process)
alternates between them so that the load of a shared machine hits both: per round, ours then
the peer's with one client (`--requests` POSTs one after another), then ours then the peer's
with `--concurrency` clients at once (`--per-client` POSTs each). Ours: `POST /api/v1/cases/`
by serial number (case number, clocks, escalations, timeline entry, acknowledgement in the
outbox); the peer's: `POST /api/tickets/` (ticket, its first follow-up, the submitter's
acknowledgement mail rendered).

Prints cases per second and p95 of both, the ratio, and `uptime` before each series; the
table goes to bench/results/create_vs_peer.txt. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api as A  # noqa: E402
from bench import run as R  # noqa: E402

WORK = ROOT / "bench" / ".work"
PEER_VENV = WORK / "peer-venv"
PEER_PROJECT = WORK / "peer"
PEER_VERSION = "2.6.1"
PEER_REQUIREMENTS = [f"django-helpdesk=={PEER_VERSION}", "gunicorn", "psycopg[binary]"]
RESULTS = ROOT / "bench" / "results"
SERVER = "postgres://postgres@127.0.0.1:5432"
PEER_SEED_VERSION = 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="cases/tickets seeded (default 100000,1000000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per size (default 2)")
    parser.add_argument("--requests", type=int, default=150, help="creations one after another per round (150)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (default 8)")
    parser.add_argument("--per-client", type=int, default=25, help="creations per concurrent client (25)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers each (default 2)")
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server URL without database ({SERVER})")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    return parser.parse_args()


def ours_url(server: str, size: int) -> str:
    return f"{server}/aftersales_api_bench" if size == 1_000_000 else f"{server}/aftersales_api_bench_{size // 1000}k"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# --- the peer -----------------------------------------------------------------------------

PEER_SETTINGS = """\
import os

SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
_user, _, _rest = os.environ["PEER_DATABASE_URL"].removeprefix("postgres://").partition("@")
_hostport, _, _name = _rest.partition("/")
_host, _, _port = _hostport.partition(":")
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _name, "USER": _user,
                         "HOST": _host, "PORT": _port or "5432", "CONN_MAX_AGE": 600}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False  # the teams extra (pinax-teams) is not installed
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
"""

PEER_URLS = """\
from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
"""

PEER_PREPARE = """\
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue

User = get_user_model()
user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True,
                                                                 "email": "bench@example.com"})
queue, _ = Queue.objects.get_or_create(slug="support", defaults={"title": "Support", "allow_public_submission": True})
token, _ = Token.objects.get_or_create(user=user)
print(json.dumps({"token": token.key, "queue": queue.pk, "user": user.pk}))
"""

# One ticket per row of generate_series, opened over three years, a tenth still open
# (status 1), the others closed (4); one follow-up each, as the peer writes on creation.
PEER_SEED = """\
INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, assigned_to_id, status,
                             on_hold, description, resolution, priority, due_date, last_escalation,
                             secret_key, kbitem_id, merged_to_id)
SELECT '监控发现链路中断 #' || g, %(queue)s, now() - (g * interval '94 seconds'), now() - (g * interval '94 seconds'),
       'customer' || (g %% 997) || '@example.com', CASE WHEN g %% 3 = 0 THEN %(user)s END,
       CASE WHEN g %% 10 = 0 THEN 1 ELSE 4 END, false,
       '核心路由器至分支的专线中断，分支电话无法外呼，请尽快处理。', '', 1 + g %% 5, NULL, NULL,
       md5(g::text), NULL, NULL
FROM generate_series(1, %(n)s) AS g;
--
INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, user_id, new_status, message_id, time_spent)
SELECT id, created, 'Ticket Opened', description, true, NULL, NULL, NULL, NULL FROM helpdesk_ticket
"""


def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"Installing django-helpdesk {PEER_VERSION} into {PEER_VENV} ...", flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], check=True)
    PEER_PROJECT.mkdir(parents=True, exist_ok=True)
    (PEER_PROJECT / "peer_settings.py").write_text(PEER_SETTINGS, encoding="utf-8")
    (PEER_PROJECT / "peer_urls.py").write_text(PEER_URLS, encoding="utf-8")
    return python


def peer_env(url: str) -> dict:
    return {
        **os.environ,
        "PEER_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "peer_settings",
        "PYTHONPATH": str(PEER_PROJECT),
    }


def peer_manage(python: Path, url: str, *args: str) -> str:
    code = "import sys, django; from django.core.management import execute_from_command_line; "
    code += "django.setup(); execute_from_command_line(['manage.py', *sys.argv[1:]])"
    done = subprocess.run(
        [str(python), "-c", code, *args], cwd=PEER_PROJECT, env=peer_env(url), capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"peer manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare_peer(python: Path, url: str, size: int) -> dict:
    import psycopg

    from bench import sla_sweep as W

    W.ensure_database(url)
    peer_manage(python, url, "migrate", "--verbosity", "0")
    ids = json.loads(peer_manage(python, url, "shell", "-c", PEER_PREPARE).strip().splitlines()[-1])
    wanted = {"peer": PEER_VERSION, "version": PEER_SEED_VERSION, "tickets": size}
    marker = R.read_marker(url) or {}
    if any(marker.get(k) != v for k, v in wanted.items()):
        print(f"Seeding {R.fmt_int(size)} peer tickets ...", flush=True)
        started = time.monotonic()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("TRUNCATE helpdesk_followup, helpdesk_ticket RESTART IDENTITY CASCADE")
            with conn.transaction():
                for statement in PEER_SEED.split("--\n"):
                    conn.execute(statement, {"n": size, "queue": ids["queue"], "user": ids["user"]})
            conn.execute("VACUUM ANALYZE helpdesk_ticket")
            conn.execute("VACUUM ANALYZE helpdesk_followup")
        R.write_marker(url, wanted)
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return ids


def start_peer(python: Path, url: str, port: int, workers: int) -> subprocess.Popen:
    gunicorn = python.with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "django.core.wsgi:get_wsgi_application()", "-w", str(workers)]
        + ["-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=PEER_PROJECT,
        env=peer_env(url),
    )
    _wait_listening(proc, port, "/api/tickets/")
    return proc


def _wait_listening(proc: subprocess.Popen, port: int, path: str) -> None:
    import http.client

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"server on port {port} did not start")


# --- ours ---------------------------------------------------------------------------------


def prepare_ours(url: str, size: int) -> dict:
    """Seed our database through bench/api.py if needed, then a token and the serial numbers."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "api.py"), "--seed-only", "--reuse", "--database-url", url]
        + ["--cases", str(size), "--open", str(size // 10)],
        check=True,
    )
    code = textwrap.dedent(
        """
        import json, sys
        from bench import api as A, run as R
        R.start_django(sys.argv[1])
        print(json.dumps({"token": A.api_token(), "equipment": A.ensure_equipment()}))
        """
    )
    done = subprocess.run([sys.executable, "-c", code, url], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- measuring ----------------------------------------------------------------------------


class Side:
    def __init__(self, name: str, port: int, token: str, path: str, body) -> None:
        self.name = name
        self.client = A.Client(port, token)
        self.path = path
        self.body = body  # (rng, i) -> dict
        self.sequential: list[A.Series] = []
        self.concurrent: list[A.Series] = []

    def warm_up(self, workers: int) -> None:
        import random

        rng = random.Random(0)
        for i in range(10 * workers):
            self.client.call("POST", self.path, self.body(rng, i), 201)

    def one_client(self, n: int, seed: int) -> A.Series:
        import random

        rng = random.Random(seed)
        calls = [("POST", self.path, self.body(rng, i), 201) for i in range(n)]
        series = A.run_sequential(self.client, f"{self.name}, 1 client", "", "create", calls)
        self.sequential.append(series)
        return series

    def clients(self, clients: int, per_client: int, seed: int) -> A.Series:
        import random

        series = A.Series(f"{self.name}, {clients} clients", "", "create", clients=clients)
        lock = threading.Lock()
        errors: list[BaseException] = []
        barrier = threading.Barrier(clients)

        def work(k: int) -> None:
            rng = random.Random(seed + k)
            try:
                barrier.wait()
                for i in range(per_client):
                    elapsed, _ = self.client.call("POST", self.path, self.body(rng, i), 201)
                    with lock:
                        series.samples_ms.append(elapsed)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        series.wall_s = time.perf_counter() - started
        if errors:
            raise SystemExit(f"{self.name}: concurrent creation failed: {errors[0]}")
        self.concurrent.append(series)
        return series


def merged(series: list[A.Series]) -> A.Series:
    out = A.Series(series[0].name, "", "create", clients=series[0].clients)
    for s in series:
        out.samples_ms += s.samples_ms
        out.wall_s += s.wall_s
    return out


def measure_size(args, size: int, python: Path, loads: list[str]) -> list[str]:
    url_ours = ours_url(args.server, size)
    url_peer = f"{args.server}/helpdesk_bench_{size}"
    print(f"== {R.fmt_int(size)} cases / tickets ==", flush=True)
    ours_ids = prepare_ours(url_ours, size)
    peer_ids = prepare_peer(python, url_peer, size)
    equipment = ours_ids["equipment"]

    def our_body(rng, i):
        return A.new_case(rng, equipment, i)

    def peer_body(rng, i):
        return {
            "queue": peer_ids["queue"],
            "title": f"监控发现链路中断 #{i}",
            "description": "核心路由器至分支的专线中断，分支电话无法外呼，请尽快处理。",
            "submitter_email": f"customer{rng.randrange(997)}@example.com",
            "priority": rng.choice([2, 3, 3, 4]),
        }

    port_ours, port_peer = A.free_port(), A.free_port()
    ours_server = A.start_gunicorn(url_ours, port_ours, args.workers)
    peer_server = start_peer(python, url_peer, port_peer, args.workers)
    ours = Side("ours", port_ours, ours_ids["token"], "/api/v1/cases/", our_body)
    peer = Side("peer", port_peer, peer_ids["token"], "/api/tickets/", peer_body)
    try:
        ours.warm_up(args.workers)
        peer.warm_up(args.workers)
        for r in range(args.rounds):
            for side in (ours, peer):
                loads.append(f"{R.fmt_int(size)} r{r + 1} {side.name} 1 client: {uptime()}")
                s = side.one_client(args.requests, args.seed + r)
                print(f"  round {r + 1} {side.name:<4} 1 client: {s.rate:6.1f}/s p95 {s.pct(0.95):7.1f} ms", flush=True)
            for side in (ours, peer):
                loads.append(f"{R.fmt_int(size)} r{r + 1} {side.name} {args.concurrency} clients: {uptime()}")
                s = side.clients(args.concurrency, args.per_client, args.seed + 100 * r)
                print(
                    f"  round {r + 1} {side.name:<4} {args.concurrency} clients: {s.rate:6.1f}/s "
                    f"p95 {s.pct(0.95):7.1f} ms",
                    flush=True,
                )
    finally:
        for server in (ours_server, peer_server):
            server.terminate()
            server.wait(timeout=30)
    rows = []
    for label, mine, theirs in (
        ("1 client", merged(ours.sequential), merged(peer.sequential)),
        (f"{args.concurrency} clients", merged(ours.concurrent), merged(peer.concurrent)),
    ):
        ratio = mine.rate / theirs.rate if theirs.rate else float("inf")
        rows.append(
            f"{R.fmt_int(size):>10} {label:<11} {mine.rate:>9.1f} {mine.pct(0.95):>9.1f} "
            f"{theirs.rate:>9.1f} {theirs.pct(0.95):>9.1f} {ratio:>7.2f}x {len(mine.samples_ms):>5}"
        )
    return rows


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    python = ensure_peer_venv()
    loads: list[str] = []
    rows: list[str] = []
    for size in sizes:
        rows += measure_size(args, size, python, loads)
    lines = [
        f"Case creation, ours vs django-helpdesk {PEER_VERSION} — {time.strftime('%Y-%m-%d %H:%M')}",
        f"code:    {R.code_version()}",
        f"machine: {R.machine()}",
        f"server:  gunicorn, {args.workers} sync workers each, DEBUG off, same PostgreSQL; new connection per request",
        f"runs:    {args.rounds} alternating rounds: {args.requests} creations one after another, "
        f"{args.concurrency} clients × {args.per_client}",
        "",
        f"{'size':>10} {'clients':<11} {'ours/s':>9} {'ours p95':>9} {'peer/s':>9} {'peer p95':>9} {'ratio':>8} {'n':>5}",
        *rows,
        "",
        "cases (tickets) per second over the series' wall time; p95 in milliseconds, as the client measures it.",
        "uptime before each series:",
        *(f"  {line}" for line in loads),
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "create_vs_peer.txt").write_text(text, encoding="utf-8")
    print()
    print(text, end="")


if __name__ == "__main__":
    main()
