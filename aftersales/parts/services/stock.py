"""The stock ledger: every movement a ledger line, its balance row locked and kept in step."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases.models import Case
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    MAX_QUANTITY,
    Part,
    PartRequest,
    Rma,
    StockBalance,
    StockMovement,
    Warehouse,
)
from aftersales.parts.services.common import _clean_serial, _field_error

Kind = StockMovement.Kind
# What each kind does to (on hand, reserved), per unit.
DELTAS: dict[str, tuple[int, int]] = {
    Kind.RECEIVE: (1, 0),
    Kind.RESERVE: (0, 1),
    Kind.RELEASE: (0, -1),
    Kind.ISSUE: (-1, 0),
    Kind.RETURN: (1, 0),
    Kind.TRANSFER_OUT: (-1, 0),
    Kind.TRANSFER_IN: (1, 0),
    Kind.WRITE_OFF: (-1, 0),
}
# Kinds a clerk records by hand (reservations and transfers have their own services).
MANUAL_KINDS = (Kind.RECEIVE, Kind.ISSUE, Kind.RETURN, Kind.WRITE_OFF)


def _locked_balance(warehouse: Warehouse, part: Part) -> StockBalance:
    # get_or_create settles two first movements at once (one creates, the other reads it);
    # the row lock then orders every movement of this warehouse and part.
    balance, _created = StockBalance.objects.get_or_create(warehouse=warehouse, part=part)
    return StockBalance.objects.select_for_update().get(pk=balance.pk)


def _move(
    *,
    warehouse: Warehouse,
    part: Part,
    kind: str,
    quantity: int,
    by,
    reason: str = "",
    serial: str = "",
    case: Case | None = None,
    part_request: PartRequest | None = None,
    rma: Rma | None = None,
    other_warehouse: Warehouse | None = None,
    from_reservation: bool = False,
) -> StockMovement:
    """One ledger line and its balance change, the balance row locked. Refuses to take more than
    is available (or reserved, when issuing a reservation)."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _field_error("quantity", _("Enter a quantity from 1 to %(max)s.") % {"max": MAX_QUANTITY})
    balance = _locked_balance(warehouse, part)
    on_hand_unit, reserved_unit = DELTAS[kind]
    if kind == Kind.ISSUE and from_reservation:
        reserved_unit = -1
    on_hand_delta, reserved_delta = on_hand_unit * quantity, reserved_unit * quantity
    if reserved_unit < 0 and balance.reserved < quantity:
        raise _field_error("quantity", _("Only %(n)s of this part are reserved here.") % {"n": balance.reserved})
    if on_hand_unit < 0 and reserved_unit == 0 and balance.available < quantity:
        raise _field_error(
            "quantity", _("Only %(n)s of this part are available in %(warehouse)s.") % _stock_words(balance)
        )
    if reserved_unit > 0 and balance.available < quantity:
        raise _field_error(
            "quantity", _("Only %(n)s of this part are available in %(warehouse)s.") % _stock_words(balance)
        )
    balance.on_hand += on_hand_delta
    balance.reserved += reserved_delta
    balance.save(update_fields=["on_hand", "reserved"])
    movement = StockMovement(
        warehouse=warehouse,
        part=part,
        kind=kind,
        quantity=quantity,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        serial_number=_clean_serial(serial),
        reason=(reason or "").strip()[:500],
        by=by,
        case=case,
        part_request=part_request,
        rma=rma,
        other_warehouse=other_warehouse,
    )
    movement.save(force_insert=True)
    return movement


def _stock_words(balance: StockBalance) -> dict:
    return {"n": balance.available, "warehouse": balance.warehouse.name}


@transaction.atomic
def record_movement(
    *,
    warehouse: Warehouse,
    part: Part,
    kind: str,
    quantity: int,
    by,
    reason: str = "",
    serial: str = "",
    case: Case | None = None,
) -> StockMovement:
    """A clerk's receipt, issue, return to stock or write-off, with its reason and, for parts
    used on a case, the case: one ledger line, the balance kept in step under its row lock,
    never below zero (of two clerks taking the last unit at once, one gets it and the other is
    told how many are left)."""
    policy.require(by, perms.MOVE_STOCK)
    if kind not in MANUAL_KINDS:
        raise _field_error("kind", _("Choose receive, issue, return or write-off."))
    if not (reason or "").strip():
        raise _field_error("reason", _("Say why the stock moves."))
    return _move(
        warehouse=warehouse, part=part, kind=kind, quantity=quantity, by=by, reason=reason, serial=serial, case=case
    )


@transaction.atomic
def transfer_stock(
    *, source: Warehouse, target: Warehouse, part: Part, quantity: int, by, reason: str = "", serial: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Move stock between warehouses: out of one and into the other in one transaction. The two
    balance rows are locked in id order, so two opposite transfers at once cannot deadlock."""
    policy.require(by, perms.MOVE_STOCK)
    if source.pk == target.pk:
        raise _field_error("target", _("Choose another warehouse."))
    for warehouse in sorted((source, target), key=lambda w: w.pk):
        _locked_balance(warehouse, part)
    out = _move(
        warehouse=source,
        part=part,
        kind=Kind.TRANSFER_OUT,
        quantity=quantity,
        by=by,
        reason=reason,
        serial=serial,
        other_warehouse=target,
    )
    into = _move(
        warehouse=target,
        part=part,
        kind=Kind.TRANSFER_IN,
        quantity=quantity,
        by=by,
        reason=reason,
        serial=serial,
        other_warehouse=source,
    )
    return out, into
