"""Forms of the field pages: parse what the phone sent, nothing more (the services decide)."""

from __future__ import annotations

import base64
import binascii
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.core.forms import DateTimeField
from aftersales.field.models import ReportKind, TestResult, Visit
from aftersales.field.permissions import SENT
from aftersales.field.services import MAX_SIGNATURE_BYTES, parse_materials
from aftersales.field.workflow import BY_ACTION

DATA_URL_PREFIX = "data:image/png;base64,"
MATERIAL_ROWS = 4


def engineers():
    """The people who can be sent on site."""
    return policy.holders(SENT).order_by("display_name", "username")


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DispatchForm(forms.Form):
    engineers = forms.ModelMultipleChoiceField(
        label=_("Engineers"), queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple
    )
    planned_departure_at = DateTimeField(label=_("Planned departure"), widget=LocalDateTimeInput())
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["engineers"]
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.queryset = engineers()


class MoveForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, move.label) for name, move in BY_ACTION.items()])
    expected_status = forms.ChoiceField(choices=Visit.Status.choices, required=False)
    text = forms.CharField(label=_("Text"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirmed_by = forms.CharField(label=_("Confirmed by (name)"), max_length=100, required=False)
    confirmed_kind = forms.ChoiceField(
        label=_("Who confirms"), choices=Visit.ConfirmedBy.choices, required=False, initial=Visit.ConfirmedBy.CUSTOMER
    )
    # From the browser's Geolocation API when it allows it; never required.
    latitude = forms.CharField(max_length=40, required=False)
    longitude = forms.CharField(max_length=40, required=False)
    accuracy = forms.CharField(max_length=40, required=False)


class SignatureField(forms.CharField):
    """A drawn signature as the canvas hands it over: a PNG data URL, decoded to bytes (the
    service checks the image itself)."""

    default_error_messages = {
        "format": _("The signature must be a PNG image."),
        "size": _("The signature image is too large."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput())
        kwargs.setdefault("error_messages", {"required": _("Please sign.")})
        super().__init__(strip=True, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > len(DATA_URL_PREFIX) + MAX_SIGNATURE_BYTES * 4 // 3 + 4:
            raise forms.ValidationError(self.error_messages["size"], code="size")
        if not text.startswith(DATA_URL_PREFIX):
            raise forms.ValidationError(self.error_messages["format"], code="format")
        try:
            return base64.b64decode(text[len(DATA_URL_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(self.error_messages["format"], code="format") from None


class ReportForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput(), initial=uuid.uuid4)
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    started_at = DateTimeField(label=_("Work started"), widget=LocalDateTimeInput())
    finished_at = DateTimeField(label=_("Work finished"), widget=LocalDateTimeInput())
    work_done = forms.CharField(label=_("Work done"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    test_result = forms.ChoiceField(label=_("Test result"), choices=TestResult.choices)
    test_notes = forms.CharField(
        label=_("Test notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    open_points = forms.CharField(
        label=_("Open points (遗留问题), one per line"),
        help_text=_("Each line opens a new case for the customer."),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_signer = forms.CharField(label=_("Customer's name"), max_length=100)
    customer_signature = SignatureField(label=_("Customer's signature"))
    engineer_signature = SignatureField(label=_("Engineer's signature"))

    def __init__(self, *args, visit: Visit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and visit is not None:
            start = visit.arrived_at or timezone.now()
            self.initial.setdefault("started_at", timezone.localtime(start).replace(second=0, microsecond=0))
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("finished_at", now)
            self.initial.setdefault("work_done", visit.work_done)
            self.initial.setdefault("customer_signer", visit.result_confirmed_by or visit.symptom_confirmed_by)
        self.materials: list = []

    def clean(self):
        cleaned = super().clean()
        rows = []
        data = self.data
        names = data.getlist("material_name") if hasattr(data, "getlist") else []
        parts = data.getlist("material_part_number") if hasattr(data, "getlist") else []
        serials = data.getlist("material_serial_number") if hasattr(data, "getlist") else []
        quantities = data.getlist("material_quantity") if hasattr(data, "getlist") else []
        for index, name in enumerate(names[:50]):
            rows.append(
                {
                    "name": name,
                    "part_number": parts[index] if index < len(parts) else "",
                    "serial_number": serials[index] if index < len(serials) else "",
                    "quantity": quantities[index] if index < len(quantities) else "",
                }
            )
        self.materials, errors = parse_materials(rows)
        if errors:
            self.add_error(None, errors)
        return cleaned

    def open_point_lines(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("open_points") or "").splitlines() if line.strip()]
