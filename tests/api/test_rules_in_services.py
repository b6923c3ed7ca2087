"""Rules that lived in one entry point now live in the services: the staff pages and the API
refuse the same thing with the same message (the fax page, "changed meanwhile", the serial
number look-up, the queue's filters)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.errors import CaseError
from aftersales.cases.models import Case, Channel, Kind, Severity, Status
from aftersales.cases.queries import CONFIRMED, QueueFilter, by_status, queue, queue_status_choices
from aftersales.core.errors import Conflict
from aftersales.installed_base.queries import equipment_by_serial, normalised_serial
from aftersales.monitoring.services import find_equipment
from tests.factories import EquipmentFactory, ProductModelFactory, VendorFactory

FAX_NEEDS_PAGE = "A fax case needs the scanned fax attached (PDF, TIFF or an image)."


@pytest.fixture
def page(client, agent):
    """The staff pages as the hotline agent, in English (the API answers in English too)."""
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    return client


def _intake(customer, **extra):
    return {
        "mode": "case",
        "customer": customer.pk,
        "kind": Kind.FAULT,
        "severity": Severity.C,
        "title": "传真报修",
        "description": "客户传真一页。",
        **extra,
    }


# --- the fax page --------------------------------------------------------------------------


def test_a_fax_case_without_its_page_is_refused_by_the_page_and_the_api_alike(page, api, customer_a):
    from_page = page.post("/intake/", _intake(customer_a, channel=Channel.FAX))
    from_api = api("agent").post(
        "/api/v1/cases/",
        {"customer": customer_a.pk, "channel": Channel.FAX, "title": "传真报修", "description": "客户传真一页。"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert from_page.status_code == 400
    assert from_page.context["form"].errors["attachments"] == [FAX_NEEDS_PAGE]
    assert from_api.status_code == 422
    assert from_api.json()["fields"] == {"attachments": [FAX_NEEDS_PAGE]}
    assert not Case.objects.exists()


def test_the_intake_service_refuses_a_fax_case_without_a_scan_for_every_caller(agent, customer_a):
    notes = SimpleUploadedFile("notes.docx", b"PK\x03\x04")
    with pytest.raises(CaseError) as refused, translation.override("en"):
        services.open_case(
            customer=customer_a,
            by=agent,
            title="t",
            description="d",
            kind=Kind.FAULT,
            severity=Severity.C,
            channel=Channel.FAX,
            attachments=[notes],
        )
    assert "is not a scanned page" in str(refused.value.fields["attachments"][0])
    assert not Case.objects.exists()
    scan = SimpleUploadedFile("fax.pdf", b"%PDF-1.4\n%%EOF")
    case = services.open_case(
        customer=customer_a,
        by=agent,
        title="t",
        description="d",
        kind=Kind.FAULT,
        severity=Severity.C,
        channel=Channel.FAX,
        attachments=[scan],
    )
    assert case.channel == Channel.FAX and case.attachments.count() == 1


# --- "changed meanwhile" -------------------------------------------------------------------

OWNER_CHANGED = "Someone else changed this case meanwhile: its owner is now “{owner}”. Load the case again and retry."
SEVERITY_CHANGED = (
    "Someone else changed this case meanwhile: its severity is now “{severity}”. Load the case again and retry."
)


def test_a_stale_owner_is_a_conflict_on_the_page_and_in_the_api(page, api, case_a, agent, engineer, manager):
    shown = page.get(f"/cases/{case_a.number}/").content.decode()
    assert 'name="expected_owner"' in shown  # the page says what it showed
    services.assign(case=case_a, by=agent, owner=engineer)  # someone else, meanwhile

    from_page = page.post(f"/cases/{case_a.number}/assign/", {"owner": manager.pk, "expected_owner": ""})
    from_api = api("agent").post(
        f"/api/v1/cases/{case_a.number}/assign/",
        {"owner": manager.username, "expected_owner": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    message = OWNER_CHANGED.format(owner="engineer")
    assert from_page.status_code == 400 and message in from_page.content.decode()
    assert from_api.status_code == 409 and from_api.json()["message"] == message
    case_a.refresh_from_db()
    assert case_a.owner == engineer


def test_the_owner_the_page_saw_lets_the_assignment_through(page, case_a, engineer):
    response = page.post(f"/cases/{case_a.number}/assign/", {"owner": engineer.pk, "expected_owner": ""})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.owner == engineer


def test_a_stale_severity_is_a_conflict_on_the_page_and_in_the_api(page, api, case_a, agent):
    shown = page.get(f"/cases/{case_a.number}/").content.decode()
    assert 'name="expected_severity"' in shown
    services.change_severity(case=case_a, by=agent, severity=Severity.B, reason="客户升级")

    body = {"severity": Severity.A, "reason": "全院断网", "expected_severity": Severity.C}
    from_page = page.post(f"/cases/{case_a.number}/severity/", body)
    from_api = api("agent").post(
        f"/api/v1/cases/{case_a.number}/severity/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    case_a.refresh_from_db()
    message = SEVERITY_CHANGED.format(severity=case_a.get_severity_display())
    assert from_page.status_code == 400 and message in from_page.content.decode()
    assert from_api.status_code == 409 and from_api.json()["message"] == message
    assert case_a.severity == Severity.B


def test_the_services_check_what_the_caller_saw(case_a, agent, engineer):
    services.assign(case=case_a, by=agent, owner=engineer, expected_owner="")
    with pytest.raises(Conflict):
        services.assign(case=case_a, by=agent, owner=None, expected_owner="")
    with pytest.raises(Conflict):
        services.change_severity(case=case_a, by=agent, severity=Severity.A, reason="r", expected_severity=Severity.D)
    services.change_severity(case=case_a, by=agent, severity=Severity.A, reason="r", expected_severity=Severity.C)
    case_a.refresh_from_db()
    assert (case_a.owner, case_a.severity) == (engineer, Severity.A)


# --- the serial number ---------------------------------------------------------------------


@given(st.text(alphabet="abcXYZ019- ", max_size=12))
def test_a_serial_number_is_read_as_stored(text):
    once = normalised_serial(text)
    assert once == once.strip().upper() == normalised_serial(once)


@pytest.fixture
def twin_serials(customer_a):
    """Two vendors' equipment at one customer with the same serial number."""
    first = EquipmentFactory(site__customer=customer_a, serial_number="TWIN0001")
    other_model = ProductModelFactory(vendor=VendorFactory(name="Huawei"), name="S5700")
    second = EquipmentFactory(site=first.site, product_model=other_model, serial_number="TWIN0001")
    return first, second


