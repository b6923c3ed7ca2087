"""Monitoring alarms through `POST /api/v1/alarms/`: a raise opens a case or joins the open one,
a clear is noted and proposes resolution, repeats change nothing, and only a source's
integration user may post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.accounts.roles import Role
from aftersales.api.models import ApiToken
from aftersales.cases import services
from aftersales.cases.models import Case, CaseEvent, Channel, EventKind, Severity, Status
from aftersales.monitoring.models import Alarm, AlarmSource, SeverityMapping
from aftersales.sla.models import Clock, ClockKind
from tests.factories import EquipmentFactory, ProductModelFactory, SiteFactory, VendorFactory
from tests.monitoring.conftest import token_client

URL = "/api/v1/alarms/"
RAISED = dt.datetime(2026, 11, 22, 9, 15, tzinfo=dt.UTC)


def raise_body(**overrides) -> dict:
    body = {
        "serial_number": "FOC1234X0AB",
        "alarm_id": "zbx-884211",
        "severity": "critical",
        "text": "Trunk group 3 down\nall 30 channels out of service",
        "raised_at": RAISED.isoformat(),
    }
    return body | overrides


def clear_body(**overrides) -> dict:
    body = {
        "serial_number": "FOC1234X0AB",
        "alarm_id": "zbx-884211",
        "cleared_at": (RAISED + dt.timedelta(minutes=27)).isoformat(),
    }
    return body | overrides


def post(client, body):
    return client.post(URL, body, format="json")


def counts() -> tuple[int, int, int]:
    return Alarm.objects.count(), Case.objects.count(), CaseEvent.objects.count()


def notes(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(kind=EventKind.NOTE).order_by("at", "pk"))


# --- raise --------------------------------------------------------------------------------


def test_raise_opens_a_case_with_the_mapped_severity_on_the_monitoring_channel(nms, pbx, source):
    response = post(nms, raise_body())

    assert response.status_code == 201, response.content
    answer = response.json()
    case = Case.objects.get()
    assert answer == {"alarm": Alarm.objects.get().pk, "case": case.number, "created": True, "action": "opened"}
    assert case.severity == Severity.A  # critical → A by the seeded default mapping
    assert case.channel == Channel.MONITORING
    assert (case.customer, case.equipment, case.site) == (pbx.customer, pbx, pbx.site)
    assert case.taken_by == source.api_user
    assert case.title == "[Zabbix] pbx-main: Trunk group 3 down"
    assert "zbx-884211" in case.description and "all 30 channels out of service" in case.description
    alarm = Alarm.objects.get()
    assert (alarm.event, alarm.case, alarm.case_severity, alarm.action) == ("raise", case, "A", "opened")
    assert alarm.payload["alarm_id"] == "zbx-884211"


def test_second_raise_of_the_same_alarm_joins_the_open_case(nms, pbx):
    first = post(nms, raise_body()).json()
    later = (RAISED + dt.timedelta(hours=1)).isoformat()

    response = post(nms, raise_body(raised_at=later, severity="major", text="Trunk group 3 down again"))

    assert response.status_code == 201
    assert response.json() | {"alarm": None} == {
        "alarm": None,
        "case": first["case"],
        "created": True,
        "action": "added",
    }
    assert Case.objects.count() == 1
    [note] = notes(Case.objects.get())
    assert not note.is_public
    assert "raised again" in note.text and "Trunk group 3 down again" in note.text
    assert Alarm.objects.count() == 2


def test_alarm_notes_do_not_count_as_progress(nms, pbx):
    post(nms, raise_body())
    case = Case.objects.get()
    progress = Clock.objects.get(case=case, kind=ClockKind.PROGRESS)

    post(nms, raise_body(raised_at=(RAISED + dt.timedelta(minutes=5)).isoformat()))
    post(nms, clear_body())

    progress.refresh_from_db()
    assert progress.met_at is None
    assert len(notes(case)) == 2


def test_raise_after_the_case_was_merged_joins_the_case_it_was_merged_into(nms, nms_user, pbx, agent, open_case):
    alarm_case = Case.objects.get(number=post(nms, raise_body()).json()["case"])
    phone_case = open_case(pbx.customer, equipment=pbx, title="客户来电：外线全部不通")
    services.transition(case=alarm_case, action="merge", by=agent, text="同一故障", merge_into=phone_case)

    raised = post(nms, raise_body(raised_at=(RAISED + dt.timedelta(minutes=3)).isoformat())).json()
    cleared = post(nms, clear_body()).json()

    assert (raised["action"], raised["case"]) == ("added", phone_case.number)
    assert (cleared["action"], cleared["case"]) == ("cleared", phone_case.number)
    assert Case.objects.count() == 2
    by_monitoring = [note.text.splitlines()[0] for note in notes(phone_case) if note.actor == nms_user]
    assert by_monitoring == ["Monitoring alarm raised again.", "Monitoring alarm cleared."]


def test_another_alarm_on_the_same_equipment_opens_its_own_case(nms, pbx):
    post(nms, raise_body())
    response = post(nms, raise_body(alarm_id="zbx-884212", text="Fan failure"))
    assert response.json()["action"] == "opened"
    assert Case.objects.count() == 2


def test_raise_after_the_case_is_closed_opens_a_new_case(nms, pbx, engineer, manager):
    first = Case.objects.get(number=post(nms, raise_body()).json()["case"])
    for action, by in [("accept", engineer), ("start", engineer), ("resolve", engineer), ("close", manager)]:
        services.transition(case=first, action=action, by=by, text="更换中继板")

    response = post(nms, raise_body(raised_at=(RAISED + dt.timedelta(days=2)).isoformat()))

    assert response.status_code == 201
    assert response.json()["action"] == "opened"
    second = Case.objects.get(number=response.json()["case"])
    assert second != first
    assert f"Earlier case for this alarm: {first.number}" in second.description


def test_unknown_severity_takes_the_sources_default(nms, pbx, source):
    source.default_severity = Severity.B
    source.save()
    post(nms, raise_body(severity="Purple"))
    assert Case.objects.get().severity == Severity.B


# --- the severity mapping ---------------------------------------------------------------


def test_changing_the_mapping_changes_the_severity_of_the_next_case(nms, pbx):
    SeverityMapping.objects.filter(source__isnull=True, monitoring_severity="critical").update(case_severity="B")
    post(nms, raise_body())
    assert Case.objects.get().severity == Severity.B


def test_a_sources_own_mapping_wins_over_the_default(nms, pbx, source):
    SeverityMapping.objects.create(source=source, monitoring_severity="Critical", case_severity="C")
    post(nms, raise_body(severity="CRITICAL"))
    assert Case.objects.get().severity == Severity.C
    assert SeverityMapping.objects.get(source=source).monitoring_severity == "critical"


def test_mapping_is_edited_in_the_admin(client, pbx, nms):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    mapping = SeverityMapping.objects.get(source__isnull=True, monitoring_severity="critical")
    response = client.post(
        f"/admin/monitoring/severitymapping/{mapping.pk}/change/",
        {"source": "", "monitoring_severity": "critical", "case_severity": "D"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post(nms, raise_body())
    assert Case.objects.get().severity == Severity.D


def test_the_same_word_cannot_be_mapped_twice_by_default(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/monitoring/severitymapping/add/",
        {"source": "", "monitoring_severity": " Critical ", "case_severity": "D"},
    )
    assert response.status_code == 200
    assert "该级别已有默认映射" in response.content.decode()
    assert SeverityMapping.objects.get(source__isnull=True, monitoring_severity="critical").case_severity == "A"


# --- equipment lookup -------------------------------------------------------------------


def test_equipment_by_site_and_host_name(nms, pbx):
    body = raise_body(serial_number="", site=pbx.site_id, host_name="PBX-Main")
    response = post(nms, body)
    assert response.status_code == 201
    assert Case.objects.get().equipment == pbx


def test_unknown_serial_number_is_refused_with_a_field_error_and_writes_nothing(nms, pbx):
    before = counts()
    response = post(nms, raise_body(serial_number="NO-SUCH-SN"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"serial_number": ["No equipment in service has this serial number."]}
    assert counts() == before


def test_unknown_host_name_at_the_site_is_refused(nms, pbx):
    response = post(nms, raise_body(serial_number="", site=pbx.site_id, host_name="pbx-backup"))
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["host_name"]
    assert Alarm.objects.count() == 0


def test_serial_number_shared_by_two_vendors_needs_the_site(nms, pbx, customer_b):
    cisco = ProductModelFactory(vendor=VendorFactory(name="Cisco"), name="ISR 4331")
    other = EquipmentFactory(site=SiteFactory(customer=customer_b), product_model=cisco, serial_number="FOC1234X0AB")

    refused = post(nms, raise_body())
    assert refused.status_code == 422
    assert "site and host name" in refused.json()["fields"]["serial_number"][0]

    response = post(nms, raise_body(site=other.site_id))
    assert response.status_code == 201
    assert Case.objects.get().customer == customer_b


def test_equipment_out_of_service_is_unknown(nms, pbx):
    pbx.is_active = False
    pbx.save()
    assert post(nms, raise_body()).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (raise_body(alarm_id=""), "alarm_id"),
        (raise_body(raised_at=None), "raised_at"),
        (raise_body(raised_at="yesterday"), "raised_at"),
        (raise_body(serial_number=""), "serial_number"),
        (raise_body(serial_number="", site=1), "host_name"),
        (raise_body(text="", severity=""), "text"),
    ],
)
def test_bad_body_is_refused_field_by_field(nms, pbx, body, field):
    response = post(nms, body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert counts() == (0, 0, 0)


def test_errors_speak_chinese_by_default(source, pbx):
    client = token_client(source.api_user)
    response = post(client, raise_body(serial_number="NO-SUCH-SN"))
    assert response.json()["fields"]["serial_number"] == ["没有在用设备使用此序列号。"]


# --- clear ------------------------------------------------------------------------------


def test_clear_adds_a_timeline_entry_proposing_resolution(nms, pbx):
    number = post(nms, raise_body()).json()["case"]

    response = post(nms, clear_body())

    assert response.status_code == 201
    assert response.json() | {"alarm": None} == {"alarm": None, "case": number, "created": True, "action": "cleared"}
    case = Case.objects.get()
    assert case.status == Status.NEW  # proposed, not resolved
    [note] = notes(case)
    assert not note.is_public
    assert "Monitoring alarm cleared." in note.text and "Proposal:" in note.text
    assert Alarm.objects.get(event="raise").cleared_at == RAISED + dt.timedelta(minutes=27)


def test_clear_only_notes_when_the_source_does_not_propose(nms, pbx, source):
    source.on_clear = AlarmSource.OnClear.NOTE
    source.save()
    post(nms, raise_body())
    post(nms, clear_body())
    [note] = notes(Case.objects.get())
    assert "Proposal:" not in note.text


def test_no_proposal_while_another_raise_of_the_alarm_is_still_active(nms, pbx):
    post(nms, raise_body())
    post(nms, raise_body(raised_at=(RAISED + dt.timedelta(minutes=1)).isoformat()))
    post(nms, clear_body(raised_at=RAISED.isoformat()))
    last = notes(Case.objects.get())[-1]
    assert "Monitoring alarm cleared." in last.text and "Proposal:" not in last.text


def test_source_configured_to_resolve_resolves_an_accepted_case(nms, pbx, source, engineer):
    source.on_clear = AlarmSource.OnClear.RESOLVE
    source.save()
    source.api_user.groups.add(*engineer.groups.all())  # the engineer role lets it resolve
    case = Case.objects.get(number=post(nms, raise_body()).json()["case"])
    services.transition(case=case, action="accept", by=engineer)

    response = post(nms, clear_body())

    assert response.json()["action"] == "resolved"
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    event = case.events.get(kind=EventKind.STATUS, to_status=Status.RESOLVED)
    assert event.actor == source.api_user
    assert "Resolved automatically because the monitoring system reports the alarm cleared." in event.text


def test_source_configured_to_resolve_only_proposes_when_the_case_is_not_yet_accepted(nms, pbx, source, engineer):
    source.on_clear = AlarmSource.OnClear.RESOLVE
    source.save()
    source.api_user.groups.add(*engineer.groups.all())
    post(nms, raise_body())

    response = post(nms, clear_body())

    assert response.json()["action"] == "cleared"
    case = Case.objects.get()
    assert case.status == Status.NEW
    assert "Proposal:" in notes(case)[-1].text


def test_clear_of_a_resolved_case_is_noted_as_confirmation_without_a_proposal(nms, pbx, engineer):
    case = Case.objects.get(number=post(nms, raise_body()).json()["case"])
    for action in ["accept", "start", "resolve"]:
        services.transition(case=case, action=action, by=engineer, text="复位中继板")

    post(nms, clear_body())

    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    [note] = notes(case)
    assert "Monitoring alarm cleared." in note.text and "Proposal:" not in note.text


def test_clear_without_a_known_raise_is_kept_without_a_case(nms, pbx):
    response = post(nms, clear_body())
    assert response.status_code == 201
    assert response.json()["case"] is None
    assert Alarm.objects.get().event == "clear"


def test_clear_of_a_closed_case_writes_nothing_on_it(nms, pbx, agent):
    case = Case.objects.get(number=post(nms, raise_body()).json()["case"])
    services.transition(case=case, action="cancel", by=agent, text="误报")
    events = case.events.count()
    response = post(nms, clear_body())
    assert response.json()["case"] == case.number
    assert case.events.count() == events


# --- idempotency ------------------------------------------------------------------------


def test_the_same_raise_twice_gives_the_same_answer_and_writes_nothing(nms, pbx):
    first = post(nms, raise_body())
    before = counts()

    again = post(nms, raise_body(text="retransmitted"))

    assert again.status_code == 200
    assert again.json() == first.json() | {"created": False, "action": "duplicate"}
    assert counts() == before


def test_the_same_clear_twice_is_a_duplicate(nms, pbx):
    post(nms, raise_body())
    first = post(nms, clear_body()).json()
    before = counts()
    again = post(nms, clear_body())
    assert again.status_code == 200
    assert again.json() == first | {"created": False, "action": "duplicate"}
    assert counts() == before


def test_raised_time_is_the_same_instant_whatever_the_offset(nms, pbx):
    post(nms, raise_body())
    shanghai = timezone.localtime(RAISED).isoformat()
    assert post(nms, raise_body(raised_at=shanghai)).json()["action"] == "duplicate"


# --- who may post -----------------------------------------------------------------------


def test_customer_token_is_refused(contact_a, pbx):
    client = token_client(contact_a, **{"Accept-Language": "en"})
    response = post(client, raise_body())
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert counts() == (0, 0, 0)


def test_customer_linked_as_a_source_is_still_refused(contact_a, pbx):
    AlarmSource.objects.create(code="rogue", name="Rogue", api_user=contact_a)
    assert post(token_client(contact_a), raise_body()).status_code == 403
    assert counts() == (0, 0, 0)


def test_a_customer_account_cannot_be_made_a_source(contact_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        AlarmSource(code="rogue", name="Rogue", api_user=contact_a).full_clean()
    assert "api_user" in error.value.message_dict


def test_read_only_token_is_refused(source, pbx):
    client = token_client(source.api_user, scope=ApiToken.Scope.READ)
    response = post(client, raise_body())
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("persona", ["agent", "engineer", "manager"])
def test_staff_who_are_not_a_source_are_refused(request, persona, pbx):
    client = token_client(request.getfixturevalue(persona), **{"Accept-Language": "en"})
    response = post(client, raise_body())
    assert response.status_code == 403
    assert response.json()["message"] == "Only the integration user of a monitoring source may post alarms."


def test_switched_off_source_is_refused(nms, source, pbx):
    source.is_active = False
    source.save()
    assert post(nms, raise_body()).status_code == 403


def test_anonymous_is_asked_to_authenticate(client, pbx):
    assert client.post(URL, raise_body(), content_type="application/json").status_code == 401


def test_source_needs_a_case_worker_role(make_user, pbx):
    user = make_user(Role.SALES, username="nms-sales")
    AlarmSource.objects.create(code="prtg", name="PRTG", api_user=user)
    response = post(token_client(user), raise_body())
    assert response.status_code == 422
    assert counts() == (0, 0, 0)


def test_a_raise_that_loses_the_race_to_the_unique_constraint_answers_as_a_duplicate(nms, pbx, monkeypatch):
    """The other request committed between our look-up and our INSERT: the constraint refuses
    the row, and the answer is the first request's (tests/postgres has the real race)."""
    from aftersales.monitoring import services as monitoring

    first = post(nms, raise_body()).json()
    before = counts()
    looked_up = monitoring._recorded_before
    calls = []

    def blind_first_look(alarm):
        calls.append(alarm)
        return None if len(calls) == 1 else looked_up(alarm)

    monkeypatch.setattr(monitoring, "_recorded_before", blind_first_look)

    again = post(nms, raise_body())

    assert len(calls) == 2
    assert again.status_code == 200
    assert again.json() == first | {"created": False, "action": "duplicate"}
    assert counts() == before


