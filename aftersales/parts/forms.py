"""The spare-parts forms: each parses one operation's fields for a page; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.parts.models import MAX_QUANTITY, Part, ReturnOffer, StockMovement, Warehouse
from aftersales.parts.services import MANUAL_KINDS


def _warehouses():
    return Warehouse.objects.filter(is_active=True)


class PartRequestForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)
    faulty_serial = forms.CharField(label=_("Faulty serial number"), max_length=64)
    note = forms.CharField(label=_("Fault description"), max_length=2000, required=False, widget=forms.Textarea)


class AnswerForm(forms.Form):
    """The desk recording the customer's answer names the contact who gave it."""

    contact = forms.IntegerField(label=_("Contact"), required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class ServeForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=_warehouses())
    good_serial = forms.CharField(label=_("Good serial number"), max_length=64, required=False)


class FitForm(forms.Form):
    good_serial = forms.CharField(label=_("Good serial number"), max_length=64, required=False)
    faulty_serial = forms.CharField(label=_("Faulty serial number"), max_length=64, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class ClaimRmaForm(forms.Form):
    number = forms.CharField(label=_("RMA number"), max_length=40)
    warehouse = forms.ModelChoiceField(label=_("Receiving branch"), queryset=_warehouses())
    direct = forms.BooleanField(label=_("The vendor's part serves the request (no stock)"), required=False)


class ReceiveForm(forms.Form):
    good_serial = forms.CharField(label=_("Good serial number"), max_length=64)


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    waybill = forms.CharField(label=_("Waybill number"), max_length=64)


class MovementForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=_warehouses())
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(is_active=True))
    kind = forms.ChoiceField(label=_("Movement"), choices=[(k.value, k.label) for k in MANUAL_KINDS])
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    serial = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    case = forms.CharField(label=_("Case"), max_length=20, required=False)


class TransferForm(forms.Form):
    source = forms.ModelChoiceField(label=_("From"), queryset=_warehouses())
    target = forms.ModelChoiceField(label=_("To"), queryset=_warehouses())
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class QuoteForm(forms.Form):
    labour_hours = forms.DecimalField(
        label=_("Labour hours"), min_value=Decimal("0"), max_value=Decimal("999"), decimal_places=2, initial=0
    )
    visits = forms.IntegerField(label=_("On-site visits"), min_value=0, max_value=99, initial=0)


class ReturnOfferForm(forms.Form):
    remedy = forms.ChoiceField(label=_("Remedy"), choices=ReturnOffer.Remedy.choices)
    reason = forms.CharField(label=_("Why it cannot be repaired"), max_length=2000, widget=forms.Textarea)
    refund_amount = forms.DecimalField(
        label=_("Refund amount"), required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


# Periods asked for in reports: a year the calendars and Beijing time can hold on both sides.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _in_range(day):
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("Enter a date from %(first)s to %(last)s."), params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return day


class RmaFilterForm(forms.Form):
    vendor = forms.IntegerField(label=_("Vendor"), required=False, min_value=1, max_value=2**63 - 1)
    serial = forms.CharField(label=_("Serial number"), max_length=64, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)

    def clean_start(self):
        return _in_range(self.cleaned_data.get("start"))

    def clean_end(self):
        return _in_range(self.cleaned_data.get("end"))


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("Month"), regex=r"^(20|2[1-9])\d{2}-(0[1-9]|1[0-2])$", required=False, max_length=7
    )


KINDS = StockMovement.Kind
