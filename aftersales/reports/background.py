"""Excel exports of the lists (the case queue, the breaches of a month, the visits), small ones
streamed at once, large ones made by the worker for the person who asked.

Whichever way, the rows are the same: `listing(kind, user, data, as_of=…)` reads the list's
filters as given on the page, checks them with the page's form (a field error, never a 500)
and narrows the rows the requester may see (`visible_cases`/`policy.scope` through the
list's query) — the worker calls it again with the requester, never with a privileged user.

A large export is an `Export` row (the list, the filters, who and when) and a document of kind
`reports.export` about it (documents mechanism: default storage, versioned, hashed). Only the
requester finds it (`my_exports`), until it expires (`EXPORT_KEEP_DAYS`, then
`discard_expired` removes the row and the stored file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import policy
from aftersales.cases.forms import QueueForm
from aftersales.cases.models import Case
from aftersales.cases.queries import QueueFilter, queue, visible_cases
from aftersales.core.errors import DomainError
from aftersales.documents import services as documents
from aftersales.documents.models import Audience, Document
from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.field.permissions import VIEW as FIELD_VIEW
from aftersales.field.queries import visible_visits
from aftersales.notifications import registry, rendering
from aftersales.notifications.models import Notification
from aftersales.notifications.registry import NotificationKind
from aftersales.notifications.services import queue_notification
from aftersales.reports import exports, kpis
from aftersales.reports.forms import ReportFilterForm
from aftersales.reports.models import Export, ExportList

EXPORT_KIND = "reports.export"
EXPORT_READY = "export_ready"

# Who may export which list: every permission named must be granted.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    ExportList.CASES: ("cases.read",),
    ExportList.BREACHES: ("reports.view",),
    ExportList.VISITS: ("reports.view", FIELD_VIEW),
}


class InvalidFilters(Exception):
    """The filters do not hold: `form` carries the field errors."""

    def __init__(self, form):
        super().__init__("invalid filters")
        self.form = form


class ExportError(DomainError):
    """An export that cannot be made (any more) as it was asked."""


@dataclass
class Listing:
    """One list as it will be written: its title, header, how many rows, and the rows."""

    title: str
    header: list[str]
    count: Callable[[], int]
    rows: Callable[[], Iterator[list[Any]]]
    filename: str


def may_export(user, kind: str) -> bool:
    return all(policy.allowed(user, permission) for permission in PERMISSIONS[kind])


def listing(kind: str, user, data: QueryDict, *, as_of: dt.datetime) -> Listing:
    """The rows of list `kind` as `user` may see them with the filters `data`; the rows are those
    that existed at `as_of` (the moment the export was asked). InvalidFilters for a filter that
    does not hold (a customer the user may not see, a bad month …)."""
    if kind == ExportList.CASES:
        return _cases(user, data, as_of)
    if kind == ExportList.BREACHES:
        return _breaches(user, data, as_of)
    if kind == ExportList.VISITS:
        return _visits(user, data, as_of)
    raise ExportError(_("There is no such list to export."))


def _cases(user, data: QueryDict, as_of: dt.datetime) -> Listing:
    form = QueueForm(data or None, user=user)
    if form.is_bound and not form.is_valid():
        raise InvalidFilters(form)
    f = QueueFilter.from_data(form.cleaned_data) if form.is_bound else QueueFilter()
    cases = queue(user, f).filter(opened_at__lte=as_of)
    return Listing(
        _("Case queue"),
        exports.queue_header(),
        cases.count,
        lambda: exports.queue_rows(cases),
        f"cases-{timezone.localtime(as_of):%Y%m%d-%H%M}",
    )


def _report_form(user, data: QueryDict) -> ReportFilterForm:
    form = ReportFilterForm(data, user=user)
    if not form.is_valid():
        raise InvalidFilters(form)
    return form


def _breaches(user, data: QueryDict, as_of: dt.datetime) -> Listing:
    form = _report_form(user, data)
    period = form.period()
    cases = kpis.report_cases(user, form.filters())
    return Listing(
        _("Breaches"),
        exports.breaches_header(),
        exports.breached_clocks(cases, period).filter(breached_at__lte=as_of).count,
        lambda: exports.breaches_rows(cases, period, as_of=as_of),
        f"breaches-{period.first:%Y-%m}",
    )


def _visit_cases(user, filters: kpis.Filters) -> QuerySet[Case]:
    """The user's cases narrowed by the dashboard's filters (a cancelled case's visit counts too)."""
    cases = visible_cases(user)
    if filters.customer_id:
        cases = cases.filter(customer_id=filters.customer_id)
    if filters.team_id:
        cases = cases.filter(team_id=filters.team_id)
    if filters.region:
        cases = cases.filter(site__region=filters.region)
    if filters.severity:
        cases = cases.filter(severity=filters.severity)
    return cases


def _visits(user, data: QueryDict, as_of: dt.datetime) -> Listing:
    form = _report_form(user, data)
    period = form.period()
    visits = visible_visits(user).filter(
        case__in=_visit_cases(user, form.filters()),
        planned_departure_at__gte=period.start,
        planned_departure_at__lt=period.end,
        created_at__lte=as_of,
    )
    return Listing(
        _("Visits"),
        exports.visits_header(),
        visits.count,
        lambda: exports.visits_rows(visits),
        f"visits-{period.first:%Y-%m}",
    )


def stream_limit() -> int:
    """Up to this many rows an export is written while the reader waits; above, by the worker."""
    return settings.EXPORT_STREAM_MAX_ROWS


# --- large exports ----------------------------------------------------------------------------


def request_export(*, kind: str, by, data: QueryDict, rows: int, language: str) -> Export:
    """Queue the export of list `kind` with the filters `data` for `by`, who was allowed to ask.

    Guarantees: one transaction writes the export and its pending document; the worker makes
    the workbook once it commits, as `by` with these filters and the rows as of now; it expires
    after EXPORT_KEEP_DAYS."""
    if not may_export(by, kind):
        raise ExportError(_("You may not export this list."))
    now = timezone.now()
    with transaction.atomic():
        export = Export.objects.create(
            list=kind,
            filters={key: data.getlist(key) for key in data},
            requested_by=by,
            requested_at=now,
            rows=rows,
            expires_at=now + dt.timedelta(days=settings.EXPORT_KEEP_DAYS),
        )
        documents.request_document(kind=EXPORT_KIND, subject=export, language=language, audience=Audience.STAFF, by=by)
    return export


def filters_of(export: Export) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in export.filters.items():
        data.setlist(key, [str(value) for value in values])
    return data


def produce_workbook(*, subject: Export, audience: str) -> IO[bytes]:
    """The worker's part: the list as the requester sees it, with their filters, as of the
    moment they asked. A requester who lost the right (or left) gets nothing."""
    user = subject.requested_by
    if not user.is_active or not may_export(user, subject.list):
        raise ExportError(_("You may not export this list."))
    try:
        chosen = listing(subject.list, user, filters_of(subject), as_of=subject.requested_at)
    except InvalidFilters as invalid:
        raise ExportError(_("The filters of this export no longer hold.")) from invalid
    return exports.write_workbook(chosen.title, chosen.header, chosen.rows())


def export_filename(export: Export) -> str:
    return f"{export.list}-{timezone.localtime(export.requested_at):%Y%m%d-%H%M}"


def tell_requester(document: Document) -> None:
    """The export is ready: a notification to the requester (their channels, their language)."""
    export = Export.objects.select_related("requested_by").get(pk=document.subject_id)
    queue_notification(
        kind=EXPORT_READY,
        recipients=[export.requested_by],
        subject=str(export),
        payload={"export": export.pk},
        dedupe_key=f"export-ready:{document.pk}",
    )


def export_ready_context(row: Notification) -> dict:
    export = Export.objects.get(pk=row.payload["export"])
    return {"export": export, "url": rendering.site_url(reverse("reports:exports"))}


def my_exports(user) -> QuerySet[Export]:
    """The requester's own exports that have not expired; anyone else's is never listed."""
    if not getattr(user, "is_authenticated", False):
        return Export.objects.none()
    return Export.objects.filter(requested_by=user, expires_at__gt=timezone.now())


def latest_documents(exports_: QuerySet[Export]) -> dict[int, Document]:
    """The newest document of each export, by export id (one query)."""
    from aftersales.documents.queries import visible_documents

    newest: dict[int, Document] = {}
    for document in visible_documents(exports_, audiences=Audience.values).order_by("created_at", "pk"):
        newest[document.subject_id] = document
    return newest


def discard_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the expired exports and their stored files; returns how many exports went.
    Idempotent (the periodic task runs it daily)."""
    from aftersales.documents.queries import visible_documents

    expired = Export.objects.filter(expires_at__lte=now or timezone.now())
    ids = list(expired.values_list("pk", flat=True)[:1000])
    batch = Export.objects.filter(pk__in=ids)
    documents.discard_documents(visible_documents(batch, audiences=Audience.values))
    batch.delete()
    return len(ids)


def register() -> None:
    register_kind(
        DocumentKind(
            name=EXPORT_KIND,
            model=Export,
            template="",
            build_context=lambda **_kwargs: {},
            filename=export_filename,
            label=gettext_lazy("Excel export"),
            produce=produce_workbook,
            extension="xlsx",
            content_type=exports.XLSX,
            on_ready=tell_requester,
        )
    )
    registry.register(
        NotificationKind(
            name=EXPORT_READY, label=gettext_lazy("Your Excel export is ready"), context=export_ready_context
        )
    )
