from django.contrib import admin

from aftersales.approvals.models import Request


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    """Read-only: requests are asked for and decided through the services, never by hand."""

    list_display = ["requested_at", "kind", "subject_type", "subject_id", "status", "requester", "decided_by"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
