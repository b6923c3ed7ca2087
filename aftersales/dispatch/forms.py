from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.cases.models import Tier
from aftersales.core.forms import DateTimeField
from aftersales.dispatch.models import AssignmentRule, Handling, RemoteAuthorisation, Shift, ShiftSwap, Team, VendorCase
from aftersales.dispatch.permissions import DUTY_MANAGER, ON_DUTY
from aftersales.installed_base.models import Vendor

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def staff(permission: str = ON_DUTY):
    """The people who may hold a duty that needs `permission`, by user name."""
    return policy.holders(permission).order_by("username")


class ShiftForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    region = forms.CharField(label=_("Region"), max_length=50, required=False, help_text=_("Empty: the team's region."))
    kind = forms.ChoiceField(label=_("Shift"), choices=Shift.Kind.choices)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Empty: the usual time."),
    )
    ends = forms.TimeField(
        label=_("To"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Not after the start: the next day."),
    )
    # Querysets are lazy and copied per form: each form reads the people afresh.
    duty_engineer = forms.ModelChoiceField(label=_("Duty engineer"), queryset=staff())
    duty_manager = forms.ModelChoiceField(label=_("Duty manager"), queryset=staff(DUTY_MANAGER))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class FillWeekForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    week = forms.DateField(label=_("Week of"), widget=forms.DateInput(attrs={"type": "date"}))
    engineers = forms.ModelMultipleChoiceField(
        label=_("Duty engineers, taking turns"), queryset=staff(), widget=forms.CheckboxSelectMultiple
    )
    duty_manager = forms.ModelChoiceField(label=_("Duty manager"), queryset=staff(DUTY_MANAGER))


class SwapForm(forms.Form):
    duty = forms.ChoiceField(label=_("Duty"), choices=ShiftSwap.Duty.choices)
    to_user = forms.ModelChoiceField(label=_("Taken over by"), queryset=staff())
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "order", "is_active", "category", "vendor", "region", "severities", "team"]


class HandlingForm(forms.Form):
    mode = forms.ChoiceField(label=_("Handling mode"), choices=Handling.Mode.choices)
    diagnosis = forms.ChoiceField(label=_("Diagnosis"), choices=Handling.Diagnosis.choices, required=False)


class AuthorisationForm(forms.Form):
    granted_by = forms.CharField(label=_("Given by"), max_length=100)
    channel = forms.ChoiceField(label=_("Given by way of"), choices=RemoteAuthorisation.Channel.choices)
    granted_at = DateTimeField(label=_("Given at"), widget=LOCAL_INPUT)
    valid_until = DateTimeField(label=_("Valid until"), widget=LOCAL_INPUT)
    whole_customer = forms.BooleanField(label=_("For all of the customer's equipment"), required=False)


class ConfirmForm(forms.Form):
    """An action with nothing to fill in (assign as proposed)."""


class RemoteLoginForm(forms.Form):
    text = forms.CharField(label=_("What you do"), max_length=2000, required=False)


class TierForm(forms.Form):
    to_tier = forms.ChoiceField(label=_("To tier"), choices=Tier.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class VendorCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VendorCase.Kind.choices)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.all(), required=False)
    party = forms.CharField(label=_("Third party"), max_length=100, required=False)
    number = forms.CharField(label=_("Vendor's case number"), max_length=64)
    contact = forms.CharField(label=_("Vendor contact"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Vendor severity"), choices=VendorCase.Severity.choices, initial="S3")


class VendorUpdateForm(forms.Form):
    text = forms.CharField(label=_("Update"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    close = forms.BooleanField(label=_("Close the vendor case"), required=False)


class HandoverForm(forms.Form):
    to_team = forms.ModelChoiceField(label=_("To team"), queryset=Team.objects.all())
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class HandoverDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Reason or note"), max_length=1000, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if team is not None:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ModelChoiceField)
            owner.queryset = team.members.filter(is_active=True)


def monday_of(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day - dt.timedelta(days=day.weekday())
