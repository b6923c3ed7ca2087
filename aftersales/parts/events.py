"""How spare-parts timeline entries read, in the reader's language (docs/timeline.md). The data
holds numbers, serials and choice values; the words are chosen here, at read time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.timeline.registry import Change, raw_text
from aftersales.timeline.registry import register as register_kind

LABELS = {
    "parts.request.filed": gettext_lazy("Part request filed"),
    "parts.request.confirmed": gettext_lazy("Part request confirmed by the customer"),
    "parts.request.declined": gettext_lazy("Part request declined by the customer"),
    "parts.request.issued": gettext_lazy("Part issued"),
    "parts.request.fitted": gettext_lazy("Part fitted"),
    "parts.request.cancelled": gettext_lazy("Part request cancelled"),
    "parts.rma.claimed": gettext_lazy("RMA claimed from the vendor"),
    "parts.rma.received": gettext_lazy("RMA good part received"),
    "parts.rma.returned": gettext_lazy("Defective part shipped to the vendor"),
    "parts.rma.return_warning": gettext_lazy("Defective part due back in two working days"),
    "parts.rma.overdue": gettext_lazy("Defective part not back in time"),
    "parts.quote.offered": gettext_lazy("Repair quote offered"),
    "parts.quote.accepted": gettext_lazy("Repair quote accepted"),
    "parts.quote.declined": gettext_lazy("Repair quote declined"),
    "parts.quote.withdrawn": gettext_lazy("Repair quote withdrawn"),
    "parts.charge.recorded": gettext_lazy("Charge recorded"),
    "parts.return.offered": gettext_lazy("Return, exchange or refund proposed"),
    "parts.return.approved": gettext_lazy("Return, exchange or refund approved"),
    "parts.return.rejected": gettext_lazy("Return, exchange or refund rejected"),
    "parts.return.agreed": gettext_lazy("Return, exchange or refund agreed by the customer"),
    "parts.return.declined": gettext_lazy("Return, exchange or refund declined by the customer"),
    "parts.request.status": gettext_lazy("Part request status"),
    "parts.rma.status": gettext_lazy("RMA status"),
    "parts.quote.status": gettext_lazy("Quote status"),
    "parts.return.status": gettext_lazy("Return, exchange or refund status"),
}


def _field_labels() -> dict[str, str]:
    return {
        "request": _("Part request"),
        "part": _("Part"),
        "quantity": _("Quantity"),
        "faulty_serial": _("Faulty serial number"),
        "good_serial": _("Good serial number"),
        "warehouse": _("Warehouse"),
        "rma": _("RMA number"),
        "number": _("RMA number"),
        "vendor": _("Vendor"),
        "waybill": _("Waybill number"),
        "quote": _("Quote"),
        "total": _("Total"),
        "remedy": _("Remedy"),
        "channel": _("Through"),
        "due_at": _("Due"),
    }


def _display(key: str, value: Any) -> str:
    from aftersales.parts.models import ConsentChannel, ReturnOffer

    if key == "due_at" and isinstance(value, str):
        import datetime as dt

        from django.utils import timezone

        try:
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    choices = {"remedy": ReturnOffer.Remedy, "channel": ConsentChannel}.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    return str(value)


def facts(data: Mapping[str, Any]) -> list[Change]:
    """Each recorded fact as a line: its label and value (nothing before)."""
    labels = _field_labels()
    return [Change(labels[key], "", _display(key, value)) for key, value in data.items() if key in labels]


def status_changes(model_path: str):
    def render(data: Mapping[str, Any]) -> list[Change]:
        from django.apps import apps

        model = apps.get_model(model_path)
        status = model.Status
        before, after = data.get("from", ""), data.get("to", "")
        shown = [str(status(v).label) if v in status.values else str(v) for v in (before, after)]
        return [Change(_("status"), shown[0], shown[1])]

    return render


def register() -> None:
    statuses = {
        "parts.request.status": "parts.PartRequest",
        "parts.rma.status": "parts.Rma",
        "parts.quote.status": "parts.Quote",
        "parts.return.status": "parts.ReturnOffer",
    }
    for kind, label in LABELS.items():
        changes = status_changes(statuses[kind]) if kind in statuses else facts
        register_kind(kind, label=label, changes=changes, text=raw_text)
