from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.cases.forms import SeverityRadio
from aftersales.cases.models import Kind, Severity
from aftersales.core.forms import MultipleFileField
from aftersales.customers.models import Contact, validate_phone
from aftersales.installed_base.models import Equipment

PORTAL_KINDS = [
    (k.value, k.label) for k in (Kind.FAULT, Kind.MAINTENANCE, Kind.CONSULTATION, Kind.RETURN, Kind.COMPLAINT)
]


class PortalCaseForm(forms.Form):
    """A new request from the portal. A and B become an urgent call-back request (R2.1)."""

    equipment = forms.ModelChoiceField(label=_("Equipment"), queryset=Equipment.objects.none())
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.C, widget=SeverityRadio
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PORTAL_KINDS, initial=Kind.FAULT)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    callback_phone = forms.CharField(
        label=_("Call me back on"),
        max_length=32,
        required=False,
        validators=[validate_phone],
        help_text=_("For A and B only: the desk calls this number at once."),
    )
    copies = forms.ModelMultipleChoiceField(
        label=_("Copy colleagues"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see this case in the portal too."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment"].queryset = Equipment.objects.filter(customer_id=contact.customer_id).select_related(
            "product_model", "site"
        )
        self.fields["copies"].queryset = Contact.objects.filter(
            customer_id=contact.customer_id, is_active=True, user__isnull=False
        ).exclude(pk=contact.pk)
        self.fields["callback_phone"].initial = contact.mobile or contact.phone
        if not self.fields["copies"].queryset.exists():
            del self.fields["copies"]

    def clean(self):
        data = super().clean()
        if data.get("severity") in (Severity.A, Severity.B) and not data.get("callback_phone"):
            self.add_error("callback_phone", _("Say where the desk can call you back."))
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ConfirmForm(forms.Form):
    text = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("What is still wrong?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("Work e-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False, validators=[validate_phone])
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
