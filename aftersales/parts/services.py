"""Every operation that changes spare parts: the stock ledger, part requests, vendor RMAs,
quotes, returns/exchanges/refunds and charges. Each is one transaction; each checks the
permission policy first, locks the rows it changes, records the history on the timeline
(on the part request / RMA / quote itself and, where the case reader needs it, on the case)
and queues its notifications in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.accounts.roles import CLOSERS, MANAGERS, Role
from aftersales.approvals import services as approvals
from aftersales.approvals.registry import Notice, Policy
from aftersales.approvals.registry import register as register_approval
from aftersales.calendars.business_time import WorkingCalendar, add_business_time
from aftersales.calendars.models import BusinessCalendar
from aftersales.calendars.queries import working_calendar
from aftersales.cases.models import Case, Status
from aftersales.cases.queries import visible_cases
from aftersales.cases.services import transition as move_case
from aftersales.cases.workflow import CASE_WORKFLOW
from aftersales.contracts.entitlement import EntitlementKind, entitlement_for
from aftersales.contracts.models import ChargeStandard, ServiceContract
from aftersales.core.errors import Conflict, DomainError, NotAllowed
from aftersales.customers.models import Contact, Site
from aftersales.installed_base.models import Equipment
from aftersales.installed_base.services import record_part_swap
from aftersales.notifications.services import queue_notification, users_with_role
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    MAX_QUANTITY,
    WAITING_REQUEST_STATUSES,
    Charge,
    ConsentChannel,
    Part,
    PartRequest,
    Quote,
    ReturnOffer,
    Rma,
    StockBalance,
    StockMovement,
    Warehouse,
)
from aftersales.parts.notices import (
    ASK_PART_REQUEST,
    ASK_QUOTE,
    ASK_RETURN,
    PART_REQUEST,
    RETURN_OFFER_APPROVAL,
    queue_customer_answer,
)
from aftersales.parts.pricing import quote_lines
from aftersales.parts.workflow import PART_REQUEST_WORKFLOW, QUOTE_WORKFLOW, RETURN_WORKFLOW, RMA_WORKFLOW
from aftersales.timeline import services as timeline

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
RMA_RETURN_WORKING_DAYS = 10
RETURN_APPROVAL = "parts.return_offer"
# Which remedies the entitlement allows (R6.3, S2: "根据产品保修期为客户提供换货或退款服务").
REMEDIES_BY_ENTITLEMENT = {
    EntitlementKind.WARRANTY: frozenset(ReturnOffer.Remedy),
    EntitlementKind.CONTRACT: frozenset({ReturnOffer.Remedy.EXCHANGE}),
}


class PartsError(DomainError):
    """A spare-parts operation that cannot be done, with field errors where they belong."""


def _field_error(field: str, message) -> PartsError:
    return PartsError(message, fields={field: [message]})


def _clean_serial(value: str) -> str:
    return (value or "").strip().upper()[:64]


# --- the stock ledger --------------------------------------------------------------------------


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


# --- part requests (备件申请表) -------------------------------------------------------------------

FILING_STATUSES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_PARTS})


def _record_on_case(case: Case | None, *, by, kind: str, public: bool = False, **data: object) -> None:
    if case is not None:
        timeline.record(case, actor=by, kind=kind, data=data, public=public)


@transaction.atomic
def file_part_request(
    *,
    case: Case,
    part: Part,
    faulty_serial: str,
    by,
    quantity: int = 1,
    site: Site | None = None,
    note: str = "",
) -> PartRequest:
    """The engineer's part request for a confirmed hardware fault: the part (it must fit the
    case's equipment), the quantity, the faulty serial, the site. It waits for the customer's
    confirmation (the case's contact is asked by e-mail); nothing is reserved yet."""
    policy.require(by, perms.REQUEST_PART)
    case = Case.objects.select_for_update(of=("self",)).select_related("equipment").get(pk=case.pk)
    if case.status not in FILING_STATUSES:
        raise NotAllowed(_("A part request is filed while the case is being worked on."))
    errors: dict[str, list] = {}
    if case.equipment is not None and not case.equipment.product_model.is_hardware:
        errors["part"] = [_("The case's equipment is software: it has no spare parts.")]
    elif case.equipment is not None and not _fits(part, case.equipment):
        errors["part"] = [_("This part does not fit the case's equipment.")]
    serial = _clean_serial(faulty_serial)
    if not serial:
        errors["faulty_serial"] = [_("This field is required.")]
    site = site or case.site or (case.equipment.site if case.equipment else None)
    if site is None:
        errors["site"] = [_("This field is required.")]
    elif site.customer_id != case.customer_id:
        errors["site"] = [_("Not a site of this customer.")]
    if not 1 <= quantity <= 99:
        errors["quantity"] = [_("Enter a quantity from 1 to %(max)s.") % {"max": 99}]
    if errors or site is None:
        raise PartsError(next(iter(errors.values()))[0], fields=errors)
    request = PartRequest.objects.create(
        case=case,
        customer_id=case.customer_id,
        part=part,
        quantity=quantity,
        faulty_serial=serial,
        site=site,
        equipment=case.equipment,
        note=(note or "").strip()[:2000],
        requested_by=by,
    )
    data = {"request": request.number, "part": part.part_number, "quantity": quantity, "faulty_serial": serial}
    timeline.record(request, actor=by, kind="parts.request.filed", data=data)
    _record_on_case(case, by=by, kind="parts.request.filed", public=True, **data)
    queue_customer_answer(case=case, what=ASK_PART_REQUEST, reference=request.number)
    return request


def _fits(part: Part, equipment: Equipment) -> bool:
    """A part fits the models it lists; a part listing none fits anything of its vendor."""
    if not part.product_models.exists():
        return part.vendor_id == equipment.vendor_id
    return part.product_models.filter(pk=equipment.product_model_id).exists()


def _may_answer_for_customer(by, row) -> bool:
    """A contact of the row's customer who can see its case, or the desk recording an answer."""
    if policy.allowed(by, perms.GIVE_CONSENT, row):
        return visible_cases(by).filter(pk=row.case_id).exists()
    return policy.allowed(by, perms.RECORD_CONSENT, row)


def _answering_contact(by, row, contact: Contact | None) -> tuple[Contact | None, str]:
    """Who answered and how: the contact's own login (portal), or the desk naming the contact."""
    own = getattr(by, "contact", None)
    if policy.allowed(by, perms.GIVE_CONSENT, row):
        return own, ConsentChannel.PORTAL
    if contact is not None and contact.customer_id != row.customer_id:
        raise _field_error("contact", _("Not a contact of this customer."))
    return contact, ConsentChannel.DESK


def _require_answerer(by, row) -> None:
    if not _may_answer_for_customer(by, row):
        # A stranger learns nothing: the same words as for a row that does not exist.
        raise NotAllowed(_("Only the customer's contact may answer for the customer."))


@transaction.atomic
def confirm_part_request(
    *, request: PartRequest, by, contact: Contact | None = None, expected_status: str | None = None
) -> PartRequest:
    """The customer confirms the part request (in the portal, or the desk records it naming the
    contact). The case then waits for parts (RMA-Pend) by itself, and the parts clerks are told."""
    _require_answerer(by, request)
    who, channel = _answering_contact(by, request, contact)
    request = PART_REQUEST_WORKFLOW.apply(obj=request, action="confirm", by=by, expected=expected_status)
    request.consent_at = timezone.now()
    request.consent_channel = channel
    request.consent_by = who
    request.consent_recorded_by = by
    request.save(update_fields=["consent_at", "consent_channel", "consent_by", "consent_recorded_by"])
    data = {"request": request.number, "channel": channel}
    _record_on_case(request.case, by=by, kind="parts.request.confirmed", public=True, **data)
    _case_waits_for_parts(request)
    queue_notification(
        kind=PART_REQUEST,
        recipients=users_with_role(Role.PARTS_CLERK),
        subject=_("Part request %(number)s to serve") % {"number": request.number},
        case=request.case,
        payload={"request": request.pk, "event": "confirmed"},
    )
    return request


@transaction.atomic
def decline_part_request(*, request: PartRequest, by, reason: str = "", contact: Contact | None = None) -> PartRequest:
    """The customer does not want the part: the request ends, nothing was reserved."""
    _require_answerer(by, request)
    _answering_contact(by, request, contact)
    request = PART_REQUEST_WORKFLOW.apply(obj=request, action="decline", by=by, text=reason)
    _record_on_case(request.case, by=by, kind="parts.request.declined", public=True, request=request.number)
    return request


def _case_mover(case: Case, request: PartRequest):
    """Who moves the case for the customer: the engineer who filed the request, else the case's
    owner — whoever may still take the case's "wait for parts" move (None: nobody may)."""
    move = CASE_WORKFLOW.by_name["wait_parts"]
    for user in (request.requested_by, case.owner):
        if user is not None and user.is_active and move.allows(Status.IN_PROGRESS, user.roles):
            return user
    return None


def _case_waits_for_parts(request: PartRequest) -> None:
    """RMA-Pend: moved in the name of the engineer who filed the request (or the case's owner),
    on the customer's confirmation. If neither may move it any more, the case stays as it is
    and its timeline says why the clerk is serving a part."""
    case = Case.objects.get(pk=request.case_id)
    actor = _case_mover(case, request)
    if actor is None:
        return
    words = _("Part request %(number)s confirmed by the customer.") % {"number": request.number}
    if case.status == Status.ACCEPTED:
        case = move_case(case=case, action="start", by=actor)
    elif case.status in (Status.WAITING_CUSTOMER, Status.WAITING_VENDOR):
        case = move_case(case=case, action="resume", by=actor)
    if case.status == Status.IN_PROGRESS:
        move_case(case=case, action="wait_parts", by=actor, text=words)


def _case_leaves_parts_wait(request: PartRequest, *, by) -> None:
    """Back to work once no request of the case still waits for a part."""
    case = Case.objects.get(pk=request.case_id)
    if case.status != Status.WAITING_PARTS:
        return
    if PartRequest.objects.filter(case_id=case.pk, status__in=WAITING_REQUEST_STATUSES).exists():
        return
    move_case(case=case, action="resume", by=by)


def _require_quote_if_chargeable(request: PartRequest) -> None:
    """Chargeable work starts only after the customer accepted the quote (R1.3)."""
    case = request.case
    if case_is_chargeable(case) and not case.quotes.filter(status=Quote.Status.ACCEPTED).exists():
        raise NotAllowed(_("This repair is chargeable: the customer must accept the quote before the part is served."))


def case_is_chargeable(case: Case) -> bool:
    if case.equipment_id is None:
        return False
    today = timezone.localdate()
    return entitlement_for(case.equipment, on=today, excluded_cause=case.excluded_cause).kind == (
        EntitlementKind.CHARGEABLE
    )


@transaction.atomic
def serve_from_stock(
    *, request: PartRequest, warehouse: Warehouse, by, good_serial: str = "", expected_status: str | None = None
) -> PartRequest:
    """Advance replacement: the branch has the part, so it is reserved and issued to the engineer
    at once (two ledger lines on the request and its case); the engineer is told."""
    policy.require(by, perms.SERVE_REQUEST, request)
    serial = _clean_serial(good_serial)
    if request.part.serial_tracked and request.quantity == 1 and not serial:
        raise _field_error("good_serial", _("Enter the serial number of the part issued."))
    _require_quote_if_chargeable(request)
    request = PART_REQUEST_WORKFLOW.apply(obj=request, action="issue", by=by, expected=expected_status)
    _issue_to_request(request, warehouse=warehouse, serial=serial, by=by)
    return request


def _issue_to_request(request: PartRequest, *, warehouse: Warehouse, serial: str, by, rma: Rma | None = None) -> None:
    common = {
        "warehouse": warehouse,
        "part": request.part,
        "quantity": request.quantity,
        "by": by,
        "case": request.case,
        "part_request": request,
        "rma": rma,
        "serial": serial,
    }
    _move(kind=Kind.RESERVE, reason=request.number, **common)
    _move(kind=Kind.ISSUE, reason=request.number, from_reservation=True, **common)
    request.warehouse = warehouse
    request.good_serial = serial
    request.save(update_fields=["warehouse", "good_serial"])
    _record_on_case(
        request.case,
        by=by,
        kind="parts.request.issued",
        request=request.number,
        warehouse=warehouse.code,
        good_serial=serial,
    )
    queue_notification(
        kind=PART_REQUEST,
        recipients=[request.requested_by],
        subject=_("Part issued for %(number)s") % {"number": request.number},
        case=request.case,
        payload={"request": request.pk, "event": "issued"},
    )


@transaction.atomic
def fit_part(
    *, request: PartRequest, by, good_serial: str = "", faulty_serial: str = "", expected_status: str | None = None
) -> PartRequest:
    """The engineer fitted the part: good serial in, faulty serial out. The installed base
    follows the swap (its history kept on the equipment's timeline) and the case goes back to
    work when no other request of it still waits."""
    policy.require(by, perms.FIT_PART, request)
    request = PART_REQUEST_WORKFLOW.apply(obj=request, action="fit", by=by, expected=expected_status)
    good = _clean_serial(good_serial) or request.good_serial
    faulty = _clean_serial(faulty_serial) or request.faulty_serial
    if request.part.serial_tracked and not good:
        raise _field_error("good_serial", _("Enter the serial number of the part fitted."))
    request.good_serial, request.faulty_serial = good, faulty
    request.save(update_fields=["good_serial", "faulty_serial"])
    if request.equipment_id is not None:
        record_part_swap(
            equipment=Equipment.objects.get(pk=request.equipment_id),
            faulty_serial=faulty,
            good_serial=good,
            by=by,
            reference=request.number,
        )
    data = {"request": request.number, "good_serial": good, "faulty_serial": faulty}
    _record_on_case(request.case, by=by, kind="parts.request.fitted", public=True, **data)
    _case_leaves_parts_wait(request, by=by)
    return request


@transaction.atomic
def cancel_part_request(*, request: PartRequest, by, reason: str) -> PartRequest:
    """Withdraw a request (wrong part, fault fixed otherwise). An issued part goes back to the
    stock it came from; the case leaves RMA-Pend if nothing else waits."""
    policy.require(by, perms.CANCEL_REQUEST, request)
    if not (reason or "").strip():
        raise _field_error("reason", _("Please say why."))
    was_issued = request.status == PartRequest.Status.ISSUED
    request = PART_REQUEST_WORKFLOW.apply(obj=request, action="cancel", by=by, text=reason)
    if was_issued and request.warehouse is not None:
        _move(
            warehouse=request.warehouse,
            part=request.part,
            kind=Kind.RETURN,
            quantity=request.quantity,
            by=by,
            reason=request.number,
            serial=request.good_serial,
            case=request.case,
            part_request=request,
        )
    _record_on_case(request.case, by=by, kind="parts.request.cancelled", public=True, request=request.number)
    _case_leaves_parts_wait(request, by=by)
    return request


CLAIMABLE_STATUSES = frozenset({PartRequest.Status.CONFIRMED, PartRequest.Status.ISSUED, PartRequest.Status.FITTED})

# --- vendor RMA ----------------------------------------------------------------------------------


@transaction.atomic
def claim_rma(
    *,
    number: str,
    warehouse: Warehouse,
    by,
    request: PartRequest | None = None,
    part: Part | None = None,
    quantity: int = 1,
    faulty_serial: str = "",
    direct: bool = False,
    note: str = "",
) -> Rma:
    """The HQ clerk claims an RMA from the vendor: in parallel with an advance replacement (the
    vendor's part refills the branch), or directly when no branch has the part (the vendor's
    part then serves the request, which waits for it)."""
    policy.require(by, perms.MANAGE_RMA)
    number = (number or "").strip().upper()[:40]
    if not number:
        raise _field_error("number", _("This field is required."))
    if request is not None:
        request = PartRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in CLAIMABLE_STATUSES:
            raise NotAllowed(_("An RMA is claimed for a part request the customer has confirmed."))
        part, quantity = request.part, request.quantity
        faulty_serial = faulty_serial or request.faulty_serial
        if direct:
            _require_quote_if_chargeable(request)
    if part is None:
        raise _field_error("part", _("This field is required."))
    if Rma.objects.filter(vendor_id=part.vendor_id, number=number).exists():
        raise _field_error("number", _("This vendor already has an RMA with this number."))
    try:
        with transaction.atomic():
            rma = Rma.objects.create(
                number=number,
                vendor_id=part.vendor_id,
                part=part,
                quantity=quantity,
                warehouse=warehouse,
                part_request=request,
                case=request.case if request is not None else None,
                direct=direct and request is not None,
                faulty_serial=_clean_serial(faulty_serial),
                claimed_by=by,
                note=(note or "").strip()[:500],
            )
    except IntegrityError:
        raise _field_error("number", _("This vendor already has an RMA with this number.")) from None
    timeline.record(rma, actor=by, kind="parts.rma.claimed", data={"number": number, "warehouse": warehouse.code})
    if request is not None:
        if rma.direct:
            PART_REQUEST_WORKFLOW.apply(obj=request, action="wait_vendor", by=by)
        _record_on_case(request.case, by=by, kind="parts.rma.claimed", rma=number, vendor=part.vendor.name)
    return rma


@transaction.atomic
def receive_rma_part(
    *, rma: Rma, good_serial: str, by, received_at: dt.datetime | None = None, expected_status: str | None = None
) -> Rma:
    """The vendor's good part arrived: its serial and the date are recorded, it enters the
    branch's stock (and, for a direct RMA, is issued to the waiting request at once), and the
    defective part's return deadline starts."""
    policy.require(by, perms.MANAGE_RMA)
    serial = _clean_serial(good_serial)
    if rma.part.serial_tracked and not serial:
        raise _field_error("good_serial", _("Enter the serial number of the good part."))
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise _field_error("received_at", _("This cannot be in the future."))
    rma = RMA_WORKFLOW.apply(obj=rma, action="receive", by=by, expected=expected_status)
    rma.good_serial = serial
    rma.good_received_at = received_at
    rma.save(update_fields=["good_serial", "good_received_at"])
    _receive_vendor_part(rma, serial=serial, by=by)
    return_deadline_started(rma)
    request = rma.part_request
    if rma.direct and request is not None and request.status == PartRequest.Status.AWAITING_VENDOR:
        request = PART_REQUEST_WORKFLOW.apply(obj=request, action="issue", by=by)
        _issue_to_request(request, warehouse=rma.warehouse, serial=serial, by=by, rma=rma)
    if rma.case_id is not None:
        _record_on_case(rma.case, by=by, kind="parts.rma.received", rma=rma.number, good_serial=serial)
    return rma


def _receive_vendor_part(rma: Rma, *, serial: str, by) -> None:
    """The vendor ships to direct-ship points; any other branch's part arrives at headquarters,
    which forwards it (S4: "其他分公司申请的备件将由总部统一发出"): the ledger shows the route."""
    branch = rma.warehouse
    hq = Warehouse.objects.filter(kind=Warehouse.Kind.HQ, is_active=True).first()
    arrives = branch if branch.vendor_direct_ship or hq is None else hq
    common = {"part": rma.part, "quantity": rma.quantity, "by": by, "serial": serial, "case": rma.case, "rma": rma}
    reason = f"RMA {rma.number}"
    _move(warehouse=arrives, kind=Kind.RECEIVE, reason=reason, **common)
    if arrives.pk != branch.pk:
        for warehouse in sorted((arrives, branch), key=lambda w: w.pk):
            _locked_balance(warehouse, rma.part)
        _move(warehouse=arrives, kind=Kind.TRANSFER_OUT, reason=reason, other_warehouse=branch, **common)
        _move(warehouse=branch, kind=Kind.TRANSFER_IN, reason=reason, other_warehouse=arrives, **common)


def return_deadline_started(rma: Rma) -> Rma:
    """The defective part must be back with the vendor within ten working days of receiving the
    good one (S4): due at the end of the tenth working day after the day of receipt, on the
    working-day calendar with public holidays and make-up days, in Beijing time. Computes and
    stores `return_due_at`; nothing sweeps or escalates it here.

    This is the one place the RMA's deadline starts: it moves onto the deadlines mechanism when
    that mechanism lands (start a deadline for the RMA instead of storing the time here)."""
    if rma.good_received_at is None:
        return rma
    calendar = _working_days_calendar()
    beijing = ZoneInfo("Asia/Shanghai")
    next_midnight = dt.datetime.combine(
        rma.good_received_at.astimezone(beijing).date() + dt.timedelta(days=1), dt.time(0), tzinfo=beijing
    )
    rma.return_due_at = add_business_time(next_midnight, dt.timedelta(days=RMA_RETURN_WORKING_DAYS), calendar)
    rma.save(update_fields=["return_due_at"])
    return rma


def _working_days_calendar() -> WorkingCalendar:
    # 5×24 with public holidays and 调休, from the calendar tables (not saved: arithmetic only).
    return working_calendar(BusinessCalendar(code="parts-working-days", kind=BusinessCalendar.Kind.H5X24))


def is_last_working_day_of_month(day: dt.date) -> bool:
    """True on the month's last working day (public holidays and make-up days respected)."""
    calendar = _working_days_calendar()
    if not calendar.hours_on(day):
        return False
    later = day + dt.timedelta(days=1)
    while later.month == day.month:
        if calendar.hours_on(later):
            return False
        later += dt.timedelta(days=1)
    return True


@transaction.atomic
def ship_defective_part(
    *,
    rma: Rma,
    carrier: str,
    waybill: str,
    by,
    shipped_at: dt.datetime | None = None,
    expected_status: str | None = None,
) -> Rma:
    """The defective part went back to the vendor: carrier and waybill recorded."""
    policy.require(by, perms.MANAGE_RMA)
    errors = {}
    if not (carrier or "").strip():
        errors["carrier"] = [_("This field is required.")]
    if not (waybill or "").strip():
        errors["waybill"] = [_("This field is required.")]
    if errors:
        raise PartsError(_("Enter the carrier and the waybill number."), fields=errors)
    shipped_at = shipped_at or timezone.now()
    if shipped_at > timezone.now() + dt.timedelta(minutes=5):
        raise _field_error("shipped_at", _("This cannot be in the future."))
    rma = RMA_WORKFLOW.apply(obj=rma, action="ship", by=by, expected=expected_status)
    rma.carrier, rma.waybill, rma.returned_at = carrier.strip()[:100], waybill.strip()[:64], shipped_at
    rma.save(update_fields=["carrier", "waybill", "returned_at"])
    if rma.case_id is not None:
        _record_on_case(rma.case, by=by, kind="parts.rma.returned", rma=rma.number, waybill=rma.waybill)
    return rma


@transaction.atomic
def cancel_rma(*, rma: Rma, by, reason: str) -> Rma:
    policy.require(by, perms.MANAGE_RMA)
    if not (reason or "").strip():
        raise _field_error("reason", _("Please say why."))
    return RMA_WORKFLOW.apply(obj=rma, action="cancel", by=by, text=reason)


# --- chargeable repairs (R1.3) -------------------------------------------------------------------


def charge_standard_for(customer_id: int) -> ChargeStandard | None:
    """The charge standard of the customer's latest contract, else the default one (as the
    entitlement's rate is chosen)."""
    latest = (
        ServiceContract.objects.filter(customer_id=customer_id, charge_standard__isnull=False)
        .select_related("charge_standard")
        .order_by("-end_date")
        .first()
    )
    if latest is not None:
        return latest.charge_standard
    return ChargeStandard.objects.filter(is_default=True).first()


@transaction.atomic
def offer_quote(*, case: Case, by, labour_hours: Decimal = Decimal("0"), visits: int = 0) -> Quote:
    """Quote a chargeable hardware repair: the charge standard's rate (12 % by default) of the
    equipment's contract price, plus the standard's hourly rate × hours and on-site fee × visits.
    Only for equipment outside warranty and contract, or any equipment when the cause is
    excluded (misuse, accident, force majeure). One live quote per case."""
    policy.require(by, perms.OFFER_QUOTE, case)
    case = Case.objects.select_for_update(of=("self",)).select_related("equipment__product_model").get(pk=case.pk)
    equipment = case.equipment
    if equipment is None:
        raise _field_error("equipment", _("The case names no equipment to quote for."))
    if not equipment.product_model.is_hardware:
        raise _field_error("equipment", _("Software products get no hardware quote."))
    if equipment.contract_price is None:
        raise _field_error("equipment", _("The equipment has no contract price to quote from."))
    entitlement = entitlement_for(equipment, on=timezone.localdate(), excluded_cause=case.excluded_cause)
    if entitlement.kind != EntitlementKind.CHARGEABLE:
        raise NotAllowed(
            _("This equipment is covered (%(cover)s): the repair is not charged.") % {"cover": entitlement.kind.label}
        )
    if not (Decimal("0") <= labour_hours <= Decimal("999")):
        raise _field_error("labour_hours", _("Enter hours from 0 to 999."))
    if not 0 <= visits <= 99:
        raise _field_error("visits", _("Enter a number of visits from 0 to 99."))
    standard = charge_standard_for(case.customer_id)
    lines = quote_lines(
        contract_price=equipment.contract_price,
        repair_rate=entitlement.repair_rate or Decimal("0.12"),
        hourly_rate=standard.hourly_rate if standard else Decimal("0"),
        labour_hours=labour_hours,
        on_site_fee=standard.on_site_fee if standard else Decimal("0"),
        visits=visits,
    )
    if case.quotes.filter(status__in=[Quote.Status.OFFERED, Quote.Status.ACCEPTED]).exists():
        raise Conflict(_("This case already has a quote offered or accepted."))
    quote = Quote.objects.create(
        case=case,
        customer_id=case.customer_id,
        equipment=equipment,
        entitlement=entitlement.kind,
        excluded_cause=case.excluded_cause,
        charge_standard=standard,
        contract_price=equipment.contract_price,
        repair_rate=entitlement.repair_rate or Decimal("0.12"),
        repair_amount=lines.repair,
        labour_hours=labour_hours,
        labour_amount=lines.labour,
        visits=visits,
        travel_amount=lines.travel,
        total=lines.total,
        offered_by=by,
    )
    data = {"quote": quote.number, "total": str(quote.total)}
    timeline.record(quote, actor=by, kind="parts.quote.offered", data=data)
    _record_on_case(case, by=by, kind="parts.quote.offered", public=True, **data)
    queue_customer_answer(case=case, what=ASK_QUOTE, reference=quote.number)
    return quote


@transaction.atomic
def answer_quote(
    *, quote: Quote, by, accept: bool, contact: Contact | None = None, expected_status: str | None = None
) -> Quote:
    """The customer accepts or declines the quote (portal, or recorded by the desk)."""
    _require_answerer(by, quote)
    who, channel = _answering_contact(by, quote, contact)
    quote = QUOTE_WORKFLOW.apply(obj=quote, action="accept" if accept else "decline", by=by, expected=expected_status)
    quote.answered_at, quote.answer_channel = timezone.now(), channel
    quote.answered_by_contact, quote.answer_recorded_by = who, by
    quote.save(update_fields=["answered_at", "answer_channel", "answered_by_contact", "answer_recorded_by"])
    kind = "parts.quote.accepted" if accept else "parts.quote.declined"
    _record_on_case(quote.case, by=by, kind=kind, public=True, quote=quote.number, channel=channel)
    return quote


@transaction.atomic
def withdraw_quote(*, quote: Quote, by, reason: str = "") -> Quote:
    policy.require(by, perms.OFFER_QUOTE, quote)
    quote = QUOTE_WORKFLOW.apply(obj=quote, action="withdraw", by=by, text=reason)
    _record_on_case(quote.case, by=by, kind="parts.quote.withdrawn", public=True, quote=quote.number)
    return quote


def parts_used(case: Case) -> list[dict]:
    """The parts issued to a case less those returned, with their unit prices (Decimal text)."""
    rows = (
        StockMovement.objects.filter(case=case, kind__in=[Kind.ISSUE, Kind.RETURN])
        .values("part_id", "part__part_number", "part__description", "part__unit_price")
        .annotate(net=-Sum("on_hand_delta"))
        .order_by("part__part_number")
    )
    return [
        {
            "part": row["part__part_number"],
            "description": row["part__description"],
            "quantity": row["net"],
            "unit_price": str(row["part__unit_price"]),
        }
        for row in rows
        if row["net"] > 0
    ]


def record_charge(case: Case) -> Charge | None:
    """At closure: the accepted quote and the parts used become one charge record, once."""
    quote = case.quotes.filter(status=Quote.Status.ACCEPTED).first()
    if quote is None or Charge.objects.filter(quote=quote).exists():
        return None
    lines = parts_used(case)
    parts_amount = sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal("0"))
    charge = Charge.objects.create(
        case=case,
        customer_id=case.customer_id,
        quote=quote,
        quoted_amount=quote.total,
        parts_amount=parts_amount,
        total=quote.total + parts_amount,
        parts=lines,
    )
    _record_on_case(case, by=None, kind="parts.charge.recorded", total=str(charge.total))
    return charge


