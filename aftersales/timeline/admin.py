from django.contrib import admin

from aftersales.timeline.models import Entry
from aftersales.timeline.services import record_saved, snapshot


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


class RecordedAdminMixin(admin.ModelAdmin):
    """For a ModelAdmin: every save from the admin is recorded on the row's timeline
    (`record.created` / `record.changed`, before → after, by the signed-in user)."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        obj._timeline_before = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        record_saved(obj, actor=request.user, before=getattr(obj, "_timeline_before", None))
