"""The dashboard for managers and executives (`/reports/`) and the list of cases behind a figure:
thin views over `kpis` and `dashboard`, every figure through the reader's visible cases."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from aftersales.accounts import policy
from aftersales.cases.models import Severity
from aftersales.core.pagination import CappedPaginator
from aftersales.core.uploads import store_outage_page
from aftersales.customers.models import Customer
from aftersales.documents.services import document_response
from aftersales.reports import background, charts, counts, dashboard, exports, kpis
from aftersales.reports.forms import CasesBehindForm, ReportFilterForm
from aftersales.reports.kpis import Period
from aftersales.reports.models import ExportList


def _required(user) -> None:
    if not policy.allowed(user, "reports.view"):
        raise PermissionDenied


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _month(period: Period) -> str:
    return f"{period.first:%Y-%m}"


class Links:
    """URLs of the cases behind figures, keeping the page's filters."""

    def __init__(self, form: ReportFilterForm):
        self.filters = {
            key: form.data.get(key) for key in ("customer", "team", "region", "severity") if form.data.get(key)
        }

    def figure(self, period: Period, figure: str) -> str:
        return self._url(month=_month(period), figure=figure)

    def breakdown(self, period: Period, by: str, value: str) -> str:
        return self._url(month=_month(period), by=by, value=value)

    def _url(self, **params: str) -> str:
        return f"{reverse('reports:cases')}?{urlencode({**self.filters, **params})}"


@login_required
def dashboard_page(request):
    _required(request.user)
    form = ReportFilterForm(request.GET or None, user=request.user)
    valid = form.is_valid() if form.is_bound else True
    if not form.is_bound:
        form.cleaned_data = {}
    period = form.period() if valid else Period.month_of(timezone.now())
    cases = kpis.report_cases(request.user, form.filters() if valid else None)
    now = timezone.now()
    links = Links(form if valid else ReportFilterForm(user=request.user))
    months = period.months_back(12)
    compared = (period, period.previous_month(), period.a_year_before())
    shown = counts.month_figures(cases, [compared[2], *months], as_of=now, durations=list(compared))
    context = {
        "form": form,
        "period": period,
        "month": _month(period),
        "now": now,
        "rates": _rates([shown[p] for p in compared], links),
        "counts": _counts([shown[p] for p in compared], links),
        "trend_repair": charts.line_chart(
            [
                charts.Point(
                    f"{m.period.first:%m}",
                    m.repair.rate,
                    percent(m.repair.rate),
                    links.figure(m.period, "repair.late"),
                )
                for m in (shown[p] for p in months)
            ],
            title=_("Fault repair timeliness, last 12 months"),
            maximum=1,
        ),
        "trend_faults": charts.line_chart(
            [
                charts.Point(f"{m.period.first:%m}", m.faults, str(m.faults), links.figure(m.period, "faults"))
                for m in (shown[p] for p in months)
            ],
            title=_("Faults, last 12 months"),
        ),
        "breakdowns": _breakdowns(cases, period, links),
        "availability": _availability(cases, period, now),
        "engineers": kpis.engineer_assessment(cases, period, as_of=now),
    }
    return render(request, "reports/dashboard.html", context, status=200 if valid else 400)


def _rates(compared: list[counts.MonthFigures], links: Links) -> list[dict]:
    """Each rate of this month, last month and the same month a year before."""
    return [
        {
            "label": label,
            "key": key,
            "values": [
                {
                    "rate": percent(tally.rate),
                    "counted": tally.counted,
                    "late": tally.late,
                    "href": links.figure(month.period, late_figure),
                }
                for month in compared
                for tally in [getattr(month, key)]
            ],
        }
        for key, label, late_figure in dashboard.RATES
    ]


def _counts(compared: list[counts.MonthFigures], links: Links) -> list[dict]:
    def row(label: str, figure: str, shown):
        return {
            "label": label,
            "figure": figure,
            "values": [{"shown": shown(m), "href": links.figure(m.period, figure)} for m in compared],
        }

    return [
        row(_("Faults"), "faults", lambda m: m.faults),
        row(
            _("Major faults (count, hours)"),
            "major",
            lambda m: f"{m.major_count} · {(m.major_minutes or 0) / 60:.1f} h",
        ),
        row(_("Customer-reported faults"), "customer_reported", lambda m: m.customer_reported),
        row(_("Faults without a restore limit"), "no_restore_limit", lambda m: m.no_restore_limit),
        row(_("Complaints"), "complaints", lambda m: m.complaints),
        row(_("Fault reports late"), "fault_report.late", lambda m: m.fault_report.late),
    ]


BREAKDOWN_TITLES: dict[str, Promise] = {
    "severity": gettext_lazy("Faults by severity"),
    "category": gettext_lazy("Faults by product type"),
    "product_model": gettext_lazy("Faults by product model"),
    "vendor": gettext_lazy("Faults by vendor"),
    "region": gettext_lazy("Faults by region"),
}