def _charge_on_closure(sender, instance: Case, created: bool, **kwargs) -> None:
    # Every status change saves the case inside the workflow's transaction; a closing one
    # writes the charge in that same transaction.
    if not created and instance.status == Status.CLOSED:
        record_charge(instance)


def connect_signals() -> None:
    post_save.connect(_charge_on_closure, sender=Case, dispatch_uid="parts.charge_on_closure")


# --- return, exchange, refund (R6.3) -------------------------------------------------------------


def remedies_for(case: Case) -> frozenset[str]:
    """What the warranty or contract allows when the product cannot be repaired: in warranty a
    return, exchange or refund; under a maintenance contract an exchange; otherwise none."""
    if case.equipment_id is None or case.excluded_cause:
        return frozenset()
    entitlement = entitlement_for(case.equipment, on=timezone.localdate())
    return REMEDIES_BY_ENTITLEMENT.get(entitlement.kind, frozenset())


@transaction.atomic
def offer_return(*, case: Case, remedy: str, reason: str, by, refund_amount: Decimal | None = None) -> ReturnOffer:
    """Propose a return, exchange or refund for a product that cannot be repaired; a manager
    approves it (approvals mechanism) before the customer is asked."""
    policy.require(by, perms.OFFER_RETURN, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    allowed = remedies_for(case)
    if remedy not in allowed:
        raise _field_error("remedy", _("The warranty and contract of this equipment do not allow this remedy."))
    if not (reason or "").strip():
        raise _field_error("reason", _("Please say why."))
    if remedy == ReturnOffer.Remedy.REFUND and (refund_amount is None or refund_amount <= 0):
        raise _field_error("refund_amount", _("Enter the amount to refund."))
    if ReturnOffer.objects.filter(
        case=case, status__in=[ReturnOffer.Status.AWAITING_APPROVAL, ReturnOffer.Status.AWAITING_CONSENT]
    ).exists():
        raise Conflict(_("This case already has a return, exchange or refund under way."))
    equipment = case.equipment
    if equipment is None:  # remedies_for allowed none without equipment
        raise _field_error("remedy", _("The case names no equipment."))
    entitlement = entitlement_for(equipment, on=timezone.localdate())
    offer = ReturnOffer.objects.create(
        case=case,
        customer_id=case.customer_id,
        equipment=equipment,
        remedy=remedy,
        entitlement=entitlement.kind,
        reason=reason.strip()[:2000],
        refund_amount=refund_amount if remedy == ReturnOffer.Remedy.REFUND else None,
        offered_by=by,
    )
    approvals.request_approval(
        kind=RETURN_APPROVAL,
        subject=offer,
        by=by,
        evidence={"remedy": remedy, "entitlement": entitlement.kind, "refund_amount": str(refund_amount or "")},
        evidence_text=offer.reason,
    )
    _record_on_case(case, by=by, kind="parts.return.offered", remedy=remedy)
    return offer


@transaction.atomic
def decide_return(*, offer: ReturnOffer, by, approve: bool, note: str = "") -> ReturnOffer:
    """A manager approves or rejects the offer (the approvals mechanism's one decision)."""
    policy.require(by, perms.DECIDE_RETURN, offer)
    offer = ReturnOffer.objects.select_for_update().get(pk=offer.pk)
    pending = approvals.requests_for(offer, kind=RETURN_APPROVAL).filter(status="pending").first()
    if pending is None:
        raise Conflict(_("This request was already decided: %(status)s.") % {"status": offer.get_status_display()})
    approvals.decide(request=pending, by=by, approve=approve, note=note)
    offer.refresh_from_db()
    return offer


def _on_return_approved(request, by) -> None:
    offer = ReturnOffer.objects.get(pk=request.subject_id)
    RETURN_WORKFLOW.apply(obj=offer, action="approve", by=by, text=request.decision_note)
    _record_on_case(offer.case, by=by, kind="parts.return.approved", public=True, remedy=offer.remedy)
    queue_customer_answer(case=offer.case, what=ASK_RETURN, reference=f"R{offer.pk}")


def _on_return_rejected(request, by) -> None:
    offer = ReturnOffer.objects.get(pk=request.subject_id)
    RETURN_WORKFLOW.apply(obj=offer, action="reject", by=by, text=request.decision_note)
    _record_on_case(offer.case, by=by, kind="parts.return.rejected", remedy=offer.remedy)


@transaction.atomic
def answer_return(*, offer: ReturnOffer, by, agree: bool, contact: Contact | None = None) -> ReturnOffer:
    """The customer agrees to (or declines) the approved return, exchange or refund."""
    _require_answerer(by, offer)
    who, channel = _answering_contact(by, offer, contact)
    offer = RETURN_WORKFLOW.apply(obj=offer, action="agree" if agree else "refuse", by=by)
    offer.answered_at, offer.answer_channel, offer.answered_by_contact = timezone.now(), channel, who
    offer.save(update_fields=["answered_at", "answer_channel", "answered_by_contact"])
    kind = "parts.return.agreed" if agree else "parts.return.declined"
    _record_on_case(offer.case, by=by, kind=kind, public=True, remedy=offer.remedy, channel=channel)
    return offer


def _managers_of(request) -> list:
    users = users_with_role(Role.DEPT_MANAGER) | users_with_role(Role.CENTRE_MANAGER)
    return list(users.distinct())


def _case_of_request(request) -> dict:
    return {"case": ReturnOffer.objects.get(pk=request.subject_id).case}


def register_approvals() -> None:
    register_approval(
        Policy(
            kind=RETURN_APPROVAL,
            label=gettext_lazy("Return, exchange or refund"),
            deciders=MANAGERS | CLOSERS,
            requesters=lambda user, subject: policy.allowed(user, perms.OFFER_RETURN, subject),
            on_approve=_on_return_approved,
            on_reject=_on_return_rejected,
            on_requested=Notice(
                kind=RETURN_OFFER_APPROVAL,
                recipients=_managers_of,
                subject=lambda request: str(gettext_lazy("Return, exchange or refund to approve")),
                extra=_case_of_request,
            ),
        )
    )
