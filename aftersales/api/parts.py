"""Spare parts: warehouses, the catalogue, stock balances and the ledger (staff only); part
requests and quotes (seen through their case's visibility: a customer's contact sees those of
the cases they may see, and answers them); RMAs (staff only, filtered by vendor and serial).
Every read starts from `aftersales.parts.queries`; every write is a call to
`aftersales.parts.services`."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.accounts import policy
from aftersales.api.base import LanguageMixin, ReadOnlyViewSet
from aftersales.api.fields import DateTimeField, IdField
from aftersales.api.pagination import IdCursorPagination
from aftersales.cases.models import Case
from aftersales.cases.queries import visible_cases
from aftersales.customers.models import Contact, Site
from aftersales.parts import deadlines as rma_deadlines
from aftersales.parts import permissions as perms
from aftersales.parts import queries, services
from aftersales.parts.models import (
    MAX_QUANTITY,
    Part,
    PartRequest,
    Quote,
    ReturnOffer,
    Rma,
    StockBalance,
    StockMovement,
    Warehouse,
)

# --- serializers ------------------------------------------------------------------------------


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "kind", "city", "vendor_direct_ship"]


class PartSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.name", read_only=True)

    class Meta:
        model = Part
        fields = ["id", "vendor", "part_number", "description", "product_models", "serial_tracked", "unit_price"]


class BalanceSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockBalance
        fields = ["id", "warehouse", "part", "on_hand", "reserved", "available"]


class MovementSerializer(serializers.ModelSerializer):
    at = DateTimeField(read_only=True)
    by = serializers.CharField(source="by.get_username", read_only=True)
    case = serializers.CharField(source="case.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "warehouse",
            "part",
            "kind",
            "quantity",
            "on_hand_delta",
            "reserved_delta",
            "serial_number",
            "reason",
            "by",
            "at",
            "case",
            "part_request",
            "rma",
            "other_warehouse",
        ]


class MovementInSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(is_active=True))
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in services.MANUAL_KINDS])
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    serial_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500)
    case = serializers.CharField(max_length=20, required=False, help_text="The case the parts are used on, by number.")


class TransferInSerializer(serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(is_active=True))
    target = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(is_active=True))
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    serial_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PartRequestSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    case = serializers.CharField(source="case.number", read_only=True)
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    requested_at = DateTimeField(read_only=True)
    consent_at = DateTimeField(read_only=True, allow_null=True)
    issued_at = DateTimeField(read_only=True, allow_null=True)
    fitted_at = DateTimeField(read_only=True, allow_null=True)
    confirmed_through = serializers.CharField(
        source="consent_channel", read_only=True, help_text="portal, desk, or empty while unconfirmed."
    )

    class Meta:
        model = PartRequest
        fields = [
            "id",
            "number",
            "case",
            "part",
            "part_number",
            "quantity",
            "faulty_serial",
            "good_serial",
            "site",
            "status",
            "requested_at",
            "consent_at",
            "confirmed_through",
            "issued_at",
            "fitted_at",
        ]


class PartRequestInSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20, help_text="The case number, e.g. CS202612-000001.")
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.filter(is_active=True))
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    faulty_serial = serializers.CharField(max_length=64)
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AnswerSerializer(serializers.Serializer):
    contact = IdField(required=False, help_text="Staff recording the customer's answer: the contact who gave it.")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    expected_status = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ServeSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(is_active=True))
    good_serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    expected_status = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class FitSerializer(serializers.Serializer):
    good_serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    faulty_serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RmaSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.name", read_only=True)
    case = serializers.CharField(source="case.number", read_only=True, allow_null=True, default=None)
    overdue = serializers.SerializerMethodField()
    claimed_at = DateTimeField(read_only=True)
    good_received_at = DateTimeField(read_only=True, allow_null=True)
    return_due_at = DateTimeField(read_only=True, allow_null=True)
    returned_at = DateTimeField(read_only=True, allow_null=True)
    return_time_left = serializers.SerializerMethodField(
        help_text="The return deadline as people read it (剩余 3 个工作日, 已超时 1 个工作日); empty before the part arrived."
    )
    return_state = serializers.SerializerMethodField(
        help_text="The return deadline's state: running, breached, met, met_late, stopped; empty before the part arrived."
    )

    class Meta:
        model = Rma
        fields = [
            "id",
            "number",
            "vendor",
            "part",
            "quantity",
            "warehouse",
            "part_request",
            "case",
            "status",
            "direct",
            "faulty_serial",
            "good_serial",
            "claimed_at",
            "good_received_at",
            "return_due_at",
            "returned_at",
            "carrier",
            "waybill",
            "overdue",
            "return_time_left",
            "return_state",
        ]

    def get_overdue(self, rma: Rma) -> bool:
        return rma.is_overdue()

    def _return_view(self, rma: Rma):
        if not hasattr(rma, "return_view"):
            rma_deadlines.with_return_views([rma])
        return getattr(rma, "return_view", None)

    def get_return_time_left(self, rma: Rma) -> str:
        seen = self._return_view(rma)
        return seen.words if seen is not None else ""

    def get_return_state(self, rma: Rma) -> str:
        seen = self._return_view(rma)
        return seen.state if seen is not None else ""


class RmaInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(is_active=True))
    part_request = IdField(required=False)
    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all(), required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    faulty_serial = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    direct = serializers.BooleanField(default=False)


class RmaQuerySerializer(serializers.Serializer):
    vendor = IdField(required=False)
    serial = serializers.CharField(max_length=64, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Rma.Status.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


class ReceiveSerializer(serializers.Serializer):
    good_serial = serializers.CharField(max_length=64)
    received_at = DateTimeField(required=False)


class ShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=100)
    waybill = serializers.CharField(max_length=64)
    shipped_at = DateTimeField(required=False)


class QuoteSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    case = serializers.CharField(source="case.number", read_only=True)
    offered_at = DateTimeField(read_only=True)
    answered_at = DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "case",
            "equipment",
            "entitlement",
            "excluded_cause",
            "contract_price",
            "repair_rate",
            "repair_amount",
            "labour_hours",
            "labour_amount",
            "visits",
            "travel_amount",
            "total",
            "status",
            "offered_at",
            "answered_at",
            "answer_channel",
        ]


class QuoteInSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20)
    labour_hours = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=999, default=0)
    visits = serializers.IntegerField(min_value=0, max_value=99, default=0)


# --- helpers ------------------------------------------------------------------------------------


def _visible_case(user, number: str) -> Case:
    case = visible_cases(user).filter(number=(number or "").strip().upper()).first()
    if case is None:
        raise serializers.ValidationError({"case": [_("No such case.")]})
    return case


def _contact(user, row, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id, customer_id=row.customer_id).first()
    if contact is None:
        raise serializers.ValidationError({"contact": [_("Not a contact of this customer.")]})
    return contact


def _body(serializer_class, request):
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


# --- views --------------------------------------------------------------------------------------


class WarehouseViewSet(ReadOnlyViewSet):
    """Warehouses (HQ and branches): staff only."""

    serializer_class = WarehouseSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return queries.visible_warehouses(self.request.user)


class PartViewSet(ReadOnlyViewSet):
    """The parts catalogue: staff only."""

    serializer_class = PartSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["vendor", "serial_tracked"]

    def get_queryset(self):
        if not queries.may_view_stock(self.request.user):
            return Part.objects.none()
        return Part.objects.select_related("vendor").prefetch_related("product_models")


class StockViewSet(ReadOnlyViewSet):
    """Stock per warehouse and part (on hand, reserved, available), derived from the ledger: staff only."""

    serializer_class = BalanceSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["warehouse", "part"]

    def get_queryset(self):
        return queries.visible_balances(self.request.user)


class StockMovementViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    """The stock ledger (append-only): staff read it; a parts clerk records receipts, issues,
    returns and write-offs."""

    serializer_class = MovementSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["warehouse", "part", "kind"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return queries.visible_movements(self.request.user)

    @extend_schema(request=MovementInSerializer, responses={201: MovementSerializer})
    def create(self, request, *args, **kwargs):
        policy.require(request.user, perms.MOVE_STOCK)
        data = _body(MovementInSerializer, request)
        movement = services.record_movement(
            warehouse=data["warehouse"],
            part=data["part"],
            kind=data["kind"],
            quantity=data["quantity"],
            serial=data["serial_number"],
            reason=data["reason"],
            case=_visible_case(request.user, data["case"]) if data.get("case") else None,
            by=request.user,
        )
        return Response(MovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TransferInSerializer,
        responses={201: MovementSerializer(many=True)},
        summary="Transfer stock between warehouses",
    )
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        policy.require(request.user, perms.MOVE_STOCK)
        data = _body(TransferInSerializer, request)
        movements = services.transfer_stock(
            source=data["source"],
            target=data["target"],
            part=data["part"],
            quantity=data["quantity"],
            serial=data["serial_number"],
            reason=data["reason"],
            by=request.user,
        )
        return Response(MovementSerializer(movements, many=True).data, status=status.HTTP_201_CREATED)


class PartRequestViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Part requests (备件申请表), seen through their case. The engineer files one; the
    customer's contact confirms or declines it (or the desk records the answer); the parts
    clerk serves it from stock; the engineer records fitting it."""

    serializer_class = PartRequestSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return queries.visible_part_requests(self.request.user)

    def _respond(self, row, code=status.HTTP_200_OK):
        return Response(PartRequestSerializer(row).data, status=code)

    @extend_schema(request=PartRequestInSerializer, responses={201: PartRequestSerializer})
    def create(self, request, *args, **kwargs):
        policy.require(request.user, perms.REQUEST_PART)
        data = _body(PartRequestInSerializer, request)
        row = services.file_part_request(
            case=_visible_case(request.user, data["case"]),
            part=data["part"],
            quantity=data["quantity"],
            faulty_serial=data["faulty_serial"],
            site=data.get("site"),
            note=data["note"],
            by=request.user,
        )
        return self._respond(row, status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses=PartRequestSerializer, summary="Confirm (the customer)")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        row = self.get_object()
        data = _body(AnswerSerializer, request)
        row = services.confirm_part_request(
            request=row,
            by=request.user,
            contact=_contact(request.user, row, data.get("contact")),
            expected_status=data["expected_status"] or None,
        )
        return self._respond(row)

    @extend_schema(request=AnswerSerializer, responses=PartRequestSerializer, summary="Decline (the customer)")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        row = self.get_object()
        data = _body(AnswerSerializer, request)
        contact = _contact(request.user, row, data.get("contact"))
        row = services.decline_part_request(request=row, by=request.user, reason=data["reason"], contact=contact)
        return self._respond(row)

    @extend_schema(request=ServeSerializer, responses=PartRequestSerializer, summary="Serve from stock")
    @action(detail=True, methods=["post"])
    def serve(self, request, pk=None):
        row = self.get_object()
        data = _body(ServeSerializer, request)
        row = services.serve_from_stock(
            request=row,
            warehouse=data["warehouse"],
            good_serial=data["good_serial"],
            by=request.user,
            expected_status=data["expected_status"] or None,
        )
        return self._respond(row)

    @extend_schema(request=FitSerializer, responses=PartRequestSerializer, summary="Record the part fitted")
    @action(detail=True, methods=["post"])
    def fit(self, request, pk=None):
        row = self.get_object()
        data = _body(FitSerializer, request)
        row = services.fit_part(
            request=row, good_serial=data["good_serial"], faulty_serial=data["faulty_serial"], by=request.user
        )
        return self._respond(row)

    @extend_schema(request=ReasonSerializer, responses=PartRequestSerializer, summary="Cancel")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        row = self.get_object()
        data = _body(ReasonSerializer, request)
        return self._respond(services.cancel_part_request(request=row, by=request.user, reason=data["reason"]))


class RmaViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Vendor RMAs: staff only. History per vendor (`?vendor=`) and per serial number
    (`?serial=`, the good or the faulty one); `?overdue=true` for defective parts not back in time."""

    serializer_class = RmaSerializer
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return queries.visible_rmas(self.request.user)
        params = RmaQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = queries.rma_history(self.request.user, vendor_id=data.get("vendor"), serial=data.get("serial", ""))
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        if data.get("overdue") is True:
            rows = queries.overdue_rmas(rows)
        return rows

    @extend_schema(parameters=[RmaQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The page's return deadlines in one query (the serializer reads `return_view`).
        return rma_deadlines.with_return_views(page) if page is not None else None

    @extend_schema(request=RmaInSerializer, responses={201: RmaSerializer})
    def create(self, request, *args, **kwargs):
        policy.require(request.user, perms.MANAGE_RMA)
        data = _body(RmaInSerializer, request)
        part_request = None
        if data.get("part_request") is not None:
            part_request = queries.visible_part_requests(request.user).filter(pk=data["part_request"]).first()
            if part_request is None:
                raise serializers.ValidationError({"part_request": [_("No such part request.")]})
        rma = services.claim_rma(
            number=data["number"],
            warehouse=data["warehouse"],
            request=part_request,
            part=data.get("part"),
            quantity=data["quantity"],
            faulty_serial=data["faulty_serial"],
            direct=data["direct"],
            by=request.user,
        )
        return Response(RmaSerializer(rma).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiveSerializer, responses=RmaSerializer, summary="Record the good part received")
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        rma = self.get_object()
        data = _body(ReceiveSerializer, request)
        rma = services.receive_rma_part(
            rma=rma, good_serial=data["good_serial"], received_at=data.get("received_at"), by=request.user
        )
        return Response(RmaSerializer(rma).data)

    @extend_schema(request=ShipSerializer, responses=RmaSerializer, summary="Record the defective part shipped")
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        rma = self.get_object()
        data = _body(ShipSerializer, request)
        rma = services.ship_defective_part(
            rma=rma,
            carrier=data["carrier"],
            waybill=data["waybill"],
            shipped_at=data.get("shipped_at"),
            by=request.user,
        )
        return Response(RmaSerializer(rma).data)


class QuoteViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Chargeable repair quotes, seen through their case: staff offer one, the customer's
    contact accepts or declines it (or the desk records the answer)."""

    serializer_class = QuoteSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return queries.visible_quotes(self.request.user)

    @extend_schema(request=QuoteInSerializer, responses={201: QuoteSerializer})
    def create(self, request, *args, **kwargs):
        policy.require(request.user, perms.OFFER_QUOTE)
        data = _body(QuoteInSerializer, request)
        quote = services.offer_quote(
            case=_visible_case(request.user, data["case"]),
            labour_hours=data["labour_hours"],
            visits=data["visits"],
            by=request.user,
        )
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    def _answer(self, request, accept: bool):
        quote = self.get_object()
        data = _body(AnswerSerializer, request)
        quote = services.answer_quote(
            quote=quote,
            accept=accept,
            contact=_contact(request.user, quote, data.get("contact")),
            expected_status=data["expected_status"] or None,
            by=request.user,
        )
        return Response(QuoteSerializer(quote).data)

    @extend_schema(request=AnswerSerializer, responses=QuoteSerializer, summary="Accept (the customer)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(request, True)

    @extend_schema(request=AnswerSerializer, responses=QuoteSerializer, summary="Decline (the customer)")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(request, False)


class ReturnOfferSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    offered_at = DateTimeField(read_only=True)
    answered_at = DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ReturnOffer
        fields = [
            "id",
            "case",
            "equipment",
            "remedy",
            "entitlement",
            "reason",
            "refund_amount",
            "status",
            "offered_at",
            "answered_at",
            "answer_channel",
        ]


class ReturnOfferInSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=20)
    remedy = serializers.ChoiceField(choices=ReturnOffer.Remedy.choices)
    reason = serializers.CharField(max_length=2000)
    refund_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReturnOfferViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Return, exchange or refund of a product that cannot be repaired (R6.3), seen through its
    case: an engineer proposes it as the warranty and contract allow, a manager approves it,
    the customer's contact (or the desk) agrees or declines."""

    serializer_class = ReturnOfferSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return queries.visible_return_offers(self.request.user)

    @extend_schema(request=ReturnOfferInSerializer, responses={201: ReturnOfferSerializer})
    def create(self, request, *args, **kwargs):
        policy.require(request.user, perms.OFFER_RETURN)
        data = _body(ReturnOfferInSerializer, request)
        offer = services.offer_return(
            case=_visible_case(request.user, data["case"]),
            remedy=data["remedy"],
            reason=data["reason"],
            refund_amount=data.get("refund_amount"),
            by=request.user,
        )
        return Response(ReturnOfferSerializer(offer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=ReturnOfferSerializer, summary="Approve or reject (a manager)")
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        offer = self.get_object()
        data = _body(DecisionSerializer, request)
        offer = services.decide_return(
            offer=offer, approve=data["decision"] == "approve", note=data["note"], by=request.user
        )
        return Response(ReturnOfferSerializer(offer).data)

    def _answer(self, request, agree: bool):
        offer = self.get_object()
        data = _body(AnswerSerializer, request)
        offer = services.answer_return(
            offer=offer, agree=agree, contact=_contact(request.user, offer, data.get("contact")), by=request.user
        )
        return Response(ReturnOfferSerializer(offer).data)

    @extend_schema(request=AnswerSerializer, responses=ReturnOfferSerializer, summary="Agree (the customer)")
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        return self._answer(request, True)

    @extend_schema(request=AnswerSerializer, responses=ReturnOfferSerializer, summary="Decline (the customer)")
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._answer(request, False)
