"""Who sees what in the portal: the customer's manager, a plain contact, a copied colleague, and
customer B — by portal URL, by the API (session and token) and by attachment link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from aftersales.api.tokens import create_token
from aftersales.cases import services
from aftersales.cases.models import Attachment
from aftersales.cases.queries import visible_cases
from aftersales.core.errors import DomainError

INTERNAL = "内部备注：先别告诉客户要收费"


@pytest.fixture
def alices_case(open_case, customer_a, equipment_a, alice, engineer):
    case = open_case(customer_a, equipment=equipment_a, contact=alice.contact, title="门诊分机无法外呼")
    services.add_comment(
        case=case,
        by=engineer,
        text="已远程检查",
        public=True,
        attachments=[SimpleUploadedFile("检查截图.png", b"\x89PNG\r\n\x1a\nimg", content_type="image/png")],
    )
    services.add_comment(
        case=case,
        by=engineer,
        text=INTERNAL,
        public=False,
        attachments=[SimpleUploadedFile("内部日志.txt", b"log", content_type="text/plain")],
    )
    return case


@pytest.fixture
def other_case(open_case, customer_a, equipment_a):
    """A case of customer A that nobody in particular reported."""
    return open_case(customer_a, equipment=equipment_a, title="住院部呼叫器故障")


def test_manager_sees_every_case_of_the_organisation(manager_a, alices_case, other_case, case_b):
    assert set(visible_cases(manager_a)) == {alices_case, other_case}


def test_plain_contact_sees_only_own_cases(alice, alices_case, other_case, case_b):
    assert list(visible_cases(alice)) == [alices_case]


def test_copied_colleague_sees_the_case_and_loses_it_when_uncopied(colleague, alice, alices_case, engineer):
    assert not visible_cases(colleague).exists()

    services.set_copies(case=alices_case, by=alice, contacts=[colleague.contact])
    assert list(visible_cases(colleague)) == [alices_case]

    services.set_copies(case=alices_case, by=engineer, contacts=[])
    assert not visible_cases(colleague).exists()


def test_a_contact_of_another_customer_cannot_be_copied(alices_case, bob, alice):
    with pytest.raises(DomainError):
        services.set_copies(case=alices_case, by=alice, contacts=[bob.contact])
    assert not alices_case.copied_contacts.exists()


def test_portal_list_shows_own_cases_only(client, alice, alices_case, other_case):
    client.force_login(alice)

    html = client.get(reverse("portal:home"), {"show": "all"}).content.decode()

    assert alices_case.number in html
    assert other_case.number not in html


def test_customer_b_cannot_reach_a_case_by_portal_url(client, bob, alices_case):
    client.force_login(bob)
    for name in ("portal:case",):
        assert client.get(reverse(name, args=[alices_case.number])).status_code == 404
    for name, body in (
        ("portal:case_reply", {"text": "冒充回复"}),
        ("portal:case_confirm", {}),
        ("portal:case_reject", {"reason": "冒充"}),
    ):
        assert client.post(reverse(name, args=[alices_case.number]), body).status_code == 404
    assert alices_case.events.filter(actor=bob).count() == 0


def test_colleague_not_copied_cannot_reach_the_case_either(client, colleague, alices_case):
    client.force_login(colleague)

    assert client.get(reverse("portal:case", args=[alices_case.number])).status_code == 404


def test_customer_b_cannot_reach_a_case_by_api_session_or_token(bob, alices_case):
    session = APIClient()
    session.force_login(bob)
    assert session.get(f"/api/v1/cases/{alices_case.number}/").status_code == 404
    assert alices_case.number not in session.get("/api/v1/cases/?status=all").content.decode()

    key = create_token(user=bob, name="bob's script").key
    by_token = APIClient(headers={"Authorization": f"Token {key}"})
    assert by_token.get(f"/api/v1/cases/{alices_case.number}/").status_code == 404
    assert by_token.get("/api/v1/cases/?status=all").status_code == 200


def test_alice_reaches_her_case_by_api(alices_case, alice):
    api = APIClient()
    api.force_login(alice)
    body = api.get(f"/api/v1/cases/{alices_case.number}/").json()
    assert INTERNAL not in str(body)


def test_customer_b_cannot_download_a_attachment(client, bob, alice, alices_case):
    public = Attachment.objects.get(name="检查截图.png")
    internal = Attachment.objects.get(name="内部日志.txt")
    client.force_login(bob)
    assert client.get(reverse("attachment", args=[public.pk, public.name])).status_code == 404

    client.force_login(alice)
    assert client.get(reverse("attachment", args=[public.pk, public.name])).status_code == 200
    assert client.get(reverse("attachment", args=[internal.pk, internal.name])).status_code == 404


def test_case_page_never_shows_internal_notes(client, alice, alices_case):
    client.force_login(alice)

    html = client.get(reverse("portal:case", args=[alices_case.number])).content.decode()

    assert "已远程检查" in html and "检查截图.png" in html
    assert INTERNAL not in html and "内部日志.txt" not in html


def test_staff_are_sent_from_the_portal_to_their_own_pages(client, agent, alices_case):
    client.force_login(agent)

    for url in (reverse("portal:home"), reverse("portal:case", args=[alices_case.number])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("case_list")


def test_anonymous_visitor_is_sent_to_the_portal_login(client, alices_case):
    response = client.get(reverse("portal:case", args=[alices_case.number]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_customer_role_without_contact_is_refused(client, make_user):
    from aftersales.accounts.roles import Role

    client.force_login(make_user(Role.CUSTOMER, username="orphan"))

    assert client.get(reverse("portal:home")).status_code == 403


def test_customer_goes_to_the_portal_after_logging_in(client, alice):
    client.force_login(alice)

    assert client.get(reverse("home"))["Location"] == reverse("portal:home")
