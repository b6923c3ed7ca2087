"""What the dashboard shows: the month so far against last month and the same month last year,
a twelve-month trend and the month's breakdowns, each figure with the ids of the cases behind it
(docs/kpis.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case
from aftersales.reports import kpis
from aftersales.reports.kpis import Period, Ratio, Summary

# The figures one can open as a list of cases: key → (label, the ids in a period's summary).
FIGURES: dict[str, tuple[Promise, Callable[[Summary], list[int]]]] = {
    "faults": (_("Faults"), lambda s: s.faults),
    "repair.timely": (_("Faults repaired in time"), lambda s: s.repair.timely),
    "repair.late": (_("Faults repaired late"), lambda s: s.repair.late),
    "repair.pending": (_("Faults not yet repaired"), lambda s: s.repair.pending),
    "no_restore_limit": (_("Faults without a restore limit"), lambda s: s.no_restore_limit),
    "response.late": (_("Responses late"), lambda s: s.response.late),
    "first_contact.late": (_("First contacts late"), lambda s: s.first_contact.late),
    "sign_off.late": (_("Sign-offs late"), lambda s: s.sign_off.late),
    "progress.late": (_("Progress updates late"), lambda s: s.progress.late),
    "major": (_("Major faults"), lambda s: list(s.major.minutes)),
    "customer_reported": (_("Customer-reported faults"), lambda s: s.customer_reported),
    "customer_repair.late": (_("Customer-reported faults repaired late"), lambda s: s.customer_repair.late),
    "complaints": (_("Complaints"), lambda s: s.complaints),
    "fault_report.late": (_("Fault reports late"), lambda s: s.reports["fault_report"].late),
}

# The rates on the dashboard, in order: key of the summary's Ratio, label, figure key of its late cases.
RATES: list[tuple[str, Promise, str]] = [
    ("repair", _("Fault repair timeliness"), "repair.late"),
    ("customer_repair", _("Customer-reported faults repaired in time"), "customer_repair.late"),
    ("response", _("Response timeliness"), "response.late"),
    ("first_contact", _("First contact in time"), "first_contact.late"),
    ("sign_off", _("Sign-off in time"), "sign_off.late"),
    ("progress", _("Progress updates kept"), "progress.late"),
]


def ratio_of(summary: Summary, key: str) -> Ratio:
    ratio = getattr(summary, key)
    assert isinstance(ratio, Ratio)
    return ratio


@dataclass
class Comparison:
    current: Summary
    previous: Summary
    last_year: Summary


def compare(cases: QuerySet[Case], period: Period, *, now: dt.datetime) -> Comparison:
    """The period against the month before and the same month a year before, all read `now`."""
    return Comparison(
        kpis.summary(cases, period, as_of=now),
        kpis.summary(cases, period.previous_month(), as_of=now),
        kpis.summary(cases, period.a_year_before(), as_of=now),
    )


def trend(cases: QuerySet[Case], period: Period, *, now: dt.datetime, months: int = 12) -> list[Summary]:
    return [kpis.summary(cases, month, as_of=now) for month in period.months_back(months)]


def cases_behind(cases: QuerySet[Case], period: Period, figure: str, *, now: dt.datetime) -> QuerySet[Case]:
    """The cases behind one figure of the dashboard (FIGURES), out of `cases` (already scoped)."""
    ids = FIGURES[figure][1](kpis.summary(cases, period, as_of=now))
    return cases.filter(pk__in=ids)


def breakdown_cases(cases: QuerySet[Case], period: Period, dimension: str, value: str) -> QuerySet[Case]:
    """The period's faults with one value of a breakdown dimension ("" = not known)."""
    column = kpis.BREAKDOWNS[dimension]
    faults = kpis.faults(cases, period)
    if value:
        return faults.filter(**{column: value})
    return faults.filter(**{f"{column}__isnull": True}) | faults.filter(**{column: ""})
