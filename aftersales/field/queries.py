"""Read side: which visits and reports a user may see, and the engineer's day.

Every read starts from the case's visibility rule (`cases.queries.visible_cases`): a customer's
contact sees the visits and reports of the cases they see, nothing else, and asking for any
other is the same 404 as asking for one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.accounts import policy
from aftersales.cases.queries import visible_cases
from aftersales.documents.models import Audience, Document
from aftersales.documents.queries import documents_of, get_visible_document
from aftersales.field.models import ServiceReport, Visit
from aftersales.field.permissions import VIEW

UNDER_WAY = (
    Visit.Status.EN_ROUTE,
    Visit.Status.ON_SITE,
    Visit.Status.WORKING,
    Visit.Status.COMPLETED,
    Visit.Status.CONFIRMED,
)


def visible_visits(user) -> QuerySet[Visit]:
    """The visits of the cases `user` may see."""
    return Visit.objects.filter(case__in=visible_cases(user))


def visible_reports(user) -> QuerySet[ServiceReport]:
    """The service reports of the visits `user` may see."""
    return ServiceReport.objects.filter(visit__in=visible_visits(user))


def get_visible_visit(user, pk) -> Visit:
    """One visit, or 404 if it does not exist *or* the user may not see it."""
    try:
        return visible_visits(user).select_related("case__customer", "case__site", "case__contact").get(pk=int(pk))
    except (Visit.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def get_visible_report(user, pk) -> ServiceReport:
    try:
        return visible_reports(user).select_related("visit__case__customer", "engineer").get(pk=int(pk))
    except (ServiceReport.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def case_visits(user, case) -> QuerySet[Visit]:
    """The visits of `case` (which the caller found through `visible_cases`), newest plan last."""
    return (
        visible_visits(user)
        .filter(case=case)
        .prefetch_related("engineers", "reports")
        .order_by("planned_departure_at", "pk")
    )


def my_visits_day(user, *, day: dt.date | None = None) -> QuerySet[Visit]:
    """The engineer's visits planned for `day` (Beijing time; today by default), and those still
    under way from earlier days, soonest first."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    return (
        Visit.objects.filter(engineers=user)
        .filter(Q(planned_departure_at__gte=start, planned_departure_at__lt=end) | Q(status__in=UNDER_WAY))
        .select_related("case__customer", "case__site")
        .order_by("planned_departure_at", "pk")
        .distinct()
    )


def readable_audiences(user) -> list[str]:
    """Staff may read every copy; a customer only the customer's."""
    return [Audience.STAFF, Audience.CUSTOMER] if policy.allowed(user, VIEW) else [Audience.CUSTOMER]


def report_documents(user, report: ServiceReport) -> QuerySet[Document]:
    return documents_of(report, audiences=readable_audiences(user))


def get_report_document(user, report_pk, document_pk) -> Document:
    """A PDF of a report the user may see, or 404 (another customer's report, a copy the user
    may not read and a missing one are the same 404)."""
    reports = visible_reports(user).filter(pk=_int(report_pk))
    return get_visible_document(reports, document_pk, audiences=readable_audiences(user))


def _int(value) -> int:
    try:
        return int(value)
    except (ValueError, TypeError, OverflowError):
        raise Http404 from None
