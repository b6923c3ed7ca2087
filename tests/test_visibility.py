"""The one visibility rule (`cases.queries.visible_cases`) and every case page that relies on it.

Customer A's contact is pointed at customer B's case through every URL in `cases/urls.py`; the
table of probes must name every URL there, so a new case page is noticed by this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.accounts.roles import STAFF_ROLES, Role
from aftersales.cases import services
from aftersales.cases import urls as case_urls
from aftersales.cases.models import Attachment, Case, CaseEvent, Consultation, Status
from aftersales.cases.queries import get_visible_attachment, visible_cases, visible_events
from aftersales.notifications.models import Notification
from aftersales.sla.models import SuspensionRequest

CASE_URL_NAMES = {pattern.name for pattern in case_urls.urlpatterns}

INTERNAL_NOTE = "内部备注：该客户合同即将到期，先别提收费"
PUBLIC_REPLY = "已安排工程师明早九点上门"


@dataclass
class World:
    case_a: Case
    case_b: Case
    public_attachment_a: Attachment
    internal_attachment_a: Attachment
    public_attachment_b: Attachment


def _file(name="现场照片.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nfake image", content_type="image/png")


@pytest.fixture
def world(case_a, case_b, engineer, executive):
    with translation.override("en"):
        services.add_comment(
            case=case_a, by=engineer, text=PUBLIC_REPLY, public=True, attachments=[_file("回复附件.png")]
        )
        services.add_comment(
            case=case_a, by=engineer, text=INTERNAL_NOTE, public=False, attachments=[_file("内部排障记录.png")]
        )
        services.change_severity(case=case_a, by=engineer, severity="A", reason="全院电话瘫痪")
        services.add_comment(
            case=case_b, by=engineer, text="银行回复", public=True, attachments=[_file("银行截图.png")]
        )
        services.add_comment(case=case_b, by=engineer, text="银行内部备注", public=False)
    # B's case is being worked on, so that every staff POST (suspension included) is valid.
    Case.objects.filter(pk=case_b.pk).update(status=Status.ACCEPTED)
    case_b.refresh_from_db()
    return World(
        case_a=case_a,
        case_b=case_b,
        public_attachment_a=Attachment.objects.get(name="回复附件.png"),
        internal_attachment_a=Attachment.objects.get(name="内部排障记录.png"),
        public_attachment_b=Attachment.objects.get(name="银行截图.png"),
    )


@pytest.fixture
def without_boundary(settings):
    """The staff pages' own checks, as if the customer boundary did not send customers to the
    portal first (tests/test_customer_boundary.py): the visibility rule holds on its own."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("CustomerBoundaryMiddleware")]


def _snapshot(case: Case) -> dict:
    """Everything a POST could change about a case, and the rows it could add."""
    case = Case.objects.get(pk=case.pk)
    return {
        "fields": (case.status, case.severity, case.title, case.description, case.owner_id, case.team_id, case.tier),
        "events": CaseEvent.objects.filter(case=case).count(),
        "attachments": Attachment.objects.filter(case=case).count(),
        "notifications": Notification.objects.count(),
        "cases": Case.objects.count(),
    }


# --- the rule itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_role_sees_every_case(make_user, case_a, case_b, role):
    assert set(visible_cases(make_user(role))) == {case_a, case_b}


def test_customer_contact_sees_only_their_organisations_cases(contact_a, contact_b, case_a, case_b):
    assert list(visible_cases(contact_a)) == [case_a]
    assert list(visible_cases(contact_b)) == [case_b]


def test_user_without_a_role_sees_nothing(make_user, case_a):
    assert not visible_cases(make_user()).exists()


def test_inactive_staff_member_sees_nothing(make_user, case_a):
    assert not visible_cases(make_user(Role.CENTRE_MANAGER, is_active=False)).exists()


def test_anonymous_visitor_sees_nothing(case_a):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_cases(AnonymousUser()).exists()
    assert not visible_cases(None).exists()


