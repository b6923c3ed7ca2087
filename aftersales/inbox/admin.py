from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.inbox.models import InboundMessage, IntakeSettings, Mailbox


class MailboxForm(forms.ModelForm):
    """The password is write-only: the page says whether one is set, never what it is."""

    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave empty to keep the current one, or name a variable below instead."),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "kind",
            "host",
            "port",
            "security",
            "username",
            "password_env",
            "folder",
            "move_to",
            "path",
            "is_active",
        )

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            mailbox.password = ""
        elif self.cleaned_data.get("new_password"):
            mailbox.password = self.cleaned_data["new_password"]
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "kind", "host", "username", "folder", "path", "is_active", "last_fetched_at", "last_error")
    list_filter = ("kind", "is_active")
    readonly_fields = ("password_state", "last_fetched_at", "last_error")
    fields = (
        "name",
        "kind",
        "host",
        "port",
        "security",
        "username",
        "password_state",
        "new_password",
        "clear_password",
        "password_env",
        "folder",
        "move_to",
        "path",
        "is_active",
        "last_fetched_at",
        "last_error",
    )

    @admin.display(description=_("password"))
    def password_state(self, mailbox: Mailbox) -> str:
        return _("set") if mailbox.pk and mailbox.has_password else _("not set")


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
