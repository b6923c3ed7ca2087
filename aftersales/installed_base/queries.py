"""Read side of the installed base: finding equipment by its serial number.

One look-up for every caller (the phone intake, the API's case creation, the monitoring
alarms), so a serial number is read the same way everywhere: stripped and in upper case, as
`Equipment.save` stores it, matched exactly (the unique index per vendor serves it).
"""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.installed_base.models import Equipment


def normalised_serial(text: str | None) -> str:
    """A serial number as stored: surrounding blanks removed, upper case."""
    return (text or "").strip().upper()


def equipment_by_serial(serial: str | None, *, within: QuerySet[Equipment] | None = None) -> list[Equipment]:
    """At most two pieces of equipment (of `within`; by default all) with serial number
    `serial`: one is a match, none is unknown, two say the number is ambiguous (different
    vendors may use the same serial number). A blank serial number matches nothing."""
    serial = normalised_serial(serial)
    if not serial:
        return []
    rows = Equipment.objects.all() if within is None else within
    return list(rows.filter(serial_number=serial)[:2])