def test_customer_contact_whose_contact_record_is_deactivated_sees_nothing(contact_a, case_a):
    contact_a.contact.is_active = False
    contact_a.contact.save()

    assert not visible_cases(contact_a).exists()


def test_customer_role_without_a_contact_record_sees_nothing(make_user, case_a):
    assert not visible_cases(make_user(Role.CUSTOMER, username="orphan")).exists()


def test_customer_sees_only_public_timeline_entries(world, contact_a, engineer):
    customer_view = list(visible_events(contact_a, world.case_a))
    staff_view = list(visible_events(engineer, world.case_a))

    assert customer_view and all(event.is_public for event in customer_view)
    assert len(staff_view) > len(customer_view)


def test_customer_can_fetch_only_public_attachments_of_their_own_cases(world, contact_a, engineer):
    from django.http import Http404

    assert get_visible_attachment(contact_a, world.public_attachment_a.pk) == world.public_attachment_a
    for hidden in (world.internal_attachment_a, world.public_attachment_b):
        with pytest.raises(Http404):
            get_visible_attachment(contact_a, hidden.pk)
    assert get_visible_attachment(engineer, world.internal_attachment_a.pk) == world.internal_attachment_a


# --- customer A against customer B, on every case URL ------------------------------------------------


def _probe_case_list(client, world: World):
    b = world.case_b
    queries = [
        {},
        {"status": "all"},
        {"q": "蓝屏"},
        {"q": b.number},
        {"q": b.equipment.serial_number},
        {"customer": b.customer_id},
        {"customer": b.customer_id, "status": "all"},
        {"customer": world.case_a.customer_id, "status": "all"},
        {"status": Status.NEW},
    ]
    for query in queries:
        response = client.get(reverse("case_list"), query)
        # Another customer's id is no choice of theirs: a field error, as for a missing id.
        assert response.status_code == (400 if query.get("customer") == b.customer_id else 200), query
        html = response.content.decode()
        # (the search box echoes what was typed, so look for a link to the case, not its number)
        assert reverse("case_detail", args=[b.number]) not in html, query
        assert b.title not in html, query
        assert b.customer.name not in html, query
        assert [case.number for case in response.context["page"]] in ([], [world.case_a.number]), query
    # the same page does show the customer their own case
    assert world.case_a.number in client.get(reverse("case_list"), {"status": "all"}).content.decode()


def _probe_case_detail(client, world: World):
    for number in (world.case_b.number, world.case_b.number.lower()):
        for show in ("all", "public", "status"):
            response = client.get(reverse("case_detail", args=[number]), {"show": show})
            assert response.status_code == 404, (number, show)
            assert world.case_b.title not in response.content.decode()


def _action_payload(world):
    return {"action": "cancel", "text": "重复报障", "expected_status": Status.ACCEPTED}


def _comment_payload(world):
    return {"text": "客户追加说明", "public": "on", "attachments": [_file("追加.png")]}


def _assign_payload(world):
    return {"owner": world.case_b.taken_by_id}


def _severity_payload(world):
    return {"severity": "B", "reason": "影响扩大"}


def _edit_payload(world):
    return {"title": "被改掉的标题", "description": "被改掉的描述", "kind": "fault", "channel": "phone", "tier": "L2"}


def _act_payload(world):
    return {"act": "on_site", "text": "冒充到场"}


def _suspension_payload(world):
    return {
        "reason": "等待客户停机窗口",
        "consent_by": "客户张工",
        "consent_channel": "phone",
        # Given just now: a consent is never older than the case it suspends.
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "expected_end_at": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    }


def _decision_payload(world):
    request = SuspensionRequest.objects.create(
        case=world.case_b,
        requested_by=world.case_b.taken_by,
        requested_at=timezone.now(),
        reason="等待客户停机窗口",
        consent_by="客户张工",
        consent_channel="phone",
        consent_at=timezone.now(),
    )
    return {"request": request.pk, "decision": "approve", "note": ""}


