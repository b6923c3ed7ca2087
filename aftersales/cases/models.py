from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.contracts.entitlement import EntitlementKind, ExcludedCause
from aftersales.customers.models import validate_phone
from aftersales.deadlines.models import SubjectDeadlines
from aftersales.timeline.models import AppendOnlyQuerySet, Entry


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted (signed)")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_VENDOR = "waiting_vendor", _("Waiting for vendor")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts (RMA-Pend)")
    SUSPENDED = "suspended", _("Suspended")
    RESOLVED = "resolved", _("Resolved, awaiting confirmation")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", _("Cancelled")
    MERGED = "merged", _("Merged")


OPEN_STATUSES = frozenset(
    {
        Status.NEW,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.WAITING_CUSTOMER,
        Status.WAITING_VENDOR,
        Status.WAITING_PARTS,
        Status.SUSPENDED,
        Status.REOPENED,
    }
)
# The label of a resolved case once its customer has confirmed the resolution.
RESOLVED_CONFIRMED_LABEL = _("Resolved, confirmed by the customer")
FINISHED_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED, Status.MERGED})
# What the queue calls "open": resolved cases still await the customer's confirmation and a close.
QUEUE_OPEN_STATUSES = OPEN_STATUSES | {Status.RESOLVED}


class Tier(models.TextChoices):
    """The four support tiers (R4.2); dispatch re-exports it with its teams."""

    L1 = "L1", _("L1 installation & maintenance")
    L2 = "L2", _("L2 field support")
    L3 = "L3", _("L3 expert centre (COE/ITAC)")
    L4 = "L4", _("L4 R&D / vendor")


class Severity(models.TextChoices):
    A = "A", _("A · Critical (P1)")
    B = "B", _("B · Major (P2)")
    C = "C", _("C · Minor (P3)")
    D = "D", _("D · Cosmetic (P4)")


SEVERITY_HELP = {
    Severity.A: _("System down or unusable."),
    Severity.B: _("A major function is lost, or a serious complaint."),
    Severity.C: _("Minor impact; inconvenient but usable."),
    Severity.D: _("No functional impact: slowness, cosmetic issues, questions."),
}


class Kind(models.TextChoices):
    FAULT = "fault", _("Fault / repair")
    RETURN = "return", _("Return / exchange")
    COMPLAINT = "complaint", _("Complaint")
    MAINTENANCE = "maintenance", _("Maintenance or upgrade request")
    CONSULTATION = "consultation", _("Consultation (escalated)")
    INSPECTION = "inspection", _("Inspection follow-up")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web portal")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring alarm")


class CaseNumberCounter(models.Model):
    """The last sequence number given out in a month; one row per month."""

    period = models.CharField(max_length=6, unique=True)
    last = models.PositiveIntegerField(default=0)


# Rows other domain apps keep about a case, by name, each a function of the case returning a
# queryset; registered from their `ready` (aftersales.sla: "clocks", "escalations"), so a case
# reads them as `case.clocks` without importing the app that owns them.
RELATED_ROWS: dict[str, Callable[[Case], models.QuerySet]] = {}


