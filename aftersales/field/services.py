"""Every operation that changes a visit or writes a service report. Each runs in one
transaction, is checked by the policy, records its history on the timeline (the visit's and the
case's), and queues its notifications and documents to go out once it commits. Pages, the API
and the demo call these functions.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases import services as case_services
from aftersales.cases.models import OPEN_STATUSES, Case, Severity, Status
from aftersales.documents.models import Audience
from aftersales.documents.services import request_document
from aftersales.field import events, notices
from aftersales.field.models import OpenPoint, ReportKind, ServiceReport, TestResult, Visit
from aftersales.field.permissions import DISPATCH, REPORT, SENT
from aftersales.field.workflow import VISIT_WORKFLOW, VisitError

SERVICE_REPORT_DOCUMENT = "service_report"
# A drawn signature is a few kilobytes; anything near this is not a signature.
MAX_SIGNATURE_BYTES = 200_000
MAX_SIGNATURE_SIDE = 3000
MAX_MATERIAL_LINES = 50
MAX_OPEN_POINTS = 20
# An open point is usually a lesser problem than the fault the visit fixed.
OPEN_POINT_SEVERITY = Severity.C
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Cases a visit may still be dispatched to: open ones, and resolved ones awaiting confirmation.
DISPATCHABLE = OPEN_STATUSES | {Status.RESOLVED}


# --- visits -------------------------------------------------------------------------------------


@transaction.atomic
def dispatch_visit(
    *, case: Case, by, engineers: Sequence, planned_departure_at: dt.datetime, purpose: str = ""
) -> Visit:
    """Send one or more engineers to the case's site, leaving at `planned_departure_at` (R5.1).

    Guarantees: the dispatcher holds `field.dispatch`; every engineer is an active engineer;
    the case is open (or resolved, awaiting confirmation); the visit and a public entry on the
    visit's and the case's timelines are written together, and each engineer is told."""
    policy.require(by, DISPATCH, case)
    errors: dict[str, list[str]] = {}
    people = list({user.pk: user for user in engineers}.values())
    if not people:
        errors["engineers"] = [_("Choose at least one engineer.")]
    elif any(not policy.allowed(user, SENT) for user in people):
        errors["engineers"] = [_("Only active engineers can be sent on site.")]
    if planned_departure_at is None:
        errors["planned_departure_at"] = [_("This field is required.")]
    purpose = (purpose or "").strip()
    if len(purpose) > 200:
        errors["purpose"] = [_("Ensure this value has at most 200 characters.")]
    if errors:
        raise VisitError(_("Please correct the errors below."), fields=errors)
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.status not in DISPATCHABLE:
        raise VisitError(
            _("Engineers cannot be sent to a case that is “%(status)s”.") % {"status": locked.get_status_display()}
        )
    visit = Visit.objects.create(
        case=locked, planned_departure_at=planned_departure_at, purpose=purpose, dispatched_by=by
    )
    visit.engineers.set(people)
    events.record_dispatch(visit, by=by)
    notices.queue_visit_planned(visit, recipients=people)
    return visit


def parse_position(latitude, longitude, accuracy=None) -> tuple[Decimal, Decimal, int | None] | None:
    """The phone's position as stored, or None when the browser gave none or gave nonsense:
    a position is a help for the manager, never a reason to refuse a check-in."""
    if latitude in (None, "") or longitude in (None, ""):
        return None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    try:
        metres = round(float(accuracy)) if accuracy not in (None, "") else None
    except (ValueError, TypeError, OverflowError):
        metres = None
    if metres is not None and not 0 <= metres <= 1_000_000:
        metres = None
    return lat, lng, metres


def move_visit(
    *,
    visit: Visit,
    action: str,
    by,
    expected_status: str | None = None,
    text: str = "",
    confirmed_by: str = "",
    confirmed_kind: str = "",
    position: tuple | None = None,
) -> Visit:
    """Move `visit` by `action` (depart, arrive, confirm_symptom, complete, confirm_result,
    check_out, cancel) through the visit's transition table, which checks the state, the role,
    the policy and the action's own conditions and refuses with a message (docs/field.md)."""
    params: dict[str, object] = {"confirmed_by": confirmed_by or "", "confirmed_kind": confirmed_kind or ""}
    if position is not None:
        params["position"] = position
    return VISIT_WORKFLOW.apply(obj=visit, action=action, by=by, expected=expected_status, text=text, **params)


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    name: str
    quantity: int
    part_number: str = ""
    serial_number: str = ""


REPORTABLE = frozenset({Visit.Status.COMPLETED, Visit.Status.CONFIRMED, Visit.Status.CHECKED_OUT})


