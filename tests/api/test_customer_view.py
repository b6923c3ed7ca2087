"""A customer's contact sees a case through the API as the portal shows it: no staff log-in
names (owner, who took it, the actors of the timeline, who uploaded a file), no team, no
internal clocks (sign-off, progress, ...), no internal notes. Staff see all of it.

And a customer cannot write to a finished case, by the API or by the portal: the service
refuses it, so both answer the same domain error; staff may still write.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent, Status
from aftersales.dispatch.models import Team

LOGIN = "zhang.wei.eng07"  # a staff log-in name; the person has no display name


@pytest.fixture
def worked_case(case_a, make_user, contact_a):
    staff = make_user(Role.ENGINEER, username=LOGIN, display_name="")
    team = Team.objects.create(name="二线现场支持")
    services.assign(case=case_a, by=staff, owner=staff, team=team)
    services.transition(case=case_a, action="accept", by=staff, text="")
    services.add_comment(case=case_a, by=staff, text="内部：先别告诉客户", public=False)
    services.add_comment(
        case=case_a, by=staff, text="已安排上门", public=True, attachments=[SimpleUploadedFile("报告.txt", b"ok")]
    )
    case_a.refresh_from_db()
    return case_a


def _everything_a_customer_reads(client, case) -> list[dict]:
    base = f"/api/v1/cases/{case.number}/"
    return [
        client.get("/api/v1/cases/?status=all").json(),
        client.get(base).json(),
        client.get(base + "attachments/").json(),
    ]


def test_customer_reads_no_staff_login_name_team_or_internal_clock(api, worked_case):
    pages = _everything_a_customer_reads(api("contact_a"), worked_case)

    text = json.dumps(pages, ensure_ascii=False)
    assert LOGIN not in text
    assert "二线现场支持" not in text
    assert "内部：先别告诉客户" not in text
    listed, detail, _files = pages
    assert listed["results"][0]["owner"] is None and listed["results"][0]["team"] is None
    assert detail["owner"] is None and detail["team"] is None and detail["taken_by"] is None
    assert detail["clocks"] == []
    assert "已安排上门" in text
    assert {event["actor"] for event in detail["timeline"] if event["kind"] == "reply"} == {"Service desk"} or {
        event["actor"] for event in detail["timeline"] if event["kind"] == "reply"
    } == {"服务台"}


def test_staff_read_the_same_case_with_names_team_and_clocks(api, worked_case):
    listed, detail, files = _everything_a_customer_reads(api("agent"), worked_case)

    assert detail["owner"] == LOGIN and detail["taken_by"] == "agent" and detail["team"] == "二线现场支持"
    assert {clock["kind"] for clock in detail["clocks"]} >= {"sign_off"}
    assert LOGIN in {event["actor"] for event in detail["timeline"]}
    assert files[0]["uploaded_by"] == LOGIN
    assert "内部：先别告诉客户" in json.dumps(detail, ensure_ascii=False)


def test_a_display_name_is_what_the_customer_sees(api, worked_case):
    staff = worked_case.owner
    staff.display_name = "张工"
    staff.save()

    detail = api("contact_a").get(f"/api/v1/cases/{worked_case.number}/").json()

    assert "张工" in {event["actor"] for event in detail["timeline"]}


def test_the_portal_names_no_staff_login_either(client, worked_case, contact_a):
    client.force_login(contact_a)

    html = client.get(reverse("portal:case", args=[worked_case.number])).content.decode()

    assert "已安排上门" in html
    assert LOGIN not in html


# --- writing to a finished case -----------------------------------------------------------------


def _api_comment(api, case):
    response = api("contact_a").post(f"/api/v1/cases/{case.number}/comments/", {"text": "还有问题"}, format="json")
    return response.status_code, response.json().get("code", "") if response.status_code >= 400 else ""


def _api_upload(api, case):
    response = api("contact_a").post(
        f"/api/v1/cases/{case.number}/attachments/",
        {"files": SimpleUploadedFile("补充.txt", b"more"), "text": "补充日志"},
        format="multipart",
    )
    return response.status_code, response.json().get("code", "") if response.status_code >= 400 else ""


def _portal_reply(client, case, contact_a, *, files=False):
    client.force_login(contact_a)
    body = {"text": "还有问题"}
    if files:
        body["attachments"] = [SimpleUploadedFile("补充.txt", b"more")]
    response = client.post(reverse("portal:case_reply", args=[case.number]), body)
    errors = response.context["reply_form"].non_field_errors() if response.status_code == 400 else []
    return response.status_code, "not_allowed" if errors else ""


ENTRY_POINTS = {
    "api-comment": lambda api, client, case, contact: _api_comment(api, case),
    "api-upload": lambda api, client, case, contact: _api_upload(api, case),
    "portal-reply": lambda api, client, case, contact: _portal_reply(client, case, contact),
    "portal-reply-with-file": lambda api, client, case, contact: _portal_reply(client, case, contact, files=True),
}


def _written(case) -> tuple:
    return CaseEvent.objects.filter(case=case).count(), Attachment.objects.filter(case=case).count()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED, Status.MERGED])
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_customer_cannot_write_to_a_finished_case(api, client, case_a, contact_a, entry, status):
    Case.objects.filter(pk=case_a.pk).update(status=status)
    before = _written(case_a)

    answer = ENTRY_POINTS[entry](api, client, case_a, contact_a)

    assert answer in ((422, "not_allowed"), (400, "not_allowed"))
    assert _written(case_a) == before


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_customer_still_writes_to_an_open_or_resolved_case(api, client, case_a, contact_a, entry):
    for status in (Status.NEW, Status.RESOLVED):
        Case.objects.filter(pk=case_a.pk).update(status=status)
        before = _written(case_a)

        answer = ENTRY_POINTS[entry](api, client, case_a, contact_a)

        assert answer[0] in (201, 302), (status, answer)
        assert _written(case_a) != before


def test_staff_still_write_to_a_closed_case(api, case_a):
    Case.objects.filter(pk=case_a.pk).update(status=Status.CLOSED)

    response = api("agent").post(f"/api/v1/cases/{case_a.number}/comments/", {"text": "归档备注"}, format="json")

    assert response.status_code == 201