def test_page_api_and_alarms_find_equipment_by_serial_number_the_same_way(page, api, customer_a, equipment_a):
    typed = f"  {equipment_a.serial_number.lower()} "
    assert equipment_by_serial(typed) == [equipment_a]
    assert find_equipment(serial_number=typed) == equipment_a

    from_page = page.post("/intake/", _intake(customer_a, channel=Channel.PHONE, serial_number=typed))
    from_api = api("agent").post(
        "/api/v1/cases/",
        {"customer": customer_a.pk, "serial_number": typed, "title": "t", "description": "d"},
        format="json",
    )
    assert from_page.status_code == 302 and from_api.status_code == 201
    assert [case.equipment for case in Case.objects.all()] == [equipment_a, equipment_a]


def test_an_ambiguous_serial_number_is_refused_by_the_page_and_the_api(page, api, customer_a, twin_serials):
    from_page = page.post("/intake/", _intake(customer_a, channel=Channel.PHONE, serial_number="twin0001"))
    from_api = api("agent").post(
        "/api/v1/cases/",
        {"customer": customer_a.pk, "serial_number": "twin0001", "title": "t", "description": "d"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    message = "No single piece of this customer's equipment has this serial number."
    assert from_page.status_code == 400
    assert from_page.context["form"].errors["serial_number"] == [message]
    assert from_api.status_code == 400 and from_api.json()["fields"]["serial_number"] == [message]
    assert not Case.objects.exists()


# --- the queue's filters -------------------------------------------------------------------


@pytest.fixture
def queue_cases(open_case, customer_a, equipment_a, engineer, manager):
    new = open_case(customer_a, equipment=equipment_a, title="新报障")
    resolved = open_case(customer_a, equipment=equipment_a, title="已解决", severity=Severity.B)
    services.transition(case=resolved, action="accept", by=engineer)
    services.transition(case=resolved, action="resolve", by=engineer, text="更换板卡")
    closed = open_case(customer_a, equipment=equipment_a, title="已关闭")
    services.transition(case=closed, action="accept", by=engineer)
    services.transition(case=closed, action="resolve", by=engineer, text="重启")
    services.transition(case=closed, action="close", by=manager)
    return {"new": new, "resolved": resolved, "closed": closed}


@pytest.mark.parametrize("status", [value for value, _label in queue_status_choices()])
def test_page_and_api_list_the_same_cases_for_each_status_filter(page, api, queue_cases, agent, status):
    expected = [c.number for c in queue(agent, QueueFilter.from_data({"status": status}))]

    shown = page.get("/cases/", {"status": status})
    listed = api("agent").get("/api/v1/cases/", {"status": status})

    assert shown.status_code == 200 and listed.status_code == 200
    assert [c.number for c in shown.context["page"].object_list] == expected
    assert [row["number"] for row in listed.json()["results"]] == expected


def test_by_status_is_the_one_status_filter(queue_cases):
    every = Case.objects.all()
    numbers = lambda cases: {c.number for c in cases}  # noqa: E731
    assert numbers(by_status(every, "open")) == {queue_cases["new"].number, queue_cases["resolved"].number}
    assert numbers(by_status(every, "finished")) == {queue_cases["closed"].number}
    assert numbers(by_status(every, Status.RESOLVED)) == {queue_cases["resolved"].number}
    assert numbers(by_status(every, CONFIRMED)) == set()
    assert numbers(by_status(every, "all")) == numbers(every)


def test_the_portal_lists_use_the_same_status_filter(client, contact_a, queue_cases):
    client.force_login(contact_a)
    for shown in ("open", "finished"):
        response = client.get("/portal/", {"show": shown})
        expected = {c.number for c in by_status(Case.objects.all(), shown)}
        assert {c.number for c in response.context["page"].object_list} == expected


def test_from_data_takes_instances_or_ids(customer_a, make_user):
    owner = make_user(Role.ENGINEER, username="owner")
    assert QueueFilter.from_data({"customer": customer_a, "owner": owner.pk}) == QueueFilter(
        customer_id=customer_a.pk, owner_id=owner.pk
    )
    assert QueueFilter.from_data({}) == QueueFilter()


def test_an_edit_after_someone_elses_change_is_a_conflict_on_the_page_and_in_the_api(page, api, case_a, agent):
    shown = page.get(f"/cases/{case_a.number}/")
    seen = shown.context["edit_form"].initial["expected_updated_at"]
    assert 'name="expected_updated_at"' in shown.content.decode()
    services.update_case(case=case_a, by=agent, title="别人改过的标题")  # meanwhile

    fields = {"title": "我的标题", "description": case_a.description, "kind": case_a.kind, "channel": case_a.channel}
    from_page = page.post(f"/cases/{case_a.number}/edit/", {**fields, "tier": case_a.tier, "expected_updated_at": seen})
    from_api = api("agent").patch(
        f"/api/v1/cases/{case_a.number}/",
        {"title": "我的标题", "expected_updated_at": seen},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    message = "Someone else changed this case meanwhile. Load the case again and retry."
    assert from_page.status_code == 400 and message in from_page.content.decode()
    assert from_api.status_code == 409 and from_api.json()["message"] == message
    case_a.refresh_from_db()
    assert case_a.title == "别人改过的标题"


def test_an_edit_of_the_case_as_seen_goes_through_on_the_page_and_in_the_api(page, api, case_a):
    seen = page.get(f"/cases/{case_a.number}/").context["edit_form"].initial["expected_updated_at"]
    fields = {"description": case_a.description, "kind": case_a.kind, "channel": case_a.channel, "tier": case_a.tier}
    response = page.post(f"/cases/{case_a.number}/edit/", {**fields, "title": "页面改", "expected_updated_at": seen})
    assert response.status_code == 302
    case_a.refresh_from_db()
    listed = api("agent").get(f"/api/v1/cases/{case_a.number}/").json()
    patched = api("agent").patch(
        f"/api/v1/cases/{case_a.number}/",
        {"title": "接口改", "expected_updated_at": listed["updated_at"]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    case_a.refresh_from_db()
    assert case_a.title == "接口改"
