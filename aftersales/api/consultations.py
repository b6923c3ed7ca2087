"""Consultations (咨询, R2.3): questions answered on the spot. Staff only: a customer's contact
gets an empty list and 404, as for contracts. Recorded through `services.log_consultation`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from aftersales.accounts import policy
from aftersales.api.base import LanguageMixin
from aftersales.api.pagination import IdCursorPagination
from aftersales.cases import services
from aftersales.cases.models import Channel, Consultation
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Contact, Customer
from aftersales.installed_base.models import Equipment


class NewestFirstPagination(IdCursorPagination):
    ordering = "-pk"


class ConsultationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "customer",
            "customer_name",
            "contact",
            "equipment",
            "channel",
            "question",
            "answer",
            "answered_by",
            "at",
        ]


class ConsultationCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.filter(is_active=True))
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    equipment = serializers.PrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    question = serializers.CharField(max_length=5000)
    answer = serializers.CharField(max_length=5000, help_text=_("The answer given on the spot."))


@extend_schema_view(
    list=extend_schema(summary="Consultations, newest first"),
    retrieve=extend_schema(summary="One consultation"),
    create=extend_schema(
        request=ConsultationCreateSerializer,
        responses={201: ConsultationSerializer},
        summary="Record a question answered on the spot",
    ),
)
class ConsultationViewSet(
    LanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ConsultationSerializer
    pagination_class = NewestFirstPagination
    filterset_fields = ["customer", "contact", "equipment", "channel"]

    def get_queryset(self):
        if not policy.allowed(self.request.user, "cases.read"):
            return Consultation.objects.none()
        return Consultation.objects.select_related("customer", "answered_by")

    def create(self, request, *args, **kwargs):
        # The role first, so nothing about other records leaks through validation.
        if not policy.allowed(request.user, "cases.open"):
            raise NotAllowed(_("Your role may not record consultations."))
        body = ConsultationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consultation = services.log_consultation(by=request.user, **body.validated_data)
        return Response(ConsultationSerializer(consultation).data, status=status.HTTP_201_CREATED)
