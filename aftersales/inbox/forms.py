from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Kind, Severity
from aftersales.customers.models import Contact, Customer


class OpenCaseForm(forms.Form):
    """The desk decides whose mail it is (never guessed by the system)."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.filter(is_active=True))
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.FAULT)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.D)
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customer_id = self.data.get("customer") if self.is_bound else self.initial.get("customer")
        customer_id = getattr(customer_id, "pk", customer_id)
        if customer_id and str(customer_id).isdigit():
            self.fields["contact"].queryset = Contact.objects.filter(customer_id=customer_id, is_active=True)


class AddToCaseForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=20, help_text=_("e.g. CS202611-000123"))
