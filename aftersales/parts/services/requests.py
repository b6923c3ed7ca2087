"""Part requests (备件申请表): filed, confirmed by the customer, served, fitted, cancelled; the
case moves to RMA-Pend and back by itself."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.accounts.roles import Role
from aftersales.cases.models import Case, Status
from aftersales.cases.services import transition as move_case
from aftersales.cases.workflow import CASE_WORKFLOW
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Contact, Site
from aftersales.installed_base.models import Equipment
from aftersales.installed_base.services import record_part_swap
from aftersales.notifications.services import queue_notification, users_with_role
from aftersales.parts import permissions as perms
from aftersales.parts.models import (
    WAITING_REQUEST_STATUSES,
    Part,
    PartRequest,
    Rma,
    Warehouse,
)
from aftersales.parts.notices import (
    ASK_PART_REQUEST,
    PART_REQUEST,
    queue_customer_answer,
)
from aftersales.parts.services.common import (
    PartsError,
    _answering_contact,
    _clean_serial,
    _field_error,
    _record_on_case,
    _require_answerer,
    _require_quote_if_chargeable,
)
from aftersales.parts.services.stock import Kind, _move
from aftersales.parts.workflow import PART_REQUEST_WORKFLOW
from aftersales.timeline import services as timeline

# --- part requests (备件申请表) -------------------------------------------------------------------

FILING_STATUSES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_PARTS})


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
        if user is not None and Status.IN_PROGRESS in move.sources and policy.allowed(user, "cases.wait_parts", case):
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
