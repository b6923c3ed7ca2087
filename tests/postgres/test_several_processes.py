"""Two web processes and two workers on one PostgreSQL database, one worker killed mid-run.

The deployment of docs/operations.md, for real: a database of its own (created and migrated
here), two gunicorn masters with a sync worker each on two ports, two Huey consumers
(`manage.py run_huey`) on a Redis queue, an SMTP server (aiosmtpd) receiving the notifications
and a Maildir folder receiving customers' mail. A ticker enqueues the periodic jobs (outbox,
clock sweep, mail fetch) every two seconds, as each consumer's scheduler does every minute,
so that a run fits in a few minutes.

Clients drive a mix across both web processes, alternating per request: cases opened through
the API, accepted (through the API or the case page, after logging in on the other process),
started, suspended (requested by the engineer, approved by the manager) and resumed; severity
A cases left unaccepted breach their one-minute sign-off and escalate; mail arrives for new
cases and for existing ones. Meanwhile one consumer is killed with SIGKILL and started again.

Then: every outbox message reached the SMTP server exactly once (by Message-ID), every
escalation fired once, the month's case numbers run 1..n without a gap or a repeat, and every
mail was stored once, on its case.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.notifications.conftest import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL"),
    # Only so that pytest-django builds the test database this test copies; a module-scoped
    # fixture of ours, `database`, also gives the test an xdist group of its own.
    pytest.mark.django_db,
]

CASES_PER_CLIENT = 6
CLIENTS = 4
NEW_MAILS = 6
REPLY_MAILS = 6
LEASE_SECONDS = 15
RUN_LIMIT = 200  # seconds for everything to settle after the clients started


# --- the database, the servers ----------------------------------------------------------------


def _database_url(name: str) -> str:
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(_database_url("postgres"), autocommit=True) as server:
        server.execute(sql)


@pytest.fixture(scope="module")
def database(django_db_setup, django_db_blocker):
    """A database of its own beside the test database, dropped afterwards: a copy of the
    migrated test database (made before the test's own transaction opens a connection to it),
    or, if some other session is connected to that one, an empty database migrated here."""
    with django_db_blocker.unblock():
        template = connection.settings_dict["NAME"]
        connection.close()
    name = f"{template}_processes"
    _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        _server_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        migrated = True
    except Exception:  # the template is in use: start empty, `deployment` migrates
        _server_sql(f'CREATE DATABASE "{name}"')
        migrated = False
    yield _database_url(name), migrated
    _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """The children of the test, each logging to its own file; all stopped at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.children: dict[str, subprocess.Popen] = {}

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        child = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.children[name] = child
        return child

    def web(self, name: str, port: int) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.start(name, str(gunicorn), "aftersales.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60")
        _wait_for_http(port, self.children[name], self.log(name))

    def worker(self, name: str) -> None:
        self.start(name, sys.executable, "manage.py", "run_huey", "--skip-checks")

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for name, child in self.children.items():
            if child.poll() is None:
                # gunicorn: SIGINT is its quick shutdown (SIGTERM waits for the workers).
                child.send_signal(signal.SIGINT if name.startswith("web") else signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_for_http(port: int, child: subprocess.Popen, log: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, log
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"gunicorn on {port} did not start")


TICKER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
django.setup()
from aftersales.inbox.tasks import fetch_mail
from aftersales.notifications.tasks import deliver_outbox
from aftersales.sla.tasks import sweep_clocks
while True:
    for job in (deliver_outbox, sweep_clocks, fetch_mail):
        job()
    time.sleep(2)
"""


@pytest.fixture
def deployment(database, tmp_path):
    import redis

    if not _redis_up():
        message = "no Redis on 127.0.0.1:6379 (make test installs redis-server, .ci/run starts it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    database_url, migrated = database
    redis.Redis.from_url(REDIS_URL).flushdb()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    smtp = SmtpServer()
    smtp.start()
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "TEST_DATABASE"))},
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),  # shared: one secret key for both web processes
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "API_RATE_PER_TOKEN": "off",
        "API_RATE_PER_ADDRESS": "off",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_TIMEOUT": "5",
        "DEFAULT_FROM_EMAIL": "service@aftersales.example",
        "MAIL_DOMAIN": "aftersales.example",
        "HUEY_WORKERS": "2",
        "NOTIFY_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
        "PYTHONPATH": str(ROOT),
    }
    (tmp_path / "var").mkdir()
    processes = Processes(env, tmp_path / "logs")
    try:
        if not migrated:
            processes.run("manage.py", "migrate", "--noinput", "--verbosity", "0", "--skip-checks")
        world = json.loads(processes.run("-m", "tests.postgres.process_world", "build", str(maildir)))
        ports = [_free_port(), _free_port()]
        processes.web("web1", ports[0])
        processes.web("web2", ports[1])
        processes.worker("worker1")
        processes.worker("worker2")
        processes.start("ticker", sys.executable, "-c", TICKER)
        yield Deployment(processes, ports, world, smtp, maildir)
    finally:
        processes.stop_all()
        smtp.stop()


class Deployment:
    def __init__(self, processes: Processes, ports: list[int], world: dict, smtp: SmtpServer, maildir: Path):
        self.processes = processes
        self.ports = ports
        self.world = world
        self.smtp = smtp
        self.maildir = maildir
        self.requests = Counter()  # by port
        self.lock = threading.Lock()

    def port(self) -> int:
        """The web processes in turn, as a load balancer would send them requests."""
        with self.lock:
            port = self.ports[sum(self.requests.values()) % 2]
            self.requests[port] += 1
        return port

    def report(self) -> dict:
        return json.loads(self.processes.run("-m", "tests.postgres.process_world", "report"))


# --- the clients ---------------------------------------------------------------------------------


def _request(port: int, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response, payload


class Api:
    def __init__(self, deployment: Deployment, user: str) -> None:
        self.deployment = deployment
        self.token = deployment.world["tokens"][user]

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json", "Accept-Language": "en"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        response, payload = _request(self.deployment.port(), method, f"/api/v1{path}", body=data, headers=headers)
        assert response.status == expect, f"{method} {path}: {response.status} {payload[:500].decode(errors='replace')}"
        return json.loads(payload) if payload else {}


class Browser:
    """A staff member's session: logged in on one web process, used on both."""

    def __init__(self, deployment: Deployment, username: str) -> None:
        self.deployment = deployment
        self.cookies: dict[str, str] = {}
        page = self.get("/login/")
        self.post("/login/", {"username": username, "password": "several-processes"}, page=page, expect=302)
        assert "sessionid" in self.cookies

    def _headers(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "en"}

    def _keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]

    def get(self, path: str) -> str:
        response, payload = _request(self.deployment.port(), "GET", path, headers=self._headers())
        assert response.status == 200, f"GET {path}: {response.status}"
        self._keep_cookies(response)
        return payload.decode()

    def post(self, path: str, fields: dict, *, page: str, expect: int = 302) -> None:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        headers = {**self._headers(), "Content-Type": "application/x-www-form-urlencoded"}
        headers["Referer"] = f"http://127.0.0.1{path}"
        body = urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        response, payload = _request(self.deployment.port(), "POST", path, body=body, headers=headers)
        assert response.status == expect, f"POST {path}: {response.status} {payload[:800]!r}"
        self._keep_cookies(response)


def _case_life(deployment: Deployment, k: int, opened: list[dict], errors: list) -> None:
    """One client: opens cases; accepts, starts, suspends and resumes most of them."""
    rng = random.Random(k)
    world = deployment.world
    agent, engineer, manager = (
        Api(deployment, "agent"),
        Api(deployment, f"engineer{k % 2 + 1}"),
        Api(deployment, "manager"),
    )
    browser = Browser(deployment, f"engineer{k % 2 + 1}") if k % 2 else None  # the others use the API only
    try:
        for i in range(CASES_PER_CLIENT):
            severity = "A" if i % 4 == 0 else rng.choice("BCD")
            case = agent.call(
                "POST",
                "/cases/",
                {
                    "customer": world["customer"],
                    "contact": rng.choice(world["contacts"]),
                    "serial_number": rng.choice(world["serials"]),
                    "severity": severity,
                    "title": f"专线中断 {k}-{i}",
                    "description": "分支电话无法外呼，请尽快处理。",
                },
                expect=201,
            )
            number = case["number"]
            with deployment.lock:
                opened.append(case)
            if severity == "A":
                continue  # left for its sign-off clock to breach and escalate
            if browser is not None:
                page = browser.get(f"/cases/{number}/")
                browser.post(f"/cases/{number}/act/", {"action": "accept", "text": ""}, page=page)
                browser.get("/cases/")
            else:
                engineer.call("POST", f"/cases/{number}/actions/accept/", {})
            engineer.call("POST", f"/cases/{number}/actions/start/", {})
            if i % 4 != 1:
                continue
            request = engineer.call(
                "POST",
                f"/cases/{number}/suspension-requests/",
                {
                    "reason": "客户机房停电，等待恢复供电。",
                    "consent_by": "张伟",
                    "consent_channel": "phone",
                    "consent_at": _iso(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)),
                    "expected_end_at": _iso(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)),
                },
                expect=201,
            )
            manager.call(
                "POST", f"/cases/{number}/suspension-requests/{request['id']}/decision/", {"decision": "approve"}
            )
            engineer.call("POST", f"/cases/{number}/actions/unsuspend/", {})
    except BaseException as error:  # reported by the test, not lost in the thread
        errors.append(error)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _deliver_mail(maildir: Path, message: EmailMessage) -> None:
    """Maildir delivery: written in tmp/, then renamed into new/ (never seen half-written)."""
    name = f"{time.time_ns()}.{os.getpid()}.{random.randrange(10**9)}.test"
    (maildir / "tmp" / name).write_bytes(bytes(message))
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


