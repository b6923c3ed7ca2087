"""Return, exchange, refund (R6.3): offered as the warranty and contract allow, approved by a
manager through the approvals mechanism, then agreed or declined by the customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals.models import Request
from aftersales.core.errors import Conflict, NotAllowed
from aftersales.parts import services
from aftersales.parts.models import ReturnOffer
from tests.factories import ContractFactory, EquipmentFactory


def test_in_warranty_any_remedy_and_the_manager_approves_then_the_customer_agrees(
    working_case, engineer, manager, contact_a
):
    assert services.remedies_for(working_case) == {"return", "exchange", "refund"}
    offer = services.offer_return(
        case=working_case, remedy="refund", reason="主板烧毁无法修复", refund_amount=Decimal("5000"), by=engineer
    )
    request = Request.objects.get(kind=services.RETURN_APPROVAL)
    assert request.status == "pending"
    with pytest.raises(NotAllowed):
        services.decide_return(offer=offer, approve=True, by=engineer)
    offer = services.decide_return(offer=offer, approve=True, note="同意退款", by=manager)
    assert offer.status == ReturnOffer.Status.AWAITING_CONSENT
    with pytest.raises(Conflict):
        services.decide_return(offer=offer, approve=False, by=manager)
    offer = services.answer_return(offer=offer, agree=True, by=contact_a)
    assert offer.status == ReturnOffer.Status.AGREED and offer.answer_channel == "portal"


def test_a_rejected_offer_never_reaches_the_customer(working_case, engineer, manager, contact_a):
    offer = services.offer_return(case=working_case, remedy="exchange", reason="无法修复", by=engineer)
    offer = services.decide_return(offer=offer, approve=False, by=manager)
    assert offer.status == ReturnOffer.Status.REJECTED
    with pytest.raises(NotAllowed):
        services.answer_return(offer=offer, agree=True, by=contact_a)


def test_under_a_contract_only_an_exchange(open_case, customer_a, equipment_a, engineer):
    old = EquipmentFactory(site=equipment_a.site, acceptance_date=dt.date(2019, 1, 1))
    ContractFactory(customer=customer_a).equipment.add(old)
    case = open_case(customer_a, equipment=old)
    assert services.remedies_for(case) == {"exchange"}
    with pytest.raises(services.PartsError) as refused:
        services.offer_return(case=case, remedy="refund", reason="无法修复", refund_amount=Decimal("1"), by=engineer)
    assert "remedy" in refused.value.fields


def test_chargeable_or_excluded_gets_no_remedy(open_case, customer_a, equipment_a):
    old = EquipmentFactory(site=equipment_a.site, acceptance_date=dt.date(2019, 1, 1))
    assert services.remedies_for(open_case(customer_a, equipment=old)) == frozenset()
    assert services.remedies_for(open_case(customer_a, equipment=equipment_a, excluded_cause="accident")) == frozenset()


def test_a_refund_needs_its_amount(working_case, engineer):
    with pytest.raises(services.PartsError) as refused:
        services.offer_return(case=working_case, remedy="refund", reason="无法修复", by=engineer)
    assert "refund_amount" in refused.value.fields
