#!/usr/bin/env python
"""Benchmark of the REST API over HTTP: gunicorn with several workers on PostgreSQL.

    .venv/bin/python bench/api.py [--database-url URL] [--reuse] [--cases 1000000] [--open 100000]
        [--workers 2] [--requests 300] [--concurrency 8] [--per-client 50]

Uses its own database (created if missing) seeded like the clock benchmark (bench/sla_sweep.py:
`--cases` cases over three years, `--open` of them open, with their clocks, escalations and
timelines), plus equipment for the first customers so that cases can be created by serial number.
`--reuse` keeps a database seeded with the same shape.

Then gunicorn serves the project (`--workers` sync workers, DEBUG off) and a client in this
process, over real HTTP with a read-write token of a hotline user, measures:

- case creation, sequential (`--requests` POSTs one after another);
- case creation by `--concurrency` clients at once (`--per-client` POSTs each), with throughput;
- the case list, first page: open cases (queue order), open A+B, one customer's, nearest due first;
- search (every status): two-character words, longer words, serial numbers, case numbers;
- case detail (clocks and timeline) of random cases, open and closed.

Every answer must be 200/201, else the run stops. p50/p95/p99 in milliseconds (nearest rank).
The table is printed and written to bench/results/api.txt. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as R  # noqa: E402
from bench import sla_sweep as W  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_api_bench"
SEED_VERSION = 1
N_EQUIPPED_CUSTOMERS = 50
TARGETS_MS = {"create": 60.0, "list": 100.0, "detail": 80.0, "search": 150.0}
# Searched words, as bench/run.py searches them: every one is in the seeded titles (bench/vocabulary.py).
SEARCH_2 = ["丢包", "重启", "告警", "中继", "硬盘", "单通", "杂音", "掉电"]
SEARCH_3 = ["光模块", "电源模块", "无法登录", "交换机", "证书过期", "数据同步失败", "主控板", "时钟失步"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL database (default {DEFAULT_URL})")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data if they have the same shape")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in all (default 1000000)")
    parser.add_argument("--open", type=int, default=100_000, help="open cases among them (default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--requests", type=int, default=300, help="requests per sequential series (default 300)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients creating cases (default 8)")
    parser.add_argument("--per-client", type=int, default=50, help="cases each concurrent client creates (default 50)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check) the database, measure nothing")
    args = parser.parse_args()
    if not 0 < args.open * W.SPREAD <= args.cases:
        parser.error(f"--open needs 1 <= open <= cases / {W.SPREAD}")
    return args


# --- data ---------------------------------------------------------------------------------


def ensure_equipment() -> list[tuple[int, str, int]]:
    """One site, two pieces of equipment and a contact with an e-mail address (so that every
    case opened sends its acknowledgement) for each of the first customers: (customer id,
    serial, contact id)."""
    from aftersales.customers.models import Contact, Customer, Site
    from aftersales.installed_base.models import Equipment, ProductModel, Vendor

    vendor, _ = Vendor.objects.get_or_create(name="Cisco")
    model, _ = ProductModel.objects.get_or_create(
        vendor=vendor, name="ISR 4451", defaults={"category": ProductModel.Category.values[0]}
    )
    for customer in Customer.objects.order_by("pk")[:N_EQUIPPED_CUSTOMERS]:
        if not Contact.objects.filter(customer=customer).exists():
            Contact.objects.create(
                customer=customer, name="值班主管", email=f"duty{customer.pk}@customer.example", phone="021-55550000"
            )
        if Equipment.objects.filter(customer=customer).exists():
            continue
        site = Site.objects.create(
            customer=customer, name=f"{customer.name}机房", address="上海市浦东新区", region="上海"
        )
        for k in (1, 2):
            Equipment.objects.create(
                customer=customer,
                site=site,
                product_model=model,
                serial_number=f"FDO{customer.pk:05d}{k}",
                hostname=f"rtr-{customer.pk}-{k}",
            )
    contacts = dict(
        Contact.objects.filter(customer__in=Customer.objects.order_by("pk")[:N_EQUIPPED_CUSTOMERS])
        .order_by("-pk")
        .values_list("customer_id", "pk")
    )
    return [
        (customer_id, serial, contacts[customer_id])
        for customer_id, serial in Equipment.objects.filter(
            customer__in=Customer.objects.order_by("pk")[:N_EQUIPPED_CUSTOMERS]
        )
        .order_by("pk")
        .values_list("customer_id", "serial_number")
    ]


def api_token() -> str:
    from aftersales.accounts.models import User
    from aftersales.api.models import ApiToken
    from aftersales.api.tokens import create_token

    user = User.objects.get(username="hotline001")
    ApiToken.objects.filter(user=user, name="bench").delete()
    return create_token(user=user, name="bench", scope=ApiToken.Scope.READ_WRITE).key


def sample_numbers(rng: random.Random, n: int) -> list[str]:
    """Random case numbers, half open and half any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM cases_case")
        top = cursor.fetchone()[0]
        ids = [rng.randint(1, top) for _ in range(n)]
        cursor.execute("SELECT number FROM cases_case WHERE id = ANY(%s)", [ids])
        numbers = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT number FROM cases_case WHERE status NOT IN ('closed', 'cancelled') ORDER BY random() LIMIT %s",
            [n],
        )
        numbers += [row[0] for row in cursor.fetchall()]
    rng.shuffle(numbers)
    return numbers[:n]


