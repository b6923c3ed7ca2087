"""The history of visits and reports on the timeline mechanism, and how its entries read.

Every move of a visit is an entry on the visit (`field.visit.<action>`) and, because the case's
reader needs to know who was on site when, on the case too (`field.case.visit`): public, with
the visit's id, the action and the words the engineer wrote — never the position. A report and
its open points are entries on the report and on the case (and on each case an open point
opened, through `cases.services.link_follow_up`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.field.models import ServiceReport, Visit
from aftersales.timeline import services as timeline
from aftersales.timeline.registry import Change, raw_text
from aftersales.timeline.registry import register as register_kind
from aftersales.timeline.rendering import model_changes

DISPATCHED = "field.visit.dispatched"
CASE_VISIT = "field.case.visit"
REPORTED = "field.report.submitted"
CASE_REPORT = "field.case.report"
OPEN_POINT = "field.report.open_point"

# The label of each move's entry, by action (the visit's and the case's read alike).
ACTION_LABELS = {
    "dispatched": gettext_lazy("Engineers dispatched"),
    "depart": gettext_lazy("Engineer departed"),
    "arrive": gettext_lazy("Engineer checked in on site"),
    "confirm_symptom": gettext_lazy("Customer confirmed the symptom"),
    "complete": gettext_lazy("On-site work completed"),
    "confirm_result": gettext_lazy("Result confirmed"),
    "check_out": gettext_lazy("Engineer checked out"),
    "cancel": gettext_lazy("Visit cancelled"),
}


def record_move(visit: Visit, *, by, action: str, before: str, text: str, at: dt.datetime) -> None:
    """One move of `visit` on its own timeline and on its case's (in the move's transaction)."""
    data: dict[str, Any] = {"changes": {"status": [before, visit.status]}}
    if text:
        data["text"] = text
    confirmed_by = visit.result_confirmed_by if action == "confirm_result" else ""
    if action == "confirm_symptom":
        confirmed_by = visit.symptom_confirmed_by
    if confirmed_by:
        data["confirmed_by"] = confirmed_by
    if action == "confirm_result":
        data["confirmed_kind"] = visit.result_confirmed_kind
    timeline.record(visit, actor=by, kind=f"field.visit.{action}", data=data, public=True, at=at)
    case_data = {"visit": visit.pk, "action": action, **{k: v for k, v in data.items() if k != "changes"}}
    timeline.record(visit.case, actor=by, kind=CASE_VISIT, data=case_data, public=True, at=at)


def record_dispatch(visit: Visit, *, by) -> None:
    data = {
        "planned_departure_at": visit.planned_departure_at.isoformat(),
        "engineers": sorted(visit.engineers.values_list("pk", flat=True)),
    }
    if visit.purpose:
        data["text"] = visit.purpose
    timeline.record(visit, actor=by, kind=DISPATCHED, data=data, public=True)
    timeline.record(
        visit.case, actor=by, kind=CASE_VISIT, data={"visit": visit.pk, "action": "dispatched", **data}, public=True
    )


def record_report(report: ServiceReport, *, by) -> None:
    data = {"report": report.pk, "kind": report.kind, "visit": report.visit_id}
    timeline.record(report, actor=by, kind=REPORTED, data=data, public=True)
    timeline.record(report.visit, actor=by, kind=REPORTED, data=data, public=True)
    timeline.record(report.visit.case, actor=by, kind=CASE_REPORT, data=data, public=True)


def record_open_point(report: ServiceReport, *, by, case_number: str, text: str) -> None:
    timeline.record(report, actor=by, kind=OPEN_POINT, data={"case": case_number, "text": text}, public=True)


# --- reading ----------------------------------------------------------------------------------


def _case_visit_label(data: Mapping[str, Any]) -> str:
    label = ACTION_LABELS.get(data.get("action", ""))
    return str(label) if label else _("Visit")


def _case_visit_text(data: Mapping[str, Any]) -> str:
    words = [_("Visit %(visit)s") % {"visit": data.get("visit", "?")}, f"· {_case_visit_label(data)}"]
    if data.get("confirmed_by"):
        words.append("· " + _("confirmed by %(name)s") % {"name": data["confirmed_by"]})
    if data.get("text"):
        words.append(f"\n{data['text']}")
    return " ".join(words)


def _report_text(data: Mapping[str, Any]) -> str:
    from aftersales.field.models import ReportKind

    kind = data.get("kind", "")
    label = str(ReportKind(kind).label) if kind in ReportKind.values else kind
    return _("%(kind)s of visit %(visit)s") % {"kind": label, "visit": data.get("visit", "?")}


def _open_point_changes(data: Mapping[str, Any]) -> list[Change]:
    return [Change(_("case opened"), "", str(data.get("case", "")))]


def _confirmed_changes(data: Mapping[str, Any]) -> list[Change]:
    lines = visit_changes(data)
    if data.get("confirmed_by"):
        lines.append(Change(_("confirmed by"), "", str(data["confirmed_by"])))
    kind = data.get("confirmed_kind", "")
    if kind in Visit.ConfirmedBy.values:
        lines.append(Change(_("confirmation"), "", str(Visit.ConfirmedBy(kind).label)))
    return lines


visit_changes = model_changes(Visit)


def register() -> None:
    """Declare the field kinds to the timeline (called from FieldConfig.ready)."""
    for action, label in ACTION_LABELS.items():
        kind = DISPATCHED if action == "dispatched" else f"field.visit.{action}"
        register_kind(kind, label=label, changes=_confirmed_changes, text=raw_text)
    register_kind(CASE_VISIT, label=gettext_lazy("On-site visit"), text=_case_visit_text)
    register_kind(REPORTED, label=gettext_lazy("Service report submitted"), text=_report_text)
    register_kind(CASE_REPORT, label=gettext_lazy("Service report submitted"), text=_report_text)
    register_kind(
        OPEN_POINT, label=gettext_lazy("Open point became a case"), changes=_open_point_changes, text=raw_text
    )
