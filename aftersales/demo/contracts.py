"""Demo contracts: charge standards and service contracts over the equipment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from aftersales.contracts.models import ChargeStandard, ServiceContract
from aftersales.demo.base import LoaderBase

# fmt: off
# (name, hardware repair rate, on-site fee, hourly rate, default, description)
CHARGE_STANDARDS = [
    ("标准收费（2025 版）", "0.12", "800", "600", True, "保外且无维保协议：硬件维修按成交价 12% 收取，上门费每次 800 元。"),
    ("重点客户收费标准", "0.10", "500", "450", False, "重点客户协议价：硬件维修按成交价 10% 收取。"),
]


class ContractSpec(NamedTuple):
    number: str
    customer: str
    name: str
    coverage: str
    level: str
    start: int  # days from today (negative: in the past)
    end: int
    fee: int
    standard: str
    hosts: tuple[str, ...]


CONTRACTS = [
    # Covers the hub and the data centre but not the Jiading aggregation room.
    ContractSpec(
        "CT-SH-2025-0018", "telecom", "核心网及语音平台 7×24 维护协议", "7x24", "platinum", -300, 65, 680000,
        "重点客户收费标准",
        ("TEL-HUB-CM01", "TEL-HUB-SM01", "TEL-HUB-G450-01", "TEL-HUB-G450-02", "TEL-HUB-ASR01", "TEL-HUB-ASR02",
         "TEL-HUB-N9K01", "TEL-PD-N9K01", "TEL-PD-N9K02", "TEL-PD-ISR01"),
    ),
    # Ends within the renewal reminder window.
    ContractSpec(
        "CT-SH-2025-0031", "telecom", "计费系统软件维护协议", "5x24", "gold", -325, 40, 260000,
        "重点客户收费标准", ("TEL-PD-BILL01", "TEL-PD-MED01"),
    ),
    # Expired: the inpatient building is out of warranty and now chargeable.
    ContractSpec(
        "HS-SH-2023-0007", "hospital", "住院部通信系统维护协议", "5x8", "standard", -820, -90, 48000,
        "标准收费（2025 版）", ("HOSP-ZY-IPO01", "HOSP-ZY-IPO02", "HOSP-ZY-C9300-01"),
    ),
    ContractSpec(
        "BK-SH-2026-0003", "bank", "分行数据中心及客服中心 7×24 维护协议", "7x24", "gold", -150, 215, 520000,
        "标准收费（2025 版）",
        ("BANK-DC-ASR01", "BANK-DC-ASR02", "BANK-DC-N9K01", "BANK-DC-N9K02", "BANK-DC-CM01",
         "BANK-ZJ-G450-01", "BANK-ZJ-G450-02"),
    ),
    ContractSpec(
        "GV-BJ-2026-0012", "gov", "政务服务中心网络与语音维护协议", "5x8", "standard", -200, 165, 96000,
        "标准收费（2025 版）", ("GOV-ZL-IPO01", "GOV-ZL-C9300-01", "GOV-ZL-ISR01"),
    ),
]

# Contracts whose A/B faults are handled 7×24 whatever their coverage hours (docs/sla.md).
CRITICAL_ROUND_THE_CLOCK = {"CT-SH-2025-0031"}
# fmt: on


class ContractsLoader(LoaderBase):
    def load_contracts(self) -> None:
        for name, rate, on_site, hourly, default, description in CHARGE_STANDARDS:
            defaults: dict[str, object] = {"hardware_repair_rate": Decimal(rate), "on_site_fee": Decimal(on_site)}
            default = default and not ChargeStandard.objects.filter(is_default=True).exists()
            defaults |= {"hourly_rate": Decimal(hourly), "is_default": default, "description": description}
            self.standards[name] = self._get_or_create(ChargeStandard, "charge standards", name=name, defaults=defaults)
        for spec in CONTRACTS:
            contract = self._get_or_create(
                ServiceContract, "contracts", number=spec.number, defaults=self._contract(spec)
            )
            contract.equipment.add(*(self.equipment[host] for host in spec.hosts))

    def _contract(self, spec: ContractSpec) -> dict:
        return {
            "customer": self.customers[spec.customer],
            "name": spec.name,
            "coverage": spec.coverage,
            "service_level": spec.level,
            "start_date": self.today + dt.timedelta(days=spec.start),
            "end_date": self.today + dt.timedelta(days=spec.end),
            "annual_fee": Decimal(spec.fee),
            "charge_standard": self.standards[spec.standard],
            "critical_round_the_clock": spec.number in CRITICAL_ROUND_THE_CLOCK,
        }
