from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.roles import Role
from aftersales.cases.models import Act, Case, Severity, SuspensionRequest
from aftersales.contracts.models import Coverage
from aftersales.deadlines.models import Alarm, Deadline, SubjectManager, SubjectQuerySet

__all__ = [
    "ACT_MEETS",
    "ESCALATION_ALARM",
    "SUSPENSION_END_ALARM",
    "Act",
    "Clock",
    "ClockKind",
    "ClockStart",
    "Escalation",
    "EscalationRule",
    "NoContractCoverage",
    "ServiceTarget",
    "SuspensionRequest",
    "escalation_key",
]


class ClockKind(models.TextChoices):
    SIGN_OFF = "sign_off", _("Sign-off (签收)")
    RESPONSE = "response", _("Response")
    FIRST_CONTACT = "first_contact", _("First contact with the customer")
    REPLY = "reply", _("Reply to the customer")
    ON_SITE = "on_site", _("Engineer on site")
    DEPART = "depart", _("HQ engineer departs")
    RESTORE = "restore", _("Service restored")
    PROGRESS = "progress", _("Progress update")
    FAULT_REPORT = "fault_report", _("Fault report")


# The clocks each act recorded on a case meets (the service-level reading of `cases.Act`).
ACT_MEETS: dict[str, tuple[str, ...]] = {
    Act.CONTACTED: ("first_contact",),
    Act.ON_SITE: ("on_site",),
    Act.DEPARTED: ("depart",),
    Act.FAULT_REPORT: ("fault_report",),
}


class ClockStart(models.TextChoices):
    OPENING = "opening", _("When the case is opened")
    REQUEST = "request", _("When it is requested on the case")
    RESOLUTION = "resolution", _("When the case is resolved")


class ServiceTarget(models.Model):
    """One target of a service level: e.g. severity A, service restored within 120 minutes, 7×24."""

    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices)
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    minutes = models.PositiveIntegerField(_("minutes"), help_text=_("Business minutes on the calendar below."))
    calendar = models.ForeignKey("calendars.BusinessCalendar", on_delete=models.PROTECT, verbose_name=_("calendar"))
    starts = models.CharField(_("starts"), max_length=12, choices=ClockStart.choices, default=ClockStart.OPENING)

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        ordering = ["severity", "clock"]
        constraints = [models.UniqueConstraint(fields=["severity", "clock"], name="service_target_unique")]

    def __str__(self) -> str:
        return f"{self.severity} · {self.get_clock_display()} · {self.minutes} min"


class NoContractCoverage(models.Model):
    """The service hours of a case with no maintenance contract (in warranty or chargeable),
    per severity. Seeded from the service commitments: equipment in warranty gets 24-hour
    remote maintenance and an engineer on site within an hour for a major fault, and A/B
    service is given at any time, so A and B run 7×24; C and D office hours (5×8)."""

    severity = models.CharField(_("severity"), max_length=1, choices=Severity.choices, unique=True)
    coverage = models.CharField(_("coverage hours"), max_length=8, choices=Coverage.choices)

    class Meta:
        verbose_name = _("coverage without a contract")
        verbose_name_plural = _("coverage without a contract")
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity} · {self.get_coverage_display()}"


def _case_type():
    return ContentType.objects.get_for_model(Case)


def _pk(value):
    return getattr(value, "pk", value)


class CaseSubjectQuerySet(SubjectQuerySet):
    """A deadlines table read as the case's: `case` (and `case_id`, `case__in`, `case__<field>`)
    names the subject, `clock` the deadline, `rule` the escalation rule (the alarm's `ref`)."""

    RENAMED = {"clock": "deadline", "clock_id": "deadline_id"}
    DROPPED_RELATIONS = ("case", "rule")

    def _filter_or_exclude(self, negate, args, kwargs):
        lookups = {}
        for key, value in kwargs.items():
            root, sep, rest = key.partition("__")
            if root in ("case", "case_id"):
                key, value = _by_id("subject_id", rest, value, Case)
            elif root in ("rule", "rule_id"):
                key, value = _by_id("ref", rest, value, EscalationRule)
            elif root in self.RENAMED:
                key = self.RENAMED[root] + sep + rest
            lookups[key] = value
        # QuerySet's private filter step, which django-stubs does not declare.
        return super()._filter_or_exclude(negate, args, lookups)  # type: ignore[misc]

    def values_list(self, *fields, **kwargs):
        queryset, columns = self._columns(fields)
        return super(CaseSubjectQuerySet, queryset).values_list(*columns, **kwargs)

    def values(self, *fields, **expressions):
        queryset, columns = self._columns(fields)
        named = {name: F(column) for name, column in zip(fields, columns, strict=True) if name != column}
        plain = [column for name, column in zip(fields, columns, strict=True) if name == column]
        return super(CaseSubjectQuerySet, queryset).values(*plain, **named, **expressions)

    def _columns(self, fields) -> tuple[CaseSubjectQuerySet, list[str]]:
        """`case_id`, `rule_id`, `clock_id` as their columns; `case__x`, `rule__x` read by a subquery."""
        queryset, columns = self, []
        ids = {"case": "subject_id", "case_id": "subject_id", "rule": "ref", "rule_id": "ref", **self.RENAMED}
        for name in fields:
            root, _sep, rest = name.partition("__")
            if name in ids:
                columns.append(ids[name])
            elif root in ("case", "rule") and rest:
                model = Case if root == "case" else EscalationRule
                alias = f"_{root}_{rest}"
                column = "subject_id" if root == "case" else "ref"
                related = model._default_manager.filter(pk=OuterRef(column)).values(rest)[:1]
                queryset = queryset.annotate(**{alias: Subquery(related)})
                columns.append(alias)
            else:
                columns.append(self.RENAMED.get(root, root) + name[len(root) :] if root in self.RENAMED else name)
        return queryset, columns

    def select_related(self, *fields):
        kept = [self.RENAMED.get(f, f) for f in fields if f.split("__")[0] not in self.DROPPED_RELATIONS]
        return super().select_related(*kept) if kept or not fields else self


