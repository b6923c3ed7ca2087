from django.contrib import admin

from aftersales.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "case", "status", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]