def submit_report(
    *,
    visit: Visit,
    by,
    idempotency_key: uuid.UUID | str,
    kind: str,
    work_done: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    test_result: str,
    customer_signer: str,
    customer_signature: bytes,
    engineer_signature: bytes,
    materials: Iterable[Material] = (),
    test_notes: str = "",
    open_points: Iterable[str] = (),
) -> ServiceReport:
    """Write the signed service report of `visit` (R5.2), once.

    Guarantees: the same `idempotency_key` never makes two reports — a second submission (a
    retry after a dropped connection, or two at once) returns the first report; a visit has at
    most one report of each kind. The signatures are PNG images of a sane size that are not
    blank. In one transaction: the report, its open points, each open point's new case linked
    to this one (R5.3), the entries on the report's, the visit's and the case's timelines; a
    visit whose work was completed counts its result as confirmed by the signing customer. Once
    committed, the PDF is rendered in the worker and e-mailed to the case's contact with it.
    """
    policy.require(by, REPORT, visit)
    key = _key(idempotency_key)
    try:
        with transaction.atomic():
            return _submit(
                visit=visit,
                by=by,
                key=key,
                fields={
                    "kind": kind,
                    "work_done": (work_done or "").strip(),
                    "started_at": started_at,
                    "finished_at": finished_at,
                    "test_result": test_result,
                    "test_notes": (test_notes or "").strip(),
                    "customer_signer": (customer_signer or "").strip(),
                },
                signatures={"customer_signature": customer_signature, "engineer_signature": engineer_signature},
                materials=list(materials),
                open_points=[text.strip() for text in open_points if text and text.strip()],
            )
    except IntegrityError:
        # Two submissions with one key at once: the other committed first; its report is ours.
        existing = ServiceReport.objects.filter(idempotency_key=key, visit=visit).first()
        if existing is None:
            raise
        return existing


