"""The pages: the parts clerk's screen, the case page's part requests, the portal's confirm and
accept buttons, and the visibility rule (another customer's rows are a 404; stock is staff-only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.cases.models import Case, Status
from aftersales.parts import services
from aftersales.parts.models import PartRequest


@pytest.fixture
def filed(working_case, part, engineer):
    return services.file_part_request(case=working_case, part=part, faulty_serial="BAD-1", by=engineer)


def test_clerk_screen_lists_requests_to_serve_stock_and_rmas(client, clerk, filed, contact_a, stocked, hq):
    services.confirm_part_request(request=filed, by=contact_a)
    services.claim_rma(number="RMA-77", warehouse=hq, part=filed.part, by=clerk)
    client.force_login(clerk)
    page = client.get(reverse("parts:desk")).content.decode()
    assert filed.number in page and "RMA-77" in page and "杭州" in page


def test_clerk_serves_a_request_from_the_screen(client, clerk, filed, contact_a, stocked):
    services.confirm_part_request(request=filed, by=contact_a)
    client.force_login(clerk)
    response = client.post(reverse("parts:serve", args=[filed.pk]), {"warehouse": stocked.pk, "good_serial": "G-5"})
    assert response.status_code == 302
    assert PartRequest.objects.get(pk=filed.pk).status == PartRequest.Status.ISSUED


def test_a_refused_serve_names_the_field_and_changes_nothing(client, clerk, filed, contact_a, stocked):
    services.confirm_part_request(request=filed, by=contact_a)
    client.force_login(clerk)
    response = client.post(reverse("parts:serve", args=[filed.pk]), {"warehouse": stocked.pk}, follow=True)
    assert "Enter the serial number of the part issued." in response.content.decode() or "序列号" in (
        response.content.decode()
    )
    assert PartRequest.objects.get(pk=filed.pk).status == PartRequest.Status.CONFIRMED


@pytest.mark.parametrize("name", ["parts:desk", "parts:rmas", "parts:summary", "parts:summary_export"])
def test_stock_pages_are_staff_only(client, contact_a, make_user, name):
    client.force_login(contact_a)
    assert client.get(reverse(name))["Location"] == reverse("portal:home")
    client.force_login(make_user(username="no-role"))
    assert client.get(reverse(name)).status_code == 403


def test_case_page_shows_its_part_requests_with_their_history(client, engineer, filed, contact_a):
    services.confirm_part_request(request=filed, by=contact_a)
    client.force_login(engineer)
    page = client.get(reverse("case_detail", args=[filed.case.number])).content.decode()
    assert filed.number in page and 'data-testid="case-parts"' in page
    assert 'data-testid="part-request-history"' in page
    assert "等待客户确认 → 已确认，待处理" in page  # the request's own status history, in Chinese


def test_portal_customer_confirms_the_part_request_and_the_case_waits_for_parts(client, contact_a, filed):
    client.force_login(contact_a)
    page = client.get(reverse("portal:case", args=[filed.case.number])).content.decode()
    assert 'data-action="confirm-part-request"' in page
    response = client.post(reverse("parts:confirm_request", args=[filed.pk]))
    assert response.status_code == 302
    assert Case.objects.get(pk=filed.case_id).status == Status.WAITING_PARTS


def test_another_customer_gets_404_for_the_request_and_learns_nothing(client, contact_b, filed):
    client.force_login(contact_b)
    assert client.post(reverse("parts:confirm_request", args=[filed.pk])).status_code == 404
    assert client.post(reverse("parts:confirm_request", args=[999999])).status_code == 404
    assert PartRequest.objects.get(pk=filed.pk).status == PartRequest.Status.AWAITING_CONSENT


def test_the_administration_lists_the_ledger_requests_and_rmas_read_only(client, filed, stocked, clerk, hq):
    from tests.factories import UserFactory

    services.claim_rma(number="RMA-5", warehouse=hq, part=filed.part, by=clerk)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in ["stockmovement", "partrequest", "rma", "warehouse", "part"]:
        assert client.get(reverse(f"admin:parts_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:parts_rma_changelist") + "?q=RMA-5").status_code == 200
    assert client.get(reverse("admin:parts_stockmovement_add")).status_code == 403


def test_the_clerks_own_warehouse_is_offered_first(client, clerk, filed, contact_a, stocked, hq):
    services.record_movement(warehouse=hq, part=filed.part, kind="receive", quantity=9, by=clerk, reason="入库")
    services.confirm_part_request(request=filed, by=contact_a)
    client.force_login(clerk)
    page = client.get(reverse("parts:desk")).content.decode()
    assert page.index("北京总部 (9)") < page.index("杭州 (2)")  # most available first
    stocked.clerks.add(clerk)
    page = client.get(reverse("parts:desk")).content.decode()
    assert page.index("杭州 (2)") < page.index("北京总部 (9)")  # the clerk's own branch first


@pytest.mark.parametrize(
    "query",
    ["?month=0000-01", "?month=9999-12", "?month=2026-13", "?month=x"],
)
def test_a_month_out_of_range_is_ignored_not_a_server_error(client, clerk, query):
    client.force_login(clerk)
    assert client.get(reverse("parts:summary") + query).status_code == 200


@pytest.mark.parametrize("query", ["?vendor=1&start=0001-01-01&end=9999-12-31", "?vendor=99999999999999999999"])
def test_hostile_periods_and_ids_on_the_rma_pages_are_field_errors(client, clerk, query):
    client.force_login(clerk)
    assert client.get(reverse("parts:rmas") + query).status_code in (200, 400)
    assert client.get(reverse("parts:vendor_list_export") + query).status_code == 302


def test_the_desk_cannot_name_another_customers_contact_as_consenting(client, agent, filed, contact_b):
    client.force_login(agent)
    response = client.post(
        reverse("parts:confirm_request", args=[filed.pk]), {"contact": contact_b.contact.pk}, follow=True
    )
    assert "Not a contact of this customer." in response.content.decode() or "不是该客户的联系人" in (
        response.content.decode()
    )
    assert PartRequest.objects.get(pk=filed.pk).status == PartRequest.Status.AWAITING_CONSENT
