"""The signed service report as a PDF: kind `service_report` of aftersales.documents (R5.2).

The report is written for the customer (it carries their signature): the customer's copy and
the staff copy read alike, people of the service company named by display name only. A user
service report (用户服务报告) prints twice, one copy marked for the service department and one
for the call centre (S2: 一式二份).
"""

from __future__ import annotations

import base64

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.documents.registry import DocumentKind, register_kind
from aftersales.field.models import ReportKind, ServiceReport

SERVICE_REPORT = "service_report"


def person(user) -> str:
    """How a printed report names someone of the service company: never by log-in."""
    return user.display_name or user.get_full_name() or _("Service engineer")


def png_data_url(data) -> str:
    """An image the renderer may read (only `data:` URLs are fetched while rendering)."""
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii") if data else ""


def copies(report: ServiceReport) -> list[str]:
    if report.kind == ReportKind.USER_SERVICE:
        return [_("Copy 1 of 2: service department"), _("Copy 2 of 2: call centre")]
    return [""]


def build_service_report(*, subject: ServiceReport, audience: str) -> dict:
    """The report's context, computed in the worker in the recipient's language."""
    visit = subject.visit
    return {
        "report": subject,
        "visit": visit,
        "case": visit.case,
        "engineers": [person(user) for user in visit.engineers.order_by("pk")],
        "engineer": person(subject.engineer),
        "open_points": list(subject.open_points.select_related("case")),
        "customer_signature": png_data_url(subject.customer_signature),
        "engineer_signature": png_data_url(subject.engineer_signature),
        "copies": copies(subject),
    }


def _filename(report: ServiceReport) -> str:
    return f"{report.visit.case.number}-report-{report.pk}"


def register() -> None:
    register_kind(
        DocumentKind(
            name=SERVICE_REPORT,
            model=ServiceReport,
            template="field/documents/service_report.html",
            build_context=build_service_report,
            filename=_filename,
            label=gettext_lazy("Service report"),
        )
    )
