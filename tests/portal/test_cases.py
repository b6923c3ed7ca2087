"""A contact's requests: C/D open a case, A/B become a call-back request that tops the desk's
queue; replies with files; confirming or rejecting a resolution."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.cases import services
from aftersales.cases.models import CallbackRequest, Case, Channel, EventKind, Status
from aftersales.core.errors import DomainError, NotAllowed


def _new(client, equipment, **fields):
    data = {
        "equipment": equipment.pk,
        "severity": "C",
        "kind": "fault",
        "title": "分机无法外呼",
        "description": "三楼全部分机",
    }
    return client.post(reverse("portal:case_new"), data | fields)


def test_contact_opens_a_c_case_for_own_equipment(client, alice, equipment_a, colleague):
    client.force_login(alice)
    photo = SimpleUploadedFile("故障照片.png", b"\x89PNG\r\n\x1a\nimg", content_type="image/png")

    response = _new(client, equipment_a, copies=[colleague.contact.pk], attachments=[photo])

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:case", args=[case.number])
    assert (case.channel, case.severity, case.contact, case.customer, case.taken_by) == (
        Channel.WEB,
        "C",
        alice.contact,
        equipment_a.customer,
        None,
    )
    assert list(case.copied_contacts.all()) == [colleague.contact]
    assert case.attachments.get().is_public
    assert case.clocks.exists(), "service clocks start as for any other channel"


def test_the_form_offers_only_own_equipment(client, alice, equipment_a, equipment_b):
    client.force_login(alice)

    html = client.get(reverse("portal:case_new")).content.decode()
    assert equipment_a.serial_number in html and equipment_b.serial_number not in html

    response = _new(client, equipment_b)
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_open_case_refuses_a_contact_outside_the_portal_rules(alice, customer_a, equipment_a, equipment_b, customer_b):
    base = {"by": alice, "title": "t", "description": "d", "kind": "fault", "contact": alice.contact}
    with pytest.raises(NotAllowed):
        services.open_case(customer=customer_a, equipment=equipment_a, severity="C", channel=Channel.PHONE, **base)
    with pytest.raises(DomainError):
        services.open_case(customer=customer_b, equipment=equipment_b, severity="C", channel=Channel.WEB, **base)
    with pytest.raises(DomainError):
        services.open_case(customer=customer_a, equipment=equipment_a, severity="A", channel=Channel.WEB, **base)
    with pytest.raises(DomainError):
        services.open_case(customer=customer_a, equipment=None, severity="C", channel=Channel.WEB, **base)
    assert not Case.objects.exists()


@pytest.mark.parametrize("severity", ["A", "B"])
def test_a_and_b_record_a_call_back_request_and_no_case(client, alice, equipment_a, agent, severity, settings):
    client.force_login(alice)

    response = _new(client, equipment_a, severity=severity, title="全院电话中断", callback_phone="138 1234 5678")

    assert response.status_code == 200
    html = response.content.decode()
    assert settings.HOTLINE_NUMBER in html
    assert not Case.objects.exists()
    callback = CallbackRequest.objects.get()
    assert (callback.severity, callback.contact, callback.phone) == (severity, alice.contact, "13812345678")

    # It tops the desk's queue, above the case list.
    client.force_login(agent)
    html = client.get(reverse("case_list")).content.decode()
    assert html.index('data-testid="callbacks"') < html.index('data-testid="queue"')
    assert "全院电话中断" in html


def test_the_hotline_number_is_on_the_form(client, alice, settings):
    settings.HOTLINE_NUMBER = "400-111-2222"
    client.force_login(alice)

    assert "400-111-2222" in client.get(reverse("portal:case_new")).content.decode()


def test_a_call_back_without_a_phone_number_is_a_field_error(client, make_user, customer_a, equipment_a):
    from aftersales.accounts.roles import Role
    from tests.factories import ContactFactory

    user = make_user(Role.CUSTOMER, username="nophone")
    ContactFactory(customer=customer_a, user=user, mobile="", phone="")
    client.force_login(user)

    response = _new(client, equipment_a, severity="A")

    assert response.status_code == 400
    assert 'data-field-error="callback_phone"' in response.content.decode()
    assert not CallbackRequest.objects.exists()


def test_agent_takes_the_call_back_into_a_prefilled_phone_intake(client, alice, equipment_a, agent, engineer):
    client.force_login(alice)
    _new(client, equipment_a, severity="A", title="全院电话中断", description="总机无声", callback_phone="13812345678")
    callback = CallbackRequest.objects.get()

    client.force_login(agent)
    response = client.post(reverse("portal:take_callback", args=[callback.pk]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("intake"))
    intake = client.get(response["Location"])
    form = intake.context["form"]
    assert form.initial["severity"] == "A" and form.initial["title"] == "全院电话中断"
    assert form.initial["contact"] == alice.contact and form.initial["equipment"] == equipment_a
    callback.refresh_from_db()
    assert callback.handled_by == agent
    assert 'data-testid="callbacks"' not in client.get(reverse("case_list")).content.decode()

    # A second agent is told who calls back.
    client.force_login(engineer)
    response = client.post(reverse("portal:take_callback", args=[callback.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("case_list")


def test_customer_cannot_take_a_call_back(client, alice, equipment_a):
    client.force_login(alice)
    _new(client, equipment_a, severity="B", callback_phone="13812345678")

    response = client.post(reverse("portal:take_callback", args=[CallbackRequest.objects.get().pk]))

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert CallbackRequest.objects.get().handled_at is None


@pytest.fixture
def portal_case(alice, equipment_a):
    from aftersales.portal.services import open_portal_case

    return open_portal_case(by=alice, equipment=equipment_a, title="分机无法外呼", description="三楼", severity="D")


def test_reply_with_a_file_is_customer_visible(client, alice, portal_case, engineer):
    client.force_login(alice)
    log = SimpleUploadedFile("话单.txt", b"calls", content_type="text/plain")

    response = client.post(
        reverse("portal:case_reply", args=[portal_case.number]), {"text": "今早又出现", "attachments": [log]}
    )

    assert response.status_code == 302
    event = portal_case.events.get(kind=EventKind.REPLY)
    assert (event.is_public, event.actor, event.text) == (True, alice, "今早又出现")
    assert event.attachments.get().name == "话单.txt"


def test_empty_reply_is_a_field_error_and_writes_nothing(client, alice, portal_case):
    client.force_login(alice)
    before = portal_case.events.count()

    response = client.post(reverse("portal:case_reply", args=[portal_case.number]), {"text": "  "})

    assert response.status_code == 400
    assert portal_case.events.count() == before


def _resolve(case, engineer):
    for action in ("accept", "start"):
        services.transition(case=case, action=action, by=engineer)
    return services.transition(case=case, action="resolve", by=engineer, text="更换中继板后恢复")


def test_customer_confirms_the_resolution_and_the_manager_closes(client, alice, portal_case, engineer, manager):
    _resolve(portal_case, engineer)
    client.force_login(alice)
    page = client.get(reverse("portal:case", args=[portal_case.number])).content.decode()
    assert 'data-testid="confirmation"' in page and "更换中继板后恢复" in page

    response = client.post(reverse("portal:case_confirm", args=[portal_case.number]), {"text": "确认恢复"})

    assert response.status_code == 302
    portal_case.refresh_from_db()
    assert portal_case.status == Status.RESOLVED and portal_case.customer_confirmed_at is not None
    assert portal_case.events.get(kind=EventKind.CONFIRMED).is_public
    # Confirming twice changes nothing more.
    assert client.post(reverse("portal:case_confirm", args=[portal_case.number])).status_code == 400
    assert portal_case.events.filter(kind=EventKind.CONFIRMED).count() == 1
    services.transition(case=portal_case, action="close", by=manager)


def test_customer_rejects_the_resolution_with_a_reason(client, alice, portal_case, engineer):
    _resolve(portal_case, engineer)
    client.force_login(alice)

    assert client.post(reverse("portal:case_reject", args=[portal_case.number]), {"reason": ""}).status_code == 400
    response = client.post(reverse("portal:case_reject", args=[portal_case.number]), {"reason": "下午又断了"})

    assert response.status_code == 302
    portal_case.refresh_from_db()
    assert portal_case.status == Status.REOPENED
    event = portal_case.events.filter(kind=EventKind.STATUS).first()
    assert (event.to_status, event.text, event.is_public, event.actor) == (Status.REOPENED, "下午又断了", True, alice)


def test_confirming_an_unresolved_case_is_refused(client, alice, portal_case):
    client.force_login(alice)

    assert client.post(reverse("portal:case_confirm", args=[portal_case.number])).status_code == 400
    portal_case.refresh_from_db()
    assert portal_case.customer_confirmed_at is None


def test_service_reports_are_listed_for_download(client, alice, portal_case, engineer):
    services.add_comment(
        case=portal_case,
        by=engineer,
        text="现场服务报告",
        public=True,
        attachments=[SimpleUploadedFile("用户服务报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")],
        service_report=True,
    )
    client.force_login(alice)

    html = client.get(reverse("portal:case", args=[portal_case.number])).content.decode()

    assert 'data-testid="service-reports"' in html and "用户服务报告.pdf" in html