# --- admin ------------------------------------------------------------------------------


def test_admin_pages_list_sources_mappings_and_alarms(client, nms, pbx, source):
    from tests.factories import UserFactory

    post(nms, raise_body())
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for page in [
        "alarmsource/",
        f"alarmsource/{source.pk}/change/",
        "severitymapping/",
        "alarm/",
        "alarm/?q=zbx-884211",
    ]:
        response = client.get(f"/admin/monitoring/{page}")
        assert response.status_code == 200, page
    alarm = Alarm.objects.get()
    assert client.get(f"/admin/monitoring/alarm/{alarm.pk}/change/").status_code == 200
    assert "zbx-884211" in client.get("/admin/monitoring/alarm/?q=pbx-main").content.decode()


def test_admin_refuses_a_customer_account_as_api_user(client, contact_a):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/monitoring/alarmsource/add/",
        {
            "code": "rogue",
            "name": "Rogue",
            "api_user": contact_a.pk,
            "default_severity": "C",
            "on_clear": "propose",
            "is_active": "on",
            "severity_mappings-TOTAL_FORMS": "0",
            "severity_mappings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "API 用户必须是本公司员工账号，不能是客户账号。" in response.content.decode()
    assert not AlarmSource.objects.exists()


def test_the_schema_documents_the_alarm_endpoint(client, db):
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/alarms/"]["post"]
    assert set(operation["responses"]) >= {"200", "201"}
    request = schema["components"]["schemas"]["AlarmRequest"]
    assert request["required"] == ["alarm_id"]
    assert {"serial_number", "site", "host_name", "severity", "text", "raised_at", "cleared_at"} <= set(
        request["properties"]
    )
    receipt = schema["components"]["schemas"]["AlarmReceipt"]
    assert set(receipt["properties"]) == {"alarm", "case", "created", "action"}
