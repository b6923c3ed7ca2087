"""Spare parts: warehouses, the parts catalogue, the stock ledger, part requests (备件申请表),
vendor RMAs, repair quotes, return/exchange/refund offers and the charges they produce.

Stock is an append-only ledger of movements (`StockMovement`); `StockBalance` is the running
sum of one warehouse's movements of one part, kept in the same transaction as each movement and
locked (`select_for_update`) while it changes, with check constraints that make a negative
on-hand or available quantity impossible whatever the code does. The ledger stays the truth:
`queries.ledger_totals` recomputes every balance from the movements.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.contracts.entitlement import EntitlementKind, ExcludedCause

MAX_QUANTITY = 9999


class Warehouse(models.Model):
    """A stock location: the headquarters' store or a branch's. A vendor direct-ship point
    receives RMA parts straight from the vendor; the others get them through headquarters."""

    class Kind(models.TextChoices):
        HQ = "hq", _("Headquarters")
        BRANCH = "branch", _("Branch")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    city = models.CharField(_("city"), max_length=50, blank=True)
    vendor_direct_ship = models.BooleanField(
        _("vendor direct-ship point"), default=False, help_text=_("The vendor ships RMA parts straight here.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    clerks = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="parts_warehouses", verbose_name=_("parts clerks")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["-kind", "code"]  # headquarters ("hq") first
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="hq"), name="parts_one_headquarters_store")
        ]

    def __str__(self) -> str:
        return self.name


class Part(models.Model):
    """One orderable spare part of the catalogue, fitting one or more product models."""

    vendor = models.ForeignKey(
        "installed_base.Vendor", on_delete=models.PROTECT, related_name="parts", verbose_name=_("vendor")
    )
    part_number = models.CharField(_("part number"), max_length=64)
    description = models.CharField(_("description"), max_length=200)
    product_models = models.ManyToManyField(
        "installed_base.ProductModel", blank=True, related_name="parts", verbose_name=_("fits product models")
    )
    serial_tracked = models.BooleanField(_("serial-tracked"), default=True)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["vendor__name", "part_number"]
        constraints = [models.UniqueConstraint(fields=["vendor", "part_number"], name="parts_number_unique_per_vendor")]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"

    def save(self, *args, **kwargs):
        self.part_number = (self.part_number or "").strip().upper()
        super().save(*args, **kwargs)


class StockBalance(models.Model):
    """The running totals of one part in one warehouse: the sums of its ledger's deltas.
    Locked with `select_for_update` by every movement; the constraints refuse a negative
    on-hand, a negative reservation and a reservation beyond what is on hand."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="balances")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="parts_one_balance_per_warehouse_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="parts_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="parts_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="parts_available_not_negative"),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementQuerySet(models.QuerySet):
    """The ledger is written once and read for ever."""

    def update(self, **kwargs):
        raise PermissionError("stock movements are never changed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("stock movements are never changed")

    def delete(self):
        raise PermissionError("stock movements are never deleted")


class StockMovement(models.Model):
    """One line of the stock ledger: what moved, where, how many, who, when, why, and the case
    or RMA it belongs to. `on_hand_delta` and `reserved_delta` are what it did to the balance."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Receive")
        RESERVE = "reserve", _("Reserve")
        RELEASE = "release", _("Release reservation")
        ISSUE = "issue", _("Issue")
        RETURN = "return", _("Return to stock")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        WRITE_OFF = "write_off", _("Write off")

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="movements", verbose_name=_("warehouse")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("part"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    on_hand_delta = models.IntegerField(_("on-hand change"))
    reserved_delta = models.IntegerField(_("reserved change"))
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    part_request = models.ForeignKey(
        "PartRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    rma = models.ForeignKey("Rma", on_delete=models.PROTECT, null=True, blank=True, related_name="movements")
    # A transfer is two movements; each names the other warehouse.
    other_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from / to")
    )

    objects = MovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["warehouse", "part", "at"], name="parts_ledger_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("stock movements are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("stock movements are never deleted")


class ConsentChannel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    DESK = "desk", _("Recorded by the desk")


class PartRequest(models.Model):
    """备件申请表: an engineer's request for a part to replace a faulty one, confirmed by the
    customer before it is served."""

    class Status(models.TextChoices):
        AWAITING_CONSENT = "awaiting_consent", _("Awaiting the customer's confirmation")
        CONFIRMED = "confirmed", _("Confirmed, to be served")
        AWAITING_VENDOR = "awaiting_vendor", _("Awaiting the vendor's part (RMA)")
        ISSUED = "issued", _("Part issued to the engineer")
        FITTED = "fitted", _("Part fitted")
        DECLINED = "declined", _("Declined by the customer")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="part_requests", verbose_name=_("case")
    )
    # Copied from the case: every visibility filter uses it.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("customer")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="requests", verbose_name=_("part"))
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    faulty_serial = models.CharField(_("faulty serial number"), max_length=64)
    site = models.ForeignKey("customers.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    equipment = models.ForeignKey(
        "installed_base.Equipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("equipment"),
    )
    note = models.TextField(_("fault description"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_CONSENT, editable=False
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("served from")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    consent_at = models.DateTimeField(_("customer confirmed"), null=True, blank=True)
    consent_channel = models.CharField(
        _("confirmed through"), max_length=10, choices=ConsentChannel.choices, blank=True
    )
    consent_by = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    good_serial = models.CharField(_("good serial number"), max_length=64, blank=True)
    fitted_at = models.DateTimeField(_("fitted"), null=True, blank=True)
    fitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("part request")
        verbose_name_plural = _("part requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"], name="parts_request_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PR{self.pk or 0:06d}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REQUEST_STATUSES


ACTIVE_REQUEST_STATUSES = frozenset(
    {
        PartRequest.Status.AWAITING_CONSENT,
        PartRequest.Status.CONFIRMED,
        PartRequest.Status.AWAITING_VENDOR,
        PartRequest.Status.ISSUED,
    }
)
# The case waits in RMA-Pend while it has a request in one of these.
WAITING_REQUEST_STATUSES = ACTIVE_REQUEST_STATUSES - {PartRequest.Status.AWAITING_CONSENT}


class Rma(models.Model):
    """A return-material authorisation claimed from a vendor: the vendor sends a good part and
    the defective one goes back within ten working days of receiving it."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed from the vendor")
        RECEIVED = "received", _("Good part received")
        RETURNED = "returned", _("Defective part shipped back")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("RMA number"), max_length=40)
    vendor = models.ForeignKey(
        "installed_base.Vendor", on_delete=models.PROTECT, related_name="rmas", verbose_name=_("vendor")
    )
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="rmas", verbose_name=_("part"))
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="rmas", verbose_name=_("receiving branch")
    )
    part_request = models.ForeignKey(
        PartRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rmas",
        verbose_name=_("part request"),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CLAIMED, editable=False
    )
    # True when the branch had no part: the vendor's part goes to the customer's request.
    direct = models.BooleanField(_("vendor part serves the request"), default=False)
    faulty_serial = models.CharField(_("faulty serial number"), max_length=64, blank=True)
    good_serial = models.CharField(_("good serial number"), max_length=64, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("claimed by")
    )
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    good_received_at = models.DateTimeField(_("good part received"), null=True, blank=True)
    return_due_at = models.DateTimeField(_("defective part due back"), null=True, blank=True)
    returned_at = models.DateTimeField(_("defective part shipped"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    waybill = models.CharField(_("waybill number"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")
        ordering = ["-claimed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["vendor", "number"], name="parts_rma_number_unique_per_vendor")]
        indexes = [
            models.Index(fields=["status", "return_due_at"], name="parts_rma_due_idx"),
            models.Index(fields=["good_serial"], name="parts_rma_good_serial_idx"),
            models.Index(fields=["faulty_serial"], name="parts_rma_faulty_serial_idx"),
        ]

    def __str__(self) -> str:
        return f"RMA {self.number}"

    def is_overdue(self, now=None) -> bool:
        """Not shipped back by the due time (or shipped late)."""
        if self.return_due_at is None:
            return False
        if self.returned_at is not None:
            return self.returned_at > self.return_due_at
        return (now or timezone.now()) > self.return_due_at


class Quote(models.Model):
    """A chargeable repair's quote (R1.3): the charge standard's rate of the equipment's contract
    price (12 % by default) plus labour and travel, accepted or declined by the customer before
    chargeable work starts. All money in Decimal, rounded to the cent."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered to the customer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="quotes", verbose_name=_("case"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("customer")
    )
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, related_name="+", verbose_name=_("equipment")
    )
    entitlement = models.CharField(_("entitlement"), max_length=20, choices=EntitlementKind.choices)
    excluded_cause = models.CharField(_("excluded cause"), max_length=20, choices=ExcludedCause.choices, blank=True)
    charge_standard = models.ForeignKey(
        "contracts.ChargeStandard",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("charge standard"),
    )
    contract_price = models.DecimalField(_("contract price (成交价)"), max_digits=12, decimal_places=2)
    repair_rate = models.DecimalField(_("hardware repair rate"), max_digits=5, decimal_places=4)
    repair_amount = models.DecimalField(_("hardware repair"), max_digits=12, decimal_places=2)
    labour_hours = models.DecimalField(_("labour hours"), max_digits=6, decimal_places=2, default=Decimal("0"))
    labour_amount = models.DecimalField(_("labour"), max_digits=12, decimal_places=2, default=Decimal("0"))
    visits = models.PositiveSmallIntegerField(_("on-site visits"), default=0)
    travel_amount = models.DecimalField(_("travel"), max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OFFERED, editable=False
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("offered by")
    )
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_channel = models.CharField(_("answered through"), max_length=10, choices=ConsentChannel.choices, blank=True)
    answered_by_contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("repair quote")
        verbose_name_plural = _("repair quotes")
        ordering = ["-offered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status__in=["offered", "accepted"]), name="parts_one_live_quote_per_case"
            ),
            models.CheckConstraint(
                condition=Q(total=F("repair_amount") + F("labour_amount") + F("travel_amount")),
                name="parts_quote_total_is_the_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.pk or 0:06d}"

    @property
    def number(self) -> str:
        return str(self)


class ReturnOffer(models.Model):
    """退换货 (R6.3): a product that cannot be repaired is returned, exchanged or refunded, as
    the warranty and contract allow, once a manager approves and the customer consents."""

    class Remedy(models.TextChoices):
        RETURN = "return", _("Return")
        EXCHANGE = "exchange", _("Exchange")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a manager's approval")
        AWAITING_CONSENT = "awaiting_consent", _("Approved, awaiting the customer")
        AGREED = "agreed", _("Agreed by the customer")
        DECLINED = "declined", _("Declined by the customer")
        REJECTED = "rejected", _("Rejected by the manager")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="return_offers", verbose_name=_("case")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("customer")
    )
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, related_name="+", verbose_name=_("equipment")
    )
    remedy = models.CharField(_("remedy"), max_length=10, choices=Remedy.choices)
    entitlement = models.CharField(_("entitlement"), max_length=20, choices=EntitlementKind.choices)
    reason = models.TextField(_("why it cannot be repaired"), max_length=2000)
    refund_amount = models.DecimalField(
        _("refund amount"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING_APPROVAL, editable=False
    )
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_channel = models.CharField(_("answered through"), max_length=10, choices=ConsentChannel.choices, blank=True)
    answered_by_contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("return, exchange or refund")
        verbose_name_plural = _("returns, exchanges and refunds")
        ordering = ["-offered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_remedy_display()} {self.case_id}"


class Charge(models.Model):
    """What a chargeable repair costs the customer, written once when its case is closed: the
    accepted quote plus the parts issued to the case. Read by finance through the export."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="charge", verbose_name=_("quote"))
    quoted_amount = models.DecimalField(_("quoted"), max_digits=12, decimal_places=2)
    parts_amount = models.DecimalField(_("parts"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    parts = models.JSONField(_("parts used"), default=list)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("quoted_amount") + F("parts_amount")), name="parts_charge_total_is_the_sum"
            )
        ]
