"""Staff pages for cases, through the Django test client, logged in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent, EventKind, Kind, Severity, Status
from tests.factories import EquipmentFactory, SiteFactory, TeamFactory


def _english(user):
    """Messages in these tests are checked in English, whatever the catalogue says."""
    user.language = "en"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def engineer_client(client, engineer):
    client.force_login(_english(engineer))
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(_english(manager))
    return client


def _numbers(response):
    return [case.number for case in response.context["page"]]


def _set_status(case, status):
    Case.objects.filter(pk=case.pk).update(status=status)  # tests only


def _detail(case):
    return reverse("case_detail", args=[case.number])


# --- the queue --------------------------------------------------------------------------------


@pytest.fixture
def queue_cases(open_case, customer_a, customer_b, equipment_a, engineer, make_user):
    specialist = make_user(Role.SPECIALIST, username="specialist")
    first_line, second_line = TeamFactory(name="一线维护组"), TeamFactory(name="二线支持组")
    now = timezone.now()
    cases = {
        "a_fault": open_case(
            customer_a, severity=Severity.A, equipment=equipment_a, opened_at=now - dt.timedelta(days=2)
        ),
        "b_complaint": open_case(
            customer_b,
            severity=Severity.B,
            kind=Kind.COMPLAINT,
            title="柜员终端蓝屏",
            description="营业厅三台终端反复重启。",
            opened_at=now - dt.timedelta(days=1),
        ),
        "a_maintenance": open_case(
            customer_a, by=engineer, kind=Kind.MAINTENANCE, title="申请升级语音信箱", opened_at=now
        ),
        "b_closed": open_case(customer_b, severity=Severity.D, title="话机显示屏划痕"),
        "a_resolved": open_case(customer_a, title="录音系统无法回放"),
    }
    services.assign(case=cases["a_fault"], by=engineer, owner=engineer, team=first_line)
    services.assign(case=cases["a_maintenance"], by=engineer, owner=specialist, team=second_line)
    _set_status(cases["b_closed"], Status.CLOSED)
    _set_status(cases["a_resolved"], Status.RESOLVED)
    cases["teams"] = (first_line, second_line)
    cases["specialist"] = specialist
    return cases


def _expect(queue_cases, *keys):
    return [queue_cases[key].number for key in keys]


def test_queue_shows_unfinished_cases_by_default(engineer_client, queue_cases):
    # Resolved cases await the customer's confirmation and a manager's close: still the desk's.
    response = engineer_client.get(reverse("case_list"))

    assert response.status_code == 200
    assert _numbers(response) == _expect(queue_cases, "a_fault", "b_complaint", "a_maintenance", "a_resolved")


@pytest.mark.parametrize(
    ("status", "keys"),
    [
        ("open", ["a_fault", "b_complaint", "a_maintenance", "a_resolved"]),
        ("finished", ["b_closed"]),
        ("resolved", ["a_resolved"]),
        ("all", ["a_fault", "b_complaint", "a_maintenance", "a_resolved", "b_closed"]),
    ],
)
def test_queue_filters_by_status(engineer_client, queue_cases, status, keys):
    response = engineer_client.get(reverse("case_list"), {"status": status})

    assert _numbers(response) == _expect(queue_cases, *keys)


def test_queue_filters_by_several_severities(engineer_client, queue_cases):
    response = engineer_client.get(reverse("case_list"), {"severity": ["A", "B"]})

    assert _numbers(response) == _expect(queue_cases, "a_fault", "b_complaint")


def test_queue_filters_by_kind(engineer_client, queue_cases):
    response = engineer_client.get(reverse("case_list"), {"kind": Kind.COMPLAINT})

    assert _numbers(response) == _expect(queue_cases, "b_complaint")


def test_queue_filters_by_customer(engineer_client, queue_cases, customer_a):
    response = engineer_client.get(reverse("case_list"), {"customer": customer_a.pk})

    assert _numbers(response) == _expect(queue_cases, "a_fault", "a_maintenance", "a_resolved")


def test_queue_filters_by_owner(engineer_client, queue_cases):
    response = engineer_client.get(reverse("case_list"), {"owner": queue_cases["specialist"].pk})

    assert _numbers(response) == _expect(queue_cases, "a_maintenance")


def test_queue_filters_by_team(engineer_client, queue_cases):
    first_line, _second = queue_cases["teams"]

    response = engineer_client.get(reverse("case_list"), {"team": first_line.pk})

    assert _numbers(response) == _expect(queue_cases, "a_fault")


def test_queue_mine_means_owned_or_taken_by_me(engineer_client, queue_cases):
    response = engineer_client.get(reverse("case_list"), {"mine": "on"})

    # owner of the A fault; took the maintenance request although a specialist owns it
    assert _numbers(response) == _expect(queue_cases, "a_fault", "a_maintenance")


def test_queue_filters_unassigned(engineer_client, queue_cases):
    response = engineer_client.get(reverse("case_list"), {"unassigned": "on"})

    assert _numbers(response) == _expect(queue_cases, "b_complaint", "a_resolved")


def test_queue_filters_combine(engineer_client, queue_cases, customer_a):
    response = engineer_client.get(reverse("case_list"), {"customer": customer_a.pk, "severity": "C", "status": "all"})

    assert _numbers(response) == _expect(queue_cases, "a_maintenance", "a_resolved")


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("呼出", ["a_fault"]),  # a Chinese substring of the title 交换机无法呼出
        ("交换机 呼出", ["a_fault"]),  # every word must match
        ("交换机 蓝屏", []),
        ("营业厅", ["b_complaint"]),  # from the description
        ("语音信箱", ["a_maintenance"]),
    ],
)
def test_queue_search_finds_chinese_substrings(engineer_client, queue_cases, q, keys):
    response = engineer_client.get(reverse("case_list"), {"q": q})

    assert _numbers(response) == _expect(queue_cases, *keys)


def test_queue_search_finds_a_case_by_its_number_in_any_case(engineer_client, queue_cases):
    number = queue_cases["b_complaint"].number

    response = engineer_client.get(reverse("case_list"), {"q": number.lower()})

    assert _numbers(response) == [number]


def test_queue_search_finds_a_case_by_serial_number(engineer_client, queue_cases, equipment_a):
    response = engineer_client.get(reverse("case_list"), {"q": equipment_a.serial_number.lower()})

    assert _numbers(response) == _expect(queue_cases, "a_fault")


def test_queue_lists_by_severity_then_oldest_first(engineer_client, open_case, customer_a):
    now = timezone.now()
    newer_a = open_case(customer_a, severity=Severity.A, opened_at=now - dt.timedelta(hours=1))
    old_c = open_case(customer_a, severity=Severity.C, opened_at=now - dt.timedelta(days=5))
    older_a = open_case(customer_a, severity=Severity.A, opened_at=now - dt.timedelta(days=2))
    b = open_case(customer_a, severity=Severity.B, opened_at=now)

    response = engineer_client.get(reverse("case_list"))

    assert _numbers(response) == [older_a.number, newer_a.number, b.number, old_c.number]


def test_queue_shows_fifty_cases_a_page(engineer_client, open_case, customer_a, settings):
    assert settings.CASE_PAGE_SIZE == 50
    for index in range(51):
        open_case(customer_a, title=f"批量报障 {index:02d}")

    first = engineer_client.get(reverse("case_list"), {"q": "批量"})
    second = engineer_client.get(reverse("case_list"), {"q": "批量", "page": 2})

    assert len(_numbers(first)) == 50
    assert len(_numbers(second)) == 1
    assert set(_numbers(first)).isdisjoint(_numbers(second))
    assert first.context["page"].paginator.count == 51
    assert "page=2" in first.content.decode()
    assert "q=%E6%89%B9%E9%87%8F" in first.content.decode(), "the next-page link keeps the search"


# --- the case page ------------------------------------------------------------------------------


@pytest.fixture
def busy_case(case_a, engineer, manager):
    services.transition(case=case_a, action="accept", by=engineer)
    services.add_comment(case=case_a, by=engineer, text="内部：怀疑中继板", public=False)
    services.transition(case=case_a, action="start", by=engineer)
    services.add_comment(case=case_a, by=engineer, text="已安排明早上门", public=True)
    services.assign(case=case_a, by=manager, owner=engineer, team=TeamFactory(name="二线支持组"))
    return case_a


def test_case_page_shows_the_timeline_newest_first(engineer_client, busy_case):
    response = engineer_client.get(_detail(busy_case))

    events = list(response.context["events"])
    assert events == list(CaseEvent.objects.filter(case=busy_case).order_by("-at", "-pk"))
    assert events[0].kind == EventKind.ASSIGNED
    assert events[-1].kind == EventKind.CREATED
    html = response.content.decode()
    assert html.index("已安排明早上门") < html.index("内部：怀疑中继板")


def test_case_page_timeline_can_show_only_customer_visible_entries(engineer_client, busy_case):
    response = engineer_client.get(_detail(busy_case), {"show": "public"})

    events = list(response.context["events"])
    assert [e.kind for e in events] == [EventKind.REPLY, EventKind.CREATED]
    assert "内部：怀疑中继板" not in response.content.decode()


def test_case_page_timeline_can_show_only_status_changes(engineer_client, busy_case):
    response = engineer_client.get(_detail(busy_case), {"show": "status"})

    events = list(response.context["events"])
    assert [(e.from_status, e.to_status) for e in events] == [
        (Status.ACCEPTED, Status.IN_PROGRESS),
        (Status.NEW, Status.ACCEPTED),
        ("", Status.NEW),
    ]


def test_case_page_offers_only_the_moves_the_user_may_take(client, case_a, engineer, manager):
    _set_status(case_a, Status.RESOLVED)

    client.force_login(engineer)
    engineer_actions = [t.action for t in client.get(_detail(case_a)).context["transitions"]]
    client.force_login(manager)
    manager_actions = [t.action for t in client.get(_detail(case_a)).context["transitions"]]

    assert engineer_actions == ["reopen"]
    assert manager_actions == ["close", "reopen"]


def test_sales_sees_the_case_but_no_actions(client, case_a, sales):
    client.force_login(sales)

    response = client.get(_detail(case_a))

    assert response.status_code == 200
    assert response.context["transitions"] == []
    assert reverse("case_comment", args=[case_a.number]) not in response.content.decode()


# --- acting from the case page --------------------------------------------------------------------


def _act(client, case, action, **data):
    return client.post(reverse("case_action", args=[case.number]), {"action": action, **data})


def test_accept_from_the_page_redirects_back_to_the_case(engineer_client, case_a):
    response = _act(engineer_client, case_a, "accept", expected_status=Status.NEW)

    assert response.status_code == 302
    assert response["Location"] == _detail(case_a)
    case_a.refresh_from_db()
    assert case_a.status == Status.ACCEPTED


def test_forbidden_action_answers_with_a_clear_message(engineer_client, case_a):
    _set_status(case_a, Status.RESOLVED)

    response = _act(engineer_client, case_a, "close", expected_status=Status.RESOLVED)

    assert response.status_code == 400
    assert "Your role may not “Close” a case." in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.status == Status.RESOLVED


def test_forbidden_action_message_is_in_the_users_language(client, engineer, case_a):
    _set_status(case_a, Status.RESOLVED)
    client.force_login(engineer)  # language left at the default, Simplified Chinese

    response = _act(client, case_a, "close")

    assert response.status_code == 400
    with translation.override("zh-hans"):
        message = gettext("Your role may not “%(action)s” a case.") % {"action": gettext("Close")}
    assert message in response.content.decode()


def test_action_not_possible_in_this_status_says_so(engineer_client, case_a):
    response = _act(engineer_client, case_a, "resolve", text="已修复")

    assert response.status_code == 400
    assert "“Mark resolved” is not possible while the case is “New”." in response.content.decode()


def test_action_needing_a_reason_asks_for_it(engineer_client, case_a):
    _set_status(case_a, Status.IN_PROGRESS)

    response = _act(engineer_client, case_a, "resolve", text="  ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.status == Status.IN_PROGRESS


def test_stale_page_is_told_someone_else_changed_the_case(engineer_client, case_a, make_user):
    services.transition(case=case_a, action="accept", by=make_user(Role.ENGINEER, username="engineer-2"))

    response = _act(engineer_client, case_a, "accept", expected_status=Status.NEW)

    assert response.status_code == 400
    assert "Someone else changed this case meanwhile" in response.content.decode()


def test_merge_into_an_unknown_number_is_a_field_error(manager_client, case_a):
    response = _act(manager_client, case_a, "merge", text="重复", merge_into="CS209901-000001")

    assert response.status_code == 400
    assert "No case with this number." in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.status == Status.NEW


def test_merge_from_the_page_points_to_the_other_case(manager_client, open_case, customer_a, case_a):
    original = open_case(customer_a, title="同一故障首次报障")

    response = _act(manager_client, case_a, "merge", text="重复来电", merge_into=original.number.lower())

    assert response.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.status, case_a.merged_into) == (Status.MERGED, original)


def test_merge_into_another_customers_case_is_refused_on_the_page(manager_client, case_a, case_b):
    response = _act(manager_client, case_a, "merge", text="重复", merge_into=case_b.number)

    assert response.status_code == 400
    assert "That case belongs to another customer." in response.content.decode()


def test_sales_action_answers_with_a_message_not_a_crash(client, case_a, sales):
    client.force_login(_english(sales))

    response = _act(client, case_a, "accept")

    assert response.status_code == 400
    assert "Your role may not" in response.content.decode()


@pytest.mark.parametrize("name", ["case_comment", "case_assign", "case_severity", "case_edit"])
def test_sales_may_not_post_changes(client, case_a, sales, name):
    client.force_login(sales)
    events = case_a.events.count()

    response = client.post(reverse(name, args=[case_a.number]), {"text": "x", "severity": "A", "reason": "x"})

    assert response.status_code == 403
    assert case_a.events.count() == events


def test_assign_severity_and_edit_from_the_page(manager_client, case_a, engineer):
    assert manager_client.post(reverse("case_assign", args=[case_a.number]), {"owner": engineer.pk}).status_code == 302
    severity_url = reverse("case_severity", args=[case_a.number])
    assert manager_client.post(severity_url, {"severity": "B", "reason": "影响扩大"}).status_code == 302
    edit = {"title": "全部外线中断", "description": "所有中继不可用", "kind": "fault", "channel": "phone", "tier": "L2"}
    assert manager_client.post(reverse("case_edit", args=[case_a.number]), edit).status_code == 302

    case_a.refresh_from_db()
    assert (case_a.owner, case_a.severity, case_a.title, case_a.tier) == (engineer, "B", "全部外线中断", "L2")
    kinds = set(case_a.events.values_list("kind", flat=True))
    assert {EventKind.ASSIGNED, EventKind.SEVERITY, EventKind.FIELDS} <= kinds


# --- bad input on the case page --------------------------------------------------------------------------


def _counts():
    return (Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count())


@pytest.mark.parametrize(("title", "message"), [("", "This field is required."), ("长" * 201, "at most 200")])
def test_edit_with_a_bad_title_is_a_field_error_and_changes_nothing(engineer_client, case_a, title, message):
    before = _counts()
    edit = {"title": title, "description": "新描述", "kind": "fault", "channel": "phone", "tier": "L1"}

    response = engineer_client.post(reverse("case_edit", args=[case_a.number]), edit)

    assert response.status_code == 400
    assert "title" in response.context["edit_form"].errors
    assert message in response.content.decode()
    assert _counts() == before
    case_a.refresh_from_db()
    assert case_a.title == "交换机无法呼出"


def _comment(client, case, *files, text="见附件", public=False):
    data = {"text": text, "attachments": list(files)}
    if public:
        data["public"] = "on"
    return client.post(reverse("case_comment", args=[case.number]), data)


def test_comment_with_an_oversized_attachment_is_refused_and_saves_nothing(engineer_client, case_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = _counts()
    small = SimpleUploadedFile("small.txt", b"x" * 10)
    big = SimpleUploadedFile("抓包.pcap", b"x" * 1025)

    response = _comment(engineer_client, case_a, small, big)

    assert response.status_code == 400
    assert "attachments" in response.context["comment_form"].errors
    html = response.content.decode()
    assert "抓包.pcap" in html and "at most 1.0\xa0KB" in html
    assert _counts() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"harmless", "program files (.exe) are not accepted"),
        ("报价单.pdf", b"MZ\x90\x00" + b"\x00" * 64, "looks like a program"),
    ],
)
def test_comment_with_a_program_file_is_refused_and_saves_nothing(engineer_client, case_a, name, content, message):
    before = _counts()

    response = _comment(engineer_client, case_a, SimpleUploadedFile(name, content))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_empty_comment_is_a_field_error(engineer_client, case_a):
    before = _counts()

    response = _comment(engineer_client, case_a, text="")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert _counts() == before


# --- attachments are served safely ---------------------------------------------------------------------


def _upload(case, by, name, content, public=True):
    event = services.add_comment(
        case=case, by=by, text="", public=public, attachments=[SimpleUploadedFile(name, content)]
    )
    return event.attachments.get()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.html", b"<html><script>alert(1)</script></html>"),
        ("diagram.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("页面.htm", b"<script>alert(1)</script>"),
        ("notes.xhtml", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>"),
    ],
)
def test_html_and_svg_are_downloaded_never_shown_inline(engineer_client, case_a, engineer, name, content):
    attachment = _upload(case_a, engineer, name, content)

    response = engineer_client.get(reverse("attachment", args=[attachment.pk, attachment.name]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("现场照片.png", "image/png"), ("报告.pdf", "application/pdf"), ("log.txt", "text/plain")],
)
def test_images_pdf_and_text_are_shown_inline(engineer_client, case_a, engineer, name, content_type):
    attachment = _upload(case_a, engineer, name, b"%PDF-1.4 or image bytes")

    response = engineer_client.get(reverse("attachment", args=[attachment.pk, attachment.name]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"].startswith(content_type)
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_under_a_wrong_name_is_not_found(engineer_client, case_a, engineer):
    attachment = _upload(case_a, engineer, "log.txt", b"trunk down")

    response = engineer_client.get(reverse("attachment", args=[attachment.pk, "other.txt"]))

    assert response.status_code == 404


# --- language ----------------------------------------------------------------------------------------------


def test_pages_are_in_chinese_by_default(client, engineer, case_a):
    client.force_login(engineer)

    response = client.get(reverse("case_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    with translation.override("zh-hans"):
        assert gettext("Case queue") in html
        assert gettext("Case queue") != "Case queue", "the Chinese catalogue is compiled and loaded"


def test_pages_are_in_english_for_a_user_who_chose_english(client, engineer, case_a):
    client.force_login(_english(engineer))

    response = client.get(reverse("case_list"))

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Case queue" in html


def test_switching_language_is_remembered_on_the_user(client, engineer):
    client.force_login(engineer)

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("case_list")})

    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.language == "en"
    assert '<html lang="en">' in client.get(reverse("case_list")).content.decode()


def test_equipment_shown_on_the_case_page(engineer_client, customer_a, open_case):
    equipment = EquipmentFactory(site=SiteFactory(customer=customer_a, name="急诊楼"), serial_number="FX-7788")
    case = open_case(customer_a, equipment=equipment)

    html = engineer_client.get(_detail(case)).content.decode()

    assert "FX-7788" in html
    assert "急诊楼" in html
