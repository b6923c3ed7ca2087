from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "phone", "language", "is_active"]
    list_filter = ["groups", "is_active", "language"]
    search_fields = ["username", "display_name", "email", "phone", "first_name", "last_name"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Aftersales"), {"fields": ["display_name", "phone", "language"]}),)
