"""The case timeline on the timeline mechanism: how case entries are recorded and how they read.

Every row of a case's timeline is written by `record_case_event` (or `case_event`, for many at
once), which stores machine-readable data: `changes` as {field name: [before, after]} in raw
values (ids, choice values, ISO times), the people's words under `text`. `register()` tells the
timeline how each case kind reads, in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from aftersales.cases.models import Act, Case, CaseEvent, EventKind, SuspensionRequest
from aftersales.deadlines import registry as deadline_kinds
from aftersales.timeline import services as timeline
from aftersales.timeline.models import Entry
from aftersales.timeline.registry import Change, raw_text
from aftersales.timeline.registry import register as register_kind
from aftersales.timeline.rendering import model_changes

case_changes = model_changes(Case)


def record_case_event(
    case: Case, *, by, kind: EventKind, public: bool = False, at: dt.datetime | None = None, **data: Any
) -> CaseEvent:
    """Append one entry to the case's timeline (timeline.record's guarantees), returned as a
    CaseEvent. `data` is machine-readable: `changes` {field: [before, after]} in raw values,
    `text` a person's words, `from_status`/`to_status` status values."""
    entry = timeline.record(case, actor=by, kind=kind, data=_clean(data), public=public, at=at)
    return CaseEvent.of(entry)


def case_event(
    case_id: int, *, by=None, kind: EventKind, public: bool = False, at: dt.datetime | None = None, **data: Any
) -> Entry:
    """An unsaved case entry for `timeline.record_many` (a sweep that knows only case ids)."""
    return timeline.build((Case, case_id), actor=by, kind=kind, data=_clean(data), public=public, at=at)


def _clean(data: Mapping[str, Any]) -> dict:
    return {key: value for key, value in data.items() if value not in ("", None, {})}


def raw_pair(model_value) -> Any:
    """A field's raw value for `changes`: the id of a related object, the value itself otherwise."""
    return getattr(model_value, "pk", model_value)


# --- reading -----------------------------------------------------------------------------


def _clock_changes(data: Mapping[str, Any]) -> list[Change]:
    lines = []
    if data.get("act") in Act.values:
        lines.append(Change(_("act"), "", str(Act(data["act"]).label)))
    return lines + case_changes(data)


def _breach_due(data: Mapping[str, Any]) -> tuple[str, str] | None:
    due_at = parse_datetime(data.get("due_at") or "")
    if due_at is None or "clock" not in data:
        return None
    # The clock's label as its owner declared the kind to the deadlines mechanism (aftersales.sla).
    return deadline_kinds.label(data["clock"]), timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")


# Worded as the sweep has always worded it (aftersales.sla.services.BREACH_TEXT).
BREACH_TEXT = "%(clock)s target missed (due %(due)s)."


def _breach_changes(data: Mapping[str, Any]) -> list[Change]:
    due = _breach_due(data)
    if due is None:
        return case_changes(data)
    label, when = due
    return [Change(label, _("due %(due)s") % {"due": when}, _("Breached"))]


def _breach_text(data: Mapping[str, Any]) -> str:
    due = _breach_due(data)
    if due is None:
        return raw_text(data)
    return _(BREACH_TEXT) % {"clock": due[0], "due": due[1]}


def _when(value: Any) -> str:
    moment = parse_datetime(value or "")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _suspension_text(data: Mapping[str, Any]) -> str:
    """A suspension request or its rejection, worded now (older entries kept their words in `text`)."""
    step = data.get("suspension")
    if step == "requested":
        channel = data.get("consent_channel") or ""
        channels = SuspensionRequest.ConsentChannel
        how = str(channels(channel).label) if channel in channels.values else channel
        return (
            _("Suspension requested: %(reason)s\nCustomer's consent: %(who)s, %(how)s, %(when)s")
            % {
                "reason": data.get("text", ""),
                "who": data.get("consent_by", ""),
                "how": how,
                "when": _when(data.get("consent_at")),
            }
            + "\n"
            + _("Expected end: %(end)s") % {"end": _when(data.get("expected_end_at"))}
        )
    if step == "rejected":
        return _("Suspension rejected: %(note)s") % {"note": data.get("text") or "—"}
    return raw_text(data)


def _entered_late_text(data: Mapping[str, Any]) -> str:
    called, entered = parse_datetime(data.get("called_at") or ""), parse_datetime(data.get("entered_at") or "")
    if called is None or entered is None:
        return raw_text(data)
    return _("Taken at %(called)s, entered at %(entered)s; the clocks run from the time of the call.") % {
        "called": timezone.localtime(called).strftime("%Y-%m-%d %H:%M"),
        "entered": timezone.localtime(entered).strftime("%Y-%m-%d %H:%M"),
    }


SPECIAL = {
    EventKind.ENTERED_LATE: {"text": _entered_late_text},
    EventKind.CLOCK: {"changes": _clock_changes},
    EventKind.BREACHED: {"changes": _breach_changes, "text": _breach_text},
    EventKind.SUSPENSION: {"text": _suspension_text},
}


def register() -> None:
    """Declare every case kind to the timeline (called from CasesConfig.ready)."""
    for kind in EventKind:
        register_kind(kind.value, label=kind.label, **{"changes": case_changes, **SPECIAL.get(kind, {})})
