"""The timeline: append-only, and every service leaves an entry saying what changed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent, EventKind, Severity, Status
from aftersales.notifications.models import Notification
from tests.factories import ContactFactory, EquipmentFactory, SiteFactory, TeamFactory


@pytest.fixture(autouse=True)
def _english():
    # Field names and choice labels in `changes` are frozen in the language active at the time.
    with translation.override("en"):
        yield


def _latest(case, kind):
    return case.events.filter(kind=kind).latest("at", "pk")


# --- append-only ---------------------------------------------------------------------------


def test_timeline_entry_cannot_be_changed(case_a):
    event = case_a.events.get()
    event.text = "改写历史"

    with pytest.raises(PermissionError):
        event.save()

    assert CaseEvent.objects.get(pk=event.pk).text != "改写历史"


def test_timeline_entry_cannot_be_deleted(case_a):
    event = case_a.events.get()

    with pytest.raises(PermissionError):
        event.delete()

    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_timeline_cannot_be_changed_in_bulk(case_a):
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case_a).update(text="改写历史")
    with pytest.raises(PermissionError):
        case_a.events.all().update(is_public=False)
    event = case_a.events.get()
    event.text = "改写历史"
    with pytest.raises(PermissionError), transaction.atomic():
        CaseEvent.objects.bulk_update([event], ["text"])

    assert not CaseEvent.objects.filter(text="改写历史").exists()


def test_timeline_cannot_be_deleted_in_bulk(case_a):
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case_a).delete()
    with pytest.raises(PermissionError):
        case_a.events.all().delete()

    assert case_a.events.count() == 1


def test_case_with_a_timeline_cannot_be_deleted(case_a):
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case_a.pk).delete()

    assert Case.objects.filter(pk=case_a.pk).exists()


# --- every service writes an entry ---------------------------------------------------------------


def test_opening_records_a_public_entry_with_the_description(agent, case_a):
    event = case_a.events.get()

    assert event.kind == EventKind.CREATED
    assert event.is_public
    assert event.actor == agent
    assert (event.from_status, event.to_status) == ("", Status.NEW)
    assert event.text == case_a.description


def test_transition_records_from_and_to_status(engineer, case_a):
    services.transition(case=case_a, action="accept", by=engineer)

    event = _latest(case_a, EventKind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == (Status.NEW, Status.ACCEPTED, engineer)
    assert not event.is_public, "accepting is internal; resolution and closure are what the customer sees"


def test_assign_records_owner_and_team_before_and_after(manager, engineer, case_a):
    team = TeamFactory(name="二线支持组")

    services.assign(case=case_a, by=manager, owner=engineer, team=team)

    event = _latest(case_a, EventKind.ASSIGNED)
    assert event.actor == manager
    assert event.changes == {"owner": ["", "engineer"], "team": ["", "二线支持组"]}
    assert not event.is_public


def test_reassign_records_previous_owner(manager, engineer, make_user, case_a):
    specialist = make_user(Role.SPECIALIST, username="specialist")
    services.assign(case=case_a, by=manager, owner=engineer)

    services.assign(case=case_a, by=manager, owner=specialist)

    assert _latest(case_a, EventKind.ASSIGNED).changes == {"owner": ["engineer", "specialist"]}


def test_assigning_the_same_owner_again_records_nothing(manager, engineer, case_a):
    services.assign(case=case_a, by=manager, owner=engineer)

    services.assign(case=case_a, by=manager, owner=engineer)

    assert case_a.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_assign_queues_a_notification_for_the_new_owner(manager, engineer, case_a):
    services.assign(case=case_a, by=manager, owner=engineer)

    notification = Notification.objects.get(kind=Notification.Kind.CASE_ASSIGNED)
    assert notification.recipient == engineer
    assert notification.case == case_a
    assert case_a.number in notification.subject


def test_taking_a_case_yourself_sends_no_notification(engineer, case_a):
    services.assign(case=case_a, by=engineer, owner=engineer)

    assert not Notification.objects.filter(kind=Notification.Kind.CASE_ASSIGNED).exists()


def test_change_severity_records_before_after_and_reason(engineer, case_a):
    services.change_severity(case=case_a, by=engineer, severity=Severity.B, reason="影响门诊挂号")

    event = _latest(case_a, EventKind.SEVERITY)
    assert event.changes == {"severity": ["C · Minor (P3)", "B · Major (P2)"]}
    assert event.text == "影响门诊挂号"
    case_a.refresh_from_db()
    assert case_a.severity == Severity.B


def test_update_case_records_every_changed_field(engineer, case_a):
    services.update_case(case=case_a, by=engineer, title="交换机所有外线中断", description="全部中继不可用。")

    event = _latest(case_a, EventKind.FIELDS)
    assert event.changes == {
        "title": ["交换机无法呼出", "交换机所有外线中断"],
        "description": ["客户来电：所有分机无法拨打外线。", "全部中继不可用。"],
    }
    case_a.refresh_from_db()
    assert "外线中断" in case_a.search_text


def test_update_case_records_related_records_by_name(engineer, customer_a, case_a):
    caller = ContactFactory(customer=customer_a, name="张主任")

    services.update_case(case=case_a, by=engineer, contact=caller, tier="L2")

    changes = _latest(case_a, EventKind.FIELDS).changes
    assert changes["contact"] == ["", "张主任 (上海第一人民医院)"]
    assert changes["tier"] == ["L1 installation & maintenance", "L2 field support"]


def test_update_without_changes_records_nothing(engineer, case_a):
    services.update_case(case=case_a, by=engineer, title=case_a.title)

    assert not case_a.events.filter(kind=EventKind.FIELDS).exists()


def test_public_comment_is_a_reply_the_customer_sees(engineer, case_a):
    event = services.add_comment(case=case_a, by=engineer, text="已安排工程师明早上门。", public=True)

    assert (event.kind, event.is_public, event.actor) == (EventKind.REPLY, True, engineer)


def test_internal_comment_is_a_note_the_customer_does_not_see(engineer, case_a):
    event = services.add_comment(case=case_a, by=engineer, text="怀疑中继板故障，备件库有货。", public=False)

    assert (event.kind, event.is_public) == (EventKind.NOTE, False)


@pytest.mark.parametrize("public", [True, False])
def test_attachments_hang_on_the_entry_and_share_its_visibility(engineer, case_a, public):
    photo = SimpleUploadedFile("机房照片.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")
    log = SimpleUploadedFile("trace.txt", b"trunk 1 down\n", content_type="text/plain")

    event = services.add_comment(case=case_a, by=engineer, text="", public=public, attachments=[photo, log])

    stored = sorted(event.attachments.all(), key=lambda attachment: attachment.name)
    assert [a.name for a in stored] == ["trace.txt", "机房照片.png"]
    assert {a.is_public for a in stored} == {public}
    assert {a.case_id for a in stored} == {case_a.pk}
    assert stored[0].content_type == "text/plain"
    assert stored[1].content_type == "image/png"
    assert stored[0].size == len(b"trunk 1 down\n")
    assert len(stored[0].sha256) == 64
    assert stored[0].file.read() == b"trunk 1 down\n"


def test_attachments_given_at_intake_hang_on_the_opening_entry(open_case, customer_a):
    report = SimpleUploadedFile("告警截图.png", b"\x89PNG\r\n\x1a\nfake", content_type="image/png")

    case = open_case(customer_a, attachments=[report])

    (attachment,) = Attachment.objects.filter(case=case)
    assert attachment.event == case.events.get(kind=EventKind.CREATED)
    assert attachment.is_public


# --- severity A goes to the executives (R2.6) ---------------------------------------------------


@pytest.fixture
def executives(make_user):
    first = make_user(Role.EXECUTIVE, username="vp-service")
    second = make_user(Role.EXECUTIVE, username="vp-sales")
    make_user(Role.EXECUTIVE, username="vp-retired", is_active=False)
    make_user(Role.DEPT_MANAGER, username="not-an-executive")
    return [first, second]


def test_severity_a_case_notifies_every_executive(open_case, customer_a, executives):
    case = open_case(customer_a, severity=Severity.A, title="全院电话瘫痪")

    rows = Notification.objects.filter(kind=Notification.Kind.ESCALATION, case=case)
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["vp-sales", "vp-service"]
    assert all(case.number in row.subject for row in rows)
    event = case.events.get(kind=EventKind.ESCALATED)
    assert "vp-sales" in event.text and "vp-service" in event.text
    assert not event.is_public


def test_severity_b_case_notifies_nobody(open_case, customer_a, executives):
    case = open_case(customer_a, severity=Severity.B)

    assert not Notification.objects.filter(case=case).exists()
    assert not case.events.filter(kind=EventKind.ESCALATED).exists()


def test_upgrade_to_severity_a_notifies_every_executive(engineer, case_a, executives):
    services.change_severity(case=case_a, by=engineer, severity=Severity.A, reason="全院电话瘫痪")

    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION, case=case_a).count() == 2
    assert case_a.events.filter(kind=EventKind.ESCALATED).exists()


def test_severity_a_case_without_executives_says_nobody_was_notified(open_case, customer_a):
    case = open_case(customer_a, severity=Severity.A)

    assert not Notification.objects.exists()
    assert "nobody" in case.events.get(kind=EventKind.ESCALATED).text


def test_executive_is_told_of_a_major_case_once_even_if_upgraded_again(engineer, case_a, executives):
    services.change_severity(case=case_a, by=engineer, severity=Severity.A, reason="全院电话瘫痪")
    services.change_severity(case=case_a, by=engineer, severity=Severity.B, reason="部分恢复")
    services.change_severity(case=case_a, by=engineer, severity=Severity.A, reason="再次瘫痪")

    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION, case=case_a).count() == 2


def test_equipment_change_records_the_serial_number(engineer, customer_a, case_a):
    replacement = EquipmentFactory(site=SiteFactory(customer=customer_a, name="住院楼机房"), serial_number="SN-NEW-01")

    services.update_case(case=case_a, by=engineer, equipment=replacement)

    before, after = _latest(case_a, EventKind.FIELDS).changes["equipment"]
    assert "SN-NEW-01" in after
    assert before != after
