"""Visits and reports in the administration: read only (they change through the services)."""

from django.contrib import admin

from aftersales.field.models import OpenPoint, ServiceReport, Visit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "status", "planned_departure_at", "arrived_at", "checked_out_at")
    list_filter = ("status",)
    search_fields = ("case__number",)
    raw_id_fields = ("case",)


class OpenPointInline(admin.TabularInline):
    model = OpenPoint
    fields = ("position", "text", "case")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyAdmin):
    list_display = ("pk", "visit", "kind", "test_result", "customer_signer", "submitted_at")
    list_filter = ("kind", "test_result")
    search_fields = ("visit__case__number", "customer_signer")
    exclude = ("customer_signature", "engineer_signature")
    inlines = [OpenPointInline]