POSTS = {
    "case_record_act": _act_payload,
    "case_request_suspension": _suspension_payload,
    "case_decide_suspension": _decision_payload,
    "case_action": _action_payload,
    "case_comment": _comment_payload,
    "case_assign": _assign_payload,
    "case_severity": _severity_payload,
    "case_edit": _edit_payload,
}


def _post_probe(name):
    def probe(client, world: World):
        before = _snapshot(world.case_b)
        response = client.post(reverse(name, args=[world.case_b.number]), POSTS[name](world))
        assert response.status_code in (403, 404)
        assert world.case_b.title not in response.content.decode()
        assert _snapshot(world.case_b) == before

    return probe


def _probe_attachment(client, world: World):
    for hidden in (world.public_attachment_b, world.internal_attachment_a):
        response = client.get(reverse("attachment", args=[hidden.pk, hidden.name]))
        assert response.status_code == 404, hidden.name
    own = world.public_attachment_a
    assert client.get(reverse("attachment", args=[own.pk, own.name])).status_code == 200


def _probe_intake(client, world: World):
    before = (Case.objects.count(), Consultation.objects.count())
    assert client.get(reverse("intake")).status_code == 403
    assert client.get(reverse("intake"), {"q": "浦东"}).status_code == 403
    assert client.get(reverse("intake"), {"customer": world.case_b.customer_id}).status_code == 403
    response = client.post(
        reverse("intake"),
        {
            "mode": "case",
            "customer": world.case_b.customer_id,
            "kind": "fault",
            "severity": "C",
            "channel": "web",
            "title": "冒充报障",
            "description": "不应被受理",
        },
    )
    assert response.status_code == 403
    assert (Case.objects.count(), Consultation.objects.count()) == before


def _probe_case_summary(client, world: World):
    from aftersales.documents.models import Document

    response = client.post(reverse("case_summary", args=[world.case_b.number]))
    assert response.status_code == 404
    assert not Document.objects.exists()


def _probe_case_document(client, world: World):
    from aftersales.cases.documents import request_case_summary
    from aftersales.documents.services import render_document

    theirs = request_case_summary(case=world.case_b, by=world.case_b.taken_by)
    staff_copy = request_case_summary(case=world.case_a, by=world.case_a.taken_by)
    for document in (theirs, staff_copy):
        render_document(document.pk)
        for number in (world.case_a.number, world.case_b.number):
            assert client.get(reverse("case_document", args=[number, document.pk])).status_code == 404


PROBES = {
    "case_list": _probe_case_list,
    "case_summary": _probe_case_summary,
    "case_document": _probe_case_document,
    "case_detail": _probe_case_detail,
    **{name: _post_probe(name) for name in POSTS},
    "attachment": _probe_attachment,
    "intake": _probe_intake,
}


def test_every_case_url_has_a_visibility_probe():
    assert set(PROBES) == CASE_URL_NAMES


@pytest.mark.parametrize("name", sorted(PROBES))
def test_customer_a_cannot_reach_customer_b_through(name, client, world, contact_a, without_boundary):
    client.force_login(contact_a)

    PROBES[name](client, world)


@pytest.mark.parametrize("name", sorted(CASE_URL_NAMES - {"attachment"}))
def test_with_the_boundary_customer_a_is_sent_to_the_portal_from(name, client, world, contact_a):
    client.force_login(contact_a)
    before = _snapshot(world.case_b)
    if name in ("case_list", "intake"):
        address = reverse(name)
    elif name == "case_document":
        address = reverse(name, args=[world.case_b.number, 1])
    else:
        address = reverse(name, args=[world.case_b.number])

    response = client.post(address, POSTS[name](world)) if name in POSTS else client.get(address)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert _snapshot(world.case_b) == before


