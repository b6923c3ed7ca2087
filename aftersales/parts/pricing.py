"""The maths of a chargeable repair's quote (R1.3), without Django: Decimal only, each line
rounded half up to the cent, the total the exact sum of the rounded lines (so the printed
lines always add up)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class QuoteLines:
    repair: Decimal
    labour: Decimal
    travel: Decimal

    @property
    def total(self) -> Decimal:
        return self.repair + self.labour + self.travel


def quote_lines(
    *,
    contract_price: Decimal,
    repair_rate: Decimal,
    hourly_rate: Decimal,
    labour_hours: Decimal,
    on_site_fee: Decimal,
    visits: int,
) -> QuoteLines:
    """Hardware repair = rate × contract price (成交价); labour = hourly rate × hours; travel =
    on-site fee × visits. Negative inputs are refused (ValueError): a quote never pays out."""
    for value in (contract_price, repair_rate, hourly_rate, labour_hours, on_site_fee):
        if not isinstance(value, Decimal):
            raise TypeError("quote maths takes Decimal amounts")
        if value < 0:
            raise ValueError("quote amounts cannot be negative")
    if visits < 0:
        raise ValueError("quote amounts cannot be negative")
    return QuoteLines(
        repair=to_cent(contract_price * repair_rate),
        labour=to_cent(hourly_rate * labour_hours),
        travel=to_cent(on_site_fee * visits),
    )
