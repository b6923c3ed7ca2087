"""Dispatch master data in the administration: teams, engineers' skills and availability, the
assignment rules (also editable at /dispatch/rules/), and read-only views of what was recorded."""

from django.contrib import admin

from aftersales.dispatch.models import (
    AssignmentRule,
    Engineer,
    Handover,
    RemoteAuthorisation,
    Shift,
    ShiftSwap,
    Team,
    VendorCase,
)
from aftersales.timeline.admin import RecordedAdminMixin


@admin.register(Team)
class TeamAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "tier", "region", "service_office", "auto_assign", "manager"]
    list_filter = ["tier", "auto_assign", "region"]
    search_fields = ["name", "region"]
    filter_horizontal = ["members"]


@admin.register(Engineer)
class EngineerAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "region", "service_office", "categories", "available", "assignments"]
    list_filter = ["available", "region", "service_office"]
    search_fields = ["user__username", "user__display_name", "region"]
    filter_horizontal = ["vendors"]
    autocomplete_fields = ["user"]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["order", "name", "category", "vendor", "region", "severities", "team", "is_active"]
    list_display_links = ["name"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "team", "category"]
    search_fields = ["name", "region"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded through the services (with their timeline entries): looked at here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ["team", "region", "kind", "starts_at", "ends_at", "duty_engineer", "duty_manager"]
    list_filter = ["team", "kind"]
    date_hierarchy = "starts_at"


@admin.register(ShiftSwap)
class ShiftSwapAdmin(ReadOnlyAdmin):
    list_display = ["shift", "duty", "from_user", "to_user", "reason", "by", "at"]


@admin.register(RemoteAuthorisation)
class RemoteAuthorisationAdmin(ReadOnlyAdmin):
    list_display = ["customer", "equipment", "granted_by", "channel", "granted_at", "valid_until", "recorded_by"]
    search_fields = ["customer__name", "granted_by"]


@admin.register(VendorCase)
class VendorCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "vendor", "party", "case", "severity", "status", "opened_at"]
    list_filter = ["kind", "status", "vendor"]
    search_fields = ["number", "case__number", "party"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["case", "from_team", "to_team", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status", "to_team"]
