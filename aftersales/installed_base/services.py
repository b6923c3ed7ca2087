"""Installed-base operations that other apps ask for."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.core.errors import DomainError
from aftersales.installed_base.models import Equipment
from aftersales.timeline.services import record

SWAPPED = "installed_base.part_swapped"


@transaction.atomic
def record_part_swap(
    *, equipment: Equipment, faulty_serial: str, good_serial: str, by, reference: str = ""
) -> Equipment:
    """A faulty part of `equipment` was replaced by a good one (good serial in, faulty serial
    out), on the equipment's timeline. When the faulty serial is the unit's own (the whole unit
    was swapped), the unit takes the good serial; its earlier serial stays in the timeline."""
    locked = Equipment.objects.select_for_update().get(pk=equipment.pk)
    faulty = (faulty_serial or "").strip().upper()
    good = (good_serial or "").strip().upper()
    whole_unit = faulty == locked.serial_number
    if whole_unit and good != faulty:
        clash = Equipment.objects.filter(vendor_id=locked.vendor_id, serial_number=good).exclude(pk=locked.pk)
        if clash.exists():
            raise DomainError(
                _("This vendor already has equipment with this serial number."),
                fields={"good_serial": [_("This vendor already has equipment with this serial number.")]},
            )
        locked.serial_number = good
        locked.save(update_fields=["serial_number"])
    record(
        locked,
        actor=by,
        kind=SWAPPED,
        data={"faulty_serial": faulty, "good_serial": good, "whole_unit": whole_unit, "reference": reference},
    )
    return locked


def _swap_changes(data):
    from aftersales.timeline.registry import Change

    return [Change(_("serial number"), str(data.get("faulty_serial", "")), str(data.get("good_serial", "")))]


def register() -> None:
    from django.utils.translation import gettext_lazy

    from aftersales.timeline.registry import register as register_kind

    register_kind(SWAPPED, label=gettext_lazy("Part replaced"), changes=_swap_changes)
