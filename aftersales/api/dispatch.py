"""Dispatch: the duty roster (shifts and swaps), vendor and third-party cases with their updates,
and handovers between teams. Reads start from the visibility rule (`visible_cases`) and the
policy; writes are calls to `aftersales.dispatch.services`.

A customer's contact lists no shift and no handover (staff matters) and sees the vendor case
numbers of the cases they may see, without the vendor's contact or the updates."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts import policy
from aftersales.api.base import LanguageMixin
from aftersales.api.fields import DateTimeField, IdField, LookupField
from aftersales.api.pagination import IdCursorPagination
from aftersales.cases.models import Case
from aftersales.cases.queries import visible_cases
from aftersales.dispatch import services
from aftersales.dispatch.models import Handover, Shift, ShiftSwap, Team, VendorCase
from aftersales.installed_base.models import Vendor


class NewestFirst(IdCursorPagination):
    ordering = "-pk"


def _people():
    return get_user_model().objects.filter(is_active=True)


def _visible_case(user, number: str) -> Case:
    """A case the caller may see, else the same field error as for one that does not exist."""
    case = visible_cases(user).filter(number=(number or "").strip().upper()).first()
    if case is None:
        raise serializers.ValidationError({"case": [_("No such case.")]})
    return case


# --- the roster ---------------------------------------------------------------------------


class ShiftSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    duty_engineer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    duty_manager = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Shift
        fields = [
            "id",
            "team",
            "team_name",
            "region",
            "kind",
            "starts_at",
            "ends_at",
            "duty_engineer",
            "duty_manager",
            "note",
        ]


class ShiftQuerySerializer(serializers.Serializer):
    team = IdField(required=False)
    on_duty_at = DateTimeField(required=False, help_text=_("Only the shifts covering this moment."))


class ShiftCreateSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    region = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Shift.Kind.choices)
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    duty_engineer = LookupField(slug_field="username", queryset=_people())
    duty_manager = LookupField(slug_field="username", queryset=_people())
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SwapSerializer(serializers.Serializer):
    duty = serializers.ChoiceField(choices=ShiftSwap.Duty.choices)
    to_user = LookupField(slug_field="username", queryset=_people())
    reason = serializers.CharField(max_length=500)


class SwapReadSerializer(serializers.ModelSerializer):
    from_user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    to_user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ShiftSwap
        fields = ["id", "shift", "duty", "from_user", "to_user", "reason", "by", "at"]


@extend_schema_view(
    list=extend_schema(parameters=[ShiftQuerySerializer], summary="The duty roster, newest shifts first"),
    retrieve=extend_schema(summary="One shift"),
    create=extend_schema(request=ShiftCreateSerializer, responses={201: ShiftSerializer}, summary="Plan a shift"),
)
class ShiftViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ShiftSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Shift]:
        if not policy.allowed(self.request.user, "dispatch.view"):
            return Shift.objects.none()
        return Shift.objects.select_related("team", "duty_engineer", "duty_manager")

    def list(self, request, *args, **kwargs):
        query = ShiftQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        shifts = self.get_queryset()
        if query.validated_data.get("team"):
            shifts = shifts.filter(team_id=query.validated_data["team"])
        if query.validated_data.get("on_duty_at"):
            moment = query.validated_data["on_duty_at"]
            shifts = shifts.filter(starts_at__lte=moment, ends_at__gt=moment)
        page = self.paginate_queryset(shifts)
        return self.get_paginated_response(ShiftSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        policy.require(request.user, "dispatch.plan_roster")  # the role first: nothing leaks through validation
        body = ShiftCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shift = services.plan_shift(by=request.user, **body.validated_data)
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SwapSerializer, responses={201: SwapReadSerializer}, summary="Hand a shift's duty to someone else"
    )
    @action(detail=True, methods=["post"])
    def swap(self, request, pk=None):
        shift = self.get_object()
        policy.require(request.user, "dispatch.swap_shift")
        body = SwapSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        swap = services.swap_shift(shift=shift, by=request.user, **body.validated_data)
        return Response(SwapReadSerializer(swap).data, status=status.HTTP_201_CREATED)


# --- vendor and third-party cases ---------------------------------------------------------------


class VendorUpdateReadSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()
    by = serializers.CharField(source="by.username")


class VendorCaseSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    vendor_name = serializers.CharField(read_only=True)
    opened_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    updates = VendorUpdateReadSerializer(many=True, read_only=True)

    class Meta:
        model = VendorCase
        fields = [
            "id",
            "case",
            "kind",
            "vendor",
            "vendor_name",
            "number",
            "contact",
            "severity",
            "status",
            "opened_by",
            "opened_at",
            "closed_at",
            "updates",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not policy.allowed(request.user, "dispatch.view"):
            # The customer sees the other side's number, not its contact nor the desk's notes.
            data.update({"contact": "", "opened_by": None, "updates": []})
        return data


class VendorCaseQuerySerializer(serializers.Serializer):
    case = serializers.CharField(required=False, max_length=20, help_text=_("A case number."))


class VendorCaseCreateSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20, help_text=_("The number of the case."))
    kind = serializers.ChoiceField(choices=VendorCase.Kind.choices)
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), required=False, allow_null=True)
    party = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=64)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=VendorCase.Severity.choices, default=VendorCase.Severity.S3)


class VendorUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    close = serializers.BooleanField(default=False, required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[VendorCaseQuerySerializer], summary="Vendor and third-party cases of the cases you see"
    ),
    retrieve=extend_schema(summary="One vendor or third-party case"),
    create=extend_schema(
        request=VendorCaseCreateSerializer,
        responses={201: VendorCaseSerializer},
        summary="Record a vendor TAC case or a third-party request",
    ),
)
class VendorCaseViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = VendorCaseSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[VendorCase]:
        return (
            VendorCase.objects.filter(case__in=visible_cases(self.request.user))
            .select_related("case", "vendor", "opened_by")
            .prefetch_related("updates__by")
        )

    def list(self, request, *args, **kwargs):
        query = VendorCaseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = self.get_queryset()
        if query.validated_data.get("case"):
            rows = rows.filter(case__number=query.validated_data["case"].strip().upper())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        policy.require(request.user, "dispatch.vendor_case")  # the role first: nothing leaks through validation
        body = VendorCaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        case = _visible_case(request.user, data.pop("case"))
        vendor_case = services.open_vendor_case(case=case, by=request.user, **data)
        return Response(self.get_serializer(vendor_case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VendorUpdateSerializer, responses={201: VendorCaseSerializer}, summary="Add an update (and close)"
    )
    @action(detail=True, methods=["post"])
    def updates(self, request, pk=None):
        vendor_case = self.get_object()
        body = VendorUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.add_vendor_update(vendor_case=vendor_case, by=request.user, **body.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=vendor_case.pk)).data, status=status.HTTP_201_CREATED
        )


# --- handovers ------------------------------------------------------------------------------


class HandoverSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    from_team = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    to_team = serializers.SlugRelatedField(slug_field="name", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "case",
            "from_team",
            "to_team",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "note",
        ]


class HandoverQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Handover.Status.choices, required=False)


class HandoverCreateSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20, help_text=_("The number of the case."))
    to_team = LookupField(slug_field="name", queryset=Team.objects.all())
    reason = serializers.CharField(max_length=1000)


class HandoverDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "refuse"])
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text=_("Required to refuse.")
    )
    owner = LookupField(
        slug_field="username",
        queryset=_people(),
        required=False,
        allow_null=True,
        help_text=_("A member of the receiving team."),
    )


@extend_schema_view(
    list=extend_schema(parameters=[HandoverQuerySerializer], summary="Handovers between teams, newest first"),
    retrieve=extend_schema(summary="One handover"),
    create=extend_schema(
        request=HandoverCreateSerializer,
        responses={201: HandoverSerializer},
        summary="Hand a case over to another team",
    ),
)
class HandoverViewSet(
    LanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = HandoverSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Handover]:
        if not policy.allowed(self.request.user, "dispatch.view"):
            return Handover.objects.none()
        return Handover.objects.filter(case__in=visible_cases(self.request.user)).select_related(
            "case", "from_team", "to_team", "requested_by", "decided_by"
        )

    def list(self, request, *args, **kwargs):
        query = HandoverQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = self.get_queryset()
        if query.validated_data.get("status"):
            rows = rows.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HandoverSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        policy.require(request.user, "dispatch.request_handover")
        body = HandoverCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = _visible_case(request.user, data["case"])
        handover = services.request_handover(case=case, by=request.user, to_team=data["to_team"], reason=data["reason"])
        return Response(HandoverSerializer(handover).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=HandoverDecisionSerializer, responses={200: HandoverSerializer}, summary="Accept or refuse a handover"
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        handover = self.get_object()
        policy.require(request.user, "dispatch.decide_handover", handover)
        body = HandoverDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        decided = services.decide_handover(
            handover=handover,
            by=request.user,
            accept=data["decision"] == "accept",
            note=data["note"],
            owner=data.get("owner"),
        )
        return Response(HandoverSerializer(decided).data)
