"""Cases: the queue, one case by number (with clocks and timeline), intake, edits, workflow
actions, comments, files (see `aftersales.api.attachments`), assignment, severity, service acts
and suspension requests. Every read starts from `visible_cases(user)`; every write is a call to
`aftersales.cases.services`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts import policy
from aftersales.api.attachments import CaseAttachmentsMixin
from aftersales.api.base import LanguageMixin
from aftersales.api.documents import CaseDocumentsMixin
from aftersales.api.fields import DateTimeField, IdField, LookupField
from aftersales.api.pagination import CaseCursorPagination
from aftersales.cases import services
from aftersales.cases.forms import staff_users
from aftersales.cases.models import Case, CaseEvent, Channel, Kind, Severity, Status, Tier
from aftersales.cases.queries import (
    AREA_ALL,
    AREA_MINE,
    QueueFilter,
    get_visible_case,
    name_shown_to,
    queue,
    queue_status_choices,
    visible_cases,
    visible_events,
)
from aftersales.cases.services import CONSENT_CLOCK_SKEW
from aftersales.cases.workflow import BY_ACTION, moves_for
from aftersales.core.errors import NotAllowed
from aftersales.customers.models import Contact, Customer, Site
from aftersales.dispatch.models import Team
from aftersales.installed_base.models import Equipment
from aftersales.installed_base.queries import equipment_by_serial
from aftersales.sla.display import case_due, view_clock
from aftersales.sla.models import Act, Clock, SuspensionRequest

STATUS_FILTERS = [value for value, _label in queue_status_choices()]
ACTIONS = sorted(a for a, move in BY_ACTION.items() if not move.via_request)

# --- read -------------------------------------------------------------------------------


class CaseQuerySerializer(serializers.Serializer):
    """The queue's filters, as query parameters."""

    status = serializers.ChoiceField(choices=STATUS_FILTERS, default="open", required=False)
    severity = serializers.ListField(child=serializers.ChoiceField(choices=Severity.values), required=False)
    kind = serializers.ChoiceField(choices=Kind.values, required=False)
    customer = IdField(required=False)
    owner = IdField(required=False)
    team = IdField(required=False)
    area = serializers.ChoiceField(
        choices=[AREA_MINE, AREA_ALL],
        default=AREA_ALL,
        required=False,
        help_text=_("mine: cases of your teams and your region (and yours); all: every region."),
    )
    mine = serializers.BooleanField(default=False, required=False)
    unassigned = serializers.BooleanField(default=False, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    due = serializers.ChoiceField(choices=["breached", "soon"], required=False)
    ordering = serializers.ChoiceField(
        choices=["severity", "due"],
        default="severity",
        required=False,
        help_text=_(
            "severity: severity, then the oldest first; due: the nearest deadline first, cases without a running "
            "clock last."
        ),
    )

    def to_filter(self) -> QueueFilter:
        data = self.validated_data
        return QueueFilter.from_data({**data, "sort": data.get("ordering")})


# What a customer's contact is not shown of a case, as in the portal: who inside the service
# company works on it (log-in names, team) and the internal clocks (sign-off, progress, ...).
HIDDEN_FROM_CUSTOMERS = {"owner": None, "team": None, "taken_by": None, "clocks": []}


def _sees_internals(serializer) -> bool:
    request = serializer.context.get("request")
    return request is not None and policy.allowed(request.user, "cases.read")


class CaseListSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    status_display = serializers.CharField(source="status_label", read_only=True)
    next_due_display = serializers.SerializerMethodField(
        help_text=_("The next deadline in words; a suspended case's says paused, with the time left.")
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:case-detail", lookup_field="number")

    class Meta:
        model = Case
        fields = [
            "number",
            "url",
            "title",
            "status",
            "status_display",
            "severity",
            "kind",
            "channel",
            "customer",
            "customer_name",
            "owner",
            "team",
            "tier",
            "opened_at",
            "next_due_at",
            "next_due_display",
            "updated_at",
        ]

    def get_next_due_display(self, case: Case) -> str:
        return case_due(case)[0]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _sees_internals(self):
            data.update({name: value for name, value in HIDDEN_FROM_CUSTOMERS.items() if name in data})
        return data


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField(source="clock.kind")
    label = serializers.CharField()
    target_minutes = serializers.IntegerField(source="clock.target_minutes")
    due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Null while the clock is paused: resuming moves it by the time spent paused.")
    )
    minutes_left = serializers.FloatField(
        allow_null=True, help_text=_("Business minutes left, for a running or paused clock.")
    )
    met_at = serializers.DateTimeField(source="clock.met_at", allow_null=True)
    breached_at = serializers.DateTimeField(source="clock.breached_at", allow_null=True)
    state = serializers.ChoiceField(choices=["met", "met_late", "breached", "running", "paused", "stopped"])
    words = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    # A case timeline entry (aftersales.timeline) under the names this API has always used;
    # `changes` and `text` are rendered in the reader's language from the stored data.
    at = serializers.DateTimeField(read_only=True)
    # Other domain apps write on the case's timeline too (dispatch: "dispatch.handover.requested",
    # ...): the kind is any registered name; `kind_display` words it in the reader's language.
    kind = serializers.CharField(
        read_only=True,
        help_text=_(
            "The entry's kind: a case kind (created, status, assigned, …) or another app's (dispatch.tier, …)."
        ),
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.SerializerMethodField()
    is_public = serializers.BooleanField(read_only=True)
    from_status = serializers.ChoiceField(choices=Status.choices, read_only=True, allow_blank=True)
    to_status = serializers.ChoiceField(choices=Status.choices, read_only=True, allow_blank=True)
    changes = serializers.JSONField(read_only=True)
    text = serializers.CharField(read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "kind",
            "kind_display",
            "actor",
            "is_public",
            "from_status",
            "to_status",
            "changes",
            "text",
        ]

    def get_actor(self, event: CaseEvent) -> str | None:
        request = self.context.get("request")
        if not event.actor_id:
            return None
        if request is None:
            return str(event.actor)
        names = self.context.setdefault("names_shown", {})  # one look-up per person, not per event
        if event.actor_id not in names:
            names[event.actor_id] = name_shown_to(request.user, event.actor)
        return names[event.actor_id]


class CaseDetailSerializer(CaseListSerializer):
    merged_into = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    taken_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    clocks = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "contact",
            "site",
            "equipment",
            "entitlement",
            "taken_by",
            "merged_into",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "clocks",
            "timeline",
            "actions",
        ]

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, case: Case) -> list:
        if not _sees_internals(self):
            return []
        started = getattr(case, "started_clocks", None)  # a case just opened: its clocks are at hand
        clocks = started if started is not None else Clock.objects.filter(case=case).select_related("calendar")
        views = [view_clock(clock) for clock in clocks]
        return ClockSerializer(views, many=True).data

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, case: Case) -> list:
        return EventSerializer(visible_events(self.context["request"].user, case), many=True, context=self.context).data

    def get_actions(self, case: Case) -> list[str]:
        """The workflow actions the requesting user may take now."""
        user = self.context["request"].user
        return [move.action for move in moves_for(user, case)]


