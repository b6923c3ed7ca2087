from __future__ import annotations

import datetime as dt

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.cases.models import SEVERITY_HELP, Act, Case, Channel, Kind, Severity, SuspensionRequest, Tier
from aftersales.cases.queries import area_choices, queue_status_choices, visible_customer_ids
from aftersales.contracts.entitlement import ExcludedCause
from aftersales.core.forms import DateTimeField, MultipleFileField
from aftersales.customers.models import Contact, Customer, Site
from aftersales.installed_base.models import Equipment
from aftersales.installed_base.queries import equipment_by_serial, normalised_serial


class SeverityRadio(forms.RadioSelect):
    option_template_name = "cases/widgets/severity_option.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = SEVERITY_HELP.get(value, "")
        return option


class IntakeForm(forms.Form):
    """The hotline agent's form: a case, or a consultation answered on the spot."""

    MODE_CASE = "case"
    MODE_CONSULTATION = "consultation"

    mode = forms.ChoiceField(
        label=_("Record as"),
        choices=[(MODE_CASE, _("Open a case")), (MODE_CONSULTATION, _("Consultation answered on the spot"))],
        initial=MODE_CASE,
        widget=forms.RadioSelect,
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.filter(is_active=True))
    contact = forms.ModelChoiceField(label=_("Caller"), queryset=Contact.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False)
    equipment = forms.ModelChoiceField(label=_("Equipment"), queryset=Equipment.objects.none(), required=False)
    serial_number = forms.CharField(
        label=_("or serial number"),
        max_length=64,
        required=False,
        help_text=_("Type the serial number the caller reads out if the equipment is not chosen above."),
    )
    excluded_cause = forms.ChoiceField(
        label=_("Excluded cause"),
        choices=ExcludedCause.choices,
        required=False,
        help_text=_("Misuse, accident or force majeure is never covered by warranty or contract."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.FAULT)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.C, widget=SeverityRadio
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    answer = forms.CharField(
        label=_("Answer given"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # R4.7: a call taken after hours (by the duty engineer's phone) is entered afterwards with
    # the real time of the call; the clocks run from it.
    opened_at = DateTimeField(
        label=_("Time of the call"),
        required=False,
        help_text=_("Only for a call taken earlier (after hours) and entered now; empty means now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Case.objects.none(),
        required=False,
        help_text=_("Empty: the proposed engineer (when the team assigns automatically)."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Case.objects.none(), required=False)

    # How far back a call may be entered afterwards.
    LATE_ENTRY_LIMIT = dt.timedelta(days=7)

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()
        self.fields["team"].queryset = teams()
        customer_id = self.data.get("customer") if self.is_bound else (customer.pk if customer else None)
        if customer_id and str(customer_id).isdigit():
            self.fields["contact"].queryset = Contact.objects.filter(customer_id=customer_id, is_active=True)
            self.fields["site"].queryset = Site.objects.filter(customer_id=customer_id)
            self.fields["equipment"].queryset = Equipment.objects.filter(customer_id=customer_id).select_related(
                "product_model__vendor", "site"
            )

    def clean(self):
        data = super().clean()
        self._resolve_serial_number(data)
        if data.get("mode") == self.MODE_CONSULTATION and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Write the answer given to the caller."))
        if data.get("mode") == self.MODE_CASE and data.get("excluded_cause") and not data.get("equipment"):
            self.add_error("excluded_cause", _("An excluded cause needs the equipment it applies to."))
        # A fax case needs its scanned page: the intake service says so (cases.services.intake),
        # for this page and the API alike.
        opened_at = data.get("opened_at")
        if opened_at is not None and opened_at < timezone.now() - self.LATE_ENTRY_LIMIT:
            self.add_error("opened_at", _("A call can be entered afterwards for up to 7 days."))
        return data

    def _resolve_serial_number(self, data) -> None:
        serial = normalised_serial(data.get("serial_number"))
        customer = data.get("customer")
        if not serial or data.get("equipment") or customer is None:
            return
        matches = equipment_by_serial(serial, within=Equipment.objects.filter(customer=customer))
        if len(matches) == 1:
            data["equipment"] = matches[0]
        elif not matches:
            self.add_error(
                "serial_number",
                _("No equipment with serial number “%(serial)s” is registered for %(customer)s.")
                % {"serial": serial, "customer": customer},
            )
        else:
            self.add_error("serial_number", _("No single piece of this customer's equipment has this serial number."))


class ActionForm(forms.Form):
    action = forms.CharField(max_length=30)
    expected_status = forms.CharField(max_length=30, required=False)
    text = forms.CharField(
        label=_("Comment"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    merge_into = forms.CharField(label=_("Duplicate of case number"), max_length=20, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(label=_("Visible to the customer (reply)"), required=False)
    attachments = MultipleFileField(label=_("Attachments"))
    service_report = forms.BooleanField(label=_("The files are a service report"), required=False)


def teams():
    """Every team. Teams belong to dispatch, which builds on cases: asked for by name, not imported."""
    return apps.get_model("dispatch", "Team").objects.all()


def staff_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in policy.roles_holding("cases.own")])
        .distinct()
        .order_by("username")
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Case.objects.none(), required=False)
    # The owner the page showed (user name, empty for nobody): changed meanwhile → refused.
    expected_owner = forms.CharField(max_length=150, required=False, widget=forms.HiddenInput)

    def expected_owner_seen(self) -> str | None:
        """The owner the page showed, or None when the form did not say (an older page)."""
        return self.cleaned_data.get("expected_owner", "") if "expected_owner" in self.data else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()
        self.fields["team"].queryset = teams()


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000)
    # The severity the page showed: changed meanwhile → refused.
    expected_severity = forms.ChoiceField(choices=Severity.choices, required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    # When the case last changed, as the page showed it: changed meanwhile → refused.
    expected_updated_at = DateTimeField(required=False, widget=forms.HiddenInput)


class QueueForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])
    severity = forms.MultipleChoiceField(
        label=_("Severity"), required=False, choices=Severity.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind"))] + Kind.choices)
    customer = forms.ModelChoiceField(
        label=_("Customer"), required=False, queryset=Customer.objects.all(), empty_label=_("Any customer")
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=get_user_model().objects.none(), empty_label=_("Anyone")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Case.objects.none(), empty_label=_("Any team")
    )
    area = forms.ChoiceField(label=_("Region"), required=False, choices=[])
    mine = forms.BooleanField(label=_("Mine"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any deadline")), ("breached", _("Breached")), ("soon", _("Due within 30 minutes"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("severity", _("Severity, then oldest")), ("due", _("Nearest deadline"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = queue_status_choices()
        self.fields["team"].queryset = teams()
        self.fields["area"].choices = area_choices()
        if policy.allowed(user, "cases.read"):
            self.fields["owner"].queryset = staff_users()
        else:
            # A customer's contact never learns other customers' or staff members' names.
            self.fields["customer"].queryset = Customer.objects.filter(pk__in=visible_customer_ids(user) or [])
            for name in ("owner", "team", "area", "mine", "unassigned", "due", "sort"):
                del self.fields[name]


class ActForm(forms.Form):
    act = forms.ChoiceField(label=_("Act"), choices=Act.choices)
    text = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class SuspensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    consent_by = forms.CharField(label=_("Customer's consent given by"), max_length=100)
    consent_channel = forms.ChoiceField(label=_("Consent given by"), choices=SuspensionRequest.ConsentChannel.choices)
    consent_at = DateTimeField(
        label=_("Consent given at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    expected_end_at = forms.DateTimeField(
        label=_("Expected end"),
        help_text=_("When you expect to resume; the owner is reminded once it passes."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class SuspensionDecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
