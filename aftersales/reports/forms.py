"""The dashboard's filters: a month, a customer, a team, a region, a severity — each checked, with
a field error (never a 500) for a value that names nothing the reader may see."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import policy
from aftersales.cases.models import Severity
from aftersales.customers.models import Customer, Site
from aftersales.dispatch.models import Team
from aftersales.reports.dashboard import FIGURES
from aftersales.reports.kpis import BREAKDOWNS, Filters, Period


class MonthField(forms.Field):
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2026-11.")}

    def to_python(self, value) -> Period | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            first = dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not 2000 <= first.year <= 2100:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return Period.month(first.year, first.month)


class ReportFilterForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)
    customer = forms.ModelChoiceField(
        label=_("Customer"), required=False, queryset=Customer.objects.none(), empty_label=_("Any customer")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("Any team")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = policy.scope(user, Customer.objects.all()).order_by("name")
        customer_field, region_field = self.fields["customer"], self.fields["region"]
        assert isinstance(customer_field, forms.ModelChoiceField) and isinstance(region_field, forms.ChoiceField)
        customer_field.queryset = customers
        regions = (
            policy.scope(user, Site.objects.all())
            .exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
        )
        region_field.choices = [("", _("Any region")), *((r, r) for r in dict.fromkeys(regions))]

    def period(self) -> Period:
        return self.cleaned_data.get("month") or Period.month_of(timezone.now())

    def filters(self) -> Filters:
        data = self.cleaned_data
        customer, team = data.get("customer"), data.get("team")
        return Filters(
            customer_id=customer.pk if customer else None,
            team_id=team.pk if team else None,
            region=data.get("region") or "",
            severity=data.get("severity") or "",
        )


class CasesBehindForm(ReportFilterForm):
    figure = forms.ChoiceField(
        label=_("Figure"), required=False, choices=[(key, label) for key, (label, _f) in FIGURES.items()]
    )
    by = forms.ChoiceField(
        label=_("Breakdown"), required=False, choices=[("", "")] + [(key, key) for key in BREAKDOWNS]
    )
    value = forms.CharField(label=_("Value"), required=False, max_length=200)

    def clean(self):
        data = super().clean() or {}
        if not data.get("figure") and not data.get("by"):
            raise forms.ValidationError(_("Choose a figure or a breakdown."))
        return data


# --- service reports ------------------------------------------------------------------------


class PeriodField(forms.Field):
    """A month (YYYY-MM) or a quarter (YYYY-Qn): the first day of the period."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM or a quarter as YYYY-Q1 … YYYY-Q4.")}

    def to_python(self, value) -> dt.date | None:
        text = str(value or "").strip().upper()
        if not text:
            return None
        try:
            if "-Q" in text:
                year, number = text.split("-Q")
                if not 1 <= int(number) <= 4:
                    raise ValueError
                first = dt.date(int(year), 3 * int(number) - 2, 1)
            else:
                first = dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not 2000 <= first.year <= 2100:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return first


class ReportListForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    period = PeriodField(label=_("Period"), required=False)
    customer = forms.ModelChoiceField(
        label=_("Customer"), required=False, queryset=Customer.objects.none(), empty_label=_("Any customer")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, user, **kwargs):
        from aftersales.reports.models import PeriodKind, ReportStatus

        super().__init__(*args, **kwargs)
        customer_field = self.fields["customer"]
        assert isinstance(customer_field, forms.ModelChoiceField)
        customer_field.queryset = policy.scope(user, Customer.objects.all()).order_by("name")
        kind_field, status_field = self.fields["kind"], self.fields["status"]
        assert isinstance(kind_field, forms.ChoiceField) and isinstance(status_field, forms.ChoiceField)
        kind_field.choices = [("", _("Any kind")), *PeriodKind.choices]
        status_field.choices = [("", _("Any status")), *ReportStatus.choices]

    def narrow(self, reports):
        data = self.cleaned_data
        if data.get("kind"):
            reports = reports.filter(period_kind=data["kind"])
        if data.get("period"):
            reports = reports.filter(period_start=data["period"])
        if data.get("customer"):
            reports = reports.filter(customer=data["customer"])
        if data.get("status"):
            reports = reports.filter(status=data["status"])
        return reports


class NarrativeForm(forms.Form):
    """The quarterly narrative (for a quarterly report) and a reason per breach, by clock id."""

    def __init__(self, *args, report, breaches, **kwargs):
        from aftersales.reports.models import NARRATIVE_FIELDS, NARRATIVE_LABELS

        super().__init__(*args, **kwargs)
        self.breach_ids = [str(row["clock"]) for row in breaches]
        if report.is_quarterly:
            for name in NARRATIVE_FIELDS:
                self.fields[name] = forms.CharField(
                    label=NARRATIVE_LABELS[name],
                    required=False,
                    max_length=20000,
                    initial=getattr(report, name),
                    widget=forms.Textarea(attrs={"rows": 5}),
                )
        for clock in self.breach_ids:
            self.fields[f"reason_{clock}"] = forms.CharField(
                label=_("Reason"), required=False, max_length=1000, initial=report.breach_reasons.get(clock, "")
            )

    def section_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("reason_")]

    def sections(self) -> dict[str, str]:
        return {name: text for name, text in self.cleaned_data.items() if not name.startswith("reason_")}

    def reasons(self) -> dict[str, str]:
        return {clock: self.cleaned_data.get(f"reason_{clock}") or "" for clock in self.breach_ids}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