@pytest.mark.parametrize("name", sorted(POSTS))
def test_the_same_post_from_a_manager_does_change_the_case(name, client, world, manager):
    # Proves the probes' payloads are valid: only the visibility rule stops the customer.
    client.force_login(manager)
    before = _snapshot(world.case_b)

    response = client.post(reverse(name, args=[world.case_b.number]), POSTS[name](world))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _snapshot(world.case_b) != before


@pytest.mark.parametrize("name", sorted(POSTS))
def test_customer_cannot_post_to_their_own_case_through_staff_pages(name, client, world, contact_a, without_boundary):
    client.force_login(contact_a)
    before = _snapshot(world.case_a)

    response = client.post(reverse(name, args=[world.case_a.number]), POSTS[name](world))

    assert response.status_code in (400, 403)
    assert _snapshot(world.case_a) == before


def _url(name, world: World) -> str:
    if name == "attachment":
        return reverse(name, args=[world.public_attachment_a.pk, world.public_attachment_a.name])
    if name in ("case_list", "intake"):
        return reverse(name)
    if name == "case_document":
        return reverse(name, args=[world.case_a.number, 1])
    return reverse(name, args=[world.case_a.number])


@pytest.mark.parametrize("name", sorted(CASE_URL_NAMES))
def test_anonymous_visitor_is_sent_to_the_login_page(name, client, world):
    before = _snapshot(world.case_a)
    url = _url(name, world)

    response = client.post(url) if name in POSTS else client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _snapshot(world.case_a) == before


# --- what a customer's page shows -----------------------------------------------------------------------


def test_customer_case_page_shows_replies_but_never_internal_notes(client, world, contact_a, without_boundary):
    client.force_login(contact_a)

    for show in ("all", "public", "status"):
        html = client.get(reverse("case_detail", args=[world.case_a.number]), {"show": show}).content.decode()
        assert INTERNAL_NOTE not in html
        assert "内部排障记录.png" not in html
        assert "全院电话瘫痪" not in html, "severity reasons are internal"
        assert "executive" not in html, "who was alerted is internal"
    html = client.get(reverse("case_detail", args=[world.case_a.number])).content.decode()
    assert PUBLIC_REPLY in html
    assert "回复附件.png" in html


def test_staff_case_page_shows_internal_notes(client, world, engineer):
    client.force_login(engineer)

    html = client.get(reverse("case_detail", args=[world.case_a.number])).content.decode()

    assert INTERNAL_NOTE in html
    assert "内部排障记录.png" in html
    assert PUBLIC_REPLY in html


def test_customer_case_page_offers_no_staff_actions(client, world, contact_a, without_boundary):
    client.force_login(contact_a)

    html = client.get(reverse("case_detail", args=[world.case_a.number])).content.decode()

    for name in POSTS:
        assert reverse(name, args=[world.case_a.number]) not in html


def test_staff_search_finds_both_customers_cases(client, world, engineer):
    # Control for the customer probes above: the same search does find B's case for staff.
    client.force_login(engineer)

    response = client.get(reverse("case_list"), {"q": "蓝屏"})

    assert [case.number for case in response.context["page"]] == [world.case_b.number]


def test_user_without_a_role_gets_an_empty_queue_and_no_case(client, world, make_user):
    client.force_login(make_user())

    assert list(client.get(reverse("case_list"), {"status": "all"}).context["page"]) == []
    assert client.get(reverse("case_detail", args=[world.case_a.number])).status_code == 404
    assert client.get(reverse("intake")).status_code == 403


def test_contact_deactivated_mid_session_loses_access(client, world, contact_a, without_boundary):
    client.force_login(contact_a)
    contact_a.contact.is_active = False
    contact_a.contact.save()

    assert client.get(reverse("case_detail", args=[world.case_a.number])).status_code == 404
    own = world.public_attachment_a
    assert client.get(reverse("attachment", args=[own.pk, own.name])).status_code == 404


def test_deactivated_user_is_logged_out(client, world, engineer):
    client.force_login(engineer)
    engineer.is_active = False
    engineer.save()

    response = client.get(reverse("case_detail", args=[world.case_a.number]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
