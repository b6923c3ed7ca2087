"""The live pages' conditional answers: 304 while nothing changed, the fragment when it did."""

from __future__ import annotations

import re

import pytest

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.core import live

POLL = {"partial": "live"}


def _version(html: str) -> str:
    found = re.search(r'data-live [^>]*data-version="([0-9a-f]+)"', html)
    assert found, "the page carries its version"
    return found.group(1)


def _poll(client, path, version, **params):
    return client.get(path, {**POLL, **params}, HTTP_IF_NONE_MATCH=f'"{version}"')


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the code defers to after the commit (the tokens are written then)."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


@pytest.fixture
def committed_open(committed, open_case, agent):
    def open_one(customer):
        return committed(lambda: open_case(customer, by=agent, title="实时队列新案例"))

    return open_one


def test_queue_poll_answers_304_while_no_case_changed(client, agent, case_a):
    client.force_login(agent)
    version = _version(client.get("/cases/").content.decode())
    answer = _poll(client, "/cases/", version)
    assert answer.status_code == 304
    assert answer.content == b""
    assert answer["ETag"] == f'"{version}"'
    assert "no-cache" in answer["Cache-Control"] and "private" in answer["Cache-Control"]


def test_queue_poll_sends_the_table_with_a_case_another_user_opened(client, engineer, committed_open, customer_a):
    client.force_login(engineer)
    version = _version(client.get("/cases/").content.decode())
    case = committed_open(customer_a)
    answer = _poll(client, "/cases/", version)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert case.number in html
    assert 'id="live-queue"' in html and "data-live-region" in html
    assert "<form" not in html, "the filters the reader is typing in are not sent again"
    new_version = answer["ETag"].strip('"')
    assert new_version != version
    assert _poll(client, "/cases/", new_version).status_code == 304


def test_queue_poll_keeps_the_filters(client, agent, committed_open, customer_a):
    client.force_login(agent)
    version = _version(client.get("/cases/", {"q": "打印机"}).content.decode())
    committed_open(customer_a)  # "实时队列新案例": not a match
    answer = _poll(client, "/cases/", version, q="打印机")
    assert answer.status_code == 200
    assert "实时队列新案例" not in answer.content.decode()


def test_a_note_changes_the_case_page_version_and_not_another_cases(client, agent, committed, case_a, case_b):
    client.force_login(agent)
    version_a = _version(client.get(f"/cases/{case_a.number}/").content.decode())
    version_b = _version(client.get(f"/cases/{case_b.number}/").content.decode())
    committed(lambda: services.add_comment(case=case_a, by=agent, text="已联系客户，下午上门。", public=False))
    assert _poll(client, f"/cases/{case_b.number}/", version_b).status_code == 304
    answer = _poll(client, f"/cases/{case_a.number}/", version_a)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "已联系客户，下午上门。" in html
    assert 'id="live-case-timeline"' in html


def test_a_poll_leaves_the_messages_to_the_next_page(client, agent, case_a):
    client.force_login(agent)
    client.post(f"/cases/{case_a.number}/comment/", {"text": "备注"})
    answer = client.get(f"/cases/{case_a.number}/", POLL)
    assert answer.status_code == 200
    assert 'class="messages"' not in answer.content.decode()
    assert 'class="messages"' in client.get(f"/cases/{case_a.number}/").content.decode()


def test_a_change_is_announced_only_when_it_commits(agent, case_a, committed):
    # A page that saw the new version before the commit would render the old rows under it.
    topics = ["cases.case", f"cases.case:{case_a.pk}"]
    before = live.tokens(topics)
    live.changed("cases.case", [case_a.pk])  # the test's transaction never commits
    assert live.tokens(topics) == before
    committed(lambda: live.changed("cases.case", [case_a.pk]))
    after = live.tokens(topics)
    assert after[0] != before[0] and after[1] != before[1]


def test_poll_of_a_case_that_does_not_exist_is_404(client, agent):
    client.force_login(agent)
    assert client.get("/cases/CS209901-000001/", POLL).status_code == 404


@pytest.mark.parametrize("path", ["/cases/", "/dispatch/", "/board/", "/portal/"])
def test_anonymous_poll_is_sent_to_log_in(client, path):
    answer = client.get(path, POLL)
    assert answer.status_code == 302
    assert "login" in answer["Location"]


def test_anonymous_poll_of_a_case_is_sent_to_log_in(client, case_a):
    answer = client.get(f"/cases/{case_a.number}/", POLL)
    assert answer.status_code == 302 and "login" in answer["Location"]


@pytest.mark.parametrize("path", ["/dispatch/", "/board/"])
def test_poll_of_a_board_the_user_may_not_see_is_403(client, make_user, path):
    client.force_login(make_user(username="no-role"))
    assert client.get(path, POLL).status_code == 403


def test_dispatch_board_poll_answers_304_then_the_board_with_a_new_case(client, make_user, committed_open, customer_a):
    client.force_login(make_user(Role.DUTY_MANAGER, username="duty-live"))
    version = _version(client.get("/dispatch/").content.decode())
    assert _poll(client, "/dispatch/", version).status_code == 304
    case = committed_open(customer_a)
    answer = _poll(client, "/dispatch/", version)
    assert answer.status_code == 200
    assert case.number in answer.content.decode()
    assert 'id="live-board"' in answer.content.decode()


def test_duty_board_poll_answers_304_then_the_board_with_a_new_case(client, make_user, committed_open, customer_a):
    client.force_login(make_user(Role.DUTY_MANAGER, username="duty-live"))
    version = _version(client.get("/board/").content.decode())
    assert _poll(client, "/board/", version).status_code == 304
    case = committed_open(customer_a)
    answer = _poll(client, "/board/", version)
    assert answer.status_code == 200
    assert case.number in answer.content.decode()


def test_the_countdown_carries_its_due_time(client, agent, case_a):
    client.force_login(agent)
    html = client.get("/cases/").content.decode()
    case_a.refresh_from_db()
    assert case_a.next_due_at is not None
    assert f'data-due="{case_a.next_due_at.isoformat()}" data-warn="30"' in html
    marker = re.search(r"<span hidden data-live [^>]*>", html).group(0)
    assert 'data-left="剩余 %(span)s"' in marker and 'data-overdue="已超时 %(span)s"' in marker
