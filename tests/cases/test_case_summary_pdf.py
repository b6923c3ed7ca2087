"""The printable case summary: staff and portal pages, the worker, the two copies, the scope."""

from __future__ import annotations

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.documents import CASE_SUMMARY, request_case_summary
from aftersales.documents.models import Audience, Document
from aftersales.documents.services import render_document
from tests.documents.pdf import pdf_fonts, pdf_text

INTERNAL_NOTE = "客户欠款暂缓上门"
PUBLIC_REPLY = "已寄出备件请查收"


@pytest.fixture(autouse=True)
def worker_immediate():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def wang(make_user):
    return make_user(Role.ENGINEER, username="wang.engineer", display_name="王工")


@pytest.fixture
def li(make_user):
    return make_user(Role.ENGINEER, username="li.nodisplay", display_name="")


@pytest.fixture
def noted_case(case_a, wang, li):
    services.add_comment(case=case_a, by=wang, text=INTERNAL_NOTE, public=False)
    services.add_comment(case=case_a, by=wang, text=PUBLIC_REPLY, public=True)
    services.add_comment(case=case_a, by=li, text="已远程检查", public=True)
    return case_a


def _print(client, user, case, *, portal: bool, django_capture_on_commit_callbacks):
    client.force_login(user)
    url = reverse("portal:case_summary" if portal else "case_summary", args=[case.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    return Document.objects.filter(kind=CASE_SUMMARY).latest("pk")


def _download(client, case, document, *, portal: bool):
    name = "portal:case_document" if portal else "case_document"
    return client.get(reverse(name, args=[case.number, document.pk]))


def _pdf(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("portal", [False, True], ids=["staff-page", "portal"])
def test_the_print_button_renders_a_pdf_with_the_chinese_title(
    client, noted_case, engineer, contact_a, portal, django_capture_on_commit_callbacks
):
    user = contact_a if portal else engineer
    document = _print(
        client, user, noted_case, portal=portal, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.READY, document.error
    assert document.audience == (Audience.CUSTOMER if portal else Audience.STAFF)
    data = _pdf(_download(client, noted_case, document, portal=portal))
    text = pdf_text(data)
    assert noted_case.title in text and noted_case.number in text and "上海第一人民医院" in text
    assert any("CJK" in name for name in pdf_fonts(data))
    page = client.get(reverse("portal:case" if portal else "case_detail", args=[noted_case.number]))
    assert "打印摘要 (PDF)" in page.content.decode()
    assert (
        reverse("portal:case_document" if portal else "case_document", args=[noted_case.number, document.pk])
        in page.content.decode()
    )


def test_the_customers_copy_has_no_internal_note_or_user_name_the_staff_copy_has_all(
    noted_case, engineer, contact_a, wang
):
    staff = render_document(request_case_summary(case=noted_case, by=engineer).pk)
    customer = render_document(request_case_summary(case=noted_case, by=contact_a).pk)
    staff_text = pdf_text(staff.file.open("rb").read())
    customer_text = pdf_text(customer.file.open("rb").read())
    assert INTERNAL_NOTE in staff_text and "内部" in staff_text
    assert INTERNAL_NOTE not in customer_text
    assert PUBLIC_REPLY in customer_text and PUBLIC_REPLY in staff_text
    for user_name in ("wang.engineer", "li.nodisplay"):
        assert user_name not in customer_text
    assert "王工" in customer_text and "服务团队" in customer_text
    assert "记录人" in customer_text  # the timeline's column headings are the summary's own words
    # Service clocks are the desk's: only the staff copy lists them.
    assert "时限" in staff_text and "时限" not in customer_text


def test_english_reader_gets_an_english_summary(client, noted_case, engineer, django_capture_on_commit_callbacks):
    engineer.language = "en"
    engineer.save(update_fields=["language"])
    document = _print(
        client,
        engineer,
        noted_case,
        portal=False,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    text = pdf_text(document.file.open("rb").read())
    assert document.language == "en"
    assert "Case summary" in text and "Page 1 of" in text and noted_case.title in text


def test_a_pending_summary_says_it_is_being_generated(client, noted_case, contact_a):
    request_case_summary(case=noted_case, by=contact_a)  # not committed: the worker has not run
    client.force_login(contact_a)
    page = client.get(reverse("portal:case", args=[noted_case.number])).content.decode()
    assert "正在生成" in page


def test_a_double_click_makes_one_version(client, noted_case, contact_a):
    client.force_login(contact_a)
    for _ in range(2):
        client.post(reverse("portal:case_summary", args=[noted_case.number]))
    assert Document.objects.filter(kind=CASE_SUMMARY).count() == 1


@pytest.fixture
def summaries(noted_case, case_b, engineer, contact_a, contact_b):
    """Ready summaries: A's customer copy, A's staff copy, B's customer copy."""
    return {
        "a": render_document(request_case_summary(case=noted_case, by=contact_a).pk),
        "a_staff": render_document(request_case_summary(case=noted_case, by=engineer).pk),
        "b": render_document(request_case_summary(case=case_b, by=contact_b).pk),
    }


@pytest.mark.parametrize(
    ("route", "case_key", "document_key"),
    [
        ("portal:case_document", "a", "a"),  # A's case, A's document
        ("portal:case_document", "b", "a"),  # guessing A's document id under B's own case
        ("case_document", "a", "a"),  # the staff route
        ("case_document", "b", "a"),
        ("portal:case_document", "b", "missing"),  # indistinguishable from a document that does not exist
    ],
)
def test_customer_b_gets_404_for_customer_as_document(
    client, summaries, noted_case, case_b, contact_b, route, case_key, document_key
):
    cases = {"a": noted_case, "b": case_b}
    pk = 999999 if document_key == "missing" else summaries[document_key].pk
    client.force_login(contact_b)
    _assert_refused(client.get(reverse(route, args=[cases[case_key].number, pk])), route)
    if route.startswith("portal:"):
        assert client.get(reverse(route, args=[case_b.number, summaries["b"].pk])).status_code == 200


@pytest.mark.parametrize("route", ["portal:case_document", "case_document"])
def test_a_customer_never_downloads_the_staff_copy_of_their_own_case(client, summaries, noted_case, contact_a, route):
    client.force_login(contact_a)
    _assert_refused(client.get(reverse(route, args=[noted_case.number, summaries["a_staff"].pk])), route)
    if route.startswith("portal:"):
        assert client.get(reverse(route, args=[noted_case.number, summaries["a"].pk])).status_code == 200


def test_customer_b_cannot_request_a_summary_of_as_case(client, noted_case, contact_b):
    client.force_login(contact_b)
    _assert_refused(client.post(reverse("portal:case_summary", args=[noted_case.number])), "portal:case_summary")
    _assert_refused(client.post(reverse("case_summary", args=[noted_case.number])), "case_summary")
    assert not Document.objects.exists()


def _assert_refused(response, route: str) -> None:
    """A customer gets the portal's 404 on its own routes; the staff routes send every customer
    to the portal before anything is looked up (the same answer for any case or document)."""
    if route.startswith("portal:"):
        assert response.status_code == 404
    else:
        assert (response.status_code, response["Location"]) == (302, "/portal/")


# --- the same through the API ------------------------------------------------------------------


@pytest.fixture
def api(client):
    from rest_framework.test import APIClient

    def make(user):
        api_client = APIClient()
        api_client.force_login(user)
        return api_client

    return make


@pytest.mark.parametrize(("persona", "audience"), [("engineer", Audience.STAFF), ("contact_a", Audience.CUSTOMER)])
def test_the_api_requests_lists_and_serves_the_summary(
    request, api, noted_case, persona, audience, django_capture_on_commit_callbacks
):
    client = api(request.getfixturevalue(persona))
    url = f"/api/v1/cases/{noted_case.number}/documents/"
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert created.status_code == 202
    assert (created.json()["status"], created.json()["audience"], created.json()["url"]) == ("pending", audience, None)
    [listed] = client.get(url).json()
    assert listed["status"] == "ready" and listed["version"] == 1
    response = client.get(listed["url"])
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content))
    assert noted_case.title in text
    assert (INTERNAL_NOTE in text) == (audience == Audience.STAFF)


def test_the_api_hides_the_staff_copy_and_failure_reasons_from_a_customer(api, noted_case, engineer, contact_a):
    staff_copy = render_document(request_case_summary(case=noted_case, by=engineer).pk)
    failed = request_case_summary(case=noted_case, by=contact_a)
    Document.objects.filter(pk=failed.pk).update(status=Document.Status.FAILED, error="TemplateSyntaxError: 内部细节")
    client = api(contact_a)
    url = f"/api/v1/cases/{noted_case.number}/documents/"
    assert client.get(f"{url}{staff_copy.pk}/").status_code == 404
    assert [(row["id"], row["error"]) for row in client.get(url).json()] == [(failed.pk, "")]
    assert api(engineer).get(url).json()[0]["error"] == "TemplateSyntaxError: 内部细节"