def _breakdowns(cases, period: Period, links: Links) -> list:
    severity_labels = dict(Severity.choices)
    result = []
    for dimension, title in BREAKDOWN_TITLES.items():
        rows = kpis.faults_by(cases, period, dimension)[:10]
        points = [
            charts.Point(
                str(severity_labels.get(value, value)) if dimension == "severity" else (value or _("Unknown")),
                count,
                str(count),
                links.breakdown(period, dimension, value),
            )
            for value, count in rows
        ]
        result.append({"title": title, "chart": charts.bar_chart(points, title=str(title)) if points else None})
    return result


def _availability(cases, period: Period, now) -> list[dict]:
    from aftersales.installed_base.models import Equipment

    rows = kpis.availability(cases, period, as_of=now)
    chosen = Equipment.objects.select_related("product_model__vendor", "vendor")
    equipment = chosen.in_bulk([row.equipment_id for row in rows])
    customers = Customer.objects.in_bulk([row.customer_id for row in rows])
    numbers = dict(cases.filter(pk__in=[pk for row in rows for pk in row.case_ids]).values_list("pk", "number"))
    return [
        {
            "equipment": equipment.get(row.equipment_id),
            "customer": customers.get(row.customer_id),
            "rate": f"{row.rate * 100:.3f} %",
            "hours": f"{row.outage_minutes / 60:.1f}",
            "cases": [numbers[pk] for pk in row.case_ids if pk in numbers],
        }
        for row in rows
    ]


@login_required
def cases_behind_page(request):
    """The cases behind one figure of the dashboard, with the same filters and visibility."""
    _required(request.user)
    form = CasesBehindForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "reports/cases.html", {"form": form, "page": None}, status=400)
    period, data = form.period(), form.cleaned_data
    cases = kpis.report_cases(request.user, form.filters())
    if data.get("figure"):
        behind = dashboard.cases_behind(cases, period, data["figure"], now=timezone.now())
        title = dashboard.FIGURES[data["figure"]][0]
    else:
        behind = dashboard.breakdown_cases(cases, period, data["by"], data.get("value") or "")
        title = BREAKDOWN_TITLES[data["by"]]
    behind = behind.select_related("customer", "owner", "team").order_by("severity", "opened_at", "pk")
    page = CappedPaginator(behind, settings.CASE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/cases.html",
        {
            "form": form,
            "page": page,
            "title": title,
            "period": period,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


# --- Excel exports ----------------------------------------------------------------------

XLSX = exports.XLSX


def _xlsx(body, name: str) -> FileResponse:
    return FileResponse(body, as_attachment=True, filename=name, content_type=XLSX)


def _export(request, kind: str):
    """A list as Excel with the page's filters: streamed at once up to EXPORT_STREAM_MAX_ROWS rows,
    else made by the worker for the requester (they are sent to their exports and told when
    it is ready)."""
    if not background.may_export(request.user, kind):
        raise PermissionDenied
    now = timezone.now()
    try:
        chosen = background.listing(kind, request.user, request.GET, as_of=now)
    except background.InvalidFilters as invalid:
        return render(request, "reports/cases.html", {"form": invalid.form, "page": None}, status=400)
    rows = chosen.count()
    if rows <= background.stream_limit():
        body = exports.write_workbook(chosen.title, chosen.header, chosen.rows())
        return _xlsx(body, f"{chosen.filename}.xlsx")
    background.request_export(kind=kind, by=request.user, data=request.GET, rows=rows, language=get_language())
    messages.info(
        request,
        _("The export has %(rows)s rows: it is being prepared, and you will be told when it is ready to download.")
        % {"rows": rows},
    )
    return redirect("reports:exports")


@login_required
def export_queue(request):
    """The case queue as it is filtered on the page, every row the reader may see."""
    return _export(request, ExportList.CASES)


@login_required
def export_breaches(request):
    """The clocks breached in the month, with the dashboard's filters."""
    return _export(request, ExportList.BREACHES)


@login_required
def export_visits(request):
    """The visits planned in the month, with the dashboard's filters."""
    return _export(request, ExportList.VISITS)


@login_required
def my_exports(request):
    """The requester's background exports: being prepared, ready (a link), or failed."""
    mine = background.my_exports(request.user)
    newest = background.latest_documents(mine)
    rows = [{"export": export, "document": newest.get(export.pk)} for export in mine[:100]]
    return render(request, "reports/exports.html", {"rows": rows, "keep_days": settings.EXPORT_KEEP_DAYS})


@login_required
@store_outage_page
def export_download(request, pk):
    """The workbook of one of the requester's exports; anyone else's is a 404, like a missing one."""
    export = get_object_or_404(background.my_exports(request.user), pk=pk)
    document = background.latest_documents(background.my_exports(request.user).filter(pk=export.pk)).get(export.pk)
    if document is None:
        raise Http404
    return document_response(document)