# --- write ------------------------------------------------------------------------------


class CaseCreateSerializer(serializers.Serializer):
    """A new case; the equipment by id or by serial number (within the customer)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.filter(is_active=True))
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    equipment = serializers.PrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.FAULT)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.C)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)

    def validate(self, data):
        serial = data.pop("serial_number", "")
        if serial.strip():
            # What opening the case reads of the equipment comes with it (site, model, vendor).
            within = Equipment.objects.filter(customer=data["customer"]).select_related(
                "site", "product_model", "vendor"
            )
            matches = equipment_by_serial(serial, within=within)
            if len(matches) != 1:
                raise serializers.ValidationError(
                    {"serial_number": [_("No single piece of this customer's equipment has this serial number.")]}
                )
            if data.get("equipment") not in (None, matches[0]):
                raise serializers.ValidationError(
                    {"serial_number": [_("The serial number and the equipment id name different equipment.")]}
                )
            data["equipment"] = matches[0]
        return data


class CaseUpdateSerializer(serializers.Serializer):
    """The fields `services.update_case` may change; send only those that change."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    equipment = serializers.PrimaryKeyRelatedField(queryset=Equipment.objects.all(), required=False, allow_null=True)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    expected_updated_at = DateTimeField(
        required=False,
        help_text=_("The case's updated_at you saw; if it has changed meanwhile the answer is 409."),
    )


class ActionSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    expected_status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text=_("The status you saw; if the case has moved on meanwhile the answer is 409."),
    )
    merge_into = serializers.CharField(
        required=False, max_length=20, help_text=_("For “merge”: the number of the case this one duplicates.")
    )


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)
    public = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Visible to the customer. Staff default to an internal note; customers can only reply."),
    )