class Case(models.Model):
    """案例: one customer request handled from intake to closure."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    # customer, owner and team: no index of their own, the composite indexes (customer, status),
    # (owner, status) and (team, status) serve every look-up by them (and the foreign keys' checks).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("customer"),
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("contact"),
    )
    site = models.ForeignKey("customers.Site", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("site"))
    equipment = models.ForeignKey(
        "installed_base.Equipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("equipment"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FAULT)
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices, default=Severity.C)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner"),
        db_index=False,
    )
    team = models.ForeignKey(
        "dispatch.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("team"),
        db_index=False,
    )
    # 首问负责: whoever took the report stays responsible for feeding back the result (R2.5).
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="taken_cases",
        verbose_name=_("taken by"),
    )
    entitlement = models.CharField(
        _("entitlement"), max_length=20, choices=EntitlementKind.choices, default=EntitlementKind.UNKNOWN
    )
    contract = models.ForeignKey(
        "contracts.ServiceContract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("contract"),
    )
    repair_quote = models.DecimalField(_("repair quote"), max_digits=12, decimal_places=2, null=True, blank=True)
    excluded_cause = models.CharField(_("excluded cause"), max_length=20, choices=ExcludedCause.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("merged into")
    )
    # A new case opened for the customer's e-mail about a case closed too long ago to reopen.
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The nearest due time of the case's running clocks (kept by aftersales.sla.services), so
    # the queue can sort by it and filter "breached" / "due soon" with one index.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    # Its deadlines (the service clocks are those of aftersales.sla); a case with any is kept.
    deadlines = SubjectDeadlines()
    # Contacts of the same customer who follow the case in the portal (R11.1: a contact who is
    # not the customer's manager sees only their own cases and those they are copied on).
    copied_contacts = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="copied_cases", verbose_name=_("copied contacts")
    )
    # R7.1: the customer confirmed the resolution; a manager closes afterwards.
    customer_confirmed_at = models.DateTimeField(_("confirmed by the customer"), null=True, blank=True, editable=False)
    # Lower-cased number, title, description and serial number: one column for the search box,
    # with a trigram index on PostgreSQL (see migrations).
    search_text = models.TextField(editable=False, default="")
    # Set on a case being opened: the clocks its `case_opening` receivers started (not a field).
    started_clocks: list[Any]

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["severity", "opened_at"]
        indexes = [
            models.Index(fields=["status", "severity", "opened_at"], name="case_queue_idx"),
            models.Index(fields=["customer", "status"], name="case_customer_idx"),
            models.Index(fields=["owner", "status"], name="case_owner_idx"),
            models.Index(fields=["team", "status"], name="case_team_idx"),
            models.Index(fields=["opened_at"], name="case_opened_idx"),
            models.Index(fields=["next_due_at"], name="case_next_due_idx"),
            # The queue's order: lets a search or an all-statuses list stop after a page.
            models.Index(fields=["severity", "opened_at", "id"], name="case_severity_opened_idx"),
            # The open queue's first page among a million cases, most of them closed.
            models.Index(
                fields=["severity", "opened_at", "id"],
                name="case_open_queue_idx",
                condition=models.Q(status__in=sorted(QUEUE_OPEN_STATUSES)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def events(self) -> CaseEventQuerySet:
        """This case's timeline: the timeline entries whose subject is this case."""
        return CaseEvent.objects.filter(subject_id=self.pk)

    @property
    def clocks(self) -> models.QuerySet:
        """This case's service clocks: the deadlines whose subject is this case (provided by
        aftersales.sla, see RELATED_ROWS)."""
        return RELATED_ROWS["clocks"](self)

    @property
    def escalations(self) -> models.QuerySet:
        """The escalation rules scheduled on this case: alarms whose subject is this case
        (provided by aftersales.sla, see RELATED_ROWS)."""
        return RELATED_ROWS["escalations"](self)

    @property
    def status_label(self) -> str:
        """The status as people read it everywhere: a resolved case the customer confirmed says
        so (it awaits only a manager's close)."""
        if self.status == Status.RESOLVED and self.customer_confirmed_at is not None:
            return str(RESOLVED_CONFIRMED_LABEL)
        return self.get_status_display()

    def build_search_text(self) -> str:
        serial = self.equipment.serial_number if self.equipment is not None else ""
        return " ".join([self.number, self.title, self.description, serial]).lower()


