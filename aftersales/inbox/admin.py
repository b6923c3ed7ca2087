from django.contrib import admin

from aftersales.inbox.models import InboundMessage, IntakeSettings, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "host", "username", "folder", "path", "is_active", "last_fetched_at", "last_error")
    list_filter = ("kind", "is_active")
    readonly_fields = ("last_fetched_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are handled on the triage and quarantine pages, through services."""

    list_display = ("created_at", "from_address", "subject", "outcome", "case")
    list_filter = ("outcome", "mailbox")
    search_fields = ("subject", "from_address", "message_id")
    exclude = ("raw", "body_html")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IntakeSettings)
class IntakeSettingsAdmin(admin.ModelAdmin):
    """One row: the reopen window for e-mail about closed cases."""

    list_display = ("__str__", "reopen_window_days")

    def has_add_permission(self, request):
        return not IntakeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