# --- server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # The benchmark is one client at full speed; the limits are not what is measured.
        "API_RATE_PER_TOKEN": "off",
        "API_RATE_PER_ADDRESS": "off",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "aftersales.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120  # a loaded machine imports slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/cases/")  # answers 401 at once; the schema takes seconds
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


# --- client -------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    what: str
    kind: str  # create / list / detail
    samples_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    clients: int = 1

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def rate(self) -> float:
        return len(self.samples_ms) / self.wall_s if self.wall_s else 0.0


class Client:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json", "Accept-Language": "zh-hans"}

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> tuple[float, dict]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        if response.status != expect:
            raise SystemExit(f"{method} {path} answered {response.status}: {payload[:500]!r}")
        return elapsed, json.loads(payload)


def new_case(rng: random.Random, equipment: list[tuple[int, str, int]], i: int) -> dict:
    customer_id, serial, contact_id = equipment[rng.randrange(len(equipment))]
    return {
        "customer": customer_id,
        "contact": contact_id,
        "serial_number": serial,
        "severity": rng.choice(["B", "C", "C", "D"]),
        "kind": "fault",
        "title": f"监控发现链路中断 #{i}",
        "description": "核心路由器至分支的专线中断，分支电话无法外呼，请尽快处理。",
    }


def run_sequential(client: Client, name: str, what: str, kind: str, calls) -> Series:
    series = Series(name, what, kind)
    started = time.perf_counter()
    for method, path, body, expect in calls:
        elapsed, _payload = client.call(method, path, body, expect)
        series.samples_ms.append(elapsed)
    series.wall_s = time.perf_counter() - started
    return series


def run_concurrent(client: Client, clients: int, per_client: int, rng_seed: int, equipment) -> Series:
    series = Series("create, concurrent", f"POST /cases/, {clients} clients × {per_client}", "create", clients=clients)
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients)

    def work(k: int) -> None:
        rng = random.Random(rng_seed + k)
        try:
            barrier.wait()
            for i in range(per_client):
                elapsed, _ = client.call("POST", "/api/v1/cases/", new_case(rng, equipment, i), 201)
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
        raise SystemExit(f"concurrent creation failed: {errors[0]}")
    return series


# --- report -------------------------------------------------------------------------------


