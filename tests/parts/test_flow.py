"""The part request's path: filed by the engineer, confirmed by the customer (case → RMA-Pend),
served from branch stock (advance replacement) while HQ claims the RMA, fitted (installed base
follows the swap, case back to work); and the direct RMA when no branch has the part."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.accounts.roles import Role
from aftersales.cases.models import Case, Status
from aftersales.core.errors import NotAllowed
from aftersales.installed_base.models import Equipment
from aftersales.notifications.models import Notification
from aftersales.parts import services
from aftersales.parts.models import PartRequest, Rma, StockBalance
from aftersales.timeline.models import Entry


def _file(case, part, engineer, **kwargs):
    return services.file_part_request(
        case=case, part=part, faulty_serial=kwargs.pop("faulty_serial", "FAULTY-1"), by=engineer, **kwargs
    )


def test_confirmed_request_moves_the_case_to_rma_pend_and_fitting_moves_it_back(
    working_case, part, engineer, contact_a, clerk, stocked
):
    request = _file(working_case, part, engineer)
    assert request.status == PartRequest.Status.AWAITING_CONSENT
    assert Case.objects.get(pk=working_case.pk).status == Status.IN_PROGRESS

    services.confirm_part_request(request=request, by=contact_a)
    assert Case.objects.get(pk=working_case.pk).status == Status.WAITING_PARTS
    request.refresh_from_db()
    assert request.consent_channel == "portal" and request.consent_by == contact_a.contact
    assert Notification.objects.filter(kind="part_request", recipient=clerk).exists()

    services.serve_from_stock(request=request, warehouse=stocked, by=clerk, good_serial="good-1")
    balance = StockBalance.objects.get(warehouse=stocked, part=part)
    assert (balance.on_hand, balance.reserved) == (1, 0)
    assert Case.objects.get(pk=working_case.pk).status == Status.WAITING_PARTS

    services.fit_part(request=PartRequest.objects.get(pk=request.pk), by=engineer)
    assert Case.objects.get(pk=working_case.pk).status == Status.IN_PROGRESS
    assert PartRequest.objects.get(pk=request.pk).status == PartRequest.Status.FITTED
    kinds = set(Entry.objects.for_subject(working_case).values_list("kind", flat=True))
    assert {"parts.request.filed", "parts.request.confirmed", "parts.request.issued", "parts.request.fitted"} <= kinds


def test_swapping_the_whole_unit_gives_the_equipment_the_good_serial_and_keeps_the_old_one(
    working_case, part, engineer, contact_a, clerk, stocked
):
    old = working_case.equipment.serial_number
    request = _file(working_case, part, engineer, faulty_serial=old)
    services.confirm_part_request(request=request, by=contact_a)
    services.serve_from_stock(request=request, warehouse=stocked, by=clerk, good_serial="NEWUNIT-9")
    services.fit_part(request=PartRequest.objects.get(pk=request.pk), by=engineer)
    equipment = Equipment.objects.get(pk=working_case.equipment_id)
    assert equipment.serial_number == "NEWUNIT-9"
    swap = Entry.objects.for_subject(equipment).get(kind="installed_base.part_swapped")
    assert swap.data["faulty_serial"] == old and swap.data["whole_unit"] is True


def test_desk_records_consent_naming_the_contact(working_case, part, engineer, agent, contact_a):
    request = _file(working_case, part, engineer)
    services.confirm_part_request(request=request, by=agent, contact=contact_a.contact)
    request.refresh_from_db()
    assert (request.consent_channel, request.consent_by, request.consent_recorded_by) == (
        "desk",
        contact_a.contact,
        agent,
    )


def test_another_customer_cannot_confirm(working_case, part, engineer, contact_b):
    request = _file(working_case, part, engineer)
    with pytest.raises(NotAllowed):
        services.confirm_part_request(request=request, by=contact_b)
    assert PartRequest.objects.get(pk=request.pk).status == PartRequest.Status.AWAITING_CONSENT


def test_a_part_that_does_not_fit_the_equipment_is_refused_on_its_field(working_case, engineer, part):
    part.product_models.clear()
    from tests.factories import ProductModelFactory

    part.product_models.add(ProductModelFactory(name="Other model"))
    with pytest.raises(services.PartsError) as refused:
        _file(working_case, part, engineer)
    assert "part" in refused.value.fields


def test_direct_rma_serves_the_request_when_the_good_part_arrives(
    working_case, part, engineer, contact_a, clerk, hq, branch
):
    request = _file(working_case, part, engineer)
    services.confirm_part_request(request=request, by=contact_a)
    rma = services.claim_rma(number="rma-001", warehouse=branch, by=clerk, request=request, direct=True)
    assert PartRequest.objects.get(pk=request.pk).status == PartRequest.Status.AWAITING_VENDOR
    received = dt.datetime(2026, 9, 30, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(received + dt.timedelta(hours=1), tick=False):
        rma = services.receive_rma_part(rma=rma, good_serial="V-GOOD", by=clerk, received_at=received)
    request.refresh_from_db()
    assert request.status == PartRequest.Status.ISSUED and request.good_serial == "V-GOOD"
    balance = StockBalance.objects.get(warehouse=branch, part=part)
    assert (balance.on_hand, balance.reserved) == (0, 0)
    assert rma.status == Rma.Status.RECEIVED


def test_cancelling_an_issued_request_returns_the_part_and_resumes_the_case(
    working_case, part, engineer, contact_a, clerk, stocked
):
    request = _file(working_case, part, engineer)
    services.confirm_part_request(request=request, by=contact_a)
    services.serve_from_stock(request=request, warehouse=stocked, by=clerk, good_serial="G1")
    services.cancel_part_request(request=PartRequest.objects.get(pk=request.pk), by=engineer, reason="误判")
    assert StockBalance.objects.get(warehouse=stocked, part=part).on_hand == 2
    assert Case.objects.get(pk=working_case.pk).status == Status.IN_PROGRESS


def test_the_contact_is_asked_by_mail_to_confirm_once_and_it_reads_in_chinese(working_case, part, engineer):
    from aftersales.notifications.registry import get as kind
    from aftersales.parts.notices import CUSTOMER_ANSWER
    from tests.factories import ContactFactory

    contact = ContactFactory(customer=working_case.customer, email="wang@hospital.example")
    Case.objects.filter(pk=working_case.pk).update(contact=contact)  # the reporting contact
    request = _file(Case.objects.get(pk=working_case.pk), part, engineer)
    row = Notification.objects.get(kind=CUSTOMER_ANSWER)
    assert (row.contact, row.address, row.payload["reference"]) == (contact, "wang@hospital.example", request.number)
    rendered = kind(CUSTOMER_ANSWER).render(row)
    assert "请在服务门户确认备件申请" in rendered.text and working_case.number in rendered.subject


def test_no_rma_for_a_request_the_customer_has_not_confirmed(working_case, part, engineer, clerk, branch):
    request = _file(working_case, part, engineer)
    with pytest.raises(NotAllowed):
        services.claim_rma(number="R-9", warehouse=branch, request=request, by=clerk)
    assert not Rma.objects.exists()


def test_the_case_owner_moves_the_case_when_the_filer_left_the_desk(working_case, part, engineer, agent, make_user):
    request = _file(working_case, part, engineer)
    engineer.groups.clear()  # moved to another job: no longer an engineer
    successor = make_user(Role.ENGINEER, username="successor")
    Case.objects.filter(pk=working_case.pk).update(owner=successor)
    services.confirm_part_request(request=request, by=agent)
    assert Case.objects.get(pk=working_case.pk).status == Status.WAITING_PARTS
    move = Entry.objects.for_subject(working_case).filter(kind="status").latest("pk")
    assert move.actor == successor


def test_the_consent_is_kept_even_when_nobody_may_move_the_case(working_case, part, engineer, agent):
    request = _file(working_case, part, engineer)
    engineer.groups.clear()
    services.confirm_part_request(request=request, by=agent)
    assert PartRequest.objects.get(pk=request.pk).status == PartRequest.Status.CONFIRMED
    assert Case.objects.get(pk=working_case.pk).status == Status.IN_PROGRESS
