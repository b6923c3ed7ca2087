"""On-site visits and service reports (R5): dispatch, the visit's moves, the signed report
(idempotent: the same `idempotency_key` never makes two), and the report's PDF.

Every read starts from `field.queries` (the case's visibility rule: a customer's contact sees
the visits and reports of their own cases, anything else is 404); every write is a call to
`aftersales.field.services`, checked by the policy there.
"""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from aftersales.accounts import policy
from aftersales.api.base import LanguageMixin
from aftersales.api.fields import DateTimeField, LookupField
from aftersales.api.pagination import IdCursorPagination
from aftersales.cases.queries import name_shown_to, visible_cases
from aftersales.documents.models import Document
from aftersales.documents.services import document_response
from aftersales.field import queries, services
from aftersales.field.forms import engineers as active_engineers
from aftersales.field.models import ReportKind, ServiceReport, TestResult, Visit
from aftersales.field.permissions import DISPATCH
from aftersales.field.workflow import BY_ACTION

ACTIONS = sorted(BY_ACTION)
DATA_URL_PREFIX = "data:image/png;base64,"


class NewestFirstPagination(IdCursorPagination):
    ordering = "-pk"


class VisitSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    customer_name = serializers.CharField(source="case.customer.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    engineers = serializers.SerializerMethodField()
    reports = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    planned_departure_at = DateTimeField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "case",
            "customer_name",
            "status",
            "status_display",
            "engineers",
            "purpose",
            "planned_departure_at",
            "departed_at",
            "arrived_at",
            "arrival_latitude",
            "arrival_longitude",
            "arrival_accuracy_m",
            "symptom_confirmed_at",
            "symptom_confirmed_by",
            "symptom",
            "work_done",
            "completed_at",
            "result_confirmed_at",
            "result_confirmed_by",
            "result_confirmed_kind",
            "checked_out_at",
            "reports",
        ]

    def get_engineers(self, visit: Visit) -> list[str]:
        """The engineers, named as the reader may see them (a customer: by name, never a log-in)."""
        request = self.context.get("request")
        viewer = request.user if request is not None else None
        return [name_shown_to(viewer, user) for user in visit.engineers.all()]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not policy.allowed(request.user, "field.view"):
            # Where the engineer's phone was is the service company's business.
            data.update(arrival_latitude=None, arrival_longitude=None, arrival_accuracy_m=None)
        return data


class DispatchSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20, help_text=_("The case number."))
    engineers = serializers.ListField(
        child=LookupField(slug_field="username", queryset=active_engineers()),
        min_length=1,
        max_length=20,
        help_text=_("Log-in names of the engineers sent on site."),
    )
    planned_departure_at = DateTimeField()
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MoveSerializer(serializers.Serializer):
    expected_status = serializers.ChoiceField(choices=Visit.Status.choices, required=False)
    text = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    confirmed_by = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    confirmed_kind = serializers.ChoiceField(
        choices=Visit.ConfirmedBy.choices, required=False, default=Visit.ConfirmedBy.CUSTOMER
    )
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    accuracy = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1_000_000)


class SignatureField(serializers.CharField):
    """A drawn signature: a PNG, base64-encoded (a `data:image/png;base64,` URL is accepted)."""

    default_error_messages = {"format": _("The signature must be a PNG image.")}

    def __init__(self, **kwargs):
        super().__init__(max_length=len(DATA_URL_PREFIX) + services.MAX_SIGNATURE_BYTES * 4 // 3 + 4, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text.startswith(DATA_URL_PREFIX):
            text = text[len(DATA_URL_PREFIX) :]
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.fail("format")


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, max_value=9999, default=1)
    part_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ReportSubmitSerializer(serializers.Serializer):
    idempotency_key = serializers.UUIDField(
        help_text=_("Made once by the form; sending the same report again with it returns the first one.")
    )
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    work_done = serializers.CharField(max_length=10000)
    started_at = DateTimeField()
    finished_at = DateTimeField()
    materials = MaterialSerializer(many=True, required=False, max_length=services.MAX_MATERIAL_LINES)
    test_result = serializers.ChoiceField(choices=TestResult.choices)
    test_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    open_points = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        max_length=services.MAX_OPEN_POINTS,
        help_text=_("Each opens a new case for the customer."),
    )
    customer_signer = serializers.CharField(max_length=100)
    customer_signature = SignatureField()
    engineer_signature = SignatureField()


class OpenPointSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    text = serializers.CharField()
    case = serializers.CharField(source="case.number", allow_null=True, help_text=_("The case it opened."))


class ReportDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "version", "language", "audience", "status", "sha256", "size", "created_at", "url"]

    def get_url(self, document: Document) -> str | None:
        """Where the PDF is downloaded once it is ready."""
        if document.status != Document.Status.READY:
            return None
        return reverse(
            "api:service-report-document",
            kwargs={"pk": self.context["report"].pk, "document_id": document.pk},
            request=self.context.get("request"),
        )


class ServiceReportSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="visit.case.number", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    engineer = serializers.SerializerMethodField()
    open_points = OpenPointSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceReport
        fields = [
            "id",
            "visit",
            "case",
            "kind",
            "kind_display",
            "idempotency_key",
            "work_done",
            "started_at",
            "finished_at",
            "materials",
            "test_result",
            "test_notes",
            "customer_signer",
            "engineer",
            "submitted_at",
            "open_points",
            "documents",
        ]

    def get_engineer(self, report: ServiceReport) -> str:
        request = self.context.get("request")
        return name_shown_to(request.user if request is not None else None, report.engineer)

    @extend_schema_field(ReportDocumentSerializer(many=True))
    def get_documents(self, report: ServiceReport) -> list[dict]:
        request = self.context.get("request")
        documents = queries.report_documents(request.user, report) if request is not None else Document.objects.none()
        return ReportDocumentSerializer(documents, many=True, context={**self.context, "report": report}).data


# --- views -------------------------------------------------------------------------------------


class VisitQuerySerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20, required=False, help_text=_("Only the visits of this case."))
    status = serializers.ChoiceField(choices=Visit.Status.choices, required=False)
    mine = serializers.BooleanField(default=False, required=False, help_text=_("Only visits I am sent on."))


@extend_schema_view(
    list=extend_schema(parameters=[VisitQuerySerializer], summary="Visits of the cases you may see, newest first"),
    retrieve=extend_schema(summary="One visit"),
    create=extend_schema(
        request=DispatchSerializer, responses={201: VisitSerializer}, summary="Dispatch engineers to a case's site"
    ),
)
class VisitViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VisitSerializer
    pagination_class = NewestFirstPagination
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        visits = queries.visible_visits(self.request.user).select_related("case__customer")
        visits = visits.prefetch_related("engineers", "reports")
        if self.action != "list":
            return visits
        params = VisitQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("case"):
            visits = visits.filter(case__number=params.validated_data["case"].upper())
        if params.validated_data.get("status"):
            visits = visits.filter(status=params.validated_data["status"])
        if params.validated_data.get("mine"):
            visits = visits.filter(engineers=self.request.user)
        return visits

    def create(self, request, *args, **kwargs):
        # The right first, so nothing about other records leaks through validation.
        policy.require(request.user, DISPATCH)
        body = DispatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = visible_cases(request.user).filter(number=data["case"].upper()).first()
        if case is None:
            raise serializers.ValidationError({"case": [_("No such case.")]})
        visit = services.dispatch_visit(
            case=case,
            by=request.user,
            engineers=data["engineers"],
            planned_departure_at=data["planned_departure_at"],
            purpose=data["purpose"],
        )
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MoveSerializer,
        responses=VisitSerializer,
        parameters=[OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ACTIONS)],
        summary="Record a step of the visit (depart, arrive, confirm_symptom, complete, confirm_result, check_out, "
        "cancel)",
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]{1,30})", url_name="action")
    def move(self, request, pk=None, action_name=None):
        visit = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        visit = services.move_visit(
            visit=visit,
            action=action_name or "",
            by=request.user,
            expected_status=data.get("expected_status"),
            text=data["text"],
            confirmed_by=data["confirmed_by"],
            confirmed_kind=data["confirmed_kind"],
            position=services.parse_position(data.get("latitude"), data.get("longitude"), data.get("accuracy")),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data)

    @extend_schema(
        methods=["GET"], request=None, responses=ServiceReportSerializer(many=True), summary="The visit's reports"
    )
    @extend_schema(
        methods=["POST"],
        request=ReportSubmitSerializer,
        responses={201: ServiceReportSerializer, 200: ServiceReportSerializer},
        summary="Submit the signed service report (200 with the first report when the key was used before)",
    )
    @action(detail=True, methods=["get", "post"], url_path="reports", url_name="reports", pagination_class=None)
    def reports(self, request, pk=None):
        visit = self.get_object()
        context = {"request": request}
        if request.method == "GET":
            return Response(ServiceReportSerializer(visit.reports.all(), many=True, context=context).data)
        body = ReportSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        seen = ServiceReport.objects.filter(idempotency_key=data["idempotency_key"], visit=visit).exists()
        report = services.submit_report(
            visit=visit,
            by=request.user,
            materials=[services.Material(**line) for line in data.pop("materials", [])],
            open_points=data.pop("open_points", []),
            **data,
        )
        answer = status.HTTP_200_OK if seen else status.HTTP_201_CREATED
        return Response(ServiceReportSerializer(report, context=context).data, status=answer)


@extend_schema_view(
    list=extend_schema(summary="Service reports of the cases you may see, newest first"),
    retrieve=extend_schema(summary="One service report"),
)
class ServiceReportViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ServiceReportSerializer
    pagination_class = NewestFirstPagination
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return (
            queries.visible_reports(self.request.user)
            .select_related("visit__case", "engineer")
            .prefetch_related("open_points__case")
        )

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the PDF whatever the client accepts; its errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "document")

    @extend_schema(
        parameters=[OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
        summary="Download the report's PDF",
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]{1,18})", url_name="document")
    def document(self, request, pk=None, document_id=None):
        report = self.get_object()
        return document_response(queries.get_report_document(request.user, report.pk, document_id))
