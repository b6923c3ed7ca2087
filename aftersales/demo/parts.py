"""Demo spare parts: warehouses at HQ and the branches (four of them vendor direct-ship points,
as in the RMA flow of seed S4), a catalogue for the hardware models, opening stock, and a few
part requests and RMAs at every step of their way — all through `aftersales.parts.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.accounts import policy
from aftersales.cases.models import OPEN_STATUSES, Case, Status
from aftersales.demo.base import LoaderBase
from aftersales.notifications.services import record_as_history
from aftersales.parts import permissions as perms
from aftersales.parts import services
from aftersales.parts.models import Part, PartRequest, StockMovement, Warehouse

# fmt: off
# (code, name, kind, city, vendor direct-ship point)
WAREHOUSES = [
    ("bj-hq", "北京总部", Warehouse.Kind.HQ, "北京", True),
    ("hz", "杭州", Warehouse.Kind.BRANCH, "杭州", True),
    ("gz", "广州", Warehouse.Kind.BRANCH, "广州", True),
    ("cd", "成都", Warehouse.Kind.BRANCH, "成都", True),
    ("sh", "上海", Warehouse.Kind.BRANCH, "上海", False),
    ("sz", "深圳", Warehouse.Kind.BRANCH, "深圳", False),
]
# (part number, vendor, description, models, serial-tracked, unit price)
PARTS = [
    ("MM710", "AVAYA", "G450 MM710 E1/T1 中继媒体模块", ("g450",), True, 9800),
    ("PS-G450", "AVAYA", "G450 电源模块", ("g450",), True, 4200),
    ("IPO-PRI-2", "AVAYA", "IP Office 双 PRI 中继卡", ("ipo",), True, 6800),
    ("PWR-4450-AC", "Cisco", "ISR 4451 交流电源", ("isr",), True, 5200),
    ("NIM-2MFT-T1/E1", "Cisco", "ISR 双口 E1 网络接口模块", ("isr",), True, 7600),
    ("ASR1001X-PWR-AC", "Cisco", "ASR 1001-X 交流电源", ("asr",), True, 6100),
    ("C9300-NM-8X", "Cisco", "Catalyst 9300 8 口万兆上行模块", ("c9300",), True, 11800),
    ("PWR-C1-715WAC", "Cisco", "Catalyst 9300 715W 电源", ("c9300",), True, 4600),
    ("N9K-PAC-650W", "Cisco", "Nexus 9300 650W 电源", ("n9k",), True, 5400),
    ("SFP-10G-SR", "Cisco", "万兆多模光模块", ("c9300", "n9k", "asr"), False, 900),
]
# (warehouse, part number, quantity)
OPENING_STOCK = [
    ("bj-hq", "MM710", 3), ("bj-hq", "PS-G450", 2), ("bj-hq", "NIM-2MFT-T1/E1", 2),
    ("bj-hq", "C9300-NM-8X", 2), ("bj-hq", "PWR-C1-715WAC", 4), ("bj-hq", "SFP-10G-SR", 40),
    ("hz", "MM710", 1), ("hz", "PWR-4450-AC", 2), ("hz", "SFP-10G-SR", 12),
    ("gz", "C9300-NM-8X", 1), ("gz", "N9K-PAC-650W", 2), ("gz", "SFP-10G-SR", 16),
    ("cd", "PWR-C1-715WAC", 1), ("cd", "SFP-10G-SR", 8),
    ("sh", "MM710", 2), ("sh", "PWR-C1-715WAC", 2), ("sh", "N9K-PAC-650W", 1), ("sh", "SFP-10G-SR", 20),
    ("sz", "IPO-PRI-2", 1), ("sz", "SFP-10G-SR", 6),
]
# fmt: on


class PartsLoader(LoaderBase):
    warehouses: dict[str, Warehouse]
    parts: dict[str, Part]

    def load_parts(self) -> None:
        """Warehouses, the catalogue and the opening stock (once: stock only into an empty ledger)."""
        self.warehouses, self.parts = {}, {}
        for code, name, kind, city, direct in WAREHOUSES:
            self.warehouses[code] = self._get_or_create(
                Warehouse,
                "warehouses",
                code=code,
                defaults={"name": name, "kind": kind, "city": city, "vendor_direct_ship": direct},
            )
        self.warehouses["bj-hq"].clerks.add(self.users["parts"])
        vendors = {model.vendor.name: model.vendor for model in self.models.values()}
        for number, vendor, description, models, tracked, price in PARTS:
            part = self._get_or_create(
                Part,
                "parts",
                vendor=vendors[vendor],
                part_number=number,
                defaults={"description": description, "serial_tracked": tracked, "unit_price": Decimal(price)},
            )
            part.product_models.add(*(self.models[key] for key in models))
            self.parts[number] = part
        if StockMovement.objects.exists():
            return
        clerk = self.users["parts"]
        for code, number, quantity in OPENING_STOCK:
            services.record_movement(
                warehouse=self.warehouses[code],
                part=self.parts[number],
                kind=StockMovement.Kind.RECEIVE,
                quantity=quantity,
                by=clerk,
                reason="期初库存",
            )
            self.report.add("stock movements", True)

    def write_part_requests(self) -> None:
        """On the demo's open hardware cases: one request awaiting the customer, one confirmed
        and waiting for the clerk, one served from branch stock with its RMA claimed, and one
        fitted whose RMA is back with the vendor; plus an RMA whose defective part is overdue."""
        if PartRequest.objects.exists():
            return
        cases = list(
            Case.objects.filter(
                status=Status.IN_PROGRESS, equipment__product_model__parts__isnull=False, contact__isnull=False
            )
            .select_related("equipment__product_model", "contact")
            .distinct()
            .order_by("opened_at")[:4]
        )
        steps = [self._awaiting_customer, self._confirmed, self._served, self._fitted]
        for case, step in zip(cases, steps, strict=False):
            step(case)
            self.report.add("part requests", True)
        self._overdue_rma()
        quoted = self._quote_awaiting_the_customer()
        record_as_history(cases=cases + quoted)
        self._settle_return_deadlines()

    # --- the steps -----------------------------------------------------------------------------

    def _file(self, case: Case) -> PartRequest:
        equipment = case.equipment
        assert equipment is not None  # the cases were chosen for their equipment's parts
        part = equipment.product_model.parts.order_by("part_number").first()
        assert part is not None
        owner = case.owner
        engineer = owner if owner is not None and policy.allowed(owner, perms.REQUEST_PART, case) else None
        return services.file_part_request(
            case=case,
            part=part,
            faulty_serial=equipment.serial_number,
            note="现场确认硬件故障，需更换备件。",
            by=engineer or self.users["engineer"],
        )

    def _awaiting_customer(self, case: Case) -> PartRequest:
        return self._file(case)

    def _confirmed(self, case: Case) -> PartRequest:
        request = self._file(case)
        return services.confirm_part_request(request=request, contact=case.contact, by=self.users["agent"])

    def _served(self, case: Case) -> PartRequest:
        request = self._confirmed(case)
        if services.case_is_chargeable(case):  # the customer accepts the quote before the part is served
            quote = services.offer_quote(case=case, labour_hours=Decimal("2"), visits=1, by=request.requested_by)
            services.answer_quote(quote=quote, accept=True, contact=case.contact, by=self.users["agent"])
        warehouse = self._stocked(request.part)
        clerk = self.users["parts"]
        if warehouse is None:
            services.claim_rma(
                number=self._rma_number(), warehouse=self.warehouses["bj-hq"], request=request, direct=True, by=clerk
            )
            return request
        request = services.serve_from_stock(
            request=request, warehouse=warehouse, good_serial=self._serial("SP"), by=clerk
        )
        services.claim_rma(number=self._rma_number(), warehouse=warehouse, request=request, by=clerk)
        return request

    def _fitted(self, case: Case) -> PartRequest:
        request = self._served(case)
        if request.status == PartRequest.Status.ISSUED:
            request = services.fit_part(request=request, by=request.requested_by)
        rma = request.rmas.first()
        clerk = self.users["parts"]
        if rma is not None:
            received = timezone.now() - dt.timedelta(days=3)
            rma = services.receive_rma_part(rma=rma, good_serial=self._serial("RMA"), received_at=received, by=clerk)
            services.ship_defective_part(rma=rma, carrier="顺丰速运", waybill=self._serial("SF"), by=clerk)
        return request

    def _overdue_rma(self) -> None:
        clerk = self.users["parts"]
        part = self.parts["PWR-C1-715WAC"]
        rma = services.claim_rma(
            number=self._rma_number(),
            warehouse=self.warehouses["sh"],
            part=part,
            faulty_serial=self._serial("LIT"),
            note="补充库存",
            by=clerk,
        )
        received = timezone.now() - dt.timedelta(days=20)
        services.receive_rma_part(rma=rma, good_serial=self._serial("LIT"), received_at=received, by=clerk)

    def _settle_return_deadlines(self) -> None:
        """The overdue RMA's warning and breach happened in the demo's past: marked now (its
        timeline says so), and their messages recorded as history, never sent."""
        from aftersales.deadlines.services import sweep
        from aftersales.notifications.models import Notification
        from aftersales.notifications.services import HISTORY_NOTE
        from aftersales.parts.notices import RMA_RETURN_DUE_SOON, RMA_RETURN_OVERDUE

        while any(sweep(now=timezone.now()).values()):
            pass  # a batch at a time
        Notification.objects.filter(
            kind__in=[RMA_RETURN_DUE_SOON, RMA_RETURN_OVERDUE], status=Notification.Status.PENDING
        ).update(status=Notification.Status.SKIPPED, last_error=HISTORY_NOTE)

    def _quote_awaiting_the_customer(self) -> list[Case]:
        """A chargeable repair's quote the customer has not answered yet (to accept in the portal)."""
        open_cases = Case.objects.filter(status__in=OPEN_STATUSES, equipment__product_model__is_hardware=True).exclude(
            quotes__isnull=False
        )
        for case in open_cases.select_related("equipment__product_model").order_by("opened_at"):
            if case.equipment is not None and case.equipment.contract_price and services.case_is_chargeable(case):
                services.offer_quote(case=case, labour_hours=Decimal("3"), visits=1, by=self.users["engineer"])
                self.report.add("quotes", True)
                return [case]
        return []

    # --- helpers -------------------------------------------------------------------------------

    def _stocked(self, part: Part) -> Warehouse | None:
        balance = part.balances.filter(on_hand__gt=0).select_related("warehouse").order_by("-on_hand").first()
        return balance.warehouse if balance is not None and balance.available > 0 else None

    def _rma_number(self) -> str:
        return f"8{self.rng.randint(10**8, 10**9 - 1)}"

    def _serial(self, prefix: str) -> str:
        return f"{prefix}{self.rng.randint(10**9, 10**10 - 1)}"
