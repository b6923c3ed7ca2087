"""Cases are read-only here: every change goes through the workflow services and pages."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from aftersales.cases.models import Case, CaseEvent, Consultation, SuspensionRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(GenericTabularInline):
    model = CaseEvent
    ct_field, ct_fk_field = "subject_type", "subject_id"
    fields = ["at", "actor", "kind", "from_status", "to_status", "is_public", "text", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "customer", "severity", "status", "owner", "opened_at"]
    list_filter = ["status", "severity", "kind", "channel"]
    search_fields = ["number", "title", "customer__name"]
    inlines = [CaseEventInline]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["at", "customer", "contact", "answered_by", "question"]
    search_fields = ["question", "answer", "customer__name"]


@admin.register(SuspensionRequest)
class SuspensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["case", "requested_by", "requested_at", "consent_by", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["case__number", "reason"]
