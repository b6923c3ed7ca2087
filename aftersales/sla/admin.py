from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.cases.admin import ReadOnlyAdmin
from aftersales.sla.models import (
    Clock,
    Escalation,
    EscalationRule,
    NoContractCoverage,
    ServiceTarget,
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


class ByCaseNumberAdmin(ReadOnlyAdmin):
    """Searched by the case's number (the rows name their case generically)."""

    search_fields = ["kind"]
    search_help_text = _("Case number")

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.filter(case__number__icontains=search_term.strip()), False


@admin.register(Clock)
class ClockAdmin(ByCaseNumberAdmin):
    list_display = ["case", "kind", "calendar", "started_at", "due_at", "met_at", "breached_at", "paused_at"]
    list_filter = ["kind", "calendar"]
    list_select_related = ["calendar"]


@admin.register(Escalation)
class EscalationAdmin(ByCaseNumberAdmin):
    list_display = ["case", "rule", "fire_at", "fired_at", "cancelled_at"]
