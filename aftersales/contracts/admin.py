from django.contrib import admin

from aftersales.contracts.models import ChargeStandard, ServiceContract
from aftersales.timeline.admin import RecordedAdminMixin


@admin.register(ChargeStandard)
class ChargeStandardAdmin(admin.ModelAdmin):
    list_display = ["name", "hardware_repair_rate", "on_site_fee", "hourly_rate", "is_default"]
    search_fields = ["name", "description"]


@admin.register(ServiceContract)
class ServiceContractAdmin(RecordedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "name", "customer", "coverage", "service_level", "start_date", "end_date", "annual_fee"]
    list_filter = ["coverage", "service_level", "customer"]
    search_fields = ["number", "name", "customer__name", "equipment__serial_number"]
    autocomplete_fields = ["customer", "equipment"]
    date_hierarchy = "end_date"
