from django.contrib import admin

from aftersales.cases.admin import ReadOnlyAdmin
from aftersales.sla.models import (
    Clock,
    Escalation,
    EscalationRule,
    NoContractCoverage,
    ServiceTarget,
    SuspensionRequest,
)


@admin.register(ServiceTarget)
class ServiceTargetAdmin(admin.ModelAdmin):
    list_display = ["severity", "clock", "minutes", "calendar", "starts"]
    list_editable = ["minutes", "calendar", "starts"]
    list_filter = ["severity", "clock", "calendar"]


@admin.register(NoContractCoverage)
class NoContractCoverageAdmin(admin.ModelAdmin):
    """Service hours of cases without a maintenance contract; a change applies to new cases."""

    list_display = ["severity", "coverage"]
    list_editable = ["coverage"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "trigger",
        "clock",
        "minutes",
        "severities",
        "notify_role",
        "notify_user",
        "notify_owner",
        "raise_tier",
        "channels",
        "is_active",
    ]
    list_filter = ["trigger", "is_active", "notify_role"]
    search_fields = ["name"]
    autocomplete_fields = ["notify_user"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "calendar", "started_at", "due_at", "met_at", "breached_at", "paused_at"]
    list_filter = ["kind", "calendar"]
    search_fields = ["case__number"]
    list_select_related = ["case", "calendar"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "rule", "fire_at", "fired_at", "cancelled_at"]
    list_filter = ["rule"]
    search_fields = ["case__number"]
    list_select_related = ["case", "rule"]


@admin.register(SuspensionRequest)
class SuspensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["case", "requested_by", "requested_at", "consent_by", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["case__number", "reason"]