class AssignSerializer(serializers.Serializer):
    """Owner, team and tier, as on the case page; send only what changes (null clears)."""

    owner = LookupField(
        slug_field="username",
        queryset=staff_users(),
        required=False,
        allow_null=True,
        help_text=_("A staff member's user name, as the case shows it; null for nobody."),
    )
    team = LookupField(
        slug_field="name",
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The team's name, as the case shows it; null for none."),
    )
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    expected_owner = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=150,
        help_text=_("The owner you saw (empty for nobody); if it has changed meanwhile the answer is 409."),
    )

    def validate(self, data):
        if not {"owner", "team", "tier"} & data.keys():
            raise serializers.ValidationError(_("Send the owner, the team or the tier."))
        return data


class SeveritySerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = serializers.CharField(max_length=1000)
    expected_severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        help_text=_("The severity you saw; if it has changed meanwhile the answer is 409."),
    )


class ActSerializer(serializers.Serializer):
    act = serializers.ChoiceField(choices=Act.choices)
    text = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# A consent a few minutes "ahead" is a clock difference between two devices, not the future.
class SuspensionRequestCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    consent_by = serializers.CharField(max_length=100, help_text=_("Who at the customer agreed."))
    consent_channel = serializers.ChoiceField(
        choices=SuspensionRequest.ConsentChannel.choices, help_text=_("How they agreed.")
    )
    consent_at = DateTimeField(help_text=_("When they agreed."))
    expected_end_at = DateTimeField(
        help_text=_("When the suspension is expected to end (in the future); the owner is reminded once it passes.")
    )

    def validate_consent_at(self, value: dt.datetime) -> dt.datetime:
        if value > timezone.now() + CONSENT_CLOCK_SKEW:
            raise serializers.ValidationError(_("The customer's consent cannot lie in the future."))
        return value


class SuspensionRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SuspensionRequest
        fields = [
            "id",
            "status",
            "status_display",
            "reason",
            "consent_by",
            "consent_channel",
            "consent_at",
            "expected_end_at",
            "end_reminded_at",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class SuspensionDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


def _require_case_worker(user) -> None:
    # Checked before the body is read, so nothing about other records leaks through validation.
    if not policy.allowed(user, "cases.work"):
        raise NotAllowed(_("Your role may not change cases."))


def _lock(case: Case) -> Case:
    """The case row locked until the transaction ends: what the client says it saw is
    compared with it, and the service called next (in the same transaction) acts on it.

    No join: after waiting for the lock PostgreSQL re-reads the locked row but not the rows
    joined to it, so a joined owner could be the one from before the wait."""
    return Case.objects.select_for_update().get(pk=case.pk)


@extend_schema_view(
    list=extend_schema(parameters=[CaseQuerySerializer], summary="The queue"),
    retrieve=extend_schema(summary="One case with its clocks and timeline"),
    create=extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer}, summary="Open a case"),
    partial_update=extend_schema(
        request=CaseUpdateSerializer, responses=CaseDetailSerializer, summary="Change editable fields"
    ),
)
class CaseViewSet(
    LanguageMixin,
    CaseAttachmentsMixin,
    CaseDocumentsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    pagination_class = CaseCursorPagination
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    sort = "severity"

    def get_queryset(self):
        return visible_cases(self.request.user)

    def get_object(self) -> Case:
        case = get_visible_case(self.request.user, self.kwargs["number"])
        self.check_object_permissions(self.request, case)
        return case

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def list(self, request, *args, **kwargs):
        query = CaseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        f = query.to_filter()
        self.sort = f.sort
        page = self.paginate_queryset(queue(request.user, f))
        return self.get_paginated_response(CaseListSerializer(page, many=True, context={"request": request}).data)

    def create(self, request, *args, **kwargs):
        _require_case_worker(request.user)
        body = CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.open_case(by=request.user, **body.validated_data)
        # The case just opened holds the objects it was opened with: no second look-up needed
        # (its author is a case worker, who sees every case).
        return Response(CaseDetailSerializer(case, context={"request": request}).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        _require_case_worker(request.user)
        body = CaseUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        case = services.update_case(case=case, by=request.user, **body.validated_data)
        return Response(self._detail(case))

    @extend_schema(
        request=ActionSerializer,
        responses=CaseDetailSerializer,
        parameters=[OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ACTIONS)],
        summary="Take a workflow action",
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)", url_name="action")
    def take_action(self, request, number=None, action_name=None):
        case = self.get_object()
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        merge_into = None
        if body.validated_data.get("merge_into"):
            merge_into = visible_cases(request.user).filter(number=body.validated_data["merge_into"].upper()).first()
            if merge_into is None:
                raise serializers.ValidationError({"merge_into": [_("No such case.")]})
        case = services.transition(
            case=case,
            action=action_name,
            by=request.user,
            text=body.validated_data["text"],
            expected_status=body.validated_data.get("expected_status"),
            merge_into=merge_into,
        )
        return Response(self._detail(case))

    @extend_schema(request=CommentSerializer, responses={201: EventSerializer}, summary="Add a reply or a note")
    @action(detail=True, methods=["post"], url_path="comments", url_name="comments")
    def comments(self, request, number=None):
        case = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        public = body.validated_data["public"]
        if public is None:
            public = policy.allowed(request.user, "customers.contact")
        event = services.add_comment(case=case, by=request.user, text=body.validated_data["text"], public=public)
        return Response(EventSerializer(event, context={"request": request}).data, status=status.HTTP_201_CREATED)

    # --- assignment, severity, service acts, suspension (the case page's other forms) ----

    @extend_schema(request=AssignSerializer, responses=CaseDetailSerializer, summary="Assign owner, team, tier")
    @action(detail=True, methods=["post"], url_path="assign", url_name="assign")
    def assign(self, request, number=None):
        case = self.get_object()
        _require_case_worker(request.user)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        expected_owner = (data["expected_owner"] or "") if "expected_owner" in data else None
        with transaction.atomic():
            current = _lock(case)
            if {"owner", "team"} & data.keys():
                services.assign(
                    case=current,
                    by=request.user,
                    owner=data.get("owner", current.owner),
                    team=data.get("team", current.team),
                    expected_owner=expected_owner,
                )
            else:
                services.expect_unchanged(current, owner=expected_owner)
            if "tier" in data:
                services.update_case(case=current, by=request.user, tier=data["tier"])
        return Response(self._detail(case))

    @extend_schema(request=SeveritySerializer, responses=CaseDetailSerializer, summary="Change the severity")
    @action(detail=True, methods=["post"], url_path="severity", url_name="severity")
    def severity(self, request, number=None):
        case = self.get_object()
        _require_case_worker(request.user)
        body = SeveritySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            current = _lock(case)
            services.change_severity(
                case=current,
                by=request.user,
                severity=data["severity"],
                reason=data["reason"],
                expected_severity=data.get("expected_severity"),
            )
        return Response(self._detail(case))

    @extend_schema(request=ActSerializer, responses={201: EventSerializer}, summary="Record a service act")
    @action(detail=True, methods=["post"], url_path="acts", url_name="acts")
    def acts(self, request, number=None):
        case = self.get_object()
        _require_case_worker(request.user)
        body = ActSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.record_act(
            case=case, by=request.user, act=body.validated_data["act"], text=body.validated_data["text"]
        )
        return Response(EventSerializer(event, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=SuspensionRequestSerializer(many=True),
        summary="Suspension requests (staff; customers get an empty list)",
    )
    @extend_schema(
        methods=["POST"],
        request=SuspensionRequestCreateSerializer,
        responses={201: SuspensionRequestSerializer},
        summary="Ask to suspend, with the customer's consent",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="suspension-requests",
        url_name="suspension-requests",
        pagination_class=None,  # a case's requests come in one list
    )
    def suspension_requests(self, request, number=None):
        case = self.get_object()
        if request.method == "GET":
            rows = case.suspension_requests.select_related("requested_by", "decided_by")
            if not policy.allowed(request.user, "cases.read"):
                rows = rows.none()
            return Response(SuspensionRequestSerializer(rows, many=True).data)
        _require_case_worker(request.user)
        body = SuspensionRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.request_suspension(case=case, by=request.user, **body.validated_data)
        return Response(SuspensionRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SuspensionDecisionSerializer,
        responses=CaseDetailSerializer,
        parameters=[OpenApiParameter("request_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        summary="Approve (the case is suspended) or reject a suspension request",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"suspension-requests/(?P<request_id>[0-9]{1,18})/decision",
        url_name="suspension-decision",
    )
    def suspension_decision(self, request, number=None, request_id=None):
        case = self.get_object()
        _require_case_worker(request.user)
        suspension = case.suspension_requests.filter(pk=int(request_id)).first()
        if suspension is None:
            raise Http404
        body = SuspensionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decide_suspension(
            request=suspension,
            by=request.user,
            approve=body.validated_data["decision"] == "approve",
            note=body.validated_data["note"],
        )
        return Response(self._detail(case))

    def _detail(self, case: Case) -> dict:
        case = get_visible_case(self.request.user, case.number)
        return CaseDetailSerializer(case, context={"request": self.request}).data
