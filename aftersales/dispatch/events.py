"""How dispatch's timeline entries read (on a case, or on a shift), in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.cases.models import Case
from aftersales.dispatch.models import Handling, RemoteAuthorisation, Shift, VendorCase
from aftersales.timeline.registry import register
from aftersales.timeline.rendering import model_changes


def _when(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _proposed_text(data: Mapping[str, Any]) -> str:
    from django.contrib.auth import get_user_model

    from aftersales.dispatch.services.assignment import describe

    owner = get_user_model().objects.filter(pk=int(data["owner"])).first() if data.get("owner") else None
    who = str(owner) if owner else _("nobody")
    return _("Proposed: %(who)s (%(why)s)") % {"who": who, "why": describe(dict(data))}


def _authorised_text(data: Mapping[str, Any]) -> str:
    channel = data.get("channel", "")
    how = str(RemoteAuthorisation.Channel(channel).label) if channel in RemoteAuthorisation.Channel.values else channel
    return _("Given by %(who)s (%(how)s) at %(at)s, valid until %(until)s.") % {
        "who": data.get("granted_by", ""),
        "how": how,
        "at": _when(data.get("granted_at")),
        "until": _when(data.get("valid_until")),
    }


def _remote_text(data: Mapping[str, Any]) -> str:
    line = _("Under the authorisation given by %(who)s.") % {"who": data.get("granted_by", "")}
    return f"{line}\n{data['text']}" if data.get("text") else line


def _vendor_case_text(data: Mapping[str, Any]) -> str:
    kind = data.get("kind", "")
    label = str(VendorCase.Kind(kind).label) if kind in VendorCase.Kind.values else kind
    return f"{label}: {data.get('vendor', '')} {data.get('number', '')}".strip()


def _vendor_update_text(data: Mapping[str, Any]) -> str:
    head = f"{data.get('vendor', '')} {data.get('number', '')}".strip()
    closed = f" ({_('closed')})" if data.get("closed") else ""
    return f"{head}{closed}: {data.get('text', '')}"


def _handover_decided_text(data: Mapping[str, Any]) -> str:
    verdict = _("Accepted") if data.get("accepted") else _("Refused")
    return f"{verdict}: {data['text']}" if data.get("text") else str(verdict)


def register_kinds() -> None:
    shift_changes = model_changes(Shift)
    case_changes = model_changes(Case)
    register("dispatch.shift.planned", label=gettext_lazy("Shift planned"), changes=shift_changes)
    register("dispatch.shift.changed", label=gettext_lazy("Shift changed"), changes=shift_changes)
    register("dispatch.shift.swapped", label=gettext_lazy("Shift taken over"), changes=shift_changes)
    register("dispatch.proposed", label=gettext_lazy("Assignment proposed"), changes=lambda d: [], text=_proposed_text)
    register("dispatch.authorised", label=gettext_lazy("Remote-login authorisation recorded"), text=_authorised_text)
    register("dispatch.handling", label=gettext_lazy("Handling mode"), changes=model_changes(Handling))
    register("dispatch.remote_login", label=gettext_lazy("Remote login"), changes=lambda d: [], text=_remote_text)
    register("dispatch.tier", label=gettext_lazy("Tier changed"), changes=case_changes)
    register("dispatch.vendor_case", label=gettext_lazy("Vendor case opened"), text=_vendor_case_text)
    register("dispatch.vendor_update", label=gettext_lazy("Vendor case update"), text=_vendor_update_text)
    register("dispatch.handover.requested", label=gettext_lazy("Handover requested"), changes=case_changes)
    register(
        "dispatch.handover.decided",
        label=gettext_lazy("Handover decided"),
        changes=lambda d: [],
        text=_handover_decided_text,
    )
    register("dispatch.handover.withdrawn", label=gettext_lazy("Handover withdrawn"), changes=lambda d: [])
    register("dispatch.handover.overdue", label=gettext_lazy("Handover not decided in time"), changes=lambda d: [])
    register("dispatch.unassigned.overdue", label=gettext_lazy("Case still unassigned"), changes=lambda d: [])
