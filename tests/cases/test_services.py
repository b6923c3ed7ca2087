"""The intake and editing services: what they guarantee and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from aftersales.accounts.roles import Role
from aftersales.cases import services
from aftersales.cases.models import Attachment, Case, CaseEvent, CaseNumberCounter, Consultation, Severity, Status
from aftersales.core.errors import DomainError, NotAllowed
from aftersales.notifications.models import Notification
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Case, CaseEvent, Attachment, Consultation, CaseNumberCounter, Notification)
    }


def _png(name="photo.png", size=16):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * (size - 8), content_type="image/png")


# --- opening -----------------------------------------------------------------------------------


def test_open_case_records_who_took_the_call(agent, case_a):
    assert case_a.taken_by == agent
    assert case_a.owner is None
    assert case_a.status == Status.NEW


def test_open_case_takes_the_site_from_the_equipment(case_a, equipment_a):
    assert case_a.site == equipment_a.site


def test_open_case_makes_the_serial_number_searchable(case_a, equipment_a):
    assert equipment_a.serial_number.lower() in case_a.search_text
    assert case_a.number.lower() in case_a.search_text


def test_open_case_trims_title_and_description(open_case, customer_a):
    case = open_case(customer_a, title="  交换机无法呼出 \n", description="\n 所有分机无法拨外线 ")

    assert (case.title, case.description) == ("交换机无法呼出", "所有分机无法拨外线")


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.SALES, Role.ADMIN])
def test_only_case_workers_may_open_a_case(make_user, open_case, customer_a, role):
    before = _counts()

    with pytest.raises(NotAllowed):
        open_case(customer_a, by=make_user(role))

    assert _counts() == before


@pytest.mark.parametrize("field", ["contact", "site", "equipment"])
def test_open_case_refuses_another_customers_records(open_case, customer_a, customer_b, equipment_b, field):
    others = {
        "contact": ContactFactory(customer=customer_b),
        "site": equipment_b.site,
        "equipment": equipment_b,
    }
    before = _counts()

    with pytest.raises(DomainError) as refused:
        open_case(customer_a, **{field: others[field]})

    assert list(refused.value.fields) == [field]
    assert "belongs to another customer" in str(refused.value.fields[field][0])
    assert _counts() == before


@pytest.mark.parametrize(("title", "problem"), [("", "blank"), ("   ", "blank"), ("长" * 201, "at most 200")])
def test_open_case_refuses_a_bad_title_and_saves_nothing(open_case, customer_a, title, problem):
    before = _counts()

    with pytest.raises(DomainError) as refused:
        open_case(customer_a, title=title, severity=Severity.A)

    assert problem in " ".join(str(m) for m in refused.value.fields["title"])
    assert _counts() == before


def test_open_case_refuses_a_program_attachment_and_saves_nothing(open_case, customer_a, settings):
    before = _counts()
    program = SimpleUploadedFile("说明书.pdf", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")

    with pytest.raises(DomainError) as refused:
        open_case(customer_a, attachments=[_png(), program])

    assert "looks like a program" in " ".join(refused.value.fields["attachments"])
    assert _counts() == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


# --- consultations --------------------------------------------------------------------------------


def test_consultation_is_recorded_without_opening_a_case(agent, customer_a):
    consultation = services.log_consultation(
        customer=customer_a, by=agent, question="如何设置呼叫转移？", answer="按 *72 加号码。", channel="phone"
    )

    assert consultation.answered_by == agent
    assert not Case.objects.exists()


def test_consultation_refuses_another_customers_contact(agent, customer_a, customer_b):
    with pytest.raises(DomainError) as refused:
        services.log_consultation(
            customer=customer_a,
            by=agent,
            question="如何设置呼叫转移？",
            answer="按 *72 加号码。",
            channel="phone",
            contact=ContactFactory(customer=customer_b),
        )

    assert "contact" in refused.value.fields
    assert not Consultation.objects.exists()


# --- editing ---------------------------------------------------------------------------------------


def test_update_case_refuses_another_customers_equipment(engineer, case_a, equipment_a, equipment_b):
    before = _counts()

    with pytest.raises(DomainError) as refused:
        services.update_case(case=case_a, by=engineer, equipment=equipment_b)

    assert "equipment" in refused.value.fields
    case_a.refresh_from_db()
    assert case_a.equipment == equipment_a
    assert _counts() == before


def test_update_case_refuses_fields_that_are_not_editable(engineer, case_a):
    with pytest.raises(DomainError, match="cannot be changed here"):
        services.update_case(case=case_a, by=engineer, status=Status.CLOSED)

    case_a.refresh_from_db()
    assert case_a.status == Status.NEW


@pytest.mark.parametrize("finished", [Status.CLOSED, Status.CANCELLED, Status.MERGED])
def test_finished_case_cannot_be_edited_reassigned_or_regraded(engineer, manager, case_a, finished):
    Case.objects.filter(pk=case_a.pk).update(status=finished)
    before = _counts()

    for attempt in (
        lambda: services.update_case(case=case_a, by=engineer, title="新标题"),
        lambda: services.assign(case=case_a, by=manager, owner=engineer),
        lambda: services.change_severity(case=case_a, by=engineer, severity=Severity.A, reason="升级"),
    ):
        with pytest.raises(NotAllowed):
            attempt()

    case_a.refresh_from_db()
    assert (case_a.title, case_a.owner, case_a.severity) == ("交换机无法呼出", None, Severity.C)
    assert _counts() == before


def test_case_cannot_be_assigned_to_a_customer_contact(manager, contact_a, case_a):
    with pytest.raises(DomainError) as refused:
        services.assign(case=case_a, by=manager, owner=contact_a)

    assert "owner" in refused.value.fields
    case_a.refresh_from_db()
    assert case_a.owner is None


@pytest.mark.parametrize(("severity", "reason"), [("E", "理由"), (Severity.A, ""), (Severity.A, "   ")])
def test_change_severity_needs_a_known_level_and_a_reason(engineer, case_a, severity, reason):
    with pytest.raises(DomainError):
        services.change_severity(case=case_a, by=engineer, severity=severity, reason=reason)

    case_a.refresh_from_db()
    assert case_a.severity == Severity.C
    assert not Notification.objects.exists()


# --- comments and attachments -------------------------------------------------------------------------


def test_empty_comment_is_refused(engineer, case_a):
    with pytest.raises(DomainError) as refused:
        services.add_comment(case=case_a, by=engineer, text="  ", public=False)

    assert "text" in refused.value.fields


def test_customer_contact_may_reply_but_not_write_internal_notes(contact_a, case_a):
    reply = services.add_comment(case=case_a, by=contact_a, text="今天上午仍然无法呼出。", public=True)
    assert reply.is_public

    with pytest.raises(NotAllowed):
        services.add_comment(case=case_a, by=contact_a, text="内部备注", public=False)


def test_attachment_over_the_size_limit_is_refused_and_nothing_is_saved(engineer, case_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    before = _counts()

    with pytest.raises(DomainError) as refused:
        services.add_comment(
            case=case_a,
            by=engineer,
            text="见附件",
            public=True,
            attachments=[_png("ok.png", 100), _png("big.png", 101)],
        )

    (message,) = refused.value.fields["attachments"]
    assert "big.png" in message and "at most" in message
    assert _counts() == before


@pytest.mark.parametrize("name", ["setup.exe", "run.BAT", "patch.ps1", "tool.sh", "安装程序.msi", "x.pdf.exe"])
def test_program_file_is_refused_by_name(engineer, case_a, name):
    upload = SimpleUploadedFile(name, b"harmless looking bytes")
    before = _counts()

    with pytest.raises(DomainError) as refused:
        services.add_comment(case=case_a, by=engineer, text="", public=False, attachments=[upload])

    assert "program files" in refused.value.fields["attachments"][0]
    assert _counts() == before


@pytest.mark.parametrize(
    "head",
    [b"MZ\x90\x00", b"\x7fELF\x02\x01", b"#!/bin/sh\n", b"\xcf\xfa\xed\xfe"],
    ids=["pe", "elf", "script", "macho"],
)
def test_program_disguised_as_a_document_is_refused_by_content(engineer, case_a, head):
    upload = SimpleUploadedFile("报价单.pdf", head + b"\x00" * 100, content_type="application/pdf")
    before = _counts()

    with pytest.raises(DomainError) as refused:
        services.add_comment(case=case_a, by=engineer, text="", public=False, attachments=[upload])

    assert "looks like a program" in refused.value.fields["attachments"][0]
    assert _counts() == before


def test_attachment_at_exactly_the_size_limit_is_accepted(engineer, case_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 100

    event = services.add_comment(case=case_a, by=engineer, text="", public=False, attachments=[_png(size=100)])

    assert event.attachments.get().size == 100
