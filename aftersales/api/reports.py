"""The KPIs of a month (docs/kpis.md) for the holders of `reports.view`, through the caller's
visible cases: the same figures as the dashboard, as numbers."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.accounts import policy
from aftersales.api.base import LanguageMixin
from aftersales.cases.models import Severity
from aftersales.customers.models import Customer
from aftersales.dispatch.models import Team
from aftersales.reports import kpis
from aftersales.reports.kpis import Filters, Period, Ratio


class KpiQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^(20\d\d)-(0[1-9]|1[0-2])$",
        required=False,
        help_text="YYYY-MM; default the current month",
        error_messages={"invalid": _("Enter a month as YYYY-MM, e.g. 2026-11.")},
    )
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    region = serializers.CharField(required=False, max_length=50)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class RatioSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text="timely ÷ (timely + late); null: no data")
    timely = serializers.IntegerField()
    late = serializers.IntegerField()
    pending = serializers.IntegerField()


class KpiSummarySerializer(serializers.Serializer):
    month = serializers.CharField()
    faults = serializers.IntegerField()
    faults_without_restore_limit = serializers.IntegerField()
    repair = RatioSerializer()
    customer_reported = serializers.IntegerField()
    customer_repair = RatioSerializer()
    response = RatioSerializer()
    first_contact = RatioSerializer()
    sign_off = RatioSerializer()
    progress = RatioSerializer()
    fault_report = RatioSerializer()
    major_faults = serializers.IntegerField()
    major_fault_minutes = serializers.FloatField()
    complaints = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)


def _ratio(ratio: Ratio) -> dict:
    return {"rate": ratio.rate, "timely": len(ratio.timely), "late": len(ratio.late), "pending": len(ratio.pending)}


class ReportViewSet(LanguageMixin, viewsets.ViewSet):
    @extend_schema(parameters=[KpiQuerySerializer], responses=KpiSummarySerializer, summary="The KPIs of one month")
    @action(detail=False, methods=["get"])
    def kpis(self, request: Request) -> Response:
        # As for other staff-only reads of the API: to anyone else the resource does not exist.
        if not policy.allowed(request.user, "reports.view"):
            raise exceptions.NotFound()
        query = KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        month = data.get("month")
        period = Period.month(int(month[:4]), int(month[5:])) if month else Period.month_of(timezone.now())
        filters = Filters(
            customer_id=data["customer"].pk if data.get("customer") else None,
            team_id=data["team"].pk if data.get("team") else None,
            region=data.get("region") or "",
            severity=data.get("severity") or "",
        )
        s = kpis.summary(kpis.report_cases(request.user, filters), period, as_of=timezone.now())
        body = {
            "month": f"{period.first:%Y-%m}",
            "faults": len(s.faults),
            "faults_without_restore_limit": len(s.no_restore_limit),
            "repair": _ratio(s.repair),
            "customer_reported": len(s.customer_reported),
            "customer_repair": _ratio(s.customer_repair),
            "response": _ratio(s.response),
            "first_contact": _ratio(s.first_contact),
            "sign_off": _ratio(s.sign_off),
            "progress": _ratio(s.progress),
            "fault_report": _ratio(s.reports["fault_report"]),
            "major_faults": s.major.count,
            "major_fault_minutes": s.major.total_minutes,
            "complaints": len(s.complaints),
            "satisfaction": s.satisfaction,
        }
        return Response(KpiSummarySerializer(body).data)