def _mail(sender: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@aftersales.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="hospital-a.cn")
    message["Date"] = "Wed, 02 Dec 2026 10:00:00 +0800"
    message.set_content("机房空调告警，交换机温度过高，请派工程师到场。")
    return message


# --- the test ------------------------------------------------------------------------------------


def test_two_web_processes_and_two_workers_lose_and_repeat_nothing(deployment):
    world = deployment.world
    opened: list[dict] = []
    errors: list[BaseException] = []
    clients = [threading.Thread(target=_case_life, args=(deployment, k, opened, errors)) for k in range(CLIENTS)]
    for client in clients:
        client.start()

    sent_mail: dict[str, str] = {}  # Message-ID → the case it belongs to ("" for a new case)
    for n in range(NEW_MAILS):
        message = _mail(world["contact_emails"][n % 4], f"新故障：核心交换机告警 {n}")
        _deliver_mail(deployment.maildir, message)
        sent_mail[message["Message-ID"]] = ""
        time.sleep(1)

    # Mid-run: a worker dies without a chance to clean up, and is started again.
    worker = deployment.processes.children["worker1"]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    in_flight_at_kill = _claimed_messages(deployment)
    time.sleep(3)
    deployment.processes.worker("worker1")

    for client in clients:
        client.join(timeout=240)
    assert not errors, errors
    assert len(opened) == CLIENTS * CASES_PER_CLIENT

    api_numbers = [case["number"] for case in opened]
    for n in range(REPLY_MAILS):
        number = api_numbers[n * 3]
        contact = _contact_email_of(deployment, number)
        message = _mail(contact, f"回复：关于 {number} 的补充信息")
        _deliver_mail(deployment.maildir, message)
        sent_mail[message["Message-ID"]] = number

    report = _settled(deployment, sent_mail, severity_a=sum(1 for case in opened if case["severity"] == "A"))

    # Both web processes served, the killed worker came back.
    assert min(deployment.requests.values()) > 30, deployment.requests
    assert deployment.processes.children["worker1"].poll() is None, deployment.processes.log("worker1")

    _no_notification_lost_or_sent_twice(report, deployment.smtp, in_flight_at_kill)
    _no_escalation_fired_twice(report)
    _case_numbers_run_without_gaps(report, expected=CLIENTS * CASES_PER_CLIENT + NEW_MAILS)
    _no_mail_lost_or_duplicated(report, sent_mail, deployment.maildir)


