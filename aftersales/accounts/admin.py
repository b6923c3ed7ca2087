from axes.utils import reset as reset_lockout
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "phone", "language", "is_active"]
    list_filter = ["groups", "is_active", "language"]
    search_fields = ["username", "display_name", "email", "phone", "first_name", "last_name"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Aftersales"), {"fields": ["display_name", "phone", "language"]}))
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock log-in (forget failed attempts)"))
    def unlock_login(self, request, queryset):
        """Lifts a lock-out before its cool-off ends: the accounts' failed attempts are forgotten."""
        names = list(queryset.values_list("username", flat=True))
        for name in names:
            reset_lockout(username=name.strip().lower())
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", len(names)) % {"count": len(names)},
            messages.SUCCESS,
        )
