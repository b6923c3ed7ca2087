"""Demo installed base: vendors, product models, the customers' equipment."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from aftersales.demo.base import SEED, LoaderBase
from aftersales.installed_base.models import Equipment, ProductModel, Vendor

# fmt: off
# (name, TAC phone)
VENDORS = [
    ("AVAYA", "400-810-0885"),
    ("Cisco", "400-810-8886"),
    ("恒信计费软件", "400-620-3355"),
]
BILLING = "恒信计费软件"

# (key, vendor, model, category, hardware)
MODELS = [
    ("cm", "AVAYA", "Aura Communication Manager", "telephony", False),
    ("sm", "AVAYA", "Aura Session Manager", "telephony", False),
    ("g450", "AVAYA", "G450 Media Gateway", "telephony", True),
    ("ipo", "AVAYA", "IP Office 500 V2", "telephony", True),
    ("isr", "Cisco", "ISR 4451", "router", True),
    ("asr", "Cisco", "ASR 1001-X", "router", True),
    ("c9300", "Cisco", "Catalyst 9300", "switch", True),
    ("n9k", "Cisco", "Nexus 9300", "switch", True),
    ("boss", BILLING, "综合计费系统 V5", "software", False),
    ("cdr", BILLING, "话单采集系统 V3", "software", False),
]

# (site, model, host name, software version, accepted N days ago, contract price 成交价)
# Accepted within the last year: in warranty. Older and in no contract: chargeable.
EQUIPMENT = [
    ("tel-hub", "cm", "TEL-HUB-CM01", "8.1.3.4", 1400, 1280000),
    ("tel-hub", "sm", "TEL-HUB-SM01", "8.1.3.4", 1400, 360000),
    ("tel-hub", "g450", "TEL-HUB-G450-01", "41.34.4", 1400, 86000),
    ("tel-hub", "g450", "TEL-HUB-G450-02", "41.34.4", 1400, 86000),
    ("tel-hub", "asr", "TEL-HUB-ASR01", "IOS-XE 17.6.5", 1100, 420000),
    ("tel-hub", "asr", "TEL-HUB-ASR02", "IOS-XE 17.6.5", 1100, 420000),
    ("tel-hub", "n9k", "TEL-HUB-N9K01", "NX-OS 10.2(5)", 900, 310000),
    ("tel-pd", "n9k", "TEL-PD-N9K01", "NX-OS 10.3(3)", 250, 330000),
    ("tel-pd", "n9k", "TEL-PD-N9K02", "NX-OS 10.3(3)", 250, 330000),
    ("tel-pd", "boss", "TEL-PD-BILL01", "V5.2.7", 1600, 2600000),
    ("tel-pd", "cdr", "TEL-PD-MED01", "V3.1.2", 1600, 480000),
    ("tel-pd", "isr", "TEL-PD-ISR01", "IOS-XE 17.3.4", 1300, 158000),
    ("tel-jd", "c9300", "TEL-JD-C9300-01", "IOS-XE 17.6.4", 1500, 68000),
    ("tel-jd", "c9300", "TEL-JD-C9300-02", "IOS-XE 17.6.4", 1500, 68000),
    ("tel-jd", "isr", "TEL-JD-ISR01", "IOS-XE 16.9.8", 1700, 150000),
    ("hosp-mz", "cm", "HOSP-MZ-CM01", "10.1.3.1", 200, 880000),
    ("hosp-mz", "g450", "HOSP-MZ-G450-01", "42.4.0", 200, 92000),
    ("hosp-mz", "c9300", "HOSP-MZ-C9300-01", "IOS-XE 17.9.4a", 200, 72000),
    ("hosp-mz", "c9300", "HOSP-MZ-C9300-02", "IOS-XE 17.9.4a", 200, 72000),
    ("hosp-zy", "ipo", "HOSP-ZY-IPO01", "R11.1 SP2", 1900, 120000),
    ("hosp-zy", "ipo", "HOSP-ZY-IPO02", "R11.1 SP2", 1900, 120000),
    ("hosp-zy", "c9300", "HOSP-ZY-C9300-01", "IOS-XE 16.12.5", 1900, 65000),
    ("hosp-ny", "ipo", "HOSP-NY-IPO01", "R12.0", 120, 135000),
    ("hosp-ny", "isr", "HOSP-NY-ISR01", "IOS-XE 17.9.4a", 120, 168000),
    ("bank-dc", "asr", "BANK-DC-ASR01", "IOS-XE 17.9.4a", 800, 450000),
    ("bank-dc", "asr", "BANK-DC-ASR02", "IOS-XE 17.9.4a", 800, 450000),
    ("bank-dc", "n9k", "BANK-DC-N9K01", "NX-OS 10.2(6)", 800, 320000),
    ("bank-dc", "n9k", "BANK-DC-N9K02", "NX-OS 10.2(6)", 800, 320000),
    ("bank-dc", "cm", "BANK-DC-CM01", "8.1.3.4", 1200, 960000),
    ("bank-ljz", "ipo", "BANK-LJZ-IPO01", "R10.1", 2100, 98000),
    ("bank-ljz", "isr", "BANK-LJZ-ISR01", "IOS-XE 16.12.4", 2100, 135000),
    ("bank-zj", "g450", "BANK-ZJ-G450-01", "41.34.4", 1200, 88000),
    ("bank-zj", "g450", "BANK-ZJ-G450-02", "41.34.4", 1200, 88000),
    ("bank-zj", "c9300", "BANK-ZJ-C9300-01", "IOS-XE 17.9.4a", 300, 70000),
    ("gov-zl", "ipo", "GOV-ZL-IPO01", "R11.1", 700, 110000),
    ("gov-zl", "c9300", "GOV-ZL-C9300-01", "IOS-XE 17.6.4", 700, 66000),
    ("gov-zl", "isr", "GOV-ZL-ISR01", "IOS-XE 17.6.4", 700, 145000),
    ("gov-zb", "n9k", "GOV-ZB-N9K01", "NX-OS 10.3(4)", 150, 335000),
    ("gov-zb", "n9k", "GOV-ZB-N9K02", "NX-OS 10.3(4)", 150, 335000),
    ("log-gz", "ipo", "LOG-GZ-IPO01", "R9.1", 2500, 85000),
    ("log-gz", "isr", "LOG-GZ-ISR01", "IOS-XE 16.6.4", 2500, 128000),
    ("log-gz", "c9300", "LOG-GZ-C9300-01", "IOS-XE 16.9.5", 2300, 62000),
    ("log-sz", "isr", "LOG-SZ-ISR01", "IOS-XE 17.9.4a", 90, 172000),
    ("log-sz", "c9300", "LOG-SZ-C9300-01", "IOS-XE 17.9.4a", 90, 74000),
    ("log-sz", "c9300", "LOG-SZ-C9300-02", "IOS-XE 17.9.4a", 90, 74000),
    ("log-by", "ipo", "LOG-BY-IPO01", "R11.1 SP2", 330, 96000),
]
# fmt: on


class InstalledBaseLoader(LoaderBase):
    def load_products(self) -> None:
        vendors = {
            name: self._get_or_create(Vendor, "vendors", name=name, defaults={"tac_phone": tac})
            for name, tac in VENDORS
        }
        for key, vendor, name, category, hardware in MODELS:
            self.models[key] = self._get_or_create(
                ProductModel,
                "product models",
                vendor=vendors[vendor],
                name=name,
                defaults={"category": category, "is_hardware": hardware},
            )

    def load_equipment(self) -> None:
        for site, model, host, version, accepted_days_ago, price in EQUIPMENT:
            product = self.models[model]
            rng = random.Random(f"{SEED}:{host}")
            accepted = self.today - dt.timedelta(days=accepted_days_ago)
            defaults = {
                "product_model": product,
                "serial_number": serial_number(product.vendor.name, rng),
                "software_version": version,
                "install_date": accepted - dt.timedelta(days=rng.randint(10, 40)),
                "acceptance_date": accepted,
                "contract_price": Decimal(price),
            }
            self.equipment[host] = self._get_or_create(
                Equipment, "equipment", site=self.sites[site], hostname=host, defaults=defaults
            )


def serial_number(vendor: str, rng: random.Random) -> str:
    """A serial number in the vendor's usual shape."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    if vendor == "Cisco":  # factory code + year/week + four characters: FDO2231A0BX
        tail = "".join(rng.choice(letters + "0123456789") for _ in range(4))
        return f"{rng.choice(['FDO', 'FGL', 'FOC', 'JAE', 'SAL'])}{rng.randint(19, 26)}{rng.randint(10, 52)}{tail}"
    if vendor == "AVAYA":  # 12 characters: 13TG01234567
        return f"{rng.randint(10, 22)}{rng.choice(letters)}{rng.choice(letters)}{rng.randint(0, 99999999):08d}"
    return f"LIC-{rng.randint(100, 999)}-{rng.randint(0, 999999):06d}"  # software licence number