def _claimed_messages(deployment: Deployment) -> set[str]:
    """Message-IDs of the rows some worker is sending now (the killed one may hold some).

    Read at once, well within the claim's lease, so a row of the killed worker is still there."""
    import psycopg

    with psycopg.connect(deployment.processes.env["DATABASE_URL"]) as db:
        rows = db.execute("SELECT message_id FROM notifications_notification WHERE status = 'sending'").fetchall()
    return {message_id for (message_id,) in rows}


def _contact_email_of(deployment: Deployment, number: str) -> str:
    case = Api(deployment, "agent").call("GET", f"/cases/{number}/")
    contact = case.get("contact")
    emails = dict(zip(deployment.world["contacts"], deployment.world["contact_emails"], strict=True))
    if isinstance(contact, dict):
        contact = contact.get("id")
    return emails[contact]


def _settled(deployment: Deployment, sent_mail: dict[str, str], severity_a: int) -> dict:
    """Wait until the work is done: every mail stored, every severity A case escalated, the
    outbox empty (nothing pending, nothing being sent)."""
    deadline = time.monotonic() + RUN_LIMIT
    while True:
        report = deployment.report()
        stored = {row["message_id"] for row in report["inbound"]}
        escalated = {row["subject_id"] for row in report["escalations"] if row["fired_at"]}
        busy = [row for row in report["outbox"] if row["status"] in ("pending", "sending")]
        done = (
            set(sent_mail) <= stored
            and len(escalated) >= severity_a
            and not busy
            and not report["requests_waiting"]
            and not report["overdue_alarms"]
        )
        if done:
            return report
        if time.monotonic() > deadline:
            logs = {name: deployment.processes.log(name) for name in deployment.processes.children}
            pytest.fail(
                f"not settled: {len(set(sent_mail) - stored)} mails unstored, {len(escalated)}/{severity_a} "
                f"escalated, {len(busy)} messages waiting, {report['requests_waiting']} requests waiting, "
                f"{report['overdue_alarms']} alarms overdue\n{json.dumps(logs, indent=1)[-6000:]}"
            )
        time.sleep(2)