class TierChange(models.Model):
    """A case raised (or lowered) between support tiers: who, when, why (R4.2). `by` is empty
    when the system moved it (an escalation rule, named in the reason)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tier_changes")
    from_tier = models.CharField(_("from"), max_length=2, choices=Tier.choices)
    to_tier = models.CharField(_("to"), max_length=2, choices=Tier.choices)
    reason = models.CharField(_("reason"), max_length=1000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the system (an escalation rule)."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_tier} → {self.to_tier}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assignment changed")
    FIELDS = "fields", _("Fields changed")
    SEVERITY = "severity", _("Severity changed")
    NOTE = "note", _("Internal note")
    REPLY = "reply", _("Reply to customer")
    ATTACHMENT = "attachment", _("Attachment added")
    NOTIFIED = "notified", _("Notification queued")
    CLOCK = "clock", _("Service act recorded")
    BREACHED = "breached", _("Target missed")
    ESCALATED = "escalated", _("Escalated")
    SUSPENSION = "suspension", _("Suspension")
    CONFIRMED = "confirmed", _("Resolution confirmed by the customer")
    COPIES = "copies", _("Copies changed")
    ENTERED_LATE = "entered_late", _("Entered after the call")
    TIER = "tier", _("Tier changed")


def _case_type():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Case)


def _pk(value):
    return getattr(value, "pk", value)


class CaseEventQuerySet(AppendOnlyQuerySet):
    """The case timeline read from the one timeline table, under the names the case timeline has
    always had: `case`, `at`, `is_public`, and `text`, `from_status`, `to_status` kept in `data`."""

    RENAMED = {"at": "created_at", "is_public": "public", "case": "subject_id", "case_id": "subject_id"}
    IN_DATA = ("text", "from_status", "to_status")

    def _filter_or_exclude(self, negate, args, kwargs):
        queryset, lookups = self, {}
        for key, value in kwargs.items():
            root, sep, rest = key.partition("__")
            if root in ("case", "case_id"):
                if rest not in ("", "in", "pk", "id", "pk__in", "id__in"):
                    raise NotImplementedError(f"CaseEvent: filter through the case with case__in=<cases>, not {key}")
                value = _case_ids(value) if rest.endswith("in") else _pk(value)
                key = "subject_id__in" if rest.endswith("in") else "subject_id"
            elif root in self.RENAMED:
                key = self.RENAMED[root] + sep + rest
            elif root in self.IN_DATA and rest == "contains":
                # A JSON key has no `contains` of its own (it would be JSON containment): as text.
                queryset = queryset.alias(**{f"data_{root}": KT(f"data__{root}")})
                key = f"data_{root}__contains"
            elif root in self.IN_DATA:
                key = f"data__{root}" + sep + rest
            lookups[key] = value
        # QuerySet's private filter step, which django-stubs does not declare.
        return super(CaseEventQuerySet, queryset)._filter_or_exclude(negate, args, lookups)  # type: ignore[misc]

    def values_list(self, *fields, **kwargs):
        return super().values_list(*map(self._column, fields), **kwargs)

    def values(self, *fields, **expressions):
        named = {name: self._column(name) for name in fields if isinstance(self._column(name), Coalesce)}
        plain = [self._column(name) for name in fields if name not in named]
        return super().values(*plain, **named, **expressions)

    @classmethod
    def _column(cls, name):
        if name in cls.IN_DATA:
            return Coalesce(KT(f"data__{name}"), Value(""), output_field=models.TextField())
        return cls.RENAMED.get(name, name) if name in ("at", "is_public") else name

    def order_by(self, *fields):
        return super().order_by(*map(_ordering, fields))

    def latest(self, *fields):
        return super().latest(*map(_ordering, fields))

    def earliest(self, *fields):
        return super().earliest(*map(_ordering, fields))


def _case_ids(value):
    if isinstance(value, models.QuerySet):
        return value.values("pk") if value.model is Case else value
    return [_pk(item) for item in value]


def _ordering(field):
    if isinstance(field, str) and field.lstrip("-") == "at":
        return field.replace("at", "created_at")
    return field


_CaseEventManagerBase = models.Manager.from_queryset(CaseEventQuerySet)


class CaseEventManager(_CaseEventManagerBase):
    def get_queryset(self):
        return super().get_queryset().filter(subject_type=_case_type())


class CaseEvent(Entry):
    """One entry of a case's timeline: the timeline entries whose subject is a case
    (aftersales.timeline), read under the case timeline's names. Append-only.

    `data` holds `text` (what a person wrote), `from_status`/`to_status`, and `changes` as
    {field name: [before, after]} in raw values (ids, choice values); `changes` here is that,
    rendered in the active language: {field label: [before, after]} as display text. Entries
    are written by `aftersales.cases.events.record_case_event`, never by constructing one."""

    LEGACY_DATA = ("text", "from_status", "to_status", "changes")

    objects: ClassVar[CaseEventManager] = CaseEventManager()

    class Meta:
        proxy = True
        verbose_name = _("case timeline entry")
        verbose_name_plural = _("case timeline entries")

    def __init__(self, *args, **kwargs):
        # Keyword construction under the case timeline's names (demo data, the benchmark seed).
        if not args and kwargs and "subject_type" not in kwargs and "subject_type_id" not in kwargs:
            data = dict(kwargs.pop("data", None) or {})
            for name in self.LEGACY_DATA:
                if name in kwargs:
                    data[name] = kwargs.pop(name)
            case = kwargs.pop("case", None)
            kwargs["subject_id"] = _pk(case) if case is not None else kwargs.pop("case_id", None)
            kwargs["subject_type"] = _case_type()
            if "at" in kwargs:
                kwargs["created_at"] = kwargs.pop("at")
            if "is_public" in kwargs:
                kwargs["public"] = kwargs.pop("is_public")
            kwargs["data"] = data
        super().__init__(*args, **kwargs)

    @classmethod
    def of(cls, entry: Entry) -> CaseEvent:
        """The same row, read as a case event."""
        event = cls.__new__(cls)
        event.__dict__.update(entry.__dict__)
        return event

    @property
    def case_id(self) -> int:
        return self.subject_id

    @case_id.setter
    def case_id(self, value: int) -> None:
        self.subject_id = value

    @property
    def case(self) -> Case:
        if not hasattr(self, "_case"):
            self._case = Case.objects.get(pk=self.subject_id)
        return self._case

    @property
    def at(self):
        return self.created_at

    @property
    def is_public(self) -> bool:
        return self.public

    @property
    def from_status(self) -> str:
        return (self.data or {}).get("from_status") or ""

    @property
    def to_status(self) -> str:
        return (self.data or {}).get("to_status") or ""

    @property
    def text(self) -> str:
        from aftersales.timeline.registry import get

        return get(self.kind).text(self.data or {})

    @text.setter
    def text(self, value: str) -> None:
        self.data = {**(self.data or {}), "text": value}

    @property
    def changes(self) -> dict[str, list[str]]:
        from aftersales.timeline.registry import get

        return {line.label: [line.before, line.after] for line in get(self.kind).changes(self.data or {})}

    def get_kind_display(self) -> str:
        if self.kind in EventKind.values:
            return str(EventKind(self.kind).label)
        # A kind another app records on cases (e.g. a visit): its label as that app registered it.
        from aftersales.timeline.registry import kind_label

        return kind_label(self.kind)

    def get_from_status_display(self) -> str:
        return str(Status(self.from_status).label) if self.from_status in Status.values else self.from_status

    def get_to_status_display(self) -> str:
        return str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status


class Attachment(models.Model):
    """A file on a case. Kept for ever; served only through the visibility rule."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_public = models.BooleanField(default=False)
    # A signed service report (用户服务报告, R5.2) the customer can download from the portal.
    is_service_report = models.BooleanField(_("service report"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class Consultation(models.Model):
    """咨询: a question answered on the spot (R2.3); kept in the customer's history."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("contact")
    )
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("equipment")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    question = models.TextField(_("question"), max_length=5000)
    answer = models.TextField(_("answer"), max_length=5000)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("answered by"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.question[:50]


class CallbackRequest(models.Model):
    """An A or B fault reported in the portal. Such faults must come in by phone (R2.1), so
    no case is opened: the desk sees the request on top of its queue and calls back at once.

    Part of intake, so the case's app owns it: the desk's queue reads it (queries.pending_callbacks)
    and the portal writes it. The table keeps the name it was created with in the portal."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="callback_requests", verbose_name=_("customer")
    )
    contact = models.ForeignKey("customers.Contact", on_delete=models.PROTECT, verbose_name=_("contact"))
    equipment = models.ForeignKey(
        "installed_base.Equipment", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("equipment")
    )
    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    phone = models.CharField(_("call back on"), max_length=32, validators=[validate_phone])
    description = models.TextField(_("description"), max_length=5000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called back by"),
    )
    handled_at = models.DateTimeField(_("called back"), null=True, blank=True)

    class Meta:
        db_table = "portal_callbackrequest"
        verbose_name = _("call-back request")
        verbose_name_plural = _("call-back requests")
        ordering = ["severity", "requested_at"]
        indexes = [models.Index(fields=["handled_at", "severity", "requested_at"], name="callback_pending_idx")]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_severity_display()}"


