from django.contrib import admin

from aftersales.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "subject_type",
        "subject_id",
        "audience",
        "language",
        "version",
        "status",
        "created_at",
    )
    list_filter = ("kind", "status", "audience", "language")
    readonly_fields = [field.name for field in Document._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
