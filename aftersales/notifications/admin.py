from django.contrib import admin

from aftersales.notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "address", "recipient", "contact", "case", "status", "attempts"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["subject", "address", "recipient__username", "case__number", "message_id"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ["recipient", "contact", "case"]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "quiet_start", "quiet_end", "updated_at"]
    search_fields = ["user__username", "user__display_name"]
