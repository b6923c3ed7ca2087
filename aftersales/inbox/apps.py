from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "aftersales.inbox"
    label = "inbox"
    verbose_name = _("E-mail in")

    def ready(self) -> None:
        from aftersales.inbox import permissions

        permissions.register()

        from aftersales.inbox import notices

        notices.register()