def _by_id(column: str, rest: str, value, model: type[models.Model]) -> tuple[str, object]:
    """`case=<case>`, `case__in=[...]`, `case__pk=1`, `case__isnull=...` as the id column;
    `case__<field>=<value>` as `<column>__in` the matching rows' ids."""
    if rest in ("", "pk", "id", "exact"):
        return column, _pk(value)
    if rest in ("in", "pk__in", "id__in"):
        if isinstance(value, models.QuerySet):
            return f"{column}__in", value.values("pk") if value.model is model else value
        return f"{column}__in", [_pk(item) for item in value]
    if rest == "isnull":
        return f"{column}__isnull", value
    return f"{column}__in", model._default_manager.filter(**{rest: value}).values("pk")


class ClockManager(SubjectManager):
    _queryset_class = CaseSubjectQuerySet

    def get_queryset(self):
        return super().get_queryset().filter(subject_type=_case_type(), kind__in=ClockKind.values)


class Clock(Deadline):
    """A service clock of a case: a deadline (aftersales.deadlines) whose subject is a case and
    whose kind is a ClockKind, read under the names the clocks always had (`case`, `case_id`,
    `case.clocks`). The due time is computed once, in business time, and stored, so "what is
    due" is an indexed range query."""

    objects: ClassVar[ClockManager] = ClockManager()
    _case: Case | None = None

    class Meta:
        proxy = True
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at"]

    def __init__(self, *args, **kwargs):
        # Keyword construction under the clock's names (the benchmark seed, tests).
        if not args:
            case = kwargs.pop("case", None)
            if case is not None:
                kwargs["subject_id"] = case.pk
            elif "case_id" in kwargs:
                kwargs["subject_id"] = kwargs.pop("case_id")
            if "subject_type" not in kwargs and "subject_type_id" not in kwargs:
                kwargs["subject_type"] = _case_type()
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def case_id(self) -> int:
        return self.subject_id

    @case_id.setter
    def case_id(self, value: int) -> None:
        self.subject_id = value

    @property
    def case(self) -> Case:
        if self._case is None or self._case.pk != self.subject_id:
            self._case = Case.objects.get(pk=self.subject_id)
        return self._case

    def get_kind_display(self) -> str:
        return str(ClockKind(self.kind).label) if self.kind in ClockKind.values else self.kind


class EscalationRule(models.Model):
    """When to escalate: data, not code. Seeded from the fault-ticket discipline (R3.3)."""

    class Trigger(models.TextChoices):
        AT_OPENING = "opening", _("At opening")
        BEFORE_DUE = "before_due", _("N minutes before a clock is due")
        BREACHED = "breached", _("N minutes after a clock is breached")
        UNRESOLVED = "unresolved", _("Unresolved N minutes after opening")

    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    clock = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    severities = models.CharField(_("severities"), max_length=8, default="ABCD", help_text=_("e.g. AB"))
    notify_role = models.CharField(_("notify role"), max_length=20, blank=True, choices=Role.choices)
    notify_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notify this person"),
    )
    notify_owner = models.BooleanField(_("notify the owner"), default=False)
    raise_tier = models.BooleanField(_("raise the tier"), default=False)
    channels = models.CharField(_("channels"), max_length=50, default="email", help_text=_("e.g. email,sms,im"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["trigger", "minutes"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, severity: str) -> bool:
        return self.is_active and severity in self.severities


# The alarm kind of a scheduled escalation rule (aftersales.deadlines).
ESCALATION_ALARM = "sla.escalation"


def escalation_key(case_id: int, rule_id: int, clock_id: int | None) -> str:
    """Once per case and rule (per clock for clock rules)."""
    return f"escalation:{case_id}:{rule_id}:{clock_id or '-'}"


class EscalationManager(SubjectManager):
    _queryset_class = CaseSubjectQuerySet

    def get_queryset(self):
        return super().get_queryset().filter(kind=ESCALATION_ALARM)


class Escalation(Alarm):
    """An escalation rule scheduled on a case: an alarm (aftersales.deadlines) of kind
    `sla.escalation` whose subject is the case, `ref` the rule and `deadline` the clock, if any.
    Fires once at `fire_at` (claimed by the sweep with row locks)."""

    objects: ClassVar[EscalationManager] = EscalationManager()
    _case: Case | None = None
    _rule: EscalationRule | None = None

    class Meta:
        proxy = True
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    @property
    def case_id(self) -> int:
        return self.subject_id

    @property
    def case(self) -> Case:
        if self._case is None:
            self._case = Case.objects.get(pk=self.subject_id)
        return self._case

    @property
    def rule_id(self) -> int | None:
        return self.ref

    @property
    def rule(self) -> EscalationRule:
        if self._rule is None:
            assert self.ref is not None  # an escalation names its rule
            self._rule = EscalationRule.objects.select_related("notify_user").get(pk=self.ref)
        return self._rule

    @property
    def clock_id(self) -> int | None:
        return self.deadline_id

    @property
    def clock(self) -> Deadline | None:
        return self.deadline


# The alarm of a suspension's expected end (aftersales.deadlines): scheduled when the suspension
# is approved, cancelled when the case resumes; `ref` is the request. Key: `suspension-end:<request>`.
SUSPENSION_END_ALARM = "sla.suspension_end"