def _key(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise VisitError(
            _("The form is incomplete. Reload the page and try again."),
            fields={"idempotency_key": [_("Enter a valid UUID.")]},
        ) from None


def _submit(*, visit, by, key, fields, signatures, materials, open_points) -> ServiceReport:
    existing = _same_submission(key, visit)
    if existing is not None:
        return existing
    _validate_report(fields, signatures, materials, open_points)
    # Reports of one visit queue up behind its row: the second of two submissions finds the first.
    locked = Visit.objects.select_for_update(of=("self",)).select_related("case").get(pk=visit.pk)
    existing = _same_submission(key, locked)
    if existing is not None:
        return existing
    if locked.status not in REPORTABLE:
        raise VisitError(
            _("The report is written once the work is completed (the visit is “%(state)s”).")
            % {"state": locked.get_status_display()}
        )
    if ServiceReport.objects.filter(visit=locked, kind=fields["kind"]).exists():
        raise VisitError(
            _("This visit already has a report of this kind."),
            fields={"kind": [_("Choose another kind of report, or open the one already submitted.")]},
        )
    report = ServiceReport.objects.create(
        visit=locked,
        idempotency_key=key,
        engineer=by,
        materials=[material.__dict__ for material in materials],
        **fields,
        **signatures,
    )
    events.record_report(report, by=by)
    if locked.status == Visit.Status.COMPLETED:
        # The customer's signature under the result is their confirmation of it (R5.1).
        VISIT_WORKFLOW.apply(
            obj=locked,
            action="confirm_result",
            by=by,
            confirmed_by=fields["customer_signer"],
            confirmed_kind=Visit.ConfirmedBy.CUSTOMER,
        )
    for position, text in enumerate(open_points, start=1):
        _open_case_for_point(report, position=position, text=text, by=by)
    document = request_document(
        kind=SERVICE_REPORT_DOCUMENT,
        subject=report,
        language=notices.customer_language(locked.case),
        audience=Audience.CUSTOMER,
        by=by,
    )
    notices.queue_report_mail(report, document=document)
    return report


def _same_submission(key: uuid.UUID, visit: Visit) -> ServiceReport | None:
    existing = ServiceReport.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.visit_id != visit.pk:
        raise VisitError(_("The form is incomplete. Reload the page and try again."))
    return existing


def _open_case_for_point(report: ServiceReport, *, position: int, text: str, by) -> OpenPoint:
    """遗留问题 → a new case of the same customer and equipment, linked both ways (R5.3)."""
    case = report.visit.case
    point = OpenPoint.objects.create(report=report, position=position, text=text)
    with translation.override(notices.customer_language(case)):
        description = _("Open point %(position)s of the %(report)s of case %(case)s:\n%(text)s") % {
            "position": position,
            "report": report.get_kind_display(),
            "case": case.number,
            "text": text,
        }
    new_case = case_services.open_case(
        customer=case.customer,
        by=by,
        title=" ".join(text.split())[:200],
        description=description,
        kind=case.kind,
        severity=OPEN_POINT_SEVERITY,
        channel=case.channel,
        contact=case.contact,
        site=case.site,
        equipment=case.equipment,
    )
    case_services.link_follow_up(case=new_case, of=case, by=by)
    point.case = new_case
    point.save(update_fields=["case"])
    events.record_open_point(report, by=by, case_number=new_case.number, text=text)
    return point


def _validate_report(fields: dict, signatures: dict, materials: list, open_points: list) -> None:
    errors: dict[str, list[str]] = {}
    required = _("This field is required.")
    if fields["kind"] not in ReportKind.values:
        errors["kind"] = [_("Choose one of the listed kinds.")]
    if fields["test_result"] not in TestResult.values:
        errors["test_result"] = [_("Choose one of the listed results.")]
    for name, limit in (("work_done", 10000), ("test_notes", 5000), ("customer_signer", 100)):
        if len(fields[name]) > limit:
            errors[name] = [_("Ensure this value has at most %(limit)s characters.") % {"limit": limit}]
    for name in ("work_done", "customer_signer"):
        if not fields[name]:
            errors[name] = [required]
    errors.update(_time_errors(fields["started_at"], fields["finished_at"]))
    for name, data in signatures.items():
        problem = signature_problem(data)
        if problem:
            errors[name] = [problem]
    if len(materials) > MAX_MATERIAL_LINES:
        errors["materials"] = [_("At most %(count)s lines.") % {"count": MAX_MATERIAL_LINES}]
    elif any(not isinstance(line, Material) for line in materials):
        errors["materials"] = [_("Each line needs a name and a quantity.")]
    if len(open_points) > MAX_OPEN_POINTS:
        errors["open_points"] = [_("At most %(count)s open points.") % {"count": MAX_OPEN_POINTS}]
    elif any(len(text) > 2000 for text in open_points):
        errors["open_points"] = [_("Ensure each open point has at most 2000 characters.")]
    if errors:
        raise VisitError(_("Please correct the errors below."), fields=errors)


def _time_errors(started_at, finished_at) -> dict[str, list[str]]:
    if started_at is None or finished_at is None:
        return {
            name: [_("This field is required.")]
            for name, value in (("started_at", started_at), ("finished_at", finished_at))
            if value is None
        }
    if finished_at < started_at:
        return {"finished_at": [_("The work cannot finish before it started.")]}
    if finished_at > timezone.now() + CLOCK_SKEW:
        return {"finished_at": [_("This time is in the future.")]}
    return {}


def signature_problem(data: bytes | None) -> str:
    """Why `data` is not a usable drawn signature, or "": a PNG image, at most
    MAX_SIGNATURE_BYTES and MAX_SIGNATURE_SIDE pixels a side, with something drawn on it."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        return _("Please sign.")
    if len(data) > MAX_SIGNATURE_BYTES:
        return _("The signature image is too large.")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _("The signature must be a PNG image.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIGNATURE_SIDE:
                return _("The signature image is too large.")
            image.load()
            drawn = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _("The signature must be a PNG image.")
    alpha = drawn.getchannel("A")
    if alpha.getbbox() is None:
        return _("Please sign.")
    low, high = drawn.convert("L").getextrema()
    if alpha.getextrema()[0] == 255 and low == high:
        return _("Please sign.")
    return ""


def parse_materials(rows: Iterable[dict]) -> tuple[list[Material], list[str]]:
    """Material lines from a form or the API: (lines, errors). Empty rows are left out."""
    lines, errors = [], []
    for number, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        part_number = str(row.get("part_number") or "").strip()
        serial_number = str(row.get("serial_number") or "").strip()
        raw_quantity = row.get("quantity")
        if not (name or part_number or serial_number) and raw_quantity in (None, "", 0, "0", 1, "1"):
            continue
        try:
            quantity = int(str(raw_quantity).strip() or "1") if raw_quantity is not None else 1
        except ValueError:
            quantity = 0
        if not name:
            errors.append(_("Line %(line)s: enter the part or material.") % {"line": number})
        elif not 1 <= quantity <= 9999:
            errors.append(_("Line %(line)s: the quantity is a whole number from 1 to 9999.") % {"line": number})
        elif len(name) > 100 or len(part_number) > 50 or len(serial_number) > 100:
            errors.append(_("Line %(line)s is too long.") % {"line": number})
        else:
            lines.append(Material(name, quantity, part_number, serial_number))
    return lines, errors
