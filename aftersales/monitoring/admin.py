"""Alarm sources and severity mappings are edited here; received alarms are read-only."""

from django.contrib import admin

from aftersales.monitoring.models import Alarm, AlarmSource, SeverityMapping


class SeverityMappingInline(admin.TabularInline):
    model = SeverityMapping
    fields = ["monitoring_severity", "case_severity"]
    extra = 1


@admin.register(AlarmSource)
class AlarmSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "api_user", "default_severity", "on_clear", "is_active"]
    list_filter = ["is_active", "on_clear"]
    search_fields = ["name", "code", "api_user__username"]
    autocomplete_fields = ["api_user"]
    inlines = [SeverityMappingInline]


@admin.register(SeverityMapping)
class SeverityMappingAdmin(admin.ModelAdmin):
    list_display = ["monitoring_severity", "case_severity", "source"]
    list_editable = ["case_severity"]
    list_filter = ["source", "case_severity"]
    search_fields = ["monitoring_severity"]


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "alarm_id", "event", "equipment", "severity", "case", "action"]
    list_filter = ["source", "event", "action"]
    search_fields = ["alarm_id", "text", "equipment__serial_number", "equipment__hostname", "case__number"]
    list_select_related = ["source", "equipment__product_model__vendor", "case"]
    readonly_fields = [f.name for f in Alarm._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
