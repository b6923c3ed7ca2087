from django.contrib import admin

from aftersales.cases.models import CallbackRequest
from aftersales.portal.models import Registration


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "severity", "customer", "contact", "phone", "handled_by", "handled_at"]
    list_filter = ["severity"]
    readonly_fields = [f.name for f in CallbackRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "name", "email", "customer", "status", "decided_by"]
    list_filter = ["status"]
    search_fields = ["name", "email", "customer__name"]
    readonly_fields = [f.name for f in Registration._meta.fields]

    def has_add_permission(self, request):
        return False