def report(series: list[Series], args, sizes: dict, versions: str, load_before: str) -> str:
    lines = [
        f"REST API benchmark — {time.strftime('%Y-%m-%d %H:%M')}",
        f"code:     {R.code_version()}",
        f"machine:  {R.machine()}",
        f"software: {versions}",
        f"server:   gunicorn, {args.workers} sync workers, DEBUG off; client in one process, new connection per request",
        f"data:     {R.fmt_int(sizes['cases'])} cases ({R.fmt_int(sizes['open'])} open), "
        f"{R.fmt_int(sizes['events'])} timeline entries, {R.fmt_int(sizes['clocks'])} clocks",
        f"load average before: {load_before}",
        "",
        f"{'series':<28} {'what':<52} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'req/s':>7} {'target':>8}",
    ]
    for s in series:
        target = TARGETS_MS[s.kind]
        ok = "ok" if s.pct(0.95) < target else "MISSED"
        lines.append(
            f"{s.name:<28} {s.what:<52} {len(s.samples_ms):>5} {s.pct(0.50):>8.1f} {s.pct(0.95):>8.1f} "
            f"{s.pct(0.99):>8.1f} {max(s.samples_ms):>8.1f} {s.rate:>7.1f} {f'<{target:.0f} {ok}':>8}"
        )
    lines += ["", "Times in milliseconds, measured by the client (connect, request, full answer read)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    url = args.database_url
    W.ensure_database(url)
    marker = R.read_marker(url) or {}
    R.start_django(url)
    import django
    from django.core.management import call_command
    from django.db import connection

    def progress(line: str) -> None:
        print(line, flush=True)

    progress("Migrating ...")
    call_command("migrate", verbosity=0, interactive=False)
    master = W.ensure_master()
    shape = {"version": W.SEED_VERSION, "api": SEED_VERSION, "cases": args.cases, "open": args.open, "seed": args.seed}
    # A database bench/sla_sweep.py seeded with the same shape is reused too (it has no "api"
    # key: the equipment below is all this benchmark adds, and it is added when missing).
    same = all(marker.get(k) == v for k, v in shape.items() if k != "api") and marker.get("api") in (None, SEED_VERSION)
    if args.reuse and same:
        progress(f"Reusing {R.fmt_int(args.cases)} cases, {R.fmt_int(args.open)} open.")
        seeded = marker["seeded"]
        if marker.get("api") is None or "t0" not in marker:
            R.write_marker(url, {**marker, **shape, "t0": seeded["t0"]})
    else:
        progress(f"Seeding {R.fmt_int(args.cases)} cases, {R.fmt_int(args.open)} open ...")
        seeded = W.seed(args.cases, args.open, master, args.seed, progress)
        # T0 at the top level too, as bench/sla_sweep.py writes it: either benchmark reuses the other's seed.
        R.write_marker(url, {**shape, "t0": seeded["t0"], "seeded": seeded})
        progress(f"Seeded in {seeded['timings']['total']} s.")
    equipment = ensure_equipment()
    if args.seed_only:
        return
    token = api_token()
    rng = random.Random(args.seed)
    numbers = sample_numbers(rng, args.requests)
    customers = master.customers[: N_EQUIPPED_CUSTOMERS * 2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(" on ")[0]
    connection.close()

    port = args.port or free_port()
    progress(f"Starting gunicorn ({args.workers} workers) on port {port} ...")
    server = start_gunicorn(url, port, args.workers)
    load_before = f"{os.getloadavg()[0]:.2f}"
    client = Client(port, token)
    series: list[Series] = []
    try:
        # Warm-up: every worker imports, connects and fills its caches before anything is timed.
        for _ in range(20 * args.workers):
            client.call("GET", "/api/v1/cases/?" + urlencode({"severity": ["A", "B"]}, doseq=True))
            client.call("GET", f"/api/v1/cases/{numbers[0]}/")
        n = args.requests
        serials = [serial for _customer, serial, _contact in equipment]
        lists = [
            ("list, open (queue order)", "GET /cases/", lambda i: {}),
            ("list, open A+B", "GET /cases/?severity=A&severity=B", lambda i: {"severity": ["A", "B"]}),
            ("list, one customer", "GET /cases/?customer=…", lambda i: {"customer": customers[i % len(customers)]}),
            ("list, nearest due first", "GET /cases/?ordering=due", lambda i: {"ordering": "due"}),
            *(
                (name, f"GET /cases/?q=<{label}>&status=all", lambda i, words=words: {"q": words(i), "status": "all"})
                for name, label, words in (
                    ("search, 2-char words", "丢包 重启 告警 …", lambda i: SEARCH_2[i % len(SEARCH_2)]),
                    ("search, 3+ char words", "光模块 电源模块 …", lambda i: SEARCH_3[i % len(SEARCH_3)]),
                    ("search, serial number", "FDO…", lambda i: serials[i % len(serials)]),
                    ("search, case number", "CS…", lambda i: numbers[i % len(numbers)]),
                )
            ),
        ]
        for name, what, params in lists:
            progress(f"{name} ...")
            calls = [("GET", "/api/v1/cases/?" + urlencode(params(i), doseq=True), None, 200) for i in range(n)]
            series.append(run_sequential(client, name, what, "search" if name.startswith("search") else "list", calls))
        progress("detail ...")
        series.append(
            run_sequential(
                client,
                "detail",
                "GET /cases/{number}/ (clocks, timeline)",
                "detail",
                [("GET", f"/api/v1/cases/{number}/", None, 200) for number in numbers],
            )
        )
        progress("create, sequential ...")
        series.append(
            run_sequential(
                client,
                "create, sequential",
                "POST /cases/ (by serial number), one client",
                "create",
                [("POST", "/api/v1/cases/", new_case(rng, equipment, i), 201) for i in range(n)],
            )
        )
        progress(f"create, {args.concurrency} clients ...")
        series.append(run_concurrent(client, args.concurrency, args.per_client, args.seed, equipment))
    finally:
        server.terminate()
        server.wait(timeout=30)

    sizes = {
        "cases": seeded["cases"],
        "open": args.open,
        "events": seeded["events"],
        "clocks": seeded["clocks"],
    }
    versions = f"Python {sys.version.split()[0]}, Django {django.get_version()}, {pg_version}"
    text = report(series, args, sizes, versions, load_before)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.txt").write_text(text, encoding="utf-8")
    print()
    print(text, end="")
    print(f"\nWritten to {RESULTS / 'api.txt'}.")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"Total run time {time.monotonic() - started:.0f} s.")