def _no_notification_lost_or_sent_twice(report: dict, smtp: SmtpServer, in_flight: set[str]) -> None:
    outbox = [row for row in report["outbox"] if row["channel"] == "email"]
    assert outbox, "the mix should have produced mail"
    assert {row["status"] for row in outbox} == {"sent"}, Counter(row["status"] for row in outbox)
    expected = Counter(row["message_id"] for row in outbox)
    assert set(expected.values()) == {1}, "two outbox rows share a Message-ID"
    received = Counter(message["Message-ID"] for message in smtp.mailbox.messages)
    assert set(received) == set(expected), (set(expected) - set(received), set(received) - set(expected))
    # SMTP has no idempotent send: a worker killed after the server accepted a message and
    # before it recorded that leaves the message to be sent again when its claim lapses. Only
    # a message being sent at the moment of the kill may arrive twice.
    twice = {message_id for message_id, count in received.items() if count > 1}
    assert twice <= in_flight, twice - in_flight
    assert len(twice) <= 1, twice


def _no_escalation_fired_twice(report: dict) -> None:
    fired = [row for row in report["escalations"] if row["fired_at"]]
    assert fired
    assert len({row["key"] for row in fired}) == len(fired)
    events = Counter(row["subject_id"] for row in report["escalated_events"])
    per_case = Counter(row["subject_id"] for row in fired)
    assert events == per_case, "an escalation recorded on its case more or less than once"
    escalation_mail = [row for row in report["outbox"] if row["kind"] == "sla.escalation"]
    assert len(escalation_mail) == len({(row["parent_id"], row["address"]) for row in escalation_mail})


def _case_numbers_run_without_gaps(report: dict, *, expected: int) -> None:
    numbers = [case["number"] for case in report["cases"]]
    assert len(numbers) == expected
    months = Counter(number.split("-")[0] for number in numbers)
    for month in months:
        sequence = sorted(int(number.split("-")[1]) for number in numbers if number.startswith(month + "-"))
        assert sequence == list(range(1, len(sequence) + 1)), month


def _no_mail_lost_or_duplicated(report: dict, sent_mail: dict[str, str], maildir: Path) -> None:
    stored = Counter(row["message_id"] for row in report["inbound"])
    assert all(stored[message_id] == 1 for message_id in sent_mail), stored
    assert set(stored) == set(sent_mail)
    by_id = {row["message_id"]: row for row in report["inbound"]}
    for message_id, number in sent_mail.items():
        row = by_id[message_id]
        if number:
            assert (row["outcome"], row["case__number"]) == ("added_to_case", number), row
        else:
            assert row["outcome"] == "opened_case" and row["case__number"], row
    opened_by_mail = [by_id[m]["case__number"] for m, number in sent_mail.items() if not number]
    assert len(set(opened_by_mail)) == NEW_MAILS
    assert not list((maildir / "new").iterdir())
    assert all(":2,S" in file.name for file in (maildir / "cur").iterdir())