class Act(models.TextChoices):
    """Things an engineer records on a case that satisfy (or start) a clock."""

    CONTACTED = "contacted", _("Customer contacted")
    ON_SITE = "on_site", _("Arrived on site")
    DEPART_REQUESTED = "depart_requested", _("HQ engineer requested")
    DEPARTED = "departed", _("HQ engineer departed")
    FAULT_REPORT = "fault_report", _("Fault report submitted")


class SuspensionRequest(models.Model):
    """挂起: asked by an engineer with the customer's consent, decided by a duty manager."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class ConsentChannel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        ON_SITE = "on_site", _("On site")
        WRITTEN = "written", _("In writing")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="suspension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField(_("reason"), max_length=2000)
    consent_by = models.CharField(_("customer's consent given by"), max_length=100)
    consent_channel = models.CharField(_("consent given by"), max_length=10, choices=ConsentChannel.choices)
    consent_at = models.DateTimeField(_("consent given at"))
    # When the engineer expects to resume; the owner is reminded once it passes (requests made
    # before this was asked for have none): an alarm of the deadlines mechanism (aftersales.sla).
    expected_end_at = models.DateTimeField(_("expected end"), null=True, blank=True)
    end_reminded_at = models.DateTimeField(_("owner reminded of the expected end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("suspension request")
        verbose_name_plural = _("suspension requests")
        # Created by the service levels app, whose table it keeps (and whose content type it took).
        db_table = "sla_suspensionrequest"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_suspension_per_case"
            )
        ]
