"""The spare-parts routes of the API for tests/api/test_routes.py: their probes (customer B's
rows, every role) and the records they aim at."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from aftersales.accounts.roles import Role
from aftersales.cases import services as case_services
from aftersales.parts import services
from aftersales.parts.models import Part, Warehouse
from tests.factories import EquipmentFactory


def parts_probes(Probe, expect) -> list:
    staff_only = expect(200, 404)
    return [
        Probe("warehouse-list", "get", "/api/v1/warehouses/", expect(200, 200)),
        Probe("warehouse-detail", "get", "/api/v1/warehouses/{warehouse.pk}/", staff_only),
        Probe("part-list", "get", "/api/v1/parts/", expect(200, 200)),
        Probe("part-detail", "get", "/api/v1/parts/{spare_part.pk}/", staff_only),
        Probe("stock-list", "get", "/api/v1/stock/", expect(200, 200)),
        Probe("stock-detail", "get", "/api/v1/stock/{balance.pk}/", staff_only),
        Probe("stock-movement-list", "get", "/api/v1/stock-movements/", expect(200, 200)),
        Probe("stock-movement-detail", "get", "/api/v1/stock-movements/{movement.pk}/", staff_only),
        # Parts clerks and managers move stock.
        Probe(
            "stock-movement-list",
            "post",
            "/api/v1/stock-movements/",
            expect(422, 422, manager=201),
            body={
                "warehouse": "{warehouse.pk}",
                "part": "{spare_part.pk}",
                "kind": "return",
                "quantity": 1,
                "reason": "未用退库",
                "case": "{case_b.number}",
            },
        ),
        Probe(
            "stock-movement-transfer",
            "post",
            "/api/v1/stock-movements/transfer/",
            expect(422, 422, manager=201),
            body={
                "source": "{warehouse.pk}",
                "target": "{other_warehouse.pk}",
                "part": "{spare_part.pk}",
                "quantity": 1,
            },
        ),
        Probe("part-request-list", "get", "/api/v1/part-requests/", expect(200, 200)),
        Probe("part-request-detail", "get", "/api/v1/part-requests/{part_request_b.pk}/", staff_only),
        Probe(
            "part-request-list",
            "post",
            "/api/v1/part-requests/",
            expect(422, 422, engineer=201, manager=201),
            body={
                "case": "{case_b_working.number}",
                "part": "{spare_part.pk}",
                "faulty_serial": "BAD-1",
                "site": "{site_b.pk}",
            },
        ),
        # The desk records the customer's answer; customer A's contact does not find B's request.
        Probe(
            "part-request-confirm",
            "post",
            "/api/v1/part-requests/{part_request_b.pk}/confirm/",
            expect(200, 404, sales=422),
            body={},
        ),
        Probe(
            "part-request-decline",
            "post",
            "/api/v1/part-requests/{part_request_b.pk}/decline/",
            expect(200, 404, sales=422),
            body={"reason": "不需要"},
        ),
        Probe(
            "part-request-serve",
            "post",
            "/api/v1/part-requests/{confirmed_request_b.pk}/serve/",
            expect(422, 404, manager=200),
            body={"warehouse": "{warehouse.pk}", "good_serial": "GOOD-1"},
        ),
        Probe(
            "part-request-fit",
            "post",
            "/api/v1/part-requests/{issued_request_b.pk}/fit/",
            expect(422, 404, engineer=200, manager=200),
            body={},
        ),
        Probe(
            "part-request-cancel",
            "post",
            "/api/v1/part-requests/{part_request_b.pk}/cancel/",
            expect(422, 404, engineer=200, manager=200),
            body={"reason": "误判"},
        ),
        Probe("rma-list", "get", "/api/v1/rmas/", expect(200, 200)),
        Probe("rma-detail", "get", "/api/v1/rmas/{rma_b.pk}/", staff_only),
        Probe(
            "rma-list",
            "post",
            "/api/v1/rmas/",
            expect(422, 422, manager=201),
            body={"number": "RMA-NEW-1", "warehouse": "{warehouse.pk}", "part": "{spare_part.pk}"},
        ),
        Probe(
            "rma-receive",
            "post",
            "/api/v1/rmas/{rma_b.pk}/receive/",
            expect(422, 404, manager=200),
            body={"good_serial": "VENDOR-GOOD-1"},
        ),
        Probe(
            "rma-ship",
            "post",
            "/api/v1/rmas/{received_rma_b.pk}/ship/",
            expect(422, 404, manager=200),
            body={"carrier": "顺丰", "waybill": "SF123"},
        ),
        Probe("quote-list", "get", "/api/v1/quotes/", expect(200, 200)),
        Probe("quote-detail", "get", "/api/v1/quotes/{quote_b.pk}/", staff_only),
        # The hotline, engineers and managers quote; a chargeable case only.
        Probe(
            "quote-list",
            "post",
            "/api/v1/quotes/",
            expect(422, 422, agent=201, engineer=201, manager=201),
            body={"case": "{chargeable_case_b.number}", "labour_hours": "2", "visits": 1},
        ),
        Probe("return-offer-list", "get", "/api/v1/return-offers/", expect(200, 200)),
        Probe("return-offer-detail", "get", "/api/v1/return-offers/{return_offer_b.pk}/", staff_only),
        # Engineers and managers propose, as the warranty allows (customer B's unit is in warranty).
        Probe(
            "return-offer-list",
            "post",
            "/api/v1/return-offers/",
            expect(422, 422, engineer=201, manager=201),
            body={"case": "{case_b.number}", "remedy": "exchange", "reason": "主板烧毁，无法修复"},
        ),
        Probe(
            "return-offer-decision",
            "post",
            "/api/v1/return-offers/{return_offer_b.pk}/decision/",
            expect(422, 404, manager=200, executive=200),
            body={"decision": "approve", "note": "同意换货"},
        ),
        Probe(
            "return-offer-agree",
            "post",
            "/api/v1/return-offers/{approved_offer_b.pk}/agree/",
            expect(200, 404, sales=422),
            body={},
        ),
        Probe(
            "return-offer-refuse",
            "post",
            "/api/v1/return-offers/{approved_offer_b.pk}/refuse/",
            expect(200, 404, sales=422),
            body={},
        ),
        Probe("quote-accept", "post", "/api/v1/quotes/{quote_b.pk}/accept/", expect(200, 404, sales=422), body={}),
        Probe("quote-decline", "post", "/api/v1/quotes/{quote_b.pk}/decline/", expect(200, 404, sales=422), body={}),
    ]


class PartsWorld:
    """Customer B's spare-parts rows, made on first use (mixed into the routes' World)."""

    _fixture: object
    _engineer: object
    customer_b: object
    equipment_b: object

    @cached_property
    def _clerk(self):
        return self._fixture("make_user")(Role.PARTS_CLERK, username="world-clerk")

    @cached_property
    def warehouse(self) -> Warehouse:
        return Warehouse.objects.create(code="hz", name="杭州", vendor_direct_ship=True)

    @cached_property
    def other_warehouse(self) -> Warehouse:
        self.movement  # noqa: B018 - stock to move
        return Warehouse.objects.create(code="cd", name="成都", vendor_direct_ship=True)

    @cached_property
    def spare_part(self) -> Part:
        return Part.objects.create(vendor=self.equipment_b.vendor, part_number="700-1", description="主控板")

    @cached_property
    def movement(self):
        return services.record_movement(
            warehouse=self.warehouse, part=self.spare_part, kind="receive", quantity=3, by=self._clerk, reason="入库"
        )

    @cached_property
    def balance(self):
        return self.movement.warehouse.balances.get(part=self.spare_part)

    def _filed_request(self, title: str):
        case = self._fixture("open_case")(self.customer_b, title=title, equipment=self.equipment_b)
        case = case_services.transition(case=case, action="accept", by=self._engineer)
        return services.file_part_request(case=case, part=self.spare_part, faulty_serial="BAD-9", by=self._engineer)

    @cached_property
    def part_request_b(self):
        return self._filed_request("板卡故障")

    @cached_property
    def confirmed_request_b(self):
        self.movement  # noqa: B018 - stock to serve from
        request = self._filed_request("电源故障")
        return services.confirm_part_request(request=request, by=self._fixture("agent"))

    @cached_property
    def issued_request_b(self):
        return services.serve_from_stock(
            request=self.confirmed_request_b, warehouse=self.warehouse, good_serial="GOOD-9", by=self._clerk
        )

    @cached_property
    def rma_b(self):
        return services.claim_rma(number="RMA-B-1", warehouse=self.warehouse, part=self.spare_part, by=self._clerk)

    @cached_property
    def received_rma_b(self):
        rma = services.claim_rma(number="RMA-B-2", warehouse=self.warehouse, part=self.spare_part, by=self._clerk)
        return services.receive_rma_part(rma=rma, good_serial="VGOOD-2", by=self._clerk)

    @cached_property
    def chargeable_case_b(self):
        old = EquipmentFactory(
            site=self.equipment_b.site,
            product_model=self.equipment_b.product_model,
            acceptance_date=dt.date(2019, 1, 1),
        )
        return self._fixture("open_case")(self.customer_b, title="过保设备维修", equipment=old)

    @cached_property
    def quote_b(self):
        return services.offer_quote(case=self.chargeable_case_b, by=self._engineer)

    def _offer(self, title: str):
        case = self._fixture("open_case")(self.customer_b, title=title, equipment=self.equipment_b)
        return services.offer_return(case=case, remedy="exchange", reason="无法修复", by=self._engineer)

    @cached_property
    def return_offer_b(self):
        return self._offer("交换机主板损坏")

    @cached_property
    def approved_offer_b(self):
        offer = self._offer("电源背板损坏")
        manager = self._fixture("make_user")(Role.DEPT_MANAGER, username="world-manager")
        return services.decide_return(offer=offer, approve=True, by=manager)


def fuzz_parts(*, manager, agent, cases, sites, open_case) -> dict[str, list[int]]:
    """Spare-parts rows for the schema fuzz (tests/api/test_fuzz.py): a warehouse with stock, a
    part request awaiting the customer and a confirmed one with its RMA, a quote on a chargeable
    case and a return offer; their ids by API resource."""
    from aftersales.parts.models import Quote, ReturnOffer, Rma, StockBalance, StockMovement

    equipment = cases[0].equipment
    warehouse = Warehouse.objects.create(code="fuzz-hz", name="杭州", vendor_direct_ship=True)
    part = Part.objects.create(vendor=equipment.vendor, part_number="FUZZ-1", description="主控板")
    services.record_movement(warehouse=warehouse, part=part, kind="receive", quantity=5, by=manager, reason="入库")
    waiting = services.file_part_request(case=cases[0], part=part, faulty_serial="BAD-1", by=manager)
    confirmed = services.file_part_request(case=cases[2], part=part, faulty_serial="BAD-2", by=manager)
    services.confirm_part_request(request=confirmed, by=agent)
    services.claim_rma(number="FUZZ-RMA-1", warehouse=warehouse, request=confirmed, by=manager)
    old = EquipmentFactory(site=sites[0], product_model=equipment.product_model, acceptance_date=dt.date(2019, 1, 1))
    services.offer_quote(case=open_case(old), by=manager)
    services.offer_return(case=cases[0], remedy="exchange", reason="无法修复", by=manager)
    return {
        "warehouses": [warehouse.pk],
        "parts": [part.pk],
        "stock": list(StockBalance.objects.values_list("pk", flat=True)),
        "stock-movements": list(StockMovement.objects.values_list("pk", flat=True)),
        "part-requests": [waiting.pk, confirmed.pk],
        "rmas": list(Rma.objects.values_list("pk", flat=True)),
        "quotes": list(Quote.objects.values_list("pk", flat=True)),
        "return-offers": list(ReturnOffer.objects.values_list("pk", flat=True)),
    }
