"""A suspended case tells the truth: its paused clocks show "paused" with the business time
they will have left when work resumes, never the due time stored before the pause, wherever
a deadline is shown (clock panel, queue, duty board, portal, API). A suspension request says
when it is expected to end (required, in the future); when that passes with the case still
suspended, the owner is reminded once, through the outbox, on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from aftersales.cases import services
from aftersales.cases.models import Case, EventKind, Severity, Status
from aftersales.cases.services import CaseError
from aftersales.contracts.models import Coverage
from aftersales.notifications.models import Notification
from aftersales.sla.display import case_clocks, case_due
from aftersales.sla.models import ClockKind, SuspensionRequest
from aftersales.sla.suspensions import remind_suspension_ends
from aftersales.sla.tasks import sweep_clocks
from tests.concurrency import run_together
from tests.sla.conftest import local, suspend

pytestmark = pytest.mark.django_db

MONDAY_10 = local(2026, 6, 8, 10, 0)

# (coverage, severity, accepted and suspended at, looked at, the case's words, {clock: words})
EXAMPLES = [
    pytest.param(
        Coverage.H7X24,
        Severity.A,
        local(2026, 6, 8, 10, 5),
        local(2026, 6, 8, 14, 0),  # long after the old due times
        "paused, 10 min left",
        {
            ClockKind.FIRST_CONTACT: "paused, 10 min left",
            ClockKind.ON_SITE: "paused, 25 min left",
            ClockKind.RESTORE: "paused, 1 h 55 min left",
        },
        id="A-7x24",
    ),
    pytest.param(
        None,  # no contract: a C fault on office hours
        Severity.C,
        local(2026, 6, 8, 10, 20),
        local(2026, 6, 10, 9, 0),
        "paused, 3 h 40 min left",
        {ClockKind.PROGRESS: "paused, 3 h 40 min left", ClockKind.REPLY: "paused, 5 h 40 min left"},
        id="C-5x8",
    ),
    pytest.param(
        Coverage.H5X24,
        Severity.B,
        local(2026, 6, 8, 10, 1),
        local(2026, 6, 13, 12, 0),  # a Saturday
        "paused, 14 min left",
        {ClockKind.FIRST_CONTACT: "paused, 14 min left", ClockKind.RESTORE: "paused, 3 h 59 min left"},
        id="B-5x24",
    ),
]


@pytest.fixture
def suspended(travel, staff, contract_for, fault, engineer, duty_manager):
    def make(coverage, severity, at):
        if coverage is not None:
            contract_for(coverage)
        traveller = travel(MONDAY_10)
        case = fault(severity)
        traveller.move_to(at)
        case = services.transition(case=case, action="accept", by=engineer)
        suspend(case, engineer=engineer, duty_manager=duty_manager, expected_end_at=at + dt.timedelta(days=30))
        case.refresh_from_db()
        assert case.status == Status.SUSPENDED
        return case, traveller

    return make


@pytest.mark.parametrize("coverage, severity, suspended_at, later, case_words, clock_words", EXAMPLES)
def test_a_paused_clock_shows_paused_with_the_time_left_not_its_old_due_time(
    coverage, severity, suspended_at, later, case_words, clock_words, suspended, client, engineer, contact_a
):
    case, traveller = suspended(coverage, severity, suspended_at)
    traveller.move_to(later)

    views = {view.clock.kind: view for view in case_clocks(case)}
    assert {kind: views[kind].words for kind in clock_words} == clock_words
    assert all(views[kind].state == "paused" and views[kind].due_at is None for kind in clock_words)
    assert case_due(case)[:2] == (case_words, "grey")

    client.force_login(engineer)
    panel = client.get(reverse("case_detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = panel.split('data-testid="clocks"', 1)[1].split("</section>", 1)[0]
    for kind in clock_words:
        row = panel.split(f'data-clock="{kind}"', 1)[1].split("</tr>", 1)[0]
        old_due = views[kind].due_local.strftime("%m-%d %H:%M")
        assert old_due not in row, f"{kind} shows its stored due time {old_due}"
        assert 'data-state="paused"' in row

    queue = client.get(reverse("case_list"), {"status": "suspended"}).content.decode()
    due_cell = queue.split('data-testid="due">', 1)[1].split("</td>", 1)[0]
    assert _in_chinese(case_words) in due_cell and "—" not in due_cell

    client.force_login(contact_a)
    portal = client.get(reverse("portal:case", args=[case.number])).content.decode()
    assert _in_chinese(case_words) in portal.split('data-testid="next-target">', 1)[1].split("</dd>", 1)[0]

    api = APIClient()
    api.force_login(engineer)
    detail = api.get(f"/api/v1/cases/{case.number}/", HTTP_ACCEPT_LANGUAGE="en").json()
    clocks = {row["kind"]: row for row in detail["clocks"] if row["state"] == "paused"}
    assert {kind: clocks[kind]["words"] for kind in clock_words} == clock_words
    assert {clocks[kind]["due_at"] for kind in clock_words} == {None}
    assert all(clocks[kind]["minutes_left"] > 0 for kind in clock_words)
    listed = api.get("/api/v1/cases/?status=suspended", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [(row["number"], row["next_due_display"]) for row in listed] == [(case.number, case_words)]


def _in_chinese(words: str) -> str:
    """ "paused, 3 h 40 min left" → "已暂停，剩余 3 小时 40 分" as the pages show it by default."""
    from aftersales.sla.display import paused_words, span_in_words

    minutes = 0
    parts = words.removeprefix("paused, ").removesuffix(" left").split()
    for number, unit in zip(parts[::2], parts[1::2], strict=True):
        minutes += int(number) * {"d": 1440, "h": 60, "min": 1}[unit]
    with translation.override("zh-hans"):
        assert span_in_words(minutes)
        return paused_words(minutes)


def test_a_running_case_still_shows_its_due_time(travel, staff, contract_for, fault):
    contract_for(Coverage.H7X24)
    traveller = travel(MONDAY_10)
    case = fault(Severity.A)
    traveller.move_to(local(2026, 6, 8, 10, 5))
    assert case_due(case) == ("5 min left", "amber", local(2026, 6, 8, 10, 10))


# --- the expected end ---------------------------------------------------------------------


@pytest.fixture
def working(travel, staff, contract_for, fault, engineer):
    contract_for(Coverage.H7X24)
    travel(MONDAY_10)
    return services.transition(case=fault(Severity.B), action="accept", by=engineer)


def _ask(case, engineer, expected_end_at):
    return services.request_suspension(
        case=case,
        by=engineer,
        reason="客户机房停电检修",
        consent_by="王主任",
        consent_channel=SuspensionRequest.ConsentChannel.PHONE,
        consent_at=MONDAY_10,
        expected_end_at=expected_end_at,
    )


@pytest.mark.parametrize(
    "expected_end_at",
    [
        pytest.param(None, id="missing"),
        pytest.param(MONDAY_10, id="now"),
        pytest.param(MONDAY_10 - dt.timedelta(minutes=1), id="a-minute-ago"),
        pytest.param(local(2025, 12, 31, 17, 0), id="last-year"),
        pytest.param(MONDAY_10 + dt.timedelta(days=400), id="more-than-a-year-ahead"),
    ],
)
def test_a_suspension_needs_an_expected_end_in_the_future(expected_end_at, working, engineer):
    with pytest.raises(CaseError) as raised:
        _ask(working, engineer, expected_end_at)
    assert list(raised.value.fields) == ["expected_end_at"]
    assert not SuspensionRequest.objects.exists()


def test_the_expected_end_is_recorded_and_shown_on_the_case(working, engineer, client):
    end = local(2026, 6, 10, 9, 0)
    request = _ask(working, engineer, end)

    assert request.expected_end_at == end
    assert "2026-06-10 09:00" in working.events.get(kind=EventKind.SUSPENSION).text
    client.force_login(engineer)
    page = client.get(reverse("case_detail", args=[working.number])).content.decode()
    assert "2026-06-10 09:00" in page.split('data-testid="pending-suspension-end">', 1)[1].split("</span>", 1)[0]


@pytest.mark.parametrize(
    "posted, message",
    [
        pytest.param("", "This field is required.", id="missing"),
        pytest.param("2026-06-08T09:00", "Give a date and time after now.", id="past"),
        pytest.param("soon", "Enter a valid date/time.", id="not-a-time"),
    ],
)
def test_the_request_form_names_a_bad_expected_end(posted, message, working, engineer, client):
    client.force_login(engineer)
    response = client.post(
        reverse("case_request_suspension", args=[working.number]),
        {
            "reason": "客户机房停电检修",
            "consent_by": "王主任",
            "consent_channel": "phone",
            "consent_at": "2026-06-08T10:00",
            "expected_end_at": posted,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code in (200, 400)
    with translation.override("zh-hans"):  # the pages speak Chinese by default
        assert translation.gettext(message) in response.content.decode()
    assert not SuspensionRequest.objects.exists()


@pytest.mark.parametrize(
    "body, status, field",
    [
        pytest.param({}, 400, "expected_end_at", id="missing"),
        pytest.param({"expected_end_at": "2026-06-07T10:00:00+08:00"}, 422, "expected_end_at", id="past"),
    ],
)
def test_the_api_refuses_a_request_without_a_future_expected_end(body, status, field, working, engineer):
    api = APIClient()
    api.force_login(engineer)
    response = api.post(
        f"/api/v1/cases/{working.number}/suspension-requests/",
        {"reason": "客户机房停电检修", "consent_by": "王主任", "consent_channel": "phone"}
        | {"consent_at": "2026-06-08T10:00:00+08:00"}
        | body,
        format="json",
    )
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    assert not SuspensionRequest.objects.exists()


def test_the_api_records_and_returns_the_expected_end(working, engineer):
    api = APIClient()
    api.force_login(engineer)
    response = api.post(
        f"/api/v1/cases/{working.number}/suspension-requests/",
        {
            "reason": "客户机房停电检修",
            "consent_by": "王主任",
            "consent_channel": "phone",
            "consent_at": "2026-06-08T10:00:00+08:00",
            "expected_end_at": "2026-06-09T18:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert SuspensionRequest.objects.get().expected_end_at == local(2026, 6, 9, 18, 0)
    assert response.json()["expected_end_at"].startswith("2026-06-09T18:00:00")


# --- the reminder -------------------------------------------------------------------------

END = local(2026, 6, 9, 18, 0)


@pytest.fixture
def on_hold(working, engineer, duty_manager):
    request = suspend(working, engineer=engineer, duty_manager=duty_manager, expected_end_at=END)
    working.refresh_from_db()
    return working, request


def _reminders():
    return list(Notification.objects.filter(kind=Notification.Kind.SUSPENSION_END))


def _reminder_events(case):
    return list(case.events.filter(kind=EventKind.SUSPENSION, text__contains="expected to end"))


@pytest.mark.parametrize(
    "when, reminded",
    [
        pytest.param(END - dt.timedelta(minutes=1), 0, id="a-minute-before"),
        pytest.param(END, 1, id="at-the-end"),
        pytest.param(END + dt.timedelta(days=3), 1, id="days-later"),
    ],
)
def test_the_owner_is_reminded_once_when_the_expected_end_passes(when, reminded, on_hold, engineer, travel):
    case, request = on_hold
    travel(when)

    assert remind_suspension_ends() == reminded
    assert remind_suspension_ends() == 0  # a second sweep reminds nobody again

    rows = _reminders()
    assert [(row.recipient, row.case_id, row.dedupe_key) for row in rows] == [
        (engineer, case.pk, f"suspension-end:{request.pk}")
    ] * reminded
    assert len(_reminder_events(case)) == reminded
    request.refresh_from_db()
    assert (request.end_reminded_at is not None) == bool(reminded)


def test_the_clock_panel_shows_the_expected_end_and_when_it_has_passed(on_hold, engineer, client, travel):
    case, _request = on_hold
    traveller = travel(END - dt.timedelta(hours=1))
    client.force_login(engineer)

    def shown() -> str:
        html = client.get(reverse("case_detail", args=[case.number])).content.decode()
        return html.split('data-testid="suspension-end">', 1)[1].split("</p>", 1)[0]

    with translation.override("zh-hans"):
        passed = translation.gettext("The expected end has passed.")
    assert "2026-06-09 18:00" in shown() and passed not in shown()
    traveller.move_to(END + dt.timedelta(minutes=1))
    assert "2026-06-09 18:00" in shown() and passed in shown()


def test_the_periodic_sweep_sends_the_reminder(on_hold, travel):
    case, _request = on_hold
    travel(END + dt.timedelta(minutes=1))

    assert sweep_clocks.call_local()["suspension_reminders"] == 1
    assert sweep_clocks.call_local()["suspension_reminders"] == 0
    assert len(_reminders()) == 1
    text = _reminder_events(case)[0].text
    assert "2026-06-09 18:00" in text


def test_a_case_resumed_before_the_expected_end_is_not_reminded(on_hold, engineer, travel):
    case, _request = on_hold
    traveller = travel(local(2026, 6, 9, 9, 0))
    services.transition(case=case, action="unsuspend", by=engineer)
    traveller.move_to(END + dt.timedelta(hours=1))

    assert remind_suspension_ends() == 0
    assert _reminders() == []


def test_only_the_current_suspension_of_a_case_suspended_again_counts(on_hold, engineer, duty_manager, travel):
    case, first = on_hold
    traveller = travel(local(2026, 6, 9, 9, 0))
    services.transition(case=case, action="unsuspend", by=engineer)
    case.refresh_from_db()
    second = suspend(case, engineer=engineer, duty_manager=duty_manager, expected_end_at=local(2026, 6, 12, 12, 0))

    traveller.move_to(local(2026, 6, 11, 9, 0))  # past the first end, not the second
    assert remind_suspension_ends() == 0

    traveller.move_to(local(2026, 6, 12, 12, 30))
    assert remind_suspension_ends() == 1
    assert [row.dedupe_key for row in _reminders()] == [f"suspension-end:{second.pk}"]
    first.refresh_from_db()
    assert first.end_reminded_at is None


def test_a_case_without_an_owner_reminds_the_engineer_who_asked(on_hold, engineer, manager, travel):
    case, _request = on_hold
    Case.objects.filter(pk=case.pk).update(owner=None)
    travel(END + dt.timedelta(minutes=5))

    assert remind_suspension_ends() == 1
    assert [row.recipient for row in _reminders()] == [engineer]


def test_the_reminder_is_rendered_for_its_recipient(on_hold, travel):
    from aftersales.notifications.rendering import render_request

    travel(END + dt.timedelta(minutes=5))
    remind_suspension_ends()

    rendered = render_request(_reminders()[0], "zh-hans")
    assert on_hold[0].number in rendered.subject and "2026-06-09 18:00" in rendered.subject
    assert "2026-06-09 18:00" in rendered.text and "客户机房停电检修，等待恢复供电" in rendered.text


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL to point at PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_remind_each_owner_once(travel, staff, contract_for, fault, engineer, duty_manager):
    contract_for(Coverage.H7X24)
    traveller = travel(MONDAY_10)
    cases = []
    for n in range(4):
        case = services.transition(case=fault(Severity.B, title=f"机房停电 {n}"), action="accept", by=engineer)
        suspend(case, engineer=engineer, duty_manager=duty_manager, expected_end_at=END)
        cases.append(case)
    traveller.move_to(END + dt.timedelta(minutes=1))

    results = run_together([lambda: remind_suspension_ends(now=END + dt.timedelta(minutes=1))] * 3)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(results) == len(cases)
    assert len(_reminders()) == len(cases)
    assert all(len(_reminder_events(case)) == 1 for case in cases)
