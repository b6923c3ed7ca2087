from django.contrib import admin

from aftersales.timeline.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Read-only: history is written by services, never edited by hand."""

    list_display = ["created_at", "subject_type", "subject_id", "kind", "actor", "public"]
    list_filter = ["subject_type", "kind", "public"]
    search_fields = ["subject_id", "kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
